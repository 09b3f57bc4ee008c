package social

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
)

// attachMedia describes a local status's media for the wire, in the
// shape Mastodon emits (Document with alt text in name, blurhash,
// focalPoint, width and height).
func (s *Service) attachMedia(ctx context.Context, db bun.IDB, st *model.Status, post *ap.Post) error {
	var list []model.MediaAttachment
	if err := db.NewSelect().Model(&list).Where("status_id = ?", st.ID).Order("id").Scan(ctx); err != nil {
		return err
	}
	for _, m := range list {
		url := m.RemoteURL
		if s.MediaURL != nil && m.FilePath != "" {
			url = s.MediaURL(&m)
		}
		if url == "" {
			continue
		}
		post.Attachments = append(post.Attachments, ap.Attachment{Type: "Document", URL: url, MediaType: m.ContentType,
			Name: m.Description, Blurhash: m.Blurhash, Width: m.Width, Height: m.Height, FocusX: m.FocusX, FocusY: m.FocusY})
	}
	return nil
}

// storeRemoteMedia records a remote post's attachments by their URL: we
// do not copy remote files (clients load them from their origin).
func (s *Service) storeRemoteMedia(ctx context.Context, db bun.IDB, st *model.Status, post *ap.Post) error {
	for i, a := range post.Attachments {
		if i >= MaxMediaAttachments*2 {
			break
		}
		m := &model.MediaAttachment{ID: model.NewID(st.CreatedAt), AccountID: st.AccountID, StatusID: &st.ID,
			Type: mediaTypeOf(a), ContentType: a.MediaType, Width: a.Width, Height: a.Height, Blurhash: a.Blurhash,
			Description: truncate(a.Name, 1500), RemoteURL: a.URL, Processed: true, CreatedAt: st.CreatedAt}
		if len(m.Blurhash) > 100 {
			m.Blurhash = ""
		}
		if _, err := db.NewInsert().Model(m).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

func mediaTypeOf(a ap.Attachment) string {
	switch {
	case strings.HasPrefix(a.MediaType, "image/gif"):
		return model.MediaGifv
	case strings.HasPrefix(a.MediaType, "image/") || a.Type == "Image":
		return model.MediaImage
	case strings.HasPrefix(a.MediaType, "video/") || a.Type == "Video":
		return model.MediaVideo
	case strings.HasPrefix(a.MediaType, "audio/") || a.Type == "Audio":
		return model.MediaAudio
	}
	return model.MediaUnknown
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

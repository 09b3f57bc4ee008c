package social

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/coopol/coopol/linkpreview"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/queue"
	"github.com/coopol/coopol/storage"
)

// queueCardFetch queues the link preview of a status just stored or
// edited, in the same transaction. Direct messages get none: fetching
// would tell the linked site that the link was shared, and a DM's links
// are nobody else's business (Mastodon fetches for every post; we don't
// for DMs). Members-only and followers-only posts do get one: the site
// learns only its own URL and our instance's name, and the card is shown
// only where the post is.
func (s *Service) queueCardFetch(ctx context.Context, tx bun.Tx, st *model.Status) error {
	if s.Queue == nil || st.ReblogOfID != nil || st.Visibility == model.VisibilityDirect {
		return nil
	}
	if !strings.Contains(st.Content, "href") {
		if st.EditedAt != nil {
			return s.Store.DeletePreviewCard(ctx, tx, st.ID) // the edit removed the link
		}
		return nil
	}
	return s.Queue.EnqueueTx(ctx, tx, queue.FetchCardArgs{StatusID: st.ID})
}

// CardImages stores a card's thumbnail; media.Service re-encodes it
// like an upload, so no EXIF or other metadata of the remote file is
// kept, and serves it from here: readers' browsers never load images
// from the linked site.
type CardImages interface {
	Upload(ctx context.Context, account *model.Account, r io.Reader, filename, description string, focusX, focusY float64) (*model.MediaAttachment, error)
	Delete(ctx context.Context, m *model.MediaAttachment) error
}

// CardWorker fetches the preview of a status's first link.
type CardWorker struct {
	river.WorkerDefaults[queue.FetchCardArgs]
	Social  *Service
	Fetcher *linkpreview.Fetcher
	Images  CardImages
}

func (w *CardWorker) Work(ctx context.Context, job *river.Job[queue.FetchCardArgs]) error {
	s := w.Social
	st, err := s.Store.StatusByID(ctx, job.Args.StatusID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // deleted meanwhile, or rolled back
	}
	if err != nil {
		return err
	}
	if st.ReblogOfID != nil || st.Visibility == model.VisibilityDirect {
		return nil
	}
	link := linkpreview.FirstLink(st.Content)
	if link == "" {
		return s.Store.DeletePreviewCard(ctx, nil, st.ID)
	}
	old, err := s.Store.PreviewCard(ctx, st.ID)
	if err == nil && old.URL == link {
		return nil // an edit that kept the link
	}
	card, err := w.Fetcher.Fetch(ctx, link)
	if err != nil {
		// The site's problem, not ours: no card, no retry. Only the host
		// is logged (the path may be private).
		s.Log.Info("link preview: none", "host", hostOf(link), "reason", err)
		return nil
	}
	row := &model.PreviewCard{
		StatusID: st.ID, URL: card.URL, Type: card.Type, Title: card.Title, Description: card.Description,
		AuthorName: card.AuthorName, AuthorURL: card.AuthorURL, ProviderName: card.ProviderName, ProviderURL: card.ProviderURL,
		CreatedAt: s.now(),
	}
	if card.ImageURL != "" && w.Images != nil && st.Account != nil {
		if m := w.thumbnail(ctx, st.Account, card.ImageURL); m != nil {
			row.ImageMediaID, row.Width, row.Height = &m.ID, m.Width, m.Height
		}
	}
	if err := s.Store.UpsertPreviewCard(ctx, row); err != nil {
		return err
	}
	if old != nil && old.Image != nil && w.Images != nil {
		// The previous link's thumbnail is nobody's any more.
		if err := w.Images.Delete(ctx, old.Image); err != nil {
			s.Log.Warn("link preview: remove old image", "err", err)
		}
	}
	return nil
}

// thumbnail fetches and re-encodes a card image; nil if it is not a
// usable image (the card is kept without one).
func (w *CardWorker) thumbnail(ctx context.Context, author *model.Account, imageURL string) *model.MediaAttachment {
	data, err := w.Fetcher.Image(ctx, imageURL)
	if err != nil {
		w.Social.Log.Info("link preview: no image", "host", hostOf(imageURL), "reason", err)
		return nil
	}
	m, err := w.Images.Upload(ctx, author, bytes.NewReader(data), "", "", 0, 0)
	if err != nil {
		w.Social.Log.Info("link preview: image refused", "host", hostOf(imageURL), "reason", err)
		return nil
	}
	if m.Type != model.MediaImage {
		w.Images.Delete(ctx, m) //nolint:errcheck // a sound or a video posing as an image
		return nil
	}
	return m
}

func hostOf(raw string) string {
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		host, _, _ := strings.Cut(rest, "/")
		return host
	}
	return ""
}

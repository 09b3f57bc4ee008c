package media

import (
	"errors"
	"io/fs"
	"net/http"
	"strings"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// CanSeeFunc decides whether the request may read an attachment's files.
// m.Status is loaded when the attachment is attached. Return false to
// answer 404 (never 403, which would confirm the file exists).
type CanSeeFunc func(r *http.Request, m *model.MediaAttachment) bool

// Handler serves stored files at GET/HEAD /media/<stored path>. Mount it
// on the /media/ prefix as it is (gin: router.GET("/media/*path",
// gin.WrapH(h)) and the same for HEAD); it reads the whole r.URL.Path.
//
// Access: the baseline is that stored names carry 128 random bits and are
// only published in statuses their audience can see, so a URL cannot be
// guessed. canSee adds a real check on every request; the server wires it
// to the audience rules so that the media of members-only, private and
// direct statuses are served only to viewers allowed to see the status
// (remote instances fetching them need the same rule as for the status).
// When canSee is nil, PublicOrUnattached is used: files of public and
// unlisted statuses, avatars, headers and not yet posted uploads are
// served; files of any other status are not.
//
// The files are read from the Store (local disk or S3 bucket, streamed);
// with media.s3.public_url set, URL and PreviewURL point at the bucket or
// CDN instead and this handler is not reached through them.
//
// Only paths of the stored-name pattern are looked up, only the row's own
// file and thumbnail are served, and only with the content type sniffed at
// upload time.
func (s *Service) Handler(canSee CanSeeFunc) http.Handler {
	if canSee == nil {
		canSee = PublicOrUnattached
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Referrer-Policy", "no-referrer")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rel, ok := strings.CutPrefix(r.URL.Path, "/media/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		id, ok := parsePath(rel)
		if !ok {
			http.NotFound(w, r)
			return
		}
		m, err := s.store.MediaByID(r.Context(), id)
		if errors.Is(err, storage.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			s.log().Error("media: look up attachment", "media_id", id, "error", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		var contentType string
		switch rel {
		case m.FilePath:
			contentType = m.ContentType
		case m.ThumbnailPath:
			contentType = thumbnailType(rel)
		default:
			http.NotFound(w, r)
			return
		}
		if !servable[contentType] || !canSee(r, m) {
			http.NotFound(w, r)
			return
		}
		f, info, err := s.files.Open(r.Context(), rel)
		if errors.Is(err, fs.ErrNotExist) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			s.log().Error("media: open stored file", "media_id", id, "error", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		defer f.Close()
		h.Set("Content-Type", contentType)
		h.Set("Content-Disposition", "inline")
		// Files never change (a new upload gets a new name). Shared caches
		// may keep only what anyone may see.
		if isPublic(m) {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "private, max-age=31536000, immutable")
		}
		http.ServeContent(w, r, "", info.ModTime, f)
	})
}

// PublicOrUnattached is the default access rule: allowed when the
// attachment belongs to no status (avatars, headers, uploads not yet
// posted: reachable only by their random name) or to a public or unlisted
// one; refused for members-only, private and direct statuses, which need
// the server's audience rules.
func PublicOrUnattached(r *http.Request, m *model.MediaAttachment) bool {
	return m.StatusID == nil || isPublic(m)
}

func isPublic(m *model.MediaAttachment) bool {
	if m.StatusID == nil || m.Status == nil {
		return false
	}
	v := m.Status.Visibility
	return v == model.VisibilityPublic || v == model.VisibilityUnlisted
}

func thumbnailType(rel string) string {
	switch {
	case strings.HasSuffix(rel, ".jpg"):
		return "image/jpeg"
	case strings.HasSuffix(rel, ".png"):
		return "image/png"
	}
	return ""
}

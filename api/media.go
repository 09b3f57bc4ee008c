package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/media"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

type mediaJSON struct {
	ID          string     `json:"id"`
	Type        string     `json:"type"`
	URL         *string    `json:"url"`
	PreviewURL  *string    `json:"preview_url"`
	RemoteURL   *string    `json:"remote_url"`
	Meta        media.Meta `json:"meta"`
	Description *string    `json:"description"`
	Blurhash    *string    `json:"blurhash"`
}

func (h *Handlers) mediaEntity(m *model.MediaAttachment) mediaJSON {
	out := mediaJSON{ID: m.ID, Type: m.Type, Meta: media.MetaOf(m), Description: strPtr(m.Description), Blurhash: strPtr(m.Blurhash)}
	if m.Description == "" {
		out.Description = nil
	}
	if m.Blurhash == "" {
		out.Blurhash = nil
	}
	url, preview := m.RemoteURL, m.RemoteURL
	if h.Media != nil {
		url, preview = h.Media.URL(m), h.Media.PreviewURL(m)
	}
	if url != "" {
		out.URL = &url
	}
	if preview != "" {
		out.PreviewURL = &preview
	} else if m.Type == model.MediaImage || m.Type == model.MediaGifv {
		out.PreviewURL = out.URL
	}
	if m.RemoteURL != "" {
		out.RemoteURL = &m.RemoteURL
	}
	return out
}

func (h *Handlers) mediaRoutes(v1, v2 *gin.RouterGroup) {
	if h.Media == nil {
		return
	}
	write := h.RequireScope("write:media")
	v1.POST("/media", write, h.uploadMedia)
	v2.POST("/media", write, h.uploadMedia)
	v1.GET("/media/:id", write, h.getMedia)
	v1.PUT("/media/:id", write, h.updateMedia)
}

// uploadMedia: POST /api/v1/media and /api/v2/media. Files are
// processed during the request (images re-encoded, which strips EXIF
// and GPS, P-07), so v2 can answer 200 with the URL at once.
func (h *Handlers) uploadMedia(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, h.Media.MaxUploadSize()+1<<20)
	fh, err := c.FormFile("file")
	if err != nil {
		ErrorJSON(c, http.StatusUnprocessableEntity, "file is required (multipart/form-data)")
		return
	}
	if mf := c.Request.MultipartForm; mf != nil && !text.CleanValues(mf.Value) {
		ErrorJSON(c, http.StatusBadRequest, "a parameter holds a NUL byte or is not UTF-8")
		return
	}
	x, y, err := media.ParseFocus(c.PostForm("focus"))
	if err != nil {
		ErrorJSON(c, http.StatusUnprocessableEntity, err.Error())
		return
	}
	f, err := fh.Open()
	if err != nil {
		ErrorJSON(c, http.StatusUnprocessableEntity, "file could not be read")
		return
	}
	defer f.Close()
	m, err := h.Media.Upload(c.Request.Context(), CurrentAccount(c), f, fh.Filename, c.PostForm("description"), x, y)
	if err != nil {
		h.mediaError(c, err)
		return
	}
	out := h.mediaEntity(m)
	// Say whether metadata was removed: without ffmpeg, audio and video
	// keep theirs (location tags included), and the app can warn.
	removed := m.MetadataStripped
	out.Meta.MetadataRemoved = &removed
	c.JSON(http.StatusOK, out)
}

func (h *Handlers) mediaError(c *gin.Context, err error) {
	switch {
	case errors.Is(err, media.ErrTooLarge):
		ErrorJSON(c, http.StatusRequestEntityTooLarge, err.Error())
	case media.IsRejected(err):
		ErrorJSON(c, http.StatusUnprocessableEntity, err.Error())
	case errors.Is(err, storage.ErrNotFound):
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
	default:
		h.internalError(c, err)
	}
}

func (h *Handlers) getMedia(c *gin.Context) {
	m, err := h.Media.Owned(c.Request.Context(), CurrentAccount(c).ID, c.Param("id"))
	if err != nil {
		h.mediaError(c, err)
		return
	}
	c.JSON(http.StatusOK, h.mediaEntity(m))
}

func (h *Handlers) updateMedia(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	ctx, accountID := c.Request.Context(), CurrentAccount(c).ID
	m, err := h.Media.Owned(ctx, accountID, c.Param("id"))
	if err != nil {
		h.mediaError(c, err)
		return
	}
	if m.StatusID != nil {
		ErrorJSON(c, http.StatusUnprocessableEntity, "media already attached to a status cannot be changed")
		return
	}
	x, y := m.FocusX, m.FocusY
	if f := p.Get("focus"); f != "" {
		if x, y, err = media.ParseFocus(f); err != nil {
			ErrorJSON(c, http.StatusUnprocessableEntity, err.Error())
			return
		}
	}
	desc := m.Description
	if p.has("description") {
		desc = p.Get("description")
	}
	m, err = h.Media.Update(ctx, accountID, m.ID, desc, x, y)
	if err != nil {
		h.mediaError(c, err)
		return
	}
	c.JSON(http.StatusOK, h.mediaEntity(m))
}

package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// cardJSON is Mastodon's PreviewCard. html is always empty: embedded
// players (oEmbed iframes) are not passed on, only their title,
// provider and thumbnail.
type cardJSON struct {
	URL              string  `json:"url"`
	Title            string  `json:"title"`
	Description      string  `json:"description"`
	Type             string  `json:"type"`
	AuthorName       string  `json:"author_name"`
	AuthorURL        string  `json:"author_url"`
	ProviderName     string  `json:"provider_name"`
	ProviderURL      string  `json:"provider_url"`
	HTML             string  `json:"html"`
	Width            int     `json:"width"`
	Height           int     `json:"height"`
	Image            *string `json:"image"`
	ImageDescription string  `json:"image_description"`
	EmbedURL         string  `json:"embed_url"`
	Blurhash         *string `json:"blurhash"`
	PublishedAt      *string `json:"published_at"`
	Authors          []any   `json:"authors"`
}

func (h *Handlers) cardEntity(c *model.PreviewCard) cardJSON {
	out := cardJSON{
		URL: c.URL, Title: c.Title, Description: c.Description, Type: c.Type,
		AuthorName: c.AuthorName, AuthorURL: c.AuthorURL, ProviderName: c.ProviderName, ProviderURL: c.ProviderURL,
		Authors: []any{},
	}
	if out.Type == "video" || out.Type == "rich" {
		// The player (oEmbed html) is never passed on: as a video card
		// without html, apps would show a play button that plays nothing.
		out.Type = "link"
	}
	if m := c.Image; m != nil {
		var u string
		if h.Media != nil {
			u = h.Media.PreviewURL(m)
		}
		if u == "" && h.Social != nil && h.Social.MediaURL != nil {
			u = h.Social.MediaURL(m)
		}
		if u != "" {
			out.Image = &u
			out.Width, out.Height = m.Width, m.Height
			if m.Blurhash != "" {
				out.Blurhash = &m.Blurhash
			}
		}
	}
	return out
}

// statusCard: GET /api/v1/statuses/:id/card — the status's card, or {}
// (Mastodon's answer for a status without one). The card is only ever
// reached through its status, so it has the status's audience.
func (h *Handlers) statusCard(c *gin.Context) {
	st, ok := h.visibleStatusParam(c)
	if !ok {
		return
	}
	if st.ReblogOfID != nil {
		// A boost has no text of its own: its original's card.
		if orig, err := h.Store.StatusByID(c.Request.Context(), *st.ReblogOfID); err == nil {
			if ok, err := h.Social.CanView(c.Request.Context(), CurrentAccount(c), orig); err == nil && ok {
				st = orig
			}
		}
	}
	card, err := h.Store.PreviewCard(c.Request.Context(), st.ID)
	if errors.Is(err, storage.ErrNotFound) {
		c.JSON(http.StatusOK, gin.H{})
		return
	}
	if err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, h.cardEntity(card))
}

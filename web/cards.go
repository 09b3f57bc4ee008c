package web

import (
	"context"
	"net/url"
)

// cardView is the link preview under a post. Its image is our own
// re-encoded copy, so the reader's browser asks nothing of the linked
// site until the reader follows the link.
type cardView struct {
	URL, Title, Description, Provider string
	Image                             string
	Width, Height                     int
}

// attachCards adds the link previews of statuses already filtered by the
// audience rule (a card is only ever shown with its post).
func (h *Handlers) attachCards(ctx context.Context, views []statusView) error {
	ids := make([]string, 0, len(views))
	for _, v := range views {
		ids = append(ids, v.ID)
	}
	cards, err := h.Store.PreviewCardsFor(ctx, ids)
	if err != nil {
		return err
	}
	for i := range views {
		c := cards[views[i].ID]
		if c == nil {
			continue
		}
		cv := &cardView{URL: c.URL, Title: c.Title, Description: c.Description, Provider: c.ProviderName}
		if cv.Provider == "" {
			if u, err := url.Parse(c.URL); err == nil {
				cv.Provider = u.Host
			}
		}
		if m := c.Image; m != nil && m.ThumbnailPath != "" {
			cv.Image, cv.Width, cv.Height = "/media/"+m.ThumbnailPath, m.Width, m.Height
		}
		views[i].Card = cv
	}
	return nil
}

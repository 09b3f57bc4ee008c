package storage

import (
	"context"
	"strings"
)

// LinkTimeline lists public posts whose content links to url (an href
// of exactly that URL), newest first.
func (s *Storage) LinkTimeline(ctx context.Context, url string, visible StatusFilter, p Page) ([]Entry, error) {
	href := `%href="` + escapeLike(strings.ReplaceAll(url, "&", "&amp;")) + `"%`
	q := s.statuses().
		Where("s.visibility = 'public' AND s.reblog_of_id IS NULL").
		Where(`s.content LIKE ? ESCAPE '\'`, href).
		Apply(visible)
	return pageEntries(ctx, q, "s.id", "s.id", p)
}

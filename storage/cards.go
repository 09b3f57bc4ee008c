package storage

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// UpsertPreviewCard stores the card of a status, replacing an earlier one
// (the post was edited to link elsewhere).
func (s *Storage) UpsertPreviewCard(ctx context.Context, c *model.PreviewCard) error {
	_, err := s.DB.NewInsert().Model(c).On("CONFLICT (status_id) DO UPDATE").
		Set("url = EXCLUDED.url, type = EXCLUDED.type, title = EXCLUDED.title, description = EXCLUDED.description").
		Set("author_name = EXCLUDED.author_name, author_url = EXCLUDED.author_url").
		Set("provider_name = EXCLUDED.provider_name, provider_url = EXCLUDED.provider_url").
		Set("image_media_id = EXCLUDED.image_media_id, width = EXCLUDED.width, height = EXCLUDED.height, created_at = EXCLUDED.created_at").
		Exec(ctx)
	return err
}

// DeletePreviewCard removes the card of a status (its link is gone).
func (s *Storage) DeletePreviewCard(ctx context.Context, db bun.IDB, statusID string) error {
	if db == nil {
		db = s.DB
	}
	_, err := db.NewDelete().Model((*model.PreviewCard)(nil)).Where("status_id = ?", statusID).Exec(ctx)
	return err
}

// PreviewCard returns the card of one status. The caller has checked
// that the viewer may see the status: a card has no audience of its own.
func (s *Storage) PreviewCard(ctx context.Context, statusID string) (*model.PreviewCard, error) {
	c := new(model.PreviewCard)
	err := s.DB.NewSelect().Model(c).Relation("Image").Where("pc.status_id = ?", statusID).Scan(ctx)
	return c, notFound(err)
}

// PreviewCardsFor returns the cards of statuses by status id, for
// statuses the caller already filtered by audience.
func (s *Storage) PreviewCardsFor(ctx context.Context, statusIDs []string) (map[string]*model.PreviewCard, error) {
	out := map[string]*model.PreviewCard{}
	if len(statusIDs) == 0 {
		return out, nil
	}
	var cards []model.PreviewCard
	if err := s.DB.NewSelect().Model(&cards).Relation("Image").Where("pc.status_id IN (?)", bun.In(statusIDs)).Scan(ctx); err != nil {
		return nil, err
	}
	for i := range cards {
		out[cards[i].StatusID] = &cards[i]
	}
	return out, nil
}

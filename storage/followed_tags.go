package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// EnsureTag returns the hashtag named name, creating it if unknown (one
// can follow a tag nobody used yet).
func (s *Storage) EnsureTag(ctx context.Context, name string, now time.Time) (*model.Tag, error) {
	tag := &model.Tag{ID: model.NewID(now), Name: name, CreatedAt: now}
	if _, err := s.DB.NewInsert().Model(tag).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return nil, fmt.Errorf("insert tag: %w", err)
	}
	return s.TagByName(ctx, name)
}

// FollowTag makes accountID follow tagID (idempotent).
func (s *Storage) FollowTag(ctx context.Context, accountID, tagID string, now time.Time) error {
	row := map[string]any{"id": model.NewID(now), "account_id": accountID, "tag_id": tagID, "created_at": now}
	_, err := s.DB.NewInsert().Model(&row).TableExpr("followed_tags").On("CONFLICT DO NOTHING").Exec(ctx)
	return err
}

// UnfollowTag stops following a tag.
func (s *Storage) UnfollowTag(ctx context.Context, accountID, tagID string) error {
	_, err := s.DB.NewDelete().TableExpr("followed_tags").Where("account_id = ? AND tag_id = ?", accountID, tagID).Exec(ctx)
	return err
}

// FollowsTag reports whether accountID follows the tag named name.
func (s *Storage) FollowsTag(ctx context.Context, accountID, name string) (bool, error) {
	if accountID == "" {
		return false, nil
	}
	return s.DB.NewSelect().TableExpr("followed_tags AS ft").Join("JOIN tags AS t ON t.id = ft.tag_id").
		Where("ft.account_id = ? AND lower(t.name) = ?", accountID, strings.ToLower(name)).Exists(ctx)
}

// FollowedTagsPage lists the tags accountID follows, newest follow
// first, paged by the follow's id.
func (s *Storage) FollowedTagsPage(ctx context.Context, accountID string, p Page) ([]Entry, error) {
	q := s.DB.NewSelect().TableExpr("followed_tags AS ft").Where("ft.account_id = ?", accountID)
	return pageEntries(ctx, q, "ft.id", "ft.tag_id", p)
}

// TagsByIDs loads tags by id, keyed by id.
func (s *Storage) TagsByIDs(ctx context.Context, ids []string) (map[string]model.Tag, error) {
	out := map[string]model.Tag{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []model.Tag
	err := s.DB.NewSelect().Model(&rows).Where("id IN (?)", bun.In(ids)).Scan(ctx)
	for _, t := range rows {
		out[t.ID] = t
	}
	return out, err
}

package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// InsertOutboxActivity stores an activity we are about to deliver.
func (s *Storage) InsertOutboxActivity(ctx context.Context, db bun.IDB, a *model.OutboxActivity) error {
	if _, err := db.NewInsert().Model(a).Exec(ctx); err != nil {
		return fmt.Errorf("insert outbox activity: %w", err)
	}
	return nil
}

func (s *Storage) OutboxActivity(ctx context.Context, id string) (*model.OutboxActivity, error) {
	a := new(model.OutboxActivity)
	err := s.DB.NewSelect().Model(a).Where("id = ?", id).Scan(ctx)
	return a, notFound(err)
}

// MarkSeen records an incoming activity id; false if it was already seen
// the same activity arrives by shared and personal inbox, and by
// retries).
func (s *Storage) MarkSeen(ctx context.Context, db bun.IDB, uri string, at time.Time) (bool, error) {
	res, err := db.NewInsert().Model(&map[string]any{"uri": uri, "received_at": at}).TableExpr("inbox_seen").
		On("CONFLICT (uri) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("mark seen: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// AddTombstone remembers a deleted object so a late Create is dropped.
func (s *Storage) AddTombstone(ctx context.Context, db bun.IDB, uri string, at time.Time) error {
	_, err := db.NewInsert().Model(&map[string]any{"uri": uri, "deleted_at": at}).TableExpr("tombstones").
		On("CONFLICT (uri) DO NOTHING").Exec(ctx)
	return err
}

// IsTombstoned reports whether uri was deleted.
func (s *Storage) IsTombstoned(ctx context.Context, uri string) (bool, error) {
	return s.DB.NewSelect().TableExpr("tombstones").Where("uri = ?", uri).Exists(ctx)
}

// DomainRule returns the rule for a domain ("" kind if none).
func (s *Storage) DomainRule(ctx context.Context, domain string) (kind string, err error) {
	err = s.DB.NewSelect().TableExpr("domain_rules").Column("kind").Where("domain = ?", domain).Scan(ctx, &kind)
	if err != nil && notFound(err) == ErrNotFound {
		return "", nil
	}
	return kind, err
}

// SetDomainRule stores a block or allow rule for a domain.
func (s *Storage) SetDomainRule(ctx context.Context, domain, kind, reason string, at time.Time) error {
	_, err := s.DB.NewInsert().Model(&map[string]any{"domain": domain, "kind": kind, "severity": "suspend", "reason": reason, "created_at": at}).
		TableExpr("domain_rules").On("CONFLICT (domain) DO UPDATE").Set("kind = EXCLUDED.kind, reason = EXCLUDED.reason").Exec(ctx)
	return err
}

// InsertReport stores a report for the moderators.
func (s *Storage) InsertReport(ctx context.Context, r *model.Report) error {
	_, err := s.DB.NewInsert().Model(r).Exec(ctx)
	return err
}

// IsSeen reports whether an incoming activity id was already processed.
func (s *Storage) IsSeen(ctx context.Context, uri string) (bool, error) {
	return s.DB.NewSelect().TableExpr("inbox_seen").Where("uri = ?", uri).Exists(ctx)
}

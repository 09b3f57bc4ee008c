package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// Follow returns the follow from accountID to targetID.
func (s *Storage) Follow(ctx context.Context, accountID, targetID string) (*model.Follow, error) {
	f := new(model.Follow)
	err := s.DB.NewSelect().Model(f).Where("account_id = ? AND target_account_id = ?", accountID, targetID).Scan(ctx)
	return f, notFound(err)
}

// FollowByURI finds a follow by its Follow activity id.
func (s *Storage) FollowByURI(ctx context.Context, uri string) (*model.Follow, error) {
	f := new(model.Follow)
	err := s.DB.NewSelect().Model(f).Where("uri = ?", uri).Limit(1).Scan(ctx)
	return f, notFound(err)
}

// UpsertFollow inserts a follow or refreshes an existing one's uri and state.
func (s *Storage) UpsertFollow(ctx context.Context, db bun.IDB, f *model.Follow) error {
	_, err := db.NewInsert().Model(f).
		On("CONFLICT (account_id, target_account_id) DO UPDATE").
		Set("uri = EXCLUDED.uri, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at").
		Returning("id").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("upsert follow: %w", err)
	}
	return nil
}

// SetFollowState updates a follow's state.
func (s *Storage) SetFollowState(ctx context.Context, db bun.IDB, id, state string) error {
	_, err := db.NewUpdate().Model((*model.Follow)(nil)).Set("state = ?", state).Where("id = ?", id).Exec(ctx)
	return err
}

// DeleteFollow removes the follow from accountID to targetID, if any.
func (s *Storage) DeleteFollow(ctx context.Context, db bun.IDB, accountID, targetID string) (bool, error) {
	res, err := db.NewDelete().Model((*model.Follow)(nil)).Where("account_id = ? AND target_account_id = ?", accountID, targetID).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Followers lists accounts following targetID in the given state.
func (s *Storage) Followers(ctx context.Context, targetID, state string) ([]model.Account, error) {
	var out []model.Account
	err := s.DB.NewSelect().Model(&out).
		Where("id IN (SELECT account_id FROM follows WHERE target_account_id = ? AND state = ?)", targetID, state).
		Order("id").Scan(ctx)
	return out, err
}

// FollowerInboxes returns the delivery inboxes (shared where possible)
// of the accepted remote followers of accountID, without duplicates.
func (s *Storage) FollowerInboxes(ctx context.Context, db bun.IDB, accountID string) ([]string, error) {
	var inboxes []string
	err := db.NewSelect().Model((*model.Account)(nil)).
		ColumnExpr("DISTINCT CASE WHEN shared_inbox_uri <> '' THEN shared_inbox_uri ELSE inbox_uri END").
		Where("domain <> ''").
		Where("id IN (SELECT account_id FROM follows WHERE target_account_id = ? AND state = ?)", accountID, model.FollowAccepted).
		Scan(ctx, &inboxes)
	return inboxes, err
}

// CountFollows returns follower and following counts (accepted only).
func (s *Storage) CountFollows(ctx context.Context, accountID string) (followers, following int, err error) {
	f, err := s.DB.NewSelect().Model((*model.Follow)(nil)).Where("target_account_id = ? AND state = ?", accountID, model.FollowAccepted).Count(ctx)
	if err != nil {
		return 0, 0, err
	}
	g, err := s.DB.NewSelect().Model((*model.Follow)(nil)).Where("account_id = ? AND state = ?", accountID, model.FollowAccepted).Count(ctx)
	return int(f), int(g), err
}

// IsFollowing reports an accepted follow.
func (s *Storage) IsFollowing(ctx context.Context, accountID, targetID string) (bool, error) {
	return s.DB.NewSelect().Model((*model.Follow)(nil)).
		Where("account_id = ? AND target_account_id = ? AND state = ?", accountID, targetID, model.FollowAccepted).Exists(ctx)
}

// HasLocalFollower reports whether any local account follows accountID.
func (s *Storage) HasLocalFollower(ctx context.Context, accountID string) (bool, error) {
	return s.DB.NewSelect().Model((*model.Follow)(nil)).
		Where("target_account_id = ? AND state = ?", accountID, model.FollowAccepted).
		Where("account_id IN (SELECT id FROM accounts WHERE domain = '')").Exists(ctx)
}

// Block returns the block from accountID to targetID.
func (s *Storage) IsBlocking(ctx context.Context, accountID, targetID string) (bool, error) {
	return s.DB.NewSelect().Model((*model.Block)(nil)).Where("account_id = ? AND target_account_id = ?", accountID, targetID).Exists(ctx)
}

// InsertBlock stores a block (idempotent).
func (s *Storage) InsertBlock(ctx context.Context, db bun.IDB, b *model.Block) error {
	_, err := db.NewInsert().Model(b).On("CONFLICT (account_id, target_account_id) DO NOTHING").Exec(ctx)
	return err
}

// DeleteBlock removes a block.
func (s *Storage) DeleteBlock(ctx context.Context, db bun.IDB, accountID, targetID string) error {
	_, err := db.NewDelete().Model((*model.Block)(nil)).Where("account_id = ? AND target_account_id = ?", accountID, targetID).Exec(ctx)
	return err
}

// Relationship is how viewer and another account stand.
type Relationship struct {
	ID                                   string
	Following, Requested, ShowingReblogs bool
	Notifying                            bool
	FollowedBy, RequestedBy              bool
	Blocking, BlockedBy                  bool
	Muting, MutingNotifications          bool
}

// Relationships returns viewerID's relationship with each of ids, in order.
func (s *Storage) Relationships(ctx context.Context, viewerID string, ids []string, now time.Time) ([]Relationship, error) {
	out := make([]Relationship, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	idx := map[string][]int{}
	for i, id := range ids {
		out[i].ID = id
		idx[id] = append(idx[id], i)
	}
	each := func(id string, fn func(r *Relationship)) {
		for _, i := range idx[id] {
			fn(&out[i])
		}
	}
	var follows []model.Follow
	if err := s.DB.NewSelect().Model(&follows).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("account_id = ? AND target_account_id IN (?)", viewerID, bun.In(ids)).
				WhereOr("target_account_id = ? AND account_id IN (?)", viewerID, bun.In(ids))
		}).Scan(ctx); err != nil {
		return nil, err
	}
	for _, f := range follows {
		accepted := f.State == model.FollowAccepted
		if f.AccountID == viewerID {
			each(f.TargetAccountID, func(r *Relationship) {
				r.Following, r.Requested = accepted, !accepted
				r.ShowingReblogs, r.Notifying = f.ShowReblogs, f.Notify
			})
		}
		if f.TargetAccountID == viewerID {
			each(f.AccountID, func(r *Relationship) { r.FollowedBy, r.RequestedBy = accepted, !accepted })
		}
	}
	var blocks []model.Block
	if err := s.DB.NewSelect().Model(&blocks).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("account_id = ? AND target_account_id IN (?)", viewerID, bun.In(ids)).
				WhereOr("target_account_id = ? AND account_id IN (?)", viewerID, bun.In(ids))
		}).Scan(ctx); err != nil {
		return nil, err
	}
	for _, b := range blocks {
		if b.AccountID == viewerID {
			each(b.TargetAccountID, func(r *Relationship) { r.Blocking = true })
		}
		if b.TargetAccountID == viewerID {
			each(b.AccountID, func(r *Relationship) { r.BlockedBy = true })
		}
	}
	var mutes []Mute
	if err := s.DB.NewSelect().Model(&mutes).Where("account_id = ? AND target_account_id IN (?)", viewerID, bun.In(ids)).
		Where("expires_at IS NULL OR expires_at > ?", now).Scan(ctx); err != nil {
		return nil, err
	}
	for _, m := range mutes {
		each(m.TargetAccountID, func(r *Relationship) { r.Muting, r.MutingNotifications = true, m.HideNotifications })
	}
	return out, nil
}

// SetFollowOptions sets whether a follow shows boosts and notifies of
// new posts.
func (s *Storage) SetFollowOptions(ctx context.Context, accountID, targetID string, showReblogs, notify bool) error {
	_, err := s.DB.NewUpdate().Model((*model.Follow)(nil)).Set("show_reblogs = ?, notify = ?", showReblogs, notify).
		Where("account_id = ? AND target_account_id = ?", accountID, targetID).Exec(ctx)
	return err
}

// FollowsPage lists accounts following targetID (followers=true) or
// followed by it, in the given state, paged by the follow.
func (s *Storage) FollowsPage(ctx context.Context, accountID string, followers bool, state string, p Page) ([]Entry, error) {
	q := s.DB.NewSelect().TableExpr("follows AS f").Where("f.state = ?", state)
	item := "f.target_account_id"
	if followers {
		q, item = q.Where("f.target_account_id = ?", accountID), "f.account_id"
	} else {
		q = q.Where("f.account_id = ?", accountID)
	}
	q = q.Where(item + " NOT IN (SELECT id FROM accounts WHERE suspended_at IS NOT NULL)")
	return pageEntries(ctx, q, "f.id", item, p)
}

// CountFollowRequests counts the pending follow requests of accountID.
func (s *Storage) CountFollowRequests(ctx context.Context, accountID string) (int, error) {
	n, err := s.DB.NewSelect().Model((*model.Follow)(nil)).Where("target_account_id = ? AND state = ?", accountID, model.FollowPending).Count(ctx)
	return int(n), err
}

package storage

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// NotificationFilter narrows a notifications page.
type NotificationFilter struct {
	// Types keeps only these types; empty keeps every type except
	// those starting with ExcludePrefix.
	Types, ExcludeTypes []string
	// ExcludePrefix hides types with this prefix unless Types names them
	// (Coopol's own kinds, which Mastodon clients do not know).
	ExcludePrefix string
	FromAccountID string
	// VisibleStatus, when set, leaves out notifications about a status
	// that this filter (the reader's audience rule) does not pass, so a
	// page is full and its statuses need no second look.
	VisibleStatus StatusFilter
}

func (f NotificationFilter) apply(q *bun.SelectQuery, accountID string, now time.Time) *bun.SelectQuery {
	q = q.Where("n.account_id = ?", accountID)
	if len(f.Types) > 0 {
		q = q.Where("n.type IN (?)", bun.In(f.Types))
	} else if f.ExcludePrefix != "" {
		q = q.Where("n.type NOT LIKE ?", escapeLike(f.ExcludePrefix)+"%")
	}
	if len(f.ExcludeTypes) > 0 {
		q = q.Where("n.type NOT IN (?)", bun.In(f.ExcludeTypes))
	}
	if f.FromAccountID != "" {
		q = q.Where("n.from_account_id = ?", f.FromAccountID)
	}
	// The staff's notifications (a sign-up to approve, a report) stay
	// with the staff: someone who is no longer staff stops seeing those
	// they received.
	q = q.Where("(n.type NOT LIKE 'admin.%' OR EXISTS (SELECT 1 FROM users AS su WHERE su.account_id = n.account_id AND su.role IN (?)))",
		bun.In([]string{model.RoleAdmin, model.RoleModerator}))
	if f.VisibleStatus != nil {
		visible := q.DB().NewSelect().TableExpr("statuses AS s").ColumnExpr("1").Where("s.id = n.status_id").Apply(f.VisibleStatus)
		q = q.Where("(n.status_id IS NULL OR EXISTS (?))", visible)
	}
	// Blocked accounts and muted ones (when the mute hides notifications)
	// stay silent.
	return q.Where("(n.from_account_id IS NULL OR n.from_account_id NOT IN (SELECT target_account_id FROM blocks WHERE account_id = ?))", accountID).
		Where("(n.from_account_id IS NULL OR n.from_account_id NOT IN (SELECT target_account_id FROM mutes WHERE account_id = ? AND hide_notifications = ? AND (expires_at IS NULL OR expires_at > ?)))", accountID, true, now)
}

// NotificationsPage lists accountID's notifications, newest first, in one
// statement (the page the client API serves most after timelines).
func (s *Storage) NotificationsPage(ctx context.Context, accountID string, f NotificationFilter, now time.Time, p Page) ([]model.Notification, error) {
	var out []model.Notification
	q := f.apply(s.DB.NewSelect().Model(&out).ModelTableExpr("notifications AS n").ColumnExpr("n.*"), accountID, now)
	if err := pageBounds(q, "n.id", p).Scan(ctx); err != nil {
		return nil, err
	}
	if p.MinID != "" {
		slices.Reverse(out)
	}
	return out, nil
}

// NotificationsPageCached is NotificationsPage through the timeline cache
// (timeline_cache.go), for the pages readers ask for. The page is kept
// per reader, so f.VisibleStatus must be nil or accountID's audience rule
// as it is (social.Service.VisibleFilter), never narrowed.
func (s *Storage) NotificationsPageCached(ctx context.Context, accountID string, f NotificationFilter, now time.Time, p Page) ([]model.Notification, error) {
	key := timelineKey{viewer: accountID, page: p, timeline: fmt.Sprintf("notifications %q %q %q %q %t",
		f.Types, f.ExcludeTypes, f.ExcludePrefix, f.FromAccountID, f.VisibleStatus != nil)}
	return s.cachedNotifications(ctx, key, now, func() ([]model.Notification, error) {
		return s.NotificationsPage(ctx, accountID, f, now, p)
	})
}

// NotificationEntries gives a page of notifications as entries (for the
// Link header and "older" links): a notification is its own page key.
func NotificationEntries(ns []model.Notification) []Entry {
	out := make([]Entry, len(ns))
	for i, n := range ns {
		out[i] = Entry{Key: n.ID, ID: n.ID}
	}
	return out
}

// Notification returns one of accountID's notifications.
func (s *Storage) Notification(ctx context.Context, accountID, id string) (*model.Notification, error) {
	n := new(model.Notification)
	err := s.DB.NewSelect().Model(n).Where("id = ? AND account_id = ?", id, accountID).Scan(ctx)
	return n, notFound(err)
}

// DeleteNotification dismisses one of accountID's notifications.
func (s *Storage) DeleteNotification(ctx context.Context, accountID, id string) error {
	_, err := s.DB.NewDelete().Model((*model.Notification)(nil)).Where("id = ? AND account_id = ?", id, accountID).Exec(ctx)
	return err
}

// ClearNotifications dismisses all of accountID's notifications.
func (s *Storage) ClearNotifications(ctx context.Context, accountID string) error {
	_, err := s.DB.NewDelete().Model((*model.Notification)(nil)).Where("account_id = ?", accountID).Exec(ctx)
	return err
}

// CountNotificationsAfter counts accountID's notifications newer than
// afterID, up to limit.
func (s *Storage) CountNotificationsAfter(ctx context.Context, accountID, afterID string, f NotificationFilter, now time.Time, limit int) (int, error) {
	inner := f.apply(s.DB.NewSelect().TableExpr("notifications AS n").Column("n.id"), accountID, now).
		Where("n.id > ?", afterID).Limit(int64(limit))
	n, err := s.DB.NewSelect().TableExpr("(?) AS u", inner).Count(ctx)
	return int(n), err
}

// WebCountUnreadNotifications counts accountID's unread notifications (up
// to limit).
func (s *Storage) WebCountUnreadNotifications(ctx context.Context, accountID string, limit int) (int, error) {
	inner := s.DB.NewSelect().TableExpr("notifications AS n").Column("n.id").
		Where("n.account_id = ?", accountID).Where("n.read = ?", false).
		Where("(n.type NOT LIKE 'admin.%' OR EXISTS (SELECT 1 FROM users AS su WHERE su.account_id = n.account_id AND su.role IN (?)))",
			bun.In([]string{model.RoleAdmin, model.RoleModerator})).Limit(int64(limit))
	n, err := s.DB.NewSelect().TableExpr("(?) AS u", inner).Count(ctx)
	return int(n), err
}

// WebMarkNotificationsRead marks accountID's notifications up to upToID read.
func (s *Storage) WebMarkNotificationsRead(ctx context.Context, accountID, upToID string) error {
	_, err := s.DB.NewUpdate().Model((*model.Notification)(nil)).Set("read = ?", true).
		Where("account_id = ?", accountID).Where("id <= ?", upToID).Where("read = ?", false).Exec(ctx)
	return err
}

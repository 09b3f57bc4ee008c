package storage

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// Conversations are direct-message threads; what each participant read
// is in conversation_states (shared with /api/v1/conversations).

// unreadConversations selects the threads where someone else wrote to
// accountID, in a direct message the filter lets them see, after what
// they last read.
func (s *Storage) unreadConversations(accountID string, visible StatusFilter) *bun.SelectQuery {
	return s.statuses().ColumnExpr("DISTINCT s.thread_id").
		Join("JOIN status_recipients AS ur ON ur.status_id = s.id AND ur.account_id = ?", accountID).
		Where("s.visibility = 'direct'").
		Where("s.account_id <> ?", accountID).
		Where("s.id > COALESCE((SELECT ucs.last_read_id FROM conversation_states ucs WHERE ucs.account_id = ? AND ucs.thread_id = s.thread_id), '')", accountID).
		Apply(visible)
}

// unreadWindow is how many of the latest messages addressed to someone
// the "Messages" badge looks at: an unread conversation older than that
// many messages still shows unread in the list, not in the badge.
const unreadWindow = 200

// CountUnreadConversations counts (up to limit) accountID's conversations
// with a message from someone else they have not read, among the latest
// unreadWindow messages addressed to them: one query for the "Messages"
// badge of every page, whose cost does not grow with the history. A
// thread is unread when its newest such message is after what they read.
func (s *Storage) CountUnreadConversations(ctx context.Context, accountID string, visible StatusFilter, limit int) (int, error) {
	n, err := s.DB.NewSelect().TableExpr("(?) AS u", s.unreadThreads(accountID, visible, limit)).Count(ctx)
	return int(n), err
}

// unreadThreads drives from the person's latest addressed messages (the
// status_recipients_account index), so the planner never scans every
// direct message of the instance.
func (s *Storage) unreadThreads(accountID string, visible StatusFilter, limit int) *bun.SelectQuery {
	latest := s.DB.NewSelect().TableExpr("status_recipients AS ur").Column("ur.status_id").
		Where("ur.account_id = ?", accountID).OrderExpr("ur.status_id DESC").Limit(unreadWindow)
	threads := s.statuses().ColumnExpr("s.thread_id").ColumnExpr("max(s.id) AS last_id").
		Join("JOIN (?) AS r ON r.status_id = s.id", latest).
		Where("s.visibility = 'direct'").Where("s.account_id <> ?", accountID).
		Apply(visible).Group("s.thread_id")
	return s.DB.NewSelect().TableExpr("(?) AS t", threads).Column("t.thread_id").
		Where("NOT EXISTS (SELECT 1 FROM conversation_states ucs WHERE ucs.account_id = ? AND ucs.thread_id = t.thread_id AND ucs.last_read_id >= t.last_id)", accountID).
		Limit(int64(limit))
}

// UnreadConversations says which of threadIDs have a message accountID
// has not read.
func (s *Storage) UnreadConversations(ctx context.Context, accountID string, threadIDs []string, visible StatusFilter) (map[string]bool, error) {
	out := map[string]bool{}
	if len(threadIDs) == 0 {
		return out, nil
	}
	var ids []string
	err := s.unreadConversations(accountID, visible).Where("s.thread_id IN (?)", bun.In(threadIDs)).Scan(ctx, &ids)
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// MarkMessageNotificationsRead marks read accountID's notifications of
// the given messages: reading a conversation reads what announced it.
func (s *Storage) MarkMessageNotificationsRead(ctx context.Context, accountID string, statusIDs []string) error {
	if len(statusIDs) == 0 {
		return nil
	}
	_, err := s.DB.NewUpdate().Model((*model.Notification)(nil)).Set("read = ?", true).
		Where("account_id = ?", accountID).Where("type = 'mention'").Where("read = ?", false).
		Where("status_id IN (?)", bun.In(statusIDs)).Exec(ctx)
	return err
}

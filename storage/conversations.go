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

// CountUnreadConversations counts (up to limit) accountID's conversations
// with a message they have not read: one query, for the "Messages" badge
// of every page.
func (s *Storage) CountUnreadConversations(ctx context.Context, accountID string, visible StatusFilter, limit int) (int, error) {
	n, err := s.DB.NewSelect().TableExpr("(?) AS u", s.unreadConversations(accountID, visible).Limit(int64(limit))).Count(ctx)
	return int(n), err
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

package storage

import (
	"context"

	"github.com/uptrace/bun"
)

// ConversationState is what one participant did with a conversation.
type ConversationState struct {
	bun.BaseModel `bun:"table:conversation_states"`

	AccountID     string `bun:"account_id,pk"`
	ThreadID      string `bun:"thread_id,pk"`
	LastReadID    string `bun:"last_read_id"`
	HiddenUntilID string `bun:"hidden_until_id"`
}

// ConversationStates returns accountID's state of each thread.
func (s *Storage) ConversationStates(ctx context.Context, accountID string, threadIDs []string) (map[string]ConversationState, error) {
	out := map[string]ConversationState{}
	if len(threadIDs) == 0 {
		return out, nil
	}
	var rows []ConversationState
	err := s.DB.NewSelect().Model(&rows).Where("account_id = ? AND thread_id IN (?)", accountID, bun.In(threadIDs)).Scan(ctx)
	for _, r := range rows {
		out[r.ThreadID] = r
	}
	return out, err
}

// MarkConversation records that accountID read (or hid) a thread up to
// statusID.
func (s *Storage) MarkConversation(ctx context.Context, accountID, threadID, statusID string, hide bool) error {
	row := &ConversationState{AccountID: accountID, ThreadID: threadID, LastReadID: statusID}
	set := "last_read_id = EXCLUDED.last_read_id"
	if hide {
		row.HiddenUntilID = statusID
		set += ", hidden_until_id = EXCLUDED.hidden_until_id"
	}
	_, err := s.DB.NewInsert().Model(row).On("CONFLICT (account_id, thread_id) DO UPDATE").Set(set).Exec(ctx)
	return err
}

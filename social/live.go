package social

import (
	"context"

	"github.com/uptrace/bun"
)

// LiveEvent tells streaming clients that something changed. It carries
// ids only: the streaming layer loads the row and checks, for each
// viewer, that they may see it (a rolled-back change is simply not found).
type LiveEvent struct {
	Kind      string // "status", "status.update", "delete", "notification"
	ID        string // status or notification id
	AccountID string // for notifications: the recipient
}

// Live receives LiveEvents. Emit may run inside a transaction (db is the
// tx): a PostgreSQL implementation can NOTIFY there, which is delivered
// to every replica only if the transaction commits.
type Live interface {
	Emit(ctx context.Context, db bun.IDB, ev LiveEvent)
}

func (s *Service) emit(ctx context.Context, db bun.IDB, kind, id, accountID string) {
	if kind == "notification" {
		s.queuePush(ctx, db, id, accountID)
		s.queueNotificationMail(ctx, db, id, accountID)
	}
	if s.Live == nil {
		return
	}
	if db == nil {
		db = s.Store.DB
	}
	s.Live.Emit(ctx, db, LiveEvent{Kind: kind, ID: id, AccountID: accountID})
}

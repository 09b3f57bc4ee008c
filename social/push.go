package social

import (
	"context"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/coopol/coopol/queue"
)

// queuePush queues a Web Push of a new notification, one job per
// subscription of the recipient, in the transaction that stores the
// notification: pushed if and only if it commits. Every notification,
// of any kind, goes through emit and so through here.
func (s *Service) queuePush(ctx context.Context, db bun.IDB, notificationID, accountID string) {
	if s.Queue == nil || accountID == "" {
		return
	}
	ids, err := s.Store.PushSubscriptionIDs(ctx, db, accountID)
	if err != nil {
		s.Log.Warn("push: list subscriptions", "err", err)
		return
	}
	if len(ids) == 0 {
		return
	}
	jobs := make([]river.JobArgs, 0, len(ids))
	for _, id := range ids {
		jobs = append(jobs, queue.PushArgs{NotificationID: notificationID, SubscriptionID: id})
	}
	if tx, ok := db.(bun.Tx); ok {
		err = s.Queue.EnqueueTx(ctx, tx, jobs...)
	} else {
		err = s.Queue.Enqueue(ctx, jobs...)
	}
	if err != nil {
		s.Log.Warn("push: queue", "err", err)
	}
}

package social

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/coopol/coopol/queue"
)

// ReminderWorker sends the reminders of events starting soon.
type ReminderWorker struct {
	river.WorkerDefaults[queue.RemindArgs]
	Social *Service
}

func (w *ReminderWorker) Work(ctx context.Context, _ *river.Job[queue.RemindArgs]) error {
	n, err := w.Social.SendReminders(ctx, w.Social.Config.Events.ReminderBefore)
	if n > 0 {
		w.Social.Log.Info("event reminders sent", "count", n)
	}
	if err != nil {
		return err
	}
	closed, err := w.Social.ClosePolls(ctx)
	if closed > 0 {
		w.Social.Log.Info("polls closed", "count", closed)
	}
	if err != nil {
		return err
	}
	// Scheduled posts go out with the same minute tick.
	published, err := w.Social.PublishScheduled(ctx)
	if published > 0 {
		w.Social.Log.Info("scheduled posts published", "count", published)
	}
	return err
}

package mail

import (
	"context"
	"errors"

	"github.com/riverqueue/river"

	"github.com/coopol/coopol/queue"
)

// Worker sends the queued mail (queue.MailArgs).
type Worker struct {
	river.WorkerDefaults[queue.MailArgs]
	Sender Sender
}

func (w *Worker) Work(ctx context.Context, job *river.Job[queue.MailArgs]) error {
	if w.Sender == nil {
		// SMTP was switched off after the mail was queued.
		return river.JobCancel(errors.New("mail: no SMTP server configured"))
	}
	err := w.Sender.Send(ctx, Message{To: job.Args.To, Subject: job.Args.Subject, Text: job.Args.Text, UnsubscribeURL: job.Args.UnsubscribeURL})
	if errors.Is(err, ErrInvalid) {
		return river.JobCancel(err)
	}
	return err
}

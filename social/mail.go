package social

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/mail"
	"github.com/coopol/coopol/queue"
)

// MailEnabled reports whether this instance can send e-mail (smtp.host is
// set). Features that only work by mail (guest sign-ups, digests) are
// hidden without it.
func (s *Service) MailEnabled() bool { return s.Config.SMTP.Host != "" }

// SendMail queues one mail; without SMTP it does nothing. tx may be nil;
// with a transaction the mail goes out only if it commits.
func (s *Service) SendMail(ctx context.Context, tx *bun.Tx, m mail.Message) error {
	if !s.MailEnabled() || s.Queue == nil {
		return nil
	}
	job := queue.MailArgs{To: m.To, Subject: m.Subject, Text: m.Text, UnsubscribeURL: m.UnsubscribeURL}
	if tx != nil {
		return s.Queue.EnqueueTx(ctx, *tx, job)
	}
	return s.Queue.Enqueue(ctx, job)
}

package queue

import (
	"time"

	"github.com/riverqueue/river"
)

// NotificationMailArgs asks for one notification to be mailed at once, if
// its recipient wants it and may still read what it is about. It is
// queued in the transaction that stores the notification; the job carries
// the id only (no address, no text).
type NotificationMailArgs struct {
	NotificationID string `json:"notification_id"`
}

func (NotificationMailArgs) Kind() string { return "notification_mail" }

func (NotificationMailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// DigestArgs asks for the e-mail digests that are due.
type DigestArgs struct{}

func (DigestArgs) Kind() string { return "mail_digests" }

// Digests schedules DigestArgs every interval. A digest is recorded per
// person and period, so runs that overlap or repeat send it once. It does
// not run on start: a restart waits for the next tick like the others.
func Digests(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		return DigestArgs{}, &river.InsertOpts{MaxAttempts: 3}
	}, nil)
}

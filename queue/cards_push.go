package queue

import "github.com/riverqueue/river"

// FetchCardArgs asks for the link preview of a status to be fetched. It
// runs after the post is stored, never while a client or a peer waits.
type FetchCardArgs struct {
	StatusID string `json:"status_id"`
}

func (FetchCardArgs) Kind() string { return "fetch_card" }

// A preview is a nicety: a site that fails three times gets none.
func (FetchCardArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }

// PushArgs asks for one notification to be sent to one Web Push
// subscription (one job per subscription: a failing push service is
// retried alone).
type PushArgs struct {
	NotificationID string `json:"notification_id"`
	SubscriptionID string `json:"subscription_id"`
}

func (PushArgs) Kind() string { return "web_push" }

// Push services answer quickly or not at all; a notification hours late
// is noise, so retries stop after a few minutes.
func (PushArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 4} }

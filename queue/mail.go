package queue

import "github.com/riverqueue/river"

// MailArgs asks for one e-mail to be sent. Mail goes through the queue so
// that a slow or absent SMTP server never holds a request (and the time
// an answer takes tells nothing about whether an address has an
// account), and a failed send is retried.
//
// The job row holds the recipient's address until river prunes completed
// jobs; it lives in the same database as the accounts' addresses.
type MailArgs struct {
	To             string `json:"to"`
	Subject        string `json:"subject"`
	Text           string `json:"text"`
	UnsubscribeURL string `json:"unsubscribe_url,omitempty"`
}

func (MailArgs) Kind() string { return "send_mail" }

// A mail server that is down for an hour gets the mail later; after that
// a password reset link or a notice is stale.
func (MailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 8} }

package model

import (
	"time"

	"github.com/uptrace/bun"
)

// How often a person gets e-mail about what happens (mail_preferences).
const (
	// MailImmediately: each chosen notification is mailed as it happens;
	// the new actions come in a weekly digest.
	MailImmediately = "immediately"
	// MailDaily and MailWeekly: one digest a day or a week.
	MailDaily  = "daily"
	MailWeekly = "weekly"
	// MailNever: no notification mail at all (the unsubscribe link sets it).
	MailNever = "never"
)

// MailFrequencies lists the valid frequencies, in the order the settings
// page shows them.
var MailFrequencies = []string{MailImmediately, MailDaily, MailWeekly, MailNever}

// MailPreferences is what a person wants by e-mail.
type MailPreferences struct {
	bun.BaseModel `bun:"table:mail_preferences"`

	AccountID string `bun:"account_id,pk"`
	Frequency string `bun:"frequency"`
	// Messages: private messages. Mentions: someone mentions you.
	// Signups: changes to what you signed up for (a place freed, an
	// action moved or cancelled) and, for organisers, sign-ups to their
	// actions (digest only). Actions: new public actions of the section
	// and of the sections you follow (digest only). Reminders: an action
	// you signed up for starts soon (always at once).
	Messages  bool `bun:"messages"`
	Mentions  bool `bun:"mentions"`
	Signups   bool `bun:"signups"`
	Actions   bool `bun:"actions"`
	Reminders bool `bun:"reminders"`
	// Language of the mails: the one the person read the settings in
	// ("" = the account's locale, else the instance's).
	Language  string    `bun:"language"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// DefaultMailPreferences are those of someone who chose nothing: every
// kind, as it happens, new actions weekly. Urgent news (a place freed, an
// action cancelled, a private message) is why people want mail at all.
func DefaultMailPreferences(accountID string) MailPreferences {
	return MailPreferences{AccountID: accountID, Frequency: MailImmediately,
		Messages: true, Mentions: true, Signups: true, Actions: true, Reminders: true}
}

// MailDigest records one digest period of one person (sent or empty).
type MailDigest struct {
	bun.BaseModel `bun:"table:mail_digests"`

	AccountID string    `bun:"account_id,pk"`
	Period    string    `bun:"period,pk"`
	Items     int       `bun:"items"`
	SentAt    time.Time `bun:"sent_at"`
}

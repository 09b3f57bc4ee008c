package model

import (
	"time"

	"github.com/uptrace/bun"
)

// Poll belongs to a status of type Question.
type Poll struct {
	bun.BaseModel `bun:"table:polls"`

	StatusID    string     `bun:"status_id,pk"`
	Options     []string   `bun:"options,type:text"`
	Votes       []int      `bun:"votes,type:text"`
	Multiple    bool       `bun:"multiple"`
	HideTotals  bool       `bun:"hide_totals"`
	VotersCount int        `bun:"voters_count"`
	ExpiresAt   *time.Time `bun:"expires_at"`
	ClosedAt    *time.Time `bun:"closed_at"`
}

// Expired reports whether the poll no longer takes votes at now.
func (p *Poll) Expired(now time.Time) bool {
	return p.ClosedAt != nil || (p.ExpiresAt != nil && !now.Before(*p.ExpiresAt))
}

type PollVote struct {
	bun.BaseModel `bun:"table:poll_votes"`

	ID          string    `bun:"id,pk"`
	StatusID    string    `bun:"status_id"`
	AccountID   string    `bun:"account_id"`
	OptionIndex int       `bun:"option_index"`
	URI         string    `bun:"uri"`
	CreatedAt   time.Time `bun:"created_at"`
}

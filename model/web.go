package model

import (
	"time"

	"github.com/uptrace/bun"
)

// WebSession is a browser login. The cookie holds a random token; only its
// SHA-256 (TokenHash) is stored (U-03).
type WebSession struct {
	bun.BaseModel `bun:"table:web_sessions,alias:ws"`

	ID         string    `bun:"id,pk"`
	TokenHash  string    `bun:"token_hash"`
	UserID     string    `bun:"user_id"`
	UserAgent  string    `bun:"user_agent"`
	CreatedAt  time.Time `bun:"created_at"`
	LastUsedAt time.Time `bun:"last_used_at"`
	ExpiresAt  time.Time `bun:"expires_at"`

	User *User `bun:"rel:belongs-to,join:user_id=id"`
}

// PasswordReset is a request to choose a new password. TokenHash is nil
// until a link exists: mailed at once when SMTP is configured, otherwise
// made by an administrator who passes it on.
type PasswordReset struct {
	bun.BaseModel `bun:"table:password_resets,alias:pr"`

	ID          string     `bun:"id,pk"`
	UserID      string     `bun:"user_id"`
	TokenHash   *string    `bun:"token_hash"`
	RequestedAt time.Time  `bun:"requested_at"`
	ExpiresAt   *time.Time `bun:"expires_at"`
	UsedAt      *time.Time `bun:"used_at"`

	User *User `bun:"rel:belongs-to,join:user_id=id"`
}

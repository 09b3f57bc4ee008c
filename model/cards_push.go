package model

import (
	"time"

	"github.com/uptrace/bun"
)

// PreviewCard is the link preview of a status: OpenGraph or oEmbed
// metadata of the first link in its text. It has no audience of its own:
// it is only ever read through its status.
type PreviewCard struct {
	bun.BaseModel `bun:"table:preview_cards,alias:pc"`

	StatusID     string    `bun:"status_id,pk"`
	URL          string    `bun:"url"`
	Type         string    `bun:"type"` // link, photo, video, rich
	Title        string    `bun:"title"`
	Description  string    `bun:"description"`
	AuthorName   string    `bun:"author_name"`
	AuthorURL    string    `bun:"author_url"`
	ProviderName string    `bun:"provider_name"`
	ProviderURL  string    `bun:"provider_url"`
	ImageMediaID *string   `bun:"image_media_id"`
	Width        int       `bun:"width"`
	Height       int       `bun:"height"`
	CreatedAt    time.Time `bun:"created_at"`

	// Image is the re-encoded thumbnail, loaded with the card.
	Image *MediaAttachment `bun:"rel:belongs-to,join:image_media_id=id"`
}

// PushSubscription is a Web Push subscription of one OAuth token.
type PushSubscription struct {
	bun.BaseModel `bun:"table:push_subscriptions,alias:ps"`

	ID        string          `bun:"id,pk"`
	TokenID   string          `bun:"token_id"`
	AccountID string          `bun:"account_id"`
	Endpoint  string          `bun:"endpoint"`
	P256dh    string          `bun:"key_p256dh"`
	Auth      string          `bun:"key_auth"`
	Alerts    map[string]bool `bun:"alerts,type:text"`
	Policy    string          `bun:"policy"` // all, followed, follower, none
	CreatedAt time.Time       `bun:"created_at"`
}

// Push policies (whose notifications are pushed), as in Mastodon.
const (
	PushPolicyAll      = "all"
	PushPolicyFollowed = "followed" // from accounts the user follows
	PushPolicyFollower = "follower" // from accounts following the user
	PushPolicyNone     = "none"
)

// VAPIDKeys is the instance's Web Push signing key pair (RFC 8292), in
// the base64url encodings webpush libraries use.
type VAPIDKeys struct {
	bun.BaseModel `bun:"table:vapid_keys"`

	ID         int       `bun:"id,pk"`
	PublicKey  string    `bun:"public_key"`
	PrivateKey string    `bun:"private_key"`
	CreatedAt  time.Time `bun:"created_at"`
}

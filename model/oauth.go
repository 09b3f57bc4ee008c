package model

import (
	"time"

	"github.com/uptrace/bun"
)

// OAuthApplication is a client registered through POST /api/v1/apps. The
// client secret is kept only as a hash (U-03); Scopes is space-separated.
type OAuthApplication struct {
	bun.BaseModel `bun:"table:oauth_applications,alias:oauth_application"`

	ID               string    `bun:"id,pk"`
	Name             string    `bun:"name"`
	Website          string    `bun:"website"`
	RedirectURIs     []string  `bun:"redirect_uris,type:text"`
	Scopes           string    `bun:"scopes"`
	ClientID         string    `bun:"client_id"`
	ClientSecretHash string    `bun:"client_secret_hash"`
	CreatedAt        time.Time `bun:"created_at"`
}

// OAuthAuthorizationCode is a single-use code issued by /oauth/authorize,
// stored by the hash of its value. CodeChallengeMethod is "S256", "plain"
// or "" (no PKCE).
type OAuthAuthorizationCode struct {
	bun.BaseModel `bun:"table:oauth_authorization_codes,alias:oauth_code"`

	CodeHash            string    `bun:"code_hash,pk"`
	ApplicationID       string    `bun:"application_id"`
	UserID              string    `bun:"user_id"`
	RedirectURI         string    `bun:"redirect_uri"`
	Scopes              string    `bun:"scopes"`
	CodeChallenge       string    `bun:"code_challenge"`
	CodeChallengeMethod string    `bun:"code_challenge_method"`
	ExpiresAt           time.Time `bun:"expires_at"`
	CreatedAt           time.Time `bun:"created_at"`

	// Loaded when the code is consumed, to check the user may still log in.
	User *User `bun:"rel:belongs-to,join:user_id=id"`
}

// OAuthToken is an access token, stored by the SHA-256 of its value
// (U-03). UserID is nil for client_credentials (app-only) tokens.
type OAuthToken struct {
	bun.BaseModel `bun:"table:oauth_tokens,alias:oauth_token"`

	ID            string     `bun:"id,pk"`
	TokenHash     string     `bun:"token_hash"`
	ApplicationID string     `bun:"application_id"`
	UserID        *string    `bun:"user_id"`
	Scopes        string     `bun:"scopes"`
	CreatedAt     time.Time  `bun:"created_at"`
	LastUsedAt    *time.Time `bun:"last_used_at"`
	RevokedAt     *time.Time `bun:"revoked_at"`
	// CodeHash is the hash of the authorization code the token was issued
	// for (none for client credentials): replaying the code revokes it.
	CodeHash *string `bun:"code_hash"`

	// Loaded by lookups that authenticate a request.
	Application *OAuthApplication `bun:"rel:belongs-to,join:application_id=id"`
	User        *User             `bun:"rel:belongs-to,join:user_id=id"`
}

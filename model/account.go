package model

import (
	"time"

	"github.com/uptrace/bun"
)

// Actor types we store. Sections and thematic groups are Groups; the
// instance actor (which signs our fetches) is an Application.
const (
	ActorPerson      = "Person"
	ActorGroup       = "Group"
	ActorService     = "Service"
	ActorApplication = "Application"
)

// Account is an actor, local (Domain == "") or remote.
type Account struct {
	bun.BaseModel `bun:"table:accounts"`

	ID              string     `bun:"id,pk"`
	URI             string     `bun:"uri"`
	URL             string     `bun:"url"`
	Username        string     `bun:"username"`
	Domain          string     `bun:"domain"`
	ActorType       string     `bun:"actor_type"`
	DisplayName     string     `bun:"display_name"`
	Note            string     `bun:"note"`
	Fields          []Field    `bun:"fields,type:text"`
	AvatarMediaID   *string    `bun:"avatar_media_id"`
	HeaderMediaID   *string    `bun:"header_media_id"`
	AvatarRemoteURL string     `bun:"avatar_remote_url"`
	HeaderRemoteURL string     `bun:"header_remote_url"`
	InboxURI        string     `bun:"inbox_uri"`
	SharedInboxURI  string     `bun:"shared_inbox_uri"`
	OutboxURI       string     `bun:"outbox_uri"`
	FollowersURI    string     `bun:"followers_uri"`
	FollowingURI    string     `bun:"following_uri"`
	FeaturedURI     string     `bun:"featured_uri"`
	MembersURI      string     `bun:"members_uri"`
	PublicKeyID     string     `bun:"public_key_id"`
	PublicKeyPEM    string     `bun:"public_key_pem"`
	PrivateKeyPEM   string     `bun:"private_key_pem"`
	Locked          bool       `bun:"locked"`
	Discoverable    bool       `bun:"discoverable"`
	Indexable       bool       `bun:"indexable"`
	Bot             bool       `bun:"bot"`
	MovedToURI      string     `bun:"moved_to_uri"`
	AlsoKnownAs     []string   `bun:"also_known_as,type:text"`
	Software        string     `bun:"software"`
	FetchedAt       *time.Time `bun:"fetched_at"`
	LastStatusAt    *time.Time `bun:"last_status_at"`
	SuspendedAt     *time.Time `bun:"suspended_at"`
	GoneAt          *time.Time `bun:"gone_at"`
	CreatedAt       time.Time  `bun:"created_at"`
	UpdatedAt       time.Time  `bun:"updated_at"`
}

// Field is a profile metadata pair; Value is HTML.
type Field struct {
	Name       string     `json:"name"`
	Value      string     `json:"value"`
	VerifiedAt *time.Time `json:"verified_at,omitempty"`
}

func (a *Account) IsLocal() bool { return a.Domain == "" }
func (a *Account) IsGroup() bool { return a.ActorType == ActorGroup }

// Acct is the Mastodon "acct": user locally, user@domain remotely.
func (a *Account) Acct() string {
	if a.IsLocal() {
		return a.Username
	}
	return a.Username + "@" + a.Domain
}

// DeliveryInbox prefers the shared inbox: one POST per remote server.
func (a *Account) DeliveryInbox() string {
	if a.SharedInboxURI != "" {
		return a.SharedInboxURI
	}
	return a.InboxURI
}

// User roles.
const (
	RoleAdmin        = "admin"
	RoleModerator    = "moderator"
	RoleMember       = "member"
	RoleSympathisant = "sympathisant"
)

// Roles lists the valid user roles, most powerful first.
var Roles = []string{RoleAdmin, RoleModerator, RoleMember, RoleSympathisant}

// User is a local person who can log in.
type User struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID                string     `bun:"id,pk"`
	AccountID         string     `bun:"account_id"`
	Email             string     `bun:"email"`
	PasswordHash      string     `bun:"password_hash"`
	Role              string     `bun:"role"`
	Approved          bool       `bun:"approved"`
	MemberVerifiedAt  *time.Time `bun:"member_verified_at"`
	Locale            string     `bun:"locale"`
	DefaultVisibility string     `bun:"default_visibility"`
	DisabledAt        *time.Time `bun:"disabled_at"`
	// RefusedAt is set when the staff turned the account down (approval
	// mode); RefusalMessage is what they told the applicant, if anything.
	RefusedAt      *time.Time `bun:"refused_at"`
	RefusalMessage string     `bun:"refusal_message"`
	LastSeenAt     *time.Time `bun:"last_seen_at"`
	CreatedAt      time.Time  `bun:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at"`

	Account *Account `bun:"rel:belongs-to,join:account_id=id"`
}

// IsStaff reports whether the user moderates the instance.
func (u *User) IsStaff() bool { return u.Role == RoleAdmin || u.Role == RoleModerator }

package social

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/uris"
)

// ValidationError is bad input from a person or client: the transports
// show its text as is (422 on the API).
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

// ErrEmailTaken: an account already uses the e-mail address. The web
// sign-up answers it as any accepted sign-up (and tells the owner), so
// that the form does not tell who has an account.
var ErrEmailTaken = errors.New("e-mail address already registered")

func invalid(format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...)}
}

var usernamePattern = regexp.MustCompile(`^[a-zA-Z0-9_]{1,30}$`)

// reservedUsernames would clash with the instance's own actors or pages.
var reservedUsernames = []string{"admin", "administrator", "root", "instance", "actor", "inbox", "api", "oauth", "about", "settings", "web", "media", "static", "tags", "users", "groups", "events", "section", "support", "postmaster", "webmaster", "abuse"}

// NewUser is what creating a local person takes.
type NewUser struct {
	Username, Email, Password, Role, DisplayName string
	Approved                                     bool
}

// CreateUser creates a local person with a login and a signing key.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (*model.User, error) {
	if !usernamePattern.MatchString(in.Username) {
		return nil, invalid("username must be 1 to 30 letters, digits or underscores")
	}
	if slices.Contains(reservedUsernames, strings.ToLower(in.Username)) || strings.EqualFold(in.Username, s.Config.Section.Username) {
		return nil, invalid("username %q is reserved", in.Username)
	}
	addr, err := mail.ParseAddress(in.Email)
	if err != nil || addr.Address != strings.TrimSpace(in.Email) || strings.ContainsAny(addr.Address, "\"\\ []") || strings.Contains(addr.Address, "=?") {
		// Strict: no display names, quoted locals or encodings (U-08).
		return nil, invalid("e-mail address is not valid")
	}
	if in.Role == "" {
		in.Role = model.RoleSympathisant
	}
	if !slices.Contains(model.Roles, in.Role) {
		return nil, invalid("role must be one of %s", strings.Join(model.Roles, ", "))
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		if errors.Is(err, auth.ErrWeakPassword) {
			return nil, invalid("%s", err.Error())
		}
		return nil, err
	}
	account, err := s.newLocalActor(in.Username, model.ActorPerson)
	if err != nil {
		return nil, err
	}
	account.DisplayName = in.DisplayName
	now := account.CreatedAt
	user := &model.User{
		ID: model.NewID(now), Email: addr.Address, PasswordHash: hash, Role: in.Role,
		Approved: in.Approved, Locale: s.Config.Instance.Language, DefaultVisibility: model.VisibilityPublic,
		CreatedAt: now, UpdatedAt: now,
	}
	if in.Role == model.RoleMember || in.Role == model.RoleAdmin || in.Role == model.RoleModerator {
		user.MemberVerifiedAt = &now
	}
	if err := s.Store.CreateLocalUser(ctx, account, user); err != nil {
		if errors.Is(err, storage.ErrEmailTaken) {
			return nil, ErrEmailTaken
		}
		return nil, invalid("%s", err.Error())
	}
	user.Account = account
	if err := s.syncSectionMembership(ctx, s.Store.DB, user); err != nil {
		return nil, err
	}
	if err := s.followSectionOnArrival(ctx, s.Store.DB, user); err != nil {
		return nil, err
	}
	s.Log.Info("account created", "username", account.Username, "role", user.Role)
	return user, nil
}

// newLocalActor fills in ids, collections and a fresh RSA key.
func (s *Service) newLocalActor(username, actorType string) (*model.Account, error) {
	key, err := httpsign.GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	pub, err := httpsign.EncodePublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := s.URIs
	a := &model.Account{
		ID: model.NewID(now), URI: u.Actor(username), URL: u.Profile(username), Username: username,
		ActorType: actorType, Fields: []model.Field{}, AlsoKnownAs: []string{},
		InboxURI: u.Inbox(username), SharedInboxURI: u.SharedInbox(), OutboxURI: u.Outbox(username),
		FollowersURI: u.Followers(username), FollowingURI: u.Following(username), FeaturedURI: u.Featured(username),
		PublicKeyID: u.KeyID(username), PublicKeyPEM: pub, PrivateKeyPEM: httpsign.EncodePrivateKey(key),
		CreatedAt: now, UpdatedAt: now,
	}
	if actorType == model.ActorGroup {
		a.MembersURI = u.Members(username)
		a.Discoverable = true
	}
	return a, nil
}

// EnsureInstanceActors creates, on first start, the instance actor (which
// signs our fetches) and the section's Group actor.
func (s *Service) EnsureInstanceActors(ctx context.Context) error {
	if _, err := s.Store.LocalAccount(ctx, uris.InstanceActorUsername); errors.Is(err, storage.ErrNotFound) {
		a, err := s.newLocalActor(uris.InstanceActorUsername, model.ActorApplication)
		if err != nil {
			return err
		}
		// The instance actor lives at /actor, as Mastodon's does.
		a.URI, a.URL, a.PublicKeyID = s.URIs.InstanceActor(), s.URIs.Base+"/about", s.URIs.InstanceKeyID()
		a.InboxURI, a.OutboxURI = s.URIs.InstanceActor()+"/inbox", s.URIs.InstanceActor()+"/outbox"
		a.FollowersURI, a.FollowingURI, a.FeaturedURI = "", "", ""
		a.Bot, a.Locked = true, true
		a.DisplayName = s.Config.Instance.Name
		if err := s.Store.InsertAccount(ctx, nil, a); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if _, err := s.Store.LocalAccount(ctx, s.Config.Section.Username); errors.Is(err, storage.ErrNotFound) {
		a, err := s.newLocalActor(s.Config.Section.Username, model.ActorGroup)
		if err != nil {
			return err
		}
		a.DisplayName = s.Config.Section.DisplayName
		group := &model.Group{AccountID: a.ID, Kind: "section", Openness: "moderated", MembersVisibility: "moderators",
			Territory: s.Config.Section.Territory, CreatedAt: a.CreatedAt, UpdatedAt: a.CreatedAt}
		if err := s.Store.CreateGroup(ctx, a, group); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	return s.ReconcileSection(ctx)
}

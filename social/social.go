// Package social is the domain: what members, groups and remote actors may
// do, and the side effects of doing it. The transports (api/, web/,
// federation/ inbox) parse and authenticate, then call in here; nothing
// about who may see or do what is decided twice.
package social

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/queue"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/uris"
)

// Resolver finds remote actors; federation implements it (WebFinger and
// signed fetches). It is a seam so the domain does not speak HTTP.
type Resolver interface {
	// ResolveHandle finds user@domain, fetching it if unknown.
	ResolveHandle(ctx context.Context, username, domain string) (*model.Account, error)
	// ResolveActor finds an actor by id, fetching it if unknown.
	ResolveActor(ctx context.Context, uri string) (*model.Account, error)
}

// Errors the transports map to status codes.
var (
	// ErrNotFound: absent, or present but not visible to the caller (we
	// never confirm the existence of what someone may not see).
	ErrNotFound = errors.New("not found")
	// ErrForbidden: visible, but the action is not allowed.
	ErrForbidden = errors.New("not allowed")
)

// Service carries what the domain needs. Now is the clock seam.
type Service struct {
	Config   config.Config
	Store    *storage.Storage
	Queue    *queue.Queue
	Resolver Resolver
	Live     Live
	// MediaURL gives the public address of a stored file (set by the
	// server from the media package).
	MediaURL func(m *model.MediaAttachment) string
	URIs     uris.Layout
	Log      *slog.Logger
	Now      func() time.Time
	// MailText translates a message of the mail catalogue (the web's, set
	// by the server): notification mails and digests are not sent
	// without it.
	MailText func(lang, id string, args ...any) string

	secretOnce sync.Once
	secret     *auth.ServerSecret // keys the unsubscribe links
}

// New builds a Service with the real clock.
func New(cfg config.Config, store *storage.Storage, q *queue.Queue, log *slog.Logger) *Service {
	return &Service{
		Config: cfg,
		Store:  store,
		Queue:  q,
		URIs:   uris.New(cfg.BaseURL()),
		Log:    log,
		Now:    func() time.Time { return time.Now().UTC() },
	}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// IsLocalURI reports whether an IRI belongs to this instance.
func (s *Service) IsLocalURI(uri string) bool {
	return strings.HasPrefix(uri, s.URIs.Base+"/") || uri == s.URIs.Base
}

// InstanceActor is the Application actor that signs our fetches.
func (s *Service) InstanceActor(ctx context.Context) (*model.Account, error) {
	return s.Store.LocalAccount(ctx, uris.InstanceActorUsername)
}

func mapNotFound(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return ErrNotFound
	}
	return err
}

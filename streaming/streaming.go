// Package streaming is the Mastodon streaming API: WebSocket at
// /api/v1/streaming and server-sent events at /api/v1/streaming/user,
// /public, ... It also implements social.Live, through which the domain
// announces new, edited and deleted statuses and new notifications.
//
// Events carry ids only. On PostgreSQL, Emit runs
// `SELECT pg_notify('coopol_live', <event JSON>)` on the caller's
// transaction, so that every replica's listener (one dedicated pgx
// connection per process, LISTEN coopol_live) hears about it once it is
// committed, and never if it is rolled back. On SQLite (one process),
// Emit hands the event to the process directly; the dispatcher first
// waits for the emitting transaction to end (see barrier) so that it
// reads what was committed.
//
// The dispatcher loads each row once and, for every connection, asks
// social.CanView whether its viewer may see the status before anything
// is rendered for them: members-only posts and direct messages reach
// only their audience. What a stream carries beyond that mirrors the
// REST timelines (storage.HomeTimeline, PublicTimeline, ListTimeline are
// asked about the one status), plus, for "user", the posts of groups the
// viewer is a member of.
//
// Coopol's own notification kinds (coopol.*) are streamed only to
// connections that opt in with the query parameter coopol=1, as the REST
// API returns them only to clients that name them in types[]: Mastodon
// clients may fail on types they do not know.
package streaming

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/api"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// Channel is the PostgreSQL notification channel of live events.
const Channel = "coopol_live"

// Defaults of Options.
const (
	DefaultHeartbeat = 30 * time.Second
	DefaultRecheck   = 30 * time.Second
)

// Options configure a Streaming.
type Options struct {
	Store  *storage.Storage
	Social *social.Service
	Log    *slog.Logger
	// DSN is the PostgreSQL connection string the listener uses (the
	// configured database.address); unused on SQLite.
	DSN string
	// Heartbeat is how often idle connections are pinged (WebSocket) or
	// sent a comment (SSE); RecheckToken how often each connection's
	// access token is checked again, closing the connection once it is
	// revoked or its user disabled. Zero means the 30 s defaults.
	Heartbeat    time.Duration
	RecheckToken time.Duration
}

// Streaming is the live-event hub of one process.
type Streaming struct {
	store    *storage.Storage
	social   *social.Service
	log      *slog.Logger
	dsn      string
	postgres bool
	api      *api.Handlers // set by Mount

	heartbeat time.Duration
	recheck   atomic.Int64 // nanoseconds

	events chan social.LiveEvent
	hub    hub
	meta   metaCache // touched by the dispatcher goroutine only

	runMu     sync.Mutex
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	listening atomic.Bool
}

// New builds the hub; Start runs it.
func New(o Options) *Streaming {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.RecheckToken <= 0 {
		o.RecheckToken = DefaultRecheck
	}
	s := &Streaming{
		store: o.Store, social: o.Social, log: o.Log.With("component", "streaming"), dsn: o.DSN,
		postgres: o.Store.Type == "postgres", heartbeat: o.Heartbeat,
		events: make(chan social.LiveEvent, 4096),
		hub:    hub{conns: map[*conn]struct{}{}},
		meta:   newMetaCache(4096),
	}
	s.recheck.Store(int64(o.RecheckToken))
	return s
}

// SetRecheckInterval changes how often connections re-check their token
// (tests shorten it); it applies to connections opened afterwards.
func (s *Streaming) SetRecheckInterval(d time.Duration) { s.recheck.Store(int64(d)) }

// Listening reports whether the PostgreSQL listener is connected (always
// false on SQLite).
func (s *Streaming) Listening() bool { return s.listening.Load() }

// wireEvent is a LiveEvent as it travels through pg_notify.
type wireEvent struct {
	Kind      string `json:"kind"`
	ID        string `json:"id"`
	AccountID string `json:"account_id,omitempty"`
}

// Emit announces ev (social.Live). On PostgreSQL it notifies through db,
// the caller's transaction when there is one: delivered to every replica
// on commit, never on rollback.
func (s *Streaming) Emit(ctx context.Context, db bun.IDB, ev social.LiveEvent) {
	if !s.postgres {
		if s.hub.empty() {
			return // nobody to tell in this, the only, process
		}
		s.enqueue(ev)
		return
	}
	payload, err := json.Marshal(wireEvent{Kind: ev.Kind, ID: ev.ID, AccountID: ev.AccountID})
	if err != nil {
		return
	}
	if db == nil {
		db = s.store.DB
	}
	if _, err := db.NewRaw("SELECT pg_notify(?, ?)", Channel, string(payload)).Exec(ctx); err != nil {
		s.log.Warn("live event not sent", "kind", ev.Kind, "id", ev.ID, "err", err)
	}
}

// enqueue hands an event to the dispatcher without ever blocking the
// caller (which may hold a transaction).
func (s *Streaming) enqueue(ev social.LiveEvent) {
	select {
	case s.events <- ev:
	default:
		s.log.Warn("live event dropped: dispatcher backlog full", "kind", ev.Kind, "id", ev.ID)
	}
}

// Start runs the dispatcher and, on PostgreSQL, the listener. It returns
// once the listener is connected (or its first attempt failed: it then
// keeps retrying in the background), so that events committed after
// Start are not missed. Stop ends both.
func (s *Streaming) Start(ctx context.Context) error {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.cancel != nil {
		return errors.New("streaming: already started")
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	if s.postgres {
		first, err := s.connectListener(ctx)
		if err != nil {
			s.log.Warn("live event listener not connected yet; retrying in the background", "err", err)
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.listen(runCtx, first)
		}()
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.dispatchLoop(runCtx)
	}()
	return nil
}

// Stop ends the listener and the dispatcher (idempotent). Connections
// are closed by CloseAll.
func (s *Streaming) Stop() {
	s.runMu.Lock()
	cancel := s.cancel
	s.cancel = nil
	s.runMu.Unlock()
	if cancel != nil {
		cancel()
		s.wg.Wait()
	}
}

// CloseAll closes every streaming connection (1001 going away), as the
// HTTP server shuts down: hijacked WebSockets and endless SSE responses
// would otherwise outlive it or hold the graceful shutdown.
func (s *Streaming) CloseAll() {
	for _, c := range s.hub.list() {
		c.close(closeGoingAway, "server shutting down")
	}
}

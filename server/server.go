// Package server assembles the HTTP server: it wires the transports
// (federation, api, web) and the job queue onto one instance and runs it
// with a graceful shutdown. It holds no rules of its own.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/coopol/coopol/mail"

	"github.com/gin-gonic/gin"
	"github.com/riverqueue/river"

	"github.com/coopol/coopol/api"
	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/calendar"
	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/federation"
	"github.com/coopol/coopol/httpclient"
	"github.com/coopol/coopol/linkpreview"
	"github.com/coopol/coopol/media"
	"github.com/coopol/coopol/push"
	"github.com/coopol/coopol/queue"
	"github.com/coopol/coopol/ratelimit"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/streaming"
	"github.com/coopol/coopol/web"
)

// Options are the seams tests use; the zero value is production.
type Options struct {
	// Resolver and PortOverride let tests map host names such as
	// section-a.test to loopback listeners.
	Resolver     httpclient.Resolver
	PortOverride func(hostport string) string
	// QueuePollInterval makes idle delivery workers look for jobs more often.
	QueuePollInterval time.Duration
	// Now replaces the clock.
	Now func() time.Time
	// DeliveryBackoff replaces the delivery retry schedule.
	DeliveryBackoff func(attempt int) time.Duration
	// RescueStuckJobsAfter replaces how long a job left "running" by a
	// crashed process waits before it is retried (queue.Options).
	RescueStuckJobsAfter time.Duration
	// RateLimits replaces ratelimit.Defaults(); a zero Config disables
	// every limit (tests that send many requests from loopback).
	RateLimits *ratelimit.Config
}

// Server is one running Coopol instance.
type Server struct {
	Config     config.Config
	Store      *storage.Storage
	Social     *social.Service
	Federation *federation.Federation
	Queue      *queue.Queue
	Streaming  *streaming.Streaming
	Media      *media.Service
	Log        *slog.Logger
	Handler    http.Handler
	// RateLimits are shared by every transport (the web forms too).
	RateLimits *ratelimit.Set

	idle idleMemory
}

// New builds the instance on an opened, migrated storage.
func New(ctx context.Context, cfg config.Config, store *storage.Storage, log *slog.Logger, opts Options) (*Server, error) {
	svc := social.New(cfg, store, nil, log)
	if opts.Now != nil {
		svc.Now = opts.Now
	}
	live := streaming.New(streaming.Options{Store: store, Social: svc, Log: log, DSN: cfg.Database.Address})
	svc.Live = live
	// Replicas started together take turns: one creates the actors and
	// their keys, the others find them.
	if err := store.WithBootstrapLock(ctx, svc.EnsureInstanceActors); err != nil {
		return nil, fmt.Errorf("create instance actors: %w", err)
	}
	fed := federation.New(cfg, store, svc, svc.Now, httpclient.Config{Resolver: opts.Resolver, PortOverride: opts.PortOverride}, log)
	svc.Resolver = fed // the domain resolves and fetches through federation
	workers := river.NewWorkers()
	river.AddWorker(workers, &federation.DeliveryWorker{Fed: fed, Backoff: opts.DeliveryBackoff})
	river.AddWorker(workers, &social.ReminderWorker{Social: svc})
	river.AddWorker(workers, &social.EraseTurfsWorker{Social: svc})
	river.AddWorker(workers, &social.GuestsWorker{Social: svc})
	river.AddWorker(workers, &social.HistoryWorker{Social: svc})
	river.AddWorker(workers, &social.DirectoryWorker{Social: svc})
	river.AddWorker(workers, &mail.Worker{Sender: mail.New(cfg.SMTP, cfg.Host)})
	river.AddWorker(workers, &social.NotificationMailWorker{Social: svc})
	river.AddWorker(workers, &social.DigestWorker{Social: svc})
	// Link previews and Web Push reach URLs given by posts and clients:
	// the same SSRF-safe client rules as federation, each with its own
	// User-Agent and redirect policy.
	outbound := httpclient.Config{Resolver: opts.Resolver, PortOverride: opts.PortOverride, AllowedPrivate: cfg.PrivatePrefixes(), Timeout: cfg.Federation.RequestTimeout}
	previews := outbound
	previews.UserAgent = "Coopol/" + federation.Version + " link preview (+" + cfg.BaseURL() + "/)"
	cardWorker := &social.CardWorker{Social: svc, Fetcher: &linkpreview.Fetcher{Client: httpclient.New(previews)}}
	river.AddWorker(workers, cardWorker)
	pushes := outbound
	pushes.MaxRedirects = -1 // a push service answers, it does not redirect a POST
	pushes.UserAgent = "Coopol/" + federation.Version + " (+" + cfg.BaseURL() + "/)"
	river.AddWorker(workers, &push.Worker{Config: cfg, Store: store, Client: httpclient.New(pushes), Log: log.With("component", "push"), CanView: svc.CanView})
	if _, err := push.Keys(ctx, store); err != nil {
		return nil, fmt.Errorf("web push keys: %w", err)
	}
	q, err := queue.New(store, workers, queue.Options{
		DeliveryWorkers: cfg.Federation.DeliveryWorkers, PollInterval: opts.QueuePollInterval,
		Logger: log.With("component", "queue"), PeriodicJobs: []*river.PeriodicJob{queue.Remind(time.Minute), queue.EraseOldTurfs(6 * time.Hour), queue.Guests(10 * time.Minute), queue.Directory(social.DirectoryRefreshInterval), queue.Digests(social.DigestInterval)},
		RescueStuckJobsAfter: opts.RescueStuckJobsAfter,
	})
	if err != nil {
		return nil, err
	}
	svc.Queue = q
	mediaSvc, err := media.NewService(cfg.Media, store, cfg.BaseURL())
	if err != nil {
		return nil, fmt.Errorf("media storage: %w", err)
	}
	mediaSvc.Log = log
	svc.MediaURL = mediaSvc.URL
	cardWorker.Images = mediaSvc
	limits := rateLimitsOf(cfg.HTTP.RateLimits)
	if opts.RateLimits != nil {
		limits = *opts.RateLimits
	}
	s := &Server{Config: cfg, Store: store, Social: svc, Federation: fed, Queue: q, Streaming: live, Media: mediaSvc, Log: log, RateLimits: ratelimit.NewSet(limits)}
	if cfg.Registrations == "open" && cfg.SMTP.Host == "" {
		log.Warn("registrations: open without smtp: a sign-up logs in at once, so the sign-up form tells whether an e-mail address already has an account; set smtp (sign-ups are then confirmed by mail) or use registrations: approval")
	}
	if !mediaSvc.FFmpegAvailable() {
		log.Error("ffmpeg not found on PATH: audio and video uploads are stored WITH their metadata (GPS location tags included); install ffmpeg to remove it (checked again at each upload)")
	}
	s.RateLimits.TrustedDevice = trustedDevice(store, &auth.ServerSecret{Load: func(ctx context.Context) (string, error) {
		a, err := svc.InstanceActor(ctx)
		if err != nil {
			return "", err
		}
		return a.PrivateKeyPEM, nil
	}})
	s.RateLimits.OnLoginFailures = func(ctx context.Context, login string) {
		if err := s.Social.NotifyLoginFailures(ctx, login); err != nil {
			s.Log.Error("tell an account of failed logins", "err", err)
		}
	}
	s.Handler = s.routes()
	return s, nil
}

// RowCacheScope makes the row cache look for changes once per request
// (storage.WithRequestScope). Streams are left out: they live for hours
// and render what changes while they run, so each of their reads looks.
// So are requests that write (POST, PUT, PATCH, DELETE): they render what
// they just changed (an edit answers with the edited status), and a look
// taken before their own write would not have seen it.
func RowCacheScope(c *gin.Context) {
	readOnly := c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead
	if readOnly && !strings.HasPrefix(c.Request.URL.Path, "/api/v1/streaming") {
		c.Request = c.Request.WithContext(storage.WithRequestScope(c.Request.Context()))
	}
	c.Next()
}

func (s *Server) routes() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// X-Forwarded-For is believed only from http.trusted_proxies (gin
	// would believe anyone): client addresses key the rate limits.
	if err := r.SetTrustedProxies(s.Config.HTTP.TrustedProxies); err != nil {
		s.Log.Error("http.trusted_proxies", "err", err)
	}
	r.Use(gin.Recovery(), s.idle.middleware, RowCacheScope, refuseBadParams, newDBGuard(s.Store.Ping, s.Log).middleware,
		exceptRateLimits(s.Config.HTTP.RateLimitExceptions, s.RateLimits.Middleware()), refuseBadBodies)
	r.GET("/livez", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/readyz", func(c *gin.Context) {
		// Busy (every pooled connection in use) is still ready: taking the
		// instance out of a load balancer during a burst would make the
		// burst an outage.
		if err := s.Store.Ping(c.Request.Context()); err != nil && !errors.Is(err, storage.ErrPoolBusy) {
			s.Log.Warn("not ready", "err", err)
			c.String(http.StatusServiceUnavailable, "database unavailable")
			return
		}
		c.String(http.StatusOK, "ok")
	})
	s.Federation.Register(r)
	(&calendar.Handler{Social: s.Social, Store: s.Store}).Register(r)
	// Uploads are served under their random names with safe headers;
	// files of followers-only, direct and members-only posts are refused
	// to these anonymous fetches (media.PublicOrUnattached).
	mediaHandler := gin.WrapH(s.Media.Handler(nil))
	r.GET("/media/*path", mediaHandler)
	r.HEAD("/media/*path", mediaHandler)
	h := api.Register(r, api.Deps{Config: s.Config, Store: s.Store, Log: s.Log, Now: s.Social.Now, Social: s.Social, Media: s.Media,
		OnTokenIssued: s.RateLimits.TrustToken})
	s.Streaming.Mount(r, h)
	wh := web.Register(r, web.Deps{Config: s.Config, Store: s.Store, Social: s.Social, Log: s.Log, RateLimits: s.RateLimits, Media: s.Media}) // after api: it installs the NoRoute
	// Notification mails speak the web's catalogues (set before the
	// queue starts, in Serve).
	s.Social.MailText = wh.MailText
	return r
}

// Serve answers on ln and runs the delivery workers until ctx is
// cancelled, then lets in-flight requests and jobs finish (up to
// http.shutdown_timeout) before returning.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
	}
	if err := s.Queue.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	// Live events: on PostgreSQL, LISTEN before answering, so that a
	// client connected to this replica misses nothing committed after.
	if err := s.Streaming.Start(ctx); err != nil {
		return fmt.Errorf("start streaming: %w", err)
	}
	defer s.Streaming.Stop()
	// Look at row_changes only when a change may have happened
	// (storage.WatchChanges).
	go s.Store.WatchChanges(ctx, s.Log)
	srv.RegisterOnShutdown(s.Streaming.CloseAll)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go s.releaseMemoryWhenIdle(ctx)
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
	}
	s.Log.Info("shutting down: finishing in-flight requests and jobs")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.Config.HTTP.ShutdownTimeout)
	defer cancel()
	if serveErr == nil {
		if err := srv.Shutdown(shutdownCtx); err != nil {
			serveErr = fmt.Errorf("graceful shutdown: %w", err)
		} else if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			serveErr = err
		}
	}
	if err := s.Queue.Stop(shutdownCtx); err != nil {
		s.Log.Warn("job queue did not stop cleanly", "err", err)
	}
	return serveErr
}

// Package server assembles the HTTP server: it wires the transports
// (federation, api, web) onto one gin engine and runs it with a graceful
// shutdown. It holds no rules of its own.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// Server is one running Coopol instance.
type Server struct {
	Config  config.Config
	Store   *storage.Storage
	Social  *social.Service
	Log     *slog.Logger
	Handler http.Handler
}

// New builds the instance on an opened, migrated storage.
func New(ctx context.Context, cfg config.Config, store *storage.Storage, log *slog.Logger) (*Server, error) {
	svc := social.New(cfg, store, log)
	if err := svc.EnsureInstanceActors(ctx); err != nil {
		return nil, fmt.Errorf("create instance actors: %w", err)
	}
	s := &Server{Config: cfg, Store: store, Social: svc, Log: log}
	s.Handler = s.routes()
	return s, nil
}

func (s *Server) routes() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.GET("/livez", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/readyz", func(c *gin.Context) {
		if err := s.Store.Ping(c.Request.Context()); err != nil {
			s.Log.Warn("not ready", "err", err)
			c.String(http.StatusServiceUnavailable, "database unavailable")
			return
		}
		c.String(http.StatusOK, "ok")
	})
	return r
}

// Serve answers on ln until ctx is cancelled, then lets in-flight requests
// finish (up to http.shutdown_timeout) before returning.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.Config.HTTP.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

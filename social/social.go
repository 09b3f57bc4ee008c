// Package social is the domain: what members, groups and remote actors may
// do, and the side effects of doing it. The transports (api/, web/,
// federation/ inbox) parse and authenticate, then call in here; nothing
// about who may see or do what is decided twice.
package social

import (
	"log/slog"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/uris"
)

// Service carries what the domain needs. Now is the clock seam.
type Service struct {
	Config config.Config
	Store  *storage.Storage
	URIs   uris.Layout
	Log    *slog.Logger
	Now    func() time.Time
}

// New builds a Service with the real clock.
func New(cfg config.Config, store *storage.Storage, log *slog.Logger) *Service {
	return &Service{
		Config: cfg,
		Store:  store,
		URIs:   uris.New(cfg.BaseURL()),
		Log:    log,
		Now:    func() time.Time { return time.Now().UTC() },
	}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

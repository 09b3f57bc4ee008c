package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Marker is a reading position a client saves.
type Marker struct {
	bun.BaseModel `bun:"table:markers,alias:markers"`

	AccountID  string    `bun:"account_id,pk"`
	Timeline   string    `bun:"timeline,pk"`
	LastReadID string    `bun:"last_read_id"`
	Version    int       `bun:"version"`
	UpdatedAt  time.Time `bun:"updated_at"`
}

// Markers returns accountID's markers for the given timelines.
func (s *Storage) Markers(ctx context.Context, accountID string, timelines []string) ([]Marker, error) {
	var out []Marker
	if len(timelines) == 0 {
		return out, nil
	}
	err := s.DB.NewSelect().Model(&out).Where("account_id = ? AND timeline IN (?)", accountID, bun.In(timelines)).Scan(ctx)
	return out, err
}

// SetMarker saves a reading position, bumping its version.
func (s *Storage) SetMarker(ctx context.Context, accountID, timeline, lastReadID string, now time.Time) (*Marker, error) {
	m := &Marker{AccountID: accountID, Timeline: timeline, LastReadID: lastReadID, Version: 1, UpdatedAt: now}
	err := s.DB.NewInsert().Model(m).On("CONFLICT (account_id, timeline) DO UPDATE").
		Set("last_read_id = EXCLUDED.last_read_id, updated_at = EXCLUDED.updated_at, version = markers.version + 1").
		Returning("version").Scan(ctx, &m.Version)
	if err != nil {
		return nil, err
	}
	return m, nil
}

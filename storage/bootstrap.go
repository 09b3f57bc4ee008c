package storage

import (
	"context"
	"errors"
	"fmt"
)

// bootstrapLockKey names the PostgreSQL advisory lock held while a
// replica migrates and creates the instance's own actors ("coopol").
const bootstrapLockKey int64 = 0x636f6f706f6c

// WithBootstrapLock runs fn while holding a database-wide lock, so that
// replicas started together on a fresh PostgreSQL database migrate and
// create the instance and section actors one after the other: the first
// does the work, the others find it done. Without it two replicas raced
// on CREATE TABLE (duplicate pg_type row) and on the actors' insert, and
// one crashed (issue 17). SQLite has one process per file: fn just runs.
// The lock is held on its own connection; fn uses the pool.
func (s *Storage) WithBootstrapLock(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if s.Type != "postgres" {
		return fn(ctx)
	}
	if s.maxOpen == 1 {
		// One connection holds the lock, fn needs another.
		s.DB.DB.SetMaxOpenConns(2)
		defer s.DB.DB.SetMaxOpenConns(1)
	}
	conn, err := s.DB.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("storage: bootstrap lock: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", bootstrapLockKey); err != nil {
		return fmt.Errorf("storage: bootstrap lock: %w", err)
	}
	defer func() {
		if _, uerr := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", bootstrapLockKey); uerr != nil {
			err = errors.Join(err, fmt.Errorf("storage: bootstrap unlock: %w", uerr))
		}
	}()
	return fn(ctx)
}

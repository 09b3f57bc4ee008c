package storage

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/uptrace/bun"
)

// bun writes arguments into the SQL text, so the database compiles (and,
// on PostgreSQL, plans) every statement anew: about a fifth of the CPU of
// a timeline request on SQLite (issue 17). The few statements run on every
// request are prepared once per pool instead, with the driver's own
// placeholders, and reused; database/sql re-prepares them on each pooled
// connection as needed.

type preparedSet struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// placeholder is the driver's first positional parameter, to be written
// into a bun-built statement with bun.Safe.
func (s *Storage) placeholder() bun.Safe {
	if s.Type == "postgres" {
		return bun.Safe("$1")
	}
	return bun.Safe("?")
}

// prepared returns the statement called name, preparing build() on first
// use. Statements are prepared lazily: before migrations the tables they
// read may not exist yet.
func (s *Storage) prepared(ctx context.Context, name string, build func() string) (*sql.Stmt, error) {
	s.prep.mu.Lock()
	defer s.prep.mu.Unlock()
	if st, ok := s.prep.stmts[name]; ok {
		return st, nil
	}
	st, err := s.DB.DB.PrepareContext(ctx, build())
	if err != nil {
		return nil, err
	}
	if s.prep.stmts == nil {
		s.prep.stmts = map[string]*sql.Stmt{}
	}
	s.prep.stmts[name] = st
	return st, nil
}

func (s *Storage) closePrepared() error {
	s.prep.mu.Lock()
	defer s.prep.mu.Unlock()
	var err error
	for _, st := range s.prep.stmts {
		err = errors.Join(err, st.Close())
	}
	s.prep.stmts = nil
	return err
}

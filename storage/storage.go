// Package storage is Coopol's persistence: one bun.DB over SQLite (the
// embedded default) or PostgreSQL, versioned SQL migrations that run
// unchanged on both, and plain functions per aggregate (accounts.go,
// statuses.go, ...).
package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/migrate"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", pure Go: one static binary

	"github.com/coopol/coopol/config"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrNotFound is returned by lookups that match no row.
var ErrNotFound = errors.New("not found")

// Storage wraps the database handles.
type Storage struct {
	DB   *bun.DB
	Type string // "sqlite" or "postgres"

	// QueueDB is the pool the job queue (River) uses for its own
	// maintenance. On SQLite it is a separate single-connection pool, as
	// River's SQLite driver asks, so the queue never starves the web pool.
	QueueDB *sql.DB

	dsn     string      // for the connection that LISTENs on PostgreSQL (rowcache_watch.go)
	prep    preparedSet // statements run on every request (prepared.go)
	rows    *rowCache   // statuses and accounts (rowcache.go)
	maxOpen int         // the pool's size, as configured
	// idleConns is how many idle connections the pool keeps, restored
	// after CloseIdleConnections.
	idleConns int
}

// CloseIdleConnections closes the pool's idle connections now rather
// than after their idle time: each holds its own page cache and compiled
// statements, worth giving back when the instance has been idle a while.
// The next request opens what it needs.
func (s *Storage) CloseIdleConnections() {
	s.DB.DB.SetMaxIdleConns(0)
	s.DB.DB.SetMaxIdleConns(s.idleConns)
}

// Open connects to the configured database. It does not migrate.
func Open(ctx context.Context, cfg config.Database) (*Storage, error) {
	switch cfg.Type {
	case "sqlite":
		return openSQLite(ctx, cfg)
	case "postgres":
		return openPostgres(ctx, cfg)
	}
	return nil, fmt.Errorf("storage: unknown database type %q", cfg.Type)
}

func sqliteDSN(path string) string {
	// WAL lets readers run beside the writer; immediate transactions take
	// the write lock at BEGIN so two writers wait (busy_timeout) instead of
	// failing with SQLITE_BUSY halfway through; synchronous=NORMAL survives
	// a process crash.
	q := url.Values{}
	for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(30000)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

func openSQLite(ctx context.Context, cfg config.Database) (*Storage, error) {
	if dir := filepath.Dir(cfg.Address); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("storage: create database folder: %w", err)
		}
	}
	dsn := sqliteDSN(cfg.Address)
	// The pool the application reads through keeps compiled statements
	// (stmtcache.go); the queue's own connection does not need to.
	sqldb, err := sql.Open(cachingSQLiteDriver, dsn)
	if err != nil {
		return nil, fmt.Errorf("storage: open sqlite: %w", err)
	}
	sqldb.SetMaxOpenConns(cfg.MaxOpenConns)
	// database/sql keeps 2 idle connections by default: under more
	// concurrent requests than that, connections were closed and opened
	// again all the time, each open setting its pragmas and losing its
	// compiled statements. Keep them all, and let them go when idle.
	sqldb.SetMaxIdleConns(cfg.MaxOpenConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	queue, err := sql.Open("sqlite", dsn)
	if err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("storage: open sqlite: %w", err)
	}
	queue.SetMaxOpenConns(1)
	s := &Storage{DB: bun.NewDB(sqldb, sqlitedialect.New()), Type: "sqlite", QueueDB: queue, rows: newRowCache(), idleConns: cfg.MaxOpenConns,
		dsn: dsn}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.dropStat4(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// dropStat4 forgets the value samples an ANALYZE (or PRAGMA optimize) left
// in sqlite_stat4, keeping the per-index statistics of sqlite_stat1. With
// samples, SQLite recompiles a statement every time its parameters change
// (their values might change the plan), which undid the statement cache
// (stmtcache.go); stat1 is what our indexes need.
func (s *Storage) dropStat4(ctx context.Context) error {
	var n int
	if err := s.DB.NewRaw("SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'").Scan(ctx, &n); err != nil {
		return fmt.Errorf("storage: look for sqlite_stat4: %w", err)
	}
	if n == 0 {
		return nil
	}
	if _, err := s.DB.ExecContext(ctx, "DELETE FROM sqlite_stat4"); err != nil {
		return fmt.Errorf("storage: clear sqlite_stat4: %w", err)
	}
	// Reload the statistics the connections use.
	if _, err := s.DB.ExecContext(ctx, "ANALYZE sqlite_schema"); err != nil {
		return fmt.Errorf("storage: reload statistics: %w", err)
	}
	return nil
}

func openPostgres(ctx context.Context, cfg config.Database) (*Storage, error) {
	sqldb, err := sql.Open(simplePGDriver, cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("storage: open postgres: %w", err)
	}
	sqldb.SetMaxOpenConns(cfg.MaxOpenConns)
	sqldb.SetMaxIdleConns(cfg.MaxOpenConns) // see openSQLite
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	s := &Storage{DB: bun.NewDB(sqldb, pgdialect.New()), Type: "postgres", QueueDB: sqldb, maxOpen: cfg.MaxOpenConns, rows: newRowCache(), idleConns: cfg.MaxOpenConns,
		dsn: cfg.Address}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Ping checks the database answers (used by /readyz).
func (s *Storage) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := s.DB.PingContext(ctx)
	// database/sql tries other connections when getting one fails with
	// driver.ErrBadConn, but not when the ping itself does: one pooled
	// connection the server or the network dropped (pgx checks those idle
	// for over a second only) made Ping, and so the guard, report an
	// outage. That connection is discarded now; ask again, on another or
	// a new one. A database that is down still fails: opening a new
	// connection to it is an error of its own.
	for i := 0; i < 2 && errors.Is(err, driver.ErrBadConn) && ctx.Err() == nil; i++ {
		err = s.DB.PingContext(ctx)
	}
	if err != nil {
		// A ping that timed out waiting for a connection while every one
		// is in use says the database is busy, not down: those connections
		// are answering someone.
		if ctx.Err() != nil && s.poolExhausted() {
			return ErrPoolBusy
		}
		return fmt.Errorf("storage: database unreachable: %w", err)
	}
	return nil
}

// ErrPoolBusy is Ping's answer when it could not get a connection because
// all of them are in use: the database is up, this process is saturated.
var ErrPoolBusy = errors.New("storage: every database connection is in use")

func (s *Storage) poolExhausted() bool {
	st := s.DB.Stats()
	return st.MaxOpenConnections > 0 && st.InUse >= st.MaxOpenConnections
}

// Close releases the pools.
func (s *Storage) Close() error {
	err := errors.Join(s.closePrepared(), s.DB.Close())
	if s.QueueDB != nil && s.QueueDB != s.DB.DB {
		err = errors.Join(err, s.QueueDB.Close())
	}
	return err
}

// Migrate brings the schema up to date: Coopol's tables, then the job
// queue's. Safe to run from several replicas at once: on PostgreSQL they
// take turns under an advisory lock (WithBootstrapLock), the table lock of
// the migrator guards the rest.
func (s *Storage) Migrate(ctx context.Context) error {
	return s.WithBootstrapLock(ctx, s.migrate)
}

func (s *Storage) migrate(ctx context.Context) error {
	migrations := migrate.NewMigrations()
	if err := migrations.Discover(migrationFiles); err != nil {
		return fmt.Errorf("storage: read migrations: %w", err)
	}
	s.addDialectMigrations(migrations)
	migrator := migrate.NewMigrator(s.DB, migrations, migrate.WithTableName("coopol_migrations"), migrate.WithLocksTableName("coopol_migration_locks"))
	if err := migrator.Init(ctx); err != nil {
		return fmt.Errorf("storage: init migrations: %w", err)
	}
	if err := lockWithRetry(ctx, migrator); err != nil {
		return err
	}
	defer migrator.Unlock(context.WithoutCancel(ctx)) //nolint:errcheck
	if _, err := migrator.Migrate(ctx); err != nil {
		return fmt.Errorf("storage: migrate: %w", err)
	}
	return s.migrateQueue(ctx)
}

func lockWithRetry(ctx context.Context, m *migrate.Migrator) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := m.Lock(ctx)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("storage: %w (a crashed migration may have left the lock: delete the row in coopol_migration_locks)", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (s *Storage) migrateQueue(ctx context.Context) error {
	var err error
	if s.Type == "sqlite" {
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(s.QueueDB), nil); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	} else {
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riverdatabasesql.New(s.QueueDB), nil); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("storage: migrate job queue: %w", err)
	}
	return nil
}

// InTx runs fn in a transaction, committed if fn returns nil.
func (s *Storage) InTx(ctx context.Context, fn func(tx bun.Tx) error) error {
	return s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return fn(tx) })
}

// IsUniqueViolation reports a unique-constraint failure on either database.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505") || strings.Contains(msg, "duplicate key value")
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

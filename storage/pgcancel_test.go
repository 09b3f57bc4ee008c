package storage_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"testing"
	"time"

	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// openPostgresPool opens a migrated PostgreSQL storage whose pool holds
// at most size connections.
func openPostgresPool(t *testing.T, size int) *storage.Storage {
	t.Helper()
	cfg := storagetest.DatabaseConfig(t, "postgres")
	cfg.MaxOpenConns = size
	s, err := storage.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// A query interrupted by its context (a client that went away) leaves
// pgx's connection closed. database/sql must drop it when it is released,
// not pool it for the next request: whatever way the query was sent
// (lifted, simple protocol, with arguments, prepared) and whether it was
// canceled before its first row or while its rows were read.
func TestCanceledQueryConnectionIsNotPooled(t *testing.T) {
	s := openPostgresPool(t, 10)
	ctx := context.Background()
	prepared, err := s.DB.DB.PrepareContext(ctx, "SELECT pg_sleep($1)")
	if err != nil {
		t.Fatal(err)
	}
	defer prepared.Close()
	cases := []struct {
		name  string
		query func(context.Context) (*sql.Rows, error)
	}{
		{"lifted literal", func(ctx context.Context) (*sql.Rows, error) {
			return s.DB.QueryContext(ctx, "SELECT pg_sleep(5), 'Abc1234567'")
		}},
		{"simple protocol", func(ctx context.Context) (*sql.Rows, error) {
			return s.DB.QueryContext(ctx, "SELECT pg_sleep(5)")
		}},
		{"arguments", func(ctx context.Context) (*sql.Rows, error) {
			return s.DB.DB.QueryContext(ctx, "SELECT pg_sleep($1)", 5) // database/sql itself: bun would read ? placeholders
		}},
		{"prepared", func(ctx context.Context) (*sql.Rows, error) {
			return prepared.QueryContext(ctx, 5)
		}},
		{"while reading rows", func(ctx context.Context) (*sql.Rows, error) {
			return s.DB.QueryContext(ctx, "SELECT g, pg_sleep(0.01) FROM generate_series(1, 500) g")
		}},
	}
	for _, tc := range cases {
		s.CloseIdleConnections()
		if n := s.DB.Stats().OpenConnections; n != 0 {
			t.Fatalf("%s: %d connections open before the query", tc.name, n)
		}
		qctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		rows, err := tc.query(qctx)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		cancel()
		if err == nil {
			t.Fatalf("%s: the query was not interrupted", tc.name)
		}
		// database/sql releases the connection before the error reaches us.
		if st := s.DB.Stats(); st.OpenConnections != 0 {
			t.Errorf("%s (%v): the interrupted connection was kept: %d open, %d idle", tc.name, err, st.OpenConnections, st.Idle)
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("%s: ping: %v", tc.name, err)
		}
	}
}

// One pooled connection that PostgreSQL dropped (a restart, a killed
// backend, a proxy) fails a ping with driver.ErrBadConn, which
// database/sql does not retry. That is not an outage: Ping asks again,
// on another connection.
func TestPingSurvivesADroppedPooledConnection(t *testing.T) {
	s := openPostgresPool(t, 10)
	ctx := context.Background()
	s.CloseIdleConnections()
	var pid int
	// Twice: the second use resets the session, which pgx then trusts
	// for a second without pinging.
	for range 2 {
		if err := s.DB.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			t.Fatal(err)
		}
	}
	admin, err := sql.Open("pgx", storagetest.PostgresDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	for {
		var n int
		if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st := s.DB.Stats(); st.Idle != 1 {
		t.Fatalf("want the dropped connection idle in the pool, stats %+v", st)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping after one pooled connection was dropped: %v (bad conn: %v)", err, errors.Is(err, driver.ErrBadConn))
	}
}

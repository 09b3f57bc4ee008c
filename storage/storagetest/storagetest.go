// Package storagetest opens fresh, migrated databases for tests: SQLite
// always, PostgreSQL too when COOPOL_TEST_POSTGRES holds a DSN. Each test
// gets its own database, dropped when the test ends.
package storagetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// PostgresDSN is the admin DSN for test databases, or "".
func PostgresDSN() string { return os.Getenv("COOPOL_TEST_POSTGRES") }

// Backends lists the database types the tests run on.
func Backends() []string {
	if PostgresDSN() != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// Each runs fn as a subtest once per backend with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, s *storage.Storage)) {
	t.Helper()
	for _, backend := range Backends() {
		t.Run(backend, func(t *testing.T) {
			fn(t, Open(t, backend))
		})
	}
}

// Open returns a migrated storage of the given type, closed at cleanup.
func Open(t testing.TB, backend string) *storage.Storage {
	t.Helper()
	return open(t, DatabaseConfig(t, backend))
}

// Replicas opens one fresh database of the given type twice, as two
// replicas (or a replica and another process) share it; each keeps its
// own caches.
func Replicas(t testing.TB, backend string) (a, b *storage.Storage) {
	t.Helper()
	cfg := DatabaseConfig(t, backend)
	return open(t, cfg), open(t, cfg)
}

func open(t testing.TB, cfg config.Database) *storage.Storage {
	t.Helper()
	ctx := context.Background()
	s, err := storage.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open %s: %v", cfg.Type, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", cfg.Type, err)
	}
	return s
}

// DatabaseConfig creates an empty database of the given type and returns
// its configuration; the database is removed at cleanup.
func DatabaseConfig(t testing.TB, backend string) config.Database {
	t.Helper()
	switch backend {
	case "sqlite":
		return config.Database{Type: "sqlite", Address: filepath.Join(t.TempDir(), "coopol.db"), MaxOpenConns: 10}
	case "postgres":
		admin := PostgresDSN()
		if admin == "" {
			t.Skip("COOPOL_TEST_POSTGRES not set")
		}
		name := "coopol_test_" + strings.ToLower(model.NewID(time.Now()))
		db, err := sql.Open("pgx", admin)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatalf("create test database: %v", err)
		}
		t.Cleanup(func() {
			db, err := sql.Open("pgx", admin)
			if err != nil {
				return
			}
			defer db.Close()
			db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") //nolint:errcheck
		})
		u, err := url.Parse(admin)
		if err != nil {
			t.Fatalf("COOPOL_TEST_POSTGRES is not a URL DSN: %v", err)
		}
		u.Path = "/" + name
		return config.Database{Type: "postgres", Address: u.String(), MaxOpenConns: 10}
	}
	panic(fmt.Sprintf("unknown backend %q", backend))
}

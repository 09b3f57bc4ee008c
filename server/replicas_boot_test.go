package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/server"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestReplicasStartTogether: four replicas started at the same moment on
// a fresh PostgreSQL database all come up (migrations, job queue tables,
// instance and section actors with their keys), and there is one set of
// actors. Before the bootstrap lock two replicas crashed one of them in
// 2 tries out of 3 (issue 17). Ten rounds, each on a new database.
func TestReplicasStartTogether(t *testing.T) {
	if storagetest.PostgresDSN() == "" {
		t.Skip("replicas share a PostgreSQL database: set COOPOL_TEST_POSTGRES")
	}
	const replicas, rounds = 4, 10
	for round := 0; round < rounds; round++ {
		cfg := config.Default()
		cfg.Host, cfg.Protocol = "section-a.test", "http"
		cfg.Database = storagetest.DatabaseConfig(t, "postgres")
		cfg.Database.MaxOpenConns = 4
		cfg.Media.Path = t.TempDir()
		ctx := context.Background()
		servers := make([]*server.Server, replicas)
		errs := make([]error, replicas)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				store, err := storage.Open(ctx, cfg.Database)
				if err != nil {
					errs[i] = err
					return
				}
				t.Cleanup(func() { store.Close() })
				if err := store.Migrate(ctx); err != nil {
					errs[i] = err
					return
				}
				servers[i], errs[i] = server.New(ctx, cfg, store, slog.New(slog.DiscardHandler), server.Options{})
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: replica %d did not start: %v", round, i, err)
			}
			w := httptest.NewRecorder()
			servers[i].Handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if w.Code != http.StatusOK {
				t.Fatalf("round %d: replica %d not ready: %d", round, i, w.Code)
			}
		}
		var local int
		if err := servers[0].Store.DB.NewRaw("SELECT count(*) FROM accounts WHERE domain = ''").Scan(ctx, &local); err != nil {
			t.Fatal(err)
		}
		if local != 2 {
			t.Fatalf("round %d: %d local actors, want the instance actor and the section", round, local)
		}
	}
}

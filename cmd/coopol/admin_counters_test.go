package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// `coopol admin repair-counters` puts back counters a manual edit broke.
func TestRepairCountersCommand(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			useDatabase(t, backend)
			ctx := context.Background()
			if out, err := run(t, ctx, "admin", "account", "create", "--username", "sec", "--email", "sec@example.org", "--password", "long enough pw"); err != nil {
				t.Fatalf("create: %v\n%s", err, out)
			}
			cfg, err := config.Load("", []string{"COOPOL_DATABASE_TYPE=" + backend, "COOPOL_DATABASE_ADDRESS=" + os.Getenv("COOPOL_DATABASE_ADDRESS")})
			if err != nil {
				t.Fatal(err)
			}
			store, err := storage.Open(ctx, cfg.Database)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			if _, err := store.DB.ExecContext(ctx, "INSERT INTO account_stats (account_id, followers_count) SELECT id, 99 FROM accounts WHERE true ON CONFLICT (account_id) DO UPDATE SET followers_count = 99"); err != nil {
				t.Fatal(err)
			}
			out, err := run(t, ctx, "admin", "repair-counters")
			if err != nil || !strings.Contains(out, "account(s) had wrong counters") || strings.HasPrefix(out, "0 ") {
				t.Fatalf("repair: %v\n%s", err, out)
			}
			var n int
			if err := store.DB.NewRaw("SELECT count(*) FROM account_stats WHERE followers_count <> 0").Scan(ctx, &n); err != nil || n != 0 {
				t.Fatalf("%d counters still wrong (%v)", n, err)
			}
		})
	}
}

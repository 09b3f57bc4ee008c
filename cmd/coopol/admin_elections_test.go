package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coopol/coopol/storage/storagetest"
)

// `coopol admin elections list|delete`: an imported election is listed
// with its id, deleted by it, and an unknown id is an error that deletes
// nothing.
func TestAdminElectionsListAndDelete(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			useDatabase(t, backend)
			ctx := context.Background()
			results := filepath.Join("..", "..", "elections", "testdata", "resultats-burvot-t1-exemple.txt")
			if out, err := run(t, ctx, "admin", "elections", "list"); err == nil || !strings.Contains(out, "nothing was imported") {
				t.Fatalf("list before any import: %v\n%s", err, out)
			}
			if out, err := run(t, ctx, "import", "elections", results, "--label", "Municipales 2020 T1"); err != nil {
				t.Fatalf("import: %v\n%s", err, out)
			}
			out, err := run(t, ctx, "admin", "elections", "list")
			if err != nil || !strings.Contains(out, "Municipales 2020 T1\t24 station(s)") {
				t.Fatalf("list: %v\n%s", err, out)
			}
			id := strings.SplitN(strings.TrimSpace(out), "\t", 2)[0]
			if out, err := run(t, ctx, "admin", "elections", "delete", "01NOPE"); err == nil || !strings.Contains(out, "no election 01NOPE") {
				t.Fatalf("delete unknown: %v\n%s", err, out)
			}
			if out, err := run(t, ctx, "admin", "elections", "delete", id); err != nil || !strings.Contains(out, "deleted election "+id) {
				t.Fatalf("delete: %v\n%s", err, out)
			}
			if out, err := run(t, ctx, "admin", "elections", "list"); err != nil || strings.Contains(out, "Municipales") {
				t.Fatalf("list after delete: %v\n%s", err, out)
			}
		})
	}
}

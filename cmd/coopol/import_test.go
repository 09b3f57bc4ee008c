package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coopol/coopol/storage/storagetest"
)

func TestImportElections(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			useDatabase(t, backend)
			ctx := context.Background()
			data := filepath.Join("..", "..", "elections", "testdata")
			results, contours := filepath.Join(data, "resultats-burvot-t1-exemple.txt"), filepath.Join(data, "contours-bureaux-exemple.geojson")

			// First use, before the server ever ran: the section is created.
			out, err := run(t, ctx, "import", "elections", results, "--contours", contours, "--label", "Présidentielle 2022 T1")
			if err != nil {
				t.Fatalf("import: %v\n%s", err, out)
			}
			for _, want := range []string{`Imported "Présidentielle 2022 T1" (round 1) for @section: 24 polling stations in 1 commune(s), file read as Latin-1.`, "Contours: 24 of 24 stations have a shape."} {
				if !strings.Contains(out, want) {
					t.Fatalf("output lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "DUPONT") || strings.Contains(out, "Importing") {
				t.Fatalf("output shows rows or a progress bar without a terminal:\n%s", out)
			}

			out, err = run(t, ctx, "import", "elections", "--section", "section", results, "--label", "Présidentielle 2022 T1")
			if err == nil || !strings.Contains(out, "already imported") || !strings.Contains(out, "--replace") {
				t.Fatalf("same label: %v\n%s", err, out)
			}
			if out, err = run(t, ctx, "import", "elections", results, "--label", "Présidentielle 2022 T1", "--replace"); err != nil {
				t.Fatalf("replace: %v\n%s", err, out)
			}

			// A bad row: the line and the column, and nothing stored.
			raw, err := os.ReadFile(filepath.Join(data, "resultats-burvot-t1-exemple-utf8.csv"))
			if err != nil {
				t.Fatal(err)
			}
			bad := filepath.Join(t.TempDir(), "bad.csv")
			os.WriteFile(bad, bytes.Replace(raw, []byte(";1005;389;"), []byte(";1005;38 9x;"), 1), 0o600)
			out, err = run(t, ctx, "import", "elections", bad, "--label", "Bad")
			if err == nil || !strings.Contains(out, `bad.csv: line 14, column 9 ("Abstentions"): "38 9x" is not a whole number; nothing was imported`) {
				t.Fatalf("bad row: %v\n%s", err, out)
			}
			out, err = run(t, ctx, "import", "elections", bad, "--label", "Bad", "--commune", "75056")
			if err == nil {
				t.Fatalf("a file without the commune imported:\n%s", out)
			}

			if out, err := run(t, ctx, "import", "elections", "--section", "nobody", results); err == nil || !strings.Contains(out, "no local section @nobody") {
				t.Fatalf("unknown section: %v\n%s", err, out)
			}
			if out, err := run(t, ctx, "import", "elections", filepath.Join(data, "missing.txt")); err == nil || !strings.Contains(out, "results file") {
				t.Fatalf("missing file: %v\n%s", err, out)
			}
		})
	}
}

func TestImportAddresses(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			useDatabase(t, backend)
			ctx := context.Background()
			file := filepath.Join("..", "..", "elections", "testdata", "adresses-bureaux-reu-exemple.csv")
			out, err := run(t, ctx, "import", "addresses", "--commune", "99350", file)
			if err != nil {
				t.Fatalf("import: %v\n%s", err, out)
			}
			if want := "Imported 2542 addresses"; !strings.Contains(out, want) || !strings.Contains(out, "24 polling station(s) of 1 commune(s) for @section") {
				t.Fatalf("output lacks %q:\n%s", want, out)
			}
			out, err = run(t, ctx, "import", "addresses", "--commune", "75056", file)
			if err == nil || !strings.Contains(out, "no address of the requested communes") || !strings.Contains(out, "nothing was imported") {
				t.Fatalf("other commune: %v\n%s", err, out)
			}
		})
	}
}

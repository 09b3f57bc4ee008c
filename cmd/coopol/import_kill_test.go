package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/storage"
)

// TestKillDuringImport: `coopol import elections` killed with SIGKILL in
// the middle of a large import leaves nothing half-imported, and running
// it again imports everything once.
func TestKillDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "coopol")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	// A large file made of the sample's first row, repeated for 120
	// communes of 800 polling stations each.
	sample, err := os.Open(filepath.Join("..", "..", "elections", "testdata", "resultats-burvot-t1-exemple-utf8.csv"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(sample)
	sc.Scan()
	header := sc.Text()
	sc.Scan()
	row := strings.Split(sc.Text(), ";")
	sample.Close()
	big := filepath.Join(dir, "big.csv")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, header)
	const communes, stations = 120, 800
	for c := 0; c < communes; c++ {
		for s := 1; s <= stations; s++ {
			row[4], row[6] = fmt.Sprintf("99%03d", c), fmt.Sprintf("%04d", s)
			fmt.Fprintln(w, strings.Join(row, ";"))
		}
	}
	w.Flush()
	f.Close()

	db := filepath.Join(dir, "coopol.db")
	env := append(os.Environ(), "COOPOL_DATABASE_ADDRESS="+db, "COOPOL_MEDIA_PATH="+filepath.Join(dir, "media"), "COOPOL_LOG_LEVEL=error")
	cmd := exec.Command(bin, "import", "elections", big, "--label", "Grande élection")
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Skipf("the import finished (%v) before it could be killed: machine too fast for this size", err)
	case <-time.After(1500 * time.Millisecond):
	}
	cmd.Process.Signal(syscall.SIGKILL) //nolint:errcheck
	<-done

	count := func() (elections, results int) {
		ctx := context.Background()
		store, err := storage.Open(ctx, storageConfig(db))
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		e, _ := store.DB.NewSelect().TableExpr("elections").Count(ctx)
		r, _ := store.DB.NewSelect().TableExpr("station_results").Count(ctx)
		return int(e), int(r)
	}
	if e, r := count(); e != 0 || r != 0 {
		t.Fatalf("a killed import left %d elections and %d station results", e, r)
	}

	again := exec.Command(bin, "import", "elections", big, "--label", "Grande élection")
	again.Env = env
	if out, err := again.CombinedOutput(); err != nil {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	if e, r := count(); e != 1 || r != communes*stations {
		t.Fatalf("after the second import: %d elections, %d station results (want 1, %d)", e, r, communes*stations)
	}
}

func storageConfig(path string) config.Database {
	return config.Database{Type: "sqlite", Address: path, MaxOpenConns: 2}
}

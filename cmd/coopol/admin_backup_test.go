package main

// covers R-08 (backup and restore)

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := run(t, context.Background(), args...)
	if err != nil {
		t.Fatalf("coopol %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func sqliteCount(t *testing.T, path, query string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestBackupWipeRestore: data, backup (while another connection keeps
// writing, as a running server would), wipe, restore: the data is back;
// a non-empty database is replaced only with --force and kept aside; an
// older backup is migrated on restore.
func TestBackupWipeRestore(t *testing.T) {
	useDatabase(t, "sqlite")
	ctx := context.Background()
	dbPath := os.Getenv("COOPOL_DATABASE_ADDRESS")
	mustRun(t, "admin", "account", "create", "--username", "sec", "--email", "sec@example.org", "--password", "long enough pw", "--role", "admin")
	mustRun(t, "admin", "account", "create", "--username", "bob", "--email", "bob@example.org", "--password", "long enough pw")

	// A post, and a writer that keeps going during the backup.
	cfg, err := config.Load("", os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	store, err := storage.Open(ctx, cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	svc := social.New(cfg, store, nil, newLogger(cfg.Log, os.Stderr))
	bob, err := store.LocalAccount(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	post, err := svc.CreateStatus(ctx, bob, social.NewStatus{Text: "Réunion de section jeudi", Visibility: model.VisibilityPublic})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written atomic.Int32
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := svc.CreateStatus(ctx, bob, social.NewStatus{Text: fmt.Sprintf("écrit pendant la sauvegarde %d", i), Visibility: model.VisibilityPublic}); err != nil {
				t.Errorf("concurrent write: %v", err)
				return
			}
			written.Add(1)
		}
	})
	backup := filepath.Join(t.TempDir(), "coopol-backup.db")
	out := mustRun(t, "admin", "backup", "--output", backup)
	close(stop)
	wg.Wait()
	store.Close()
	if !strings.Contains(out, "backup written") || !strings.Contains(out, "media") {
		t.Fatalf("backup output: %s", out)
	}
	if st, err := os.Stat(backup); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", err, st)
	}
	t.Logf("%d posts written during the backup; %d of them in it", written.Load(),
		sqliteCount(t, backup, "SELECT count(*) FROM statuses")-1)
	if out, err := run(t, ctx, "admin", "backup", "--output", backup); err == nil || !strings.Contains(out, "--force") {
		t.Fatalf("backup over an existing file: %v %s", err, out)
	}

	// Wipe, restore, data back.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(dbPath + suffix)
	}
	if strings.Contains(mustRun(t, "admin", "account", "list"), "bob") {
		t.Fatal("wipe did not wipe")
	}
	out = mustRun(t, "admin", "restore", "--input", backup)
	if !strings.Contains(out, "restored") {
		t.Fatalf("restore output: %s", out)
	}
	list := mustRun(t, "admin", "account", "list")
	if !strings.Contains(list, "sec") || !strings.Contains(list, "bob") {
		t.Fatalf("after restore: %s", list)
	}
	if n := sqliteCount(t, dbPath, "SELECT count(*) FROM statuses WHERE uri = '"+post.URI+"'"); n != 1 {
		t.Fatal("post not restored")
	}

	// The database now holds data: replaced only with --force, kept aside.
	if out, err := run(t, ctx, "admin", "restore", "--input", backup); err == nil || !strings.Contains(out, "not empty") {
		t.Fatalf("restore over a non-empty database: %v %s", err, out)
	}
	// A backup made before the calendar migration is brought up to date.
	old := filepath.Join(t.TempDir(), "old.db")
	data, _ := os.ReadFile(backup)
	os.WriteFile(old, data, 0o600)
	db, err := sql.Open("sqlite", "file:"+old)
	if err != nil {
		t.Fatal(err)
	}
	var last string
	db.QueryRow("SELECT name FROM coopol_migrations ORDER BY name DESC LIMIT 1").Scan(&last)
	if _, err := db.Exec("DROP TABLE calendar_tokens; DELETE FROM coopol_migrations WHERE name = '20261124000006'"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out = mustRun(t, "admin", "restore", "--input", old, "--force")
	if !strings.Contains(out, ".before-restore-") {
		t.Fatalf("old database not kept aside: %s", out)
	}
	if matches, _ := filepath.Glob(dbPath + ".before-restore-*"); len(matches) == 0 {
		t.Fatal("no .before-restore- file")
	}
	if n := sqliteCount(t, dbPath, "SELECT count(*) FROM sqlite_master WHERE name = 'calendar_tokens'"); n != 1 {
		t.Fatal("restore did not migrate an older backup")
	}

	// Not a backup: refused, nothing touched.
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("not a database"), 0o600)
	if out, err := run(t, ctx, "admin", "restore", "--input", junk, "--force"); err == nil {
		t.Fatalf("junk restored: %s", out)
	}
	if out, err := run(t, ctx, "admin", "restore", "--input", dbPath, "--force"); err == nil {
		t.Fatalf("restore of the database onto itself: %s", out)
	}
	if !strings.Contains(mustRun(t, "admin", "account", "list"), "bob") {
		t.Fatal("a refused restore changed the database")
	}
}

func TestBackupOnPostgresPrintsTheCommands(t *testing.T) {
	t.Setenv("COOPOL_DATABASE_TYPE", "postgres")
	t.Setenv("COOPOL_DATABASE_ADDRESS", "postgres://coopol:s3cret@db.example:5432/coopol?sslmode=require")
	for _, args := range [][]string{{"admin", "backup", "--output", "/var/backups/c.dump"}, {"admin", "restore", "--input", "/var/backups/c.dump"}} {
		out, err := run(t, context.Background(), args...)
		if err == nil {
			t.Fatalf("%v: want a non-zero exit (nothing was backed up)", args)
		}
		for _, want := range []string{"pg_dump --format=custom", "pg_restore --clean", "coopol migrate", "postgres://coopol@db.example:5432/coopol?sslmode=require", "/var/backups/c.dump"} {
			if !strings.Contains(out, want) {
				t.Fatalf("%v: output lacks %q:\n%s", args, want, out)
			}
		}
		if strings.Contains(out, "s3cret") {
			t.Fatalf("%v prints the password", args)
		}
	}
}

func TestAccountExportAndDeleteCommands(t *testing.T) {
	useDatabase(t, "sqlite")
	ctx := context.Background()
	mustRun(t, "admin", "account", "create", "--username", "alice", "--email", "alice@example.org", "--password", "long enough pw")
	file := filepath.Join(t.TempDir(), "alice.json")
	if out := mustRun(t, "admin", "account", "export", "--username", "alice", "--output", file); !strings.Contains(out, "exported @alice") {
		t.Fatal(out)
	}
	var archive social.Archive
	data, err := os.ReadFile(file)
	if err != nil || json.Unmarshal(data, &archive) != nil || archive.Profile.Username != "alice" || archive.Login.Email != "alice@example.org" {
		t.Fatalf("archive: %v %s", err, data)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Fatalf("archive mode %v", st.Mode())
	}
	if out, err := run(t, ctx, "admin", "account", "export", "--username", "section", "--output", "-"); err == nil {
		t.Fatalf("exported a group: %s", out)
	}
	// Not confirmed (no terminal, no --yes): nothing happens.
	if out, err := run(t, ctx, "admin", "account", "delete", "--username", "alice"); err == nil || !strings.Contains(out, "--yes") {
		t.Fatalf("unconfirmed deletion: %v %s", err, out)
	}
	if !strings.Contains(mustRun(t, "admin", "account", "list"), "alice") {
		t.Fatal("unconfirmed deletion deleted")
	}
	if out := mustRun(t, "admin", "account", "delete", "--username", "alice", "--yes"); !strings.Contains(out, "deleted @alice") {
		t.Fatal(out)
	}
	if strings.Contains(mustRun(t, "admin", "account", "list"), "alice") {
		t.Fatal("alice still listed")
	}
	if out, err := run(t, ctx, "admin", "account", "export", "--username", "alice", "--output", "-"); err == nil || !strings.Contains(out, "deleted") {
		t.Fatalf("export after deletion: %v %s", err, out)
	}
}

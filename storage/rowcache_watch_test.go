package storage_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestChangesElsewhereArriveByNotification: a replica that watches for
// row changes serves its caches without looking at row_changes while it
// hears of none. A write of another process (here a plain pgx connection:
// psql, an admin command, another replica) reaches it by PostgreSQL's
// notification; a write of this process, through any of its pools, is
// seen by the very next request; and while the watcher is not listening
// every request looks again, so nothing is missed while it reconnects.
func TestChangesElsewhereArriveByNotification(t *testing.T) {
	if storagetest.PostgresDSN() == "" {
		t.Skip("COOPOL_TEST_POSTGRES not set")
	}
	defer storage.SetQuietLookEvery(time.Hour)() // only notifications may end a quiet spell
	ctx := context.Background()
	w := startWatching(t, "postgres")
	a, b, alice, name := w.a, w.b, w.alice, w.name
	name() // one look covers what was written before the watcher listened
	looks := a.Looks()
	for range 50 {
		name()
	}
	if got := a.Looks() - looks; got != 0 {
		t.Fatalf("a quiet replica looked %d times in 50 requests", got)
	}

	// Another process renames alice: heard by notification.
	other, err := pgx.Connect(ctx, a.DSNForTests())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	rename := func(to string) time.Time {
		t.Helper()
		if _, err := other.Exec(ctx, "UPDATE accounts SET display_name = $1 WHERE id = $2", to, alice.ID); err != nil {
			t.Fatal(err)
		}
		return time.Now()
	}
	// How long a notification takes (the window in which a request here
	// reads the state before a write elsewhere), reported, not asserted.
	var delays []time.Duration
	for i := range 20 {
		heard := a.ChangeNotificationsHeard()
		committed := rename(fmt.Sprintf("Alice %d", i))
		for a.ChangeNotificationsHeard() == heard && time.Since(committed) < 10*time.Second {
			runtime.Gosched()
		}
		delays = append(delays, time.Since(committed))
		if got := name(); got != fmt.Sprintf("Alice %d", i) {
			t.Fatalf("after the notification, the request read %q", got)
		}
	}
	slices.Sort(delays)
	t.Logf("notification of a write elsewhere heard after: median %v, max %v (20 writes)", delays[10], delays[19])

	// A write of this process, through another pool: the next request sees it.
	for i := range 20 {
		want := "Alice " + string(rune('a'+i))
		if _, err := b.DB.NewUpdate().Model((*model.Account)(nil)).Set("display_name = ?", want).Where("id = ?", alice.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if got := name(); got != want {
			t.Fatalf("the request after a write of this process read %q, want %q", got, want)
		}
	}

	// The listener's connection dies: until it is back, every request
	// looks, so a write elsewhere is seen at once.
	if _, err := other.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'coopol row changes' AND datname = current_database()"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the watcher notices its connection died", func() bool { return !a.ChangesHeard() })
	rename("Alice (pendant la coupure)")
	if got := name(); got != "Alice (pendant la coupure)" {
		t.Fatalf("while not listening, the next request read %q", got)
	}
	waitFor(t, "the watcher listens again", a.ChangesHeard)
	rename("Alice (après)")
	waitFor(t, "the rename after the reconnection", func() bool { return name() == "Alice (après)" })
}

// watching is replica a watching for changes, replica b beside it, and
// alice's display name as a request on a reads it.
type watching struct {
	a, b  *storage.Storage
	alice *model.Account
	name  func() string
	stop  func()
}

func startWatching(t *testing.T, backend string) watching {
	t.Helper()
	ctx := context.Background()
	a, b := storagetest.Replicas(t, backend)
	watchCtx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go a.WatchChanges(watchCtx, slog.New(slog.DiscardHandler))
	waitFor(t, "the watcher starts", a.ChangesHeard)
	heard := a.ChangesNotified()
	r := &timelineRig{t: t, s: b, now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	alice := r.account("alice")
	if backend == "postgres" {
		// A new user logs a row change (for the staff's count of accounts
		// waiting): its notification arrives after the commit, and must
		// not be taken for a change made during the quiet spell.
		waitFor(t, "the new user's notification", func() bool { return a.ChangesNotified() > heard })
	}
	name := func() string {
		t.Helper()
		acc, err := a.AccountByIDCached(storage.WithRequestScope(ctx), alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		return acc.DisplayName
	}
	return watching{a: a, b: b, alice: alice, name: name, stop: stop}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSQLiteLooksAfterItsOwnWritesAndEverySecond: on SQLite a watching
// process skips its look while it wrote nothing; each of its writes, from
// any pool, is seen by the next request, and another process writing the
// same file (coopol admin) by the look made at least once every
// quietLookEvery.
func TestSQLiteLooksAfterItsOwnWritesAndEverySecond(t *testing.T) {
	defer storage.SetQuietLookEvery(time.Hour)()
	ctx := context.Background()
	w := startWatching(t, "sqlite")
	a, b, alice, name, stopWatching := w.a, w.b, w.alice, w.name, w.stop
	name()
	looks := a.Looks()
	for range 50 {
		name()
	}
	if got := a.Looks() - looks; got != 0 {
		t.Fatalf("a process that wrote nothing looked %d times in 50 requests", got)
	}
	for i := range 20 {
		want := fmt.Sprintf("Alice %d", i)
		if _, err := b.DB.NewUpdate().Model((*model.Account)(nil)).Set("display_name = ?", want).Where("id = ?", alice.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if got := name(); got != want {
			t.Fatalf("the request after a write of this process read %q, want %q", got, want)
		}
	}

	// Another process: modernc's driver on the same file, not ours.
	other, err := sql.Open("sqlite", a.DSNForTests())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ExecContext(ctx, "UPDATE accounts SET display_name = 'Alice (admin)' WHERE id = ?", alice.ID); err != nil {
		t.Fatal(err)
	}
	storage.SetQuietLookEvery(50 * time.Millisecond)
	waitFor(t, "the write of another process", func() bool { return name() == "Alice (admin)" })

	// Once the watcher stops, every request looks again.
	stopWatching()
	waitFor(t, "the watcher stops", func() bool { return !a.ChangesHeard() })
	storage.SetQuietLookEvery(time.Hour)
	if _, err := other.ExecContext(ctx, "UPDATE accounts SET display_name = 'Alice (sans veille)' WHERE id = ?", alice.ID); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != "Alice (sans veille)" {
		t.Fatalf("without a watcher, the next request read %q", got)
	}
}

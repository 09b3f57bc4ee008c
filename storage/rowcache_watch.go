package storage

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// On PostgreSQL a look at row_changes is a round trip, and at one
// connection it was half of a kept page's time (issue 17: home at one
// connection 1,700 requests a second with it, 3,200 without). A replica
// that watches for changes looks only when one may have happened:
//
//   - a write of this process: counted when its connection goes back to
//     the pool, after the commit and before the writer answers
//     (simplePGXConn.IsValid), so a client always reads its own writes;
//   - a write of any other process (another replica, an admin command,
//     psql): every transaction that logs a row change notifies
//     coopol_row_changes as it commits (migration 20261211100001), and the
//     watcher counts what it hears. A request that arrives after the
//     notification reached this replica looks; one that arrives between
//     the commit elsewhere and the notification (about a millisecond on
//     loopback, see TestChangesElsewhereArriveByNotification) reads the
//     state just before it;
//   - and at least once every quietLookEvery, so that a notification lost
//     with a connection that died silently costs at most that long.
//
// While the watcher is not listening (starting, reconnecting, or not
// started: tests, CLI commands), every request looks, as before.
//
// SQLite has no notifications. There a look is a read in the process,
// but still 13.6 % of a home page's CPU at one connection (pprof), and
// `PRAGMA data_version`, which would tell whether another connection
// committed, costs as much (a read transaction: 10.8 against 12.6 µs).
// The writes that count are this process's, seen at once; another
// process writing the same file (`coopol admin`) is seen by the look
// made at least once every quietLookEvery.

// localWrites counts the writes of this process, whichever pool made them.
var localWrites atomic.Uint64

// writeTracker is kept by a pooled connection of either driver
// (stmtcache.go, pgsimple.go). database/sql asks IsValid as it releases a
// connection, after an autocommit statement has finished or after its
// transaction's COMMIT, and before the caller gets the result: a write is
// counted there, so this process's next request looks at row_changes and
// a client reads its own writes without waiting for a notification.
type writeTracker struct{ wrote bool }

// ran notes a statement: anything but a plain SELECT may write
// (INSERT … RETURNING, WITH … UPDATE). Exec and Begin count as writes
// whatever they run (a read-only transaction costs one look).
func (w *writeTracker) ran(query string) {
	if !readsOnly(query) {
		w.wrote = true
	}
}

func (w *writeTracker) began() { w.wrote = true }

// released counts the write, if any, as the connection goes back to the pool.
func (w *writeTracker) released() {
	if w.wrote {
		w.wrote = false
		localWrites.Add(1)
	}
}

// quietLookEvery bounds how long a watching replica serves its caches
// without looking at row_changes when it hears nothing.
var quietLookEvery = time.Second

const changesChannel = "coopol_row_changes"

// signals is the count of changes this replica knows may have happened.
func (c *rowCache) signals() uint64 { return c.notified.Load() + localWrites.Load() }

// quiet reports whether the last look still holds: the watcher listens,
// nothing was signalled since that look began, and it is recent. Called
// with c.mu held.
func (c *rowCache) quiet(now time.Time) bool {
	return c.listening.Load() && c.cursor != "" && c.lookedAt == c.signals() && now.Sub(c.lastPolled) < quietLookEvery
}

// WatchChanges lets the row cache skip its look while nothing changed,
// until ctx ends. On PostgreSQL it listens for the notifications of row
// changes on a connection of its own, reconnecting after a failure.
func (s *Storage) WatchChanges(ctx context.Context, log *slog.Logger) {
	if s.rows == nil {
		return
	}
	c := s.rows
	if s.Type != "postgres" {
		c.notified.Add(1)
		c.listening.Store(true)
		<-ctx.Done()
		c.listening.Store(false)
		return
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		conn, err := s.listenForChanges(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("row changes: listen failed; every request looks until it works", "err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 10*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		// What committed before LISTEN was not heard: the next request
		// looks, then the notifications take over.
		c.notified.Add(1)
		c.listening.Store(true)
		for {
			if _, err = conn.WaitForNotification(ctx); err != nil {
				break
			}
			c.notified.Add(1)
		}
		c.listening.Store(false)
		conn.Close(context.Background()) //nolint:errcheck
		if ctx.Err() == nil {
			log.Warn("row changes: listener lost; every request looks until it is back", "err", err)
		}
	}
}

func (s *Storage) listenForChanges(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(s.dsn)
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["application_name"] = "coopol row changes"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		conn.Close(context.Background()) //nolint:errcheck
		return nil, err
	}
	return conn, nil
}

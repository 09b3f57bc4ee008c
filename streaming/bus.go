package streaming

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coopol/coopol/social"
)

// Listener reconnection backoff.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 10 * time.Second
)

// connectListener opens the dedicated connection that LISTENs (outside
// the pool: a pooled connection would be handed to other queries).
func (s *Streaming) connectListener(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	s.listening.Store(true)
	return conn, nil
}

// listen forwards notifications to the dispatcher until ctx ends,
// reconnecting with exponential backoff when the connection is lost.
// Events committed while disconnected are lost: clients reload their
// timelines when they reconnect anyway, and the REST API stays the
// source of truth.
func (s *Streaming) listen(ctx context.Context, conn *pgx.Conn) {
	backoff := minBackoff
	defer func() {
		s.listening.Store(false)
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	for {
		if conn == nil {
			c, err := s.connectListener(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				s.log.Warn("live event listener: connect failed", "err", err, "retry_in", backoff)
				select {
				case <-ctx.Done():
					return
				case <-time.After(backoff):
				}
				backoff = min(backoff*2, maxBackoff)
				continue
			}
			s.log.Info("live event listener connected")
			conn, backoff = c, minBackoff
		}
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			s.listening.Store(false)
			conn.Close(context.Background())
			conn = nil
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("live event listener: connection lost, reconnecting", "err", err)
			continue
		}
		var w wireEvent
		if err := json.Unmarshal([]byte(n.Payload), &w); err != nil || w.ID == "" {
			s.log.Warn("live event listener: bad payload", "payload", n.Payload)
			continue
		}
		if s.hub.empty() {
			continue
		}
		s.enqueue(social.LiveEvent{Kind: w.Kind, ID: w.ID, AccountID: w.AccountID})
	}
}

// barrier waits, on SQLite, until the transaction that emitted an event
// has ended. Every write transaction there begins IMMEDIATE (storage's
// DSN) and so holds the database's write lock from its first statement
// to its commit or rollback; Emit runs inside it. Taking the write lock
// here therefore returns only after that transaction is over, and what
// the dispatcher then reads is what was committed (an edit's new text, a
// deletion that happened). Rows that still are not found were rolled
// back, or were written outside such a transaction: load retries a few
// times, then gives up.
func (s *Streaming) barrier(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tx, err := s.store.DB.BeginTx(ctx, nil)
	if err != nil {
		s.log.Warn("streaming: wait for the writer", "err", err)
		return
	}
	tx.Rollback() //nolint:errcheck
}

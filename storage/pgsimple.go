package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"log/slog"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// bun writes every argument into the SQL text, so almost no two SELECTs
// are alike, and PostgreSQL parsed, analysed and planned each one anew:
// planning the home timeline's query alone took about 1 ms of the
// server's CPU, more than running it (issue 17). The "coopol-pgx" driver
// does for PostgreSQL what stmtcache.go does for SQLite: outside a
// transaction, it turns the varying string literals of a SELECT (ids,
// timestamps) back into parameters, $1, $2, ..., and lets pgx prepare each
// resulting text once per connection (pgx's statement cache, 512 per
// connection). The next page of the same shape is one round trip, Bind and
// Execute, and PostgreSQL reuses the statement's plan (after five runs it
// keeps a generic plan when that costs no more than planning anew).
//
// Statements it does not lift (writes, statements in a transaction,
// texts it does not fully understand, those with no literal) go with the
// simple protocol: one round trip, where pgx's default would prepare a
// one-off text (Parse/Describe, execution, then a DEALLOCATE when its
// cache overflowed). Statements that already carry parameters (the queue's,
// the prepared token lookup) keep pgx's defaults.
//
// An unknown literal and an unknown parameter resolve to the same type in
// PostgreSQL, and pgx sends Go strings in text form, so the server reads
// each value with the same input function as the literal: the answers
// are the same. Should a lifted text still be refused (a construct the
// lexer misjudged), the original runs instead and the text is not lifted
// again.

const simplePGDriver = "coopol-pgx"

func init() {
	sql.Register(simplePGDriver, simplePGXDriver{inner: stdlib.GetDefaultDriver()})
}

type simplePGXDriver struct{ inner driver.Driver }

func (d simplePGXDriver) Open(name string) (driver.Conn, error) {
	c, err := d.inner.Open(name)
	if err != nil {
		return nil, err
	}
	return &simplePGXConn{Conn: c.(*stdlib.Conn)}, nil
}

type simplePGXConn struct {
	*stdlib.Conn
	writes writeTracker
}

// IsValid implements driver.Validator, which pgx's stdlib.Conn does not:
// database/sql asks it when a connection is released, and discards the
// connection instead of pooling it when it says no.
//
// pgx closes a connection whose query is interrupted by its context (a
// client that went away): the wire is mid-answer and cannot be reused.
// database/sql only discards a connection on driver.ErrBadConn, and a
// canceled query returns "context canceled", so without IsValid the dead
// connection went back to the pool, or straight to a request waiting for
// one. That request's ResetSession then said ErrBadConn and database/sql
// tried again, but a request waiting on a full pool is handed released
// connections even on its last, "always new" try: when a burst of
// canceled requests released dead ones three times in a row, the waiter
// (a request of another client, or the guard's ping) got "driver: bad
// connection", and the guard answered 503 to everyone.
// It is also where a write is counted (writeTracker).
func (c *simplePGXConn) IsValid() bool {
	c.writes.released()
	return !c.Conn.Conn().IsClosed()
}

func (c *simplePGXConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.writes.began()
	return c.Conn.ExecContext(ctx, query, args)
}

func (c *simplePGXConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.writes.began()
	return c.Conn.BeginTx(ctx, opts)
}

var simpleProtocol = []driver.NamedValue{{Ordinal: 1, Value: pgx.QueryExecModeSimpleProtocol}}

// unliftable remembers the lifted texts PostgreSQL refused, so that they
// are sent as written from then on. It is bounded: a refused shape whose
// text varies (a number written into it) must not grow it for ever.
var unliftable = struct {
	sync.Mutex
	texts map[string]bool
}{texts: map[string]bool{}}

const unliftableMax = 1024

func isUnliftable(text string) bool {
	unliftable.Lock()
	defer unliftable.Unlock()
	return unliftable.texts[text]
}

func markUnliftable(text string, err error) {
	unliftable.Lock()
	defer unliftable.Unlock()
	if len(unliftable.texts) >= unliftableMax {
		clear(unliftable.texts)
	}
	unliftable.texts[text] = true
	// The text carries $n where the values were: no data is logged. A
	// refusal is a construct liftPGLiterals misjudges, worth fixing there.
	slog.Warn("postgres: statement refused with parameters, sent as written", "statement", text, "err", err)
}

func (c *simplePGXConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.writes.ran(query)
	if len(args) != 0 {
		return c.Conn.QueryContext(ctx, query, args)
	}
	// Outside a transaction only: a refused statement there would abort
	// the transaction, and the original could not be run instead.
	if isSelect(query) && c.Conn.Conn().PgConn().TxStatus() == 'I' {
		if text, lifted, ok := liftPGLiterals(query); ok && len(lifted) > 0 {
			if !isUnliftable(text) {
				rows, err := c.Conn.QueryContext(ctx, text, lifted)
				if err == nil || !refused(err) || c.Conn.Conn().PgConn().TxStatus() != 'I' {
					return rows, err
				}
				markUnliftable(text, err)
			}
		}
	}
	return c.Conn.QueryContext(ctx, query, simpleProtocol)
}

// readsOnly reports whether query is a plain SELECT (a WITH may hold a
// write).
func readsOnly(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	return len(q) >= 6 && strings.EqualFold(q[:6], "select")
}

// refused reports an error PostgreSQL gives when preparing a statement it
// cannot type or parse (classes 42, syntax and names, and 0A, such as a
// cached plan whose result type changed), as opposed to one the query
// itself would give however it is sent.
func refused(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return strings.HasPrefix(pgErr.Code, "42") || strings.HasPrefix(pgErr.Code, "0A")
}

// liftPGLiterals replaces the string literals of query that vary
// (anything but short lower-case words, see isWord) with $1, $2, ... and
// returns them as arguments. A literal right after a word or a '&'
// (interval '1 day', U&'...') is a typed or special literal and stays.
// It gives up (ok false) on anything it does not fully understand:
// existing parameters or dollar quotes, E'...' escapes, comments, an
// unterminated quote.
func liftPGLiterals(query string) (text string, args []driver.NamedValue, ok bool) {
	return liftLiteralsAs(query, pgLiterals)
}

var pgLiterals = literalDialect{
	numbered: true, identQuotes: `"`, params: "$?", specials: `'"-/$?`,
	keep: func(query string, i int) (bool, bool) {
		// E'...' reads backslashes as escapes, which readQuoted does not
		// know: give up rather than misread the rest.
		if i > 0 && (query[i-1] == 'E' || query[i-1] == 'e') && (i == 1 || !isIdentChar(query[i-2])) {
			return false, true
		}
		return afterWord(query, i), false
	},
}

// afterWord reports whether the literal at query[i] follows a word or a
// '&' (spaces aside): a typed literal (timestamp '...'), a keyword
// (LIKE '...', THEN '...') or U&'...', left as written.
func afterWord(query string, i int) bool {
	j := i - 1
	for j >= 0 && (query[j] == ' ' || query[j] == '\t' || query[j] == '\n' || query[j] == '\r') {
		j--
	}
	return j >= 0 && (isIdentChar(query[j]) || query[j] == '&')
}

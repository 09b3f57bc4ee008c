package storage

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"reflect"
	"strconv"
	"strings"

	"modernc.org/sqlite"
)

// bun writes every argument into the SQL text, so SQLite compiled each
// SELECT anew: the SQL parser and code generator were 40 % of the CPU of a
// timeline request (issue 17). The "coopol-sqlite" driver wraps modernc's:
// on each pooled connection it turns the varying string literals of a
// SELECT (ids, timestamps, URIs) back into parameters and keeps the
// compiled statement of each resulting text, so the next page with the
// same shape skips compilation. Writes and statements that already have
// parameters go straight to SQLite.
//
// Literals that look like enum words ('public', 'accepted', 'f') stay in
// the text: they do not vary between requests, and the query planner
// keeps seeing them.

const cachingSQLiteDriver = "coopol-sqlite"

// stmtCacheSize bounds the compiled statements kept per connection.
const stmtCacheSize = 256

func init() {
	sql.Register(cachingSQLiteDriver, cachingDriver{inner: &sqlite.Driver{}})
}

type cachingDriver struct{ inner driver.Driver }

func (d cachingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.inner.Open(name)
	if err != nil {
		return nil, err
	}
	return &cachingConn{Conn: c, stmts: map[string]*list.Element{}, order: list.New()}, nil
}

// cachingConn is used by one goroutine at a time (database/sql's rule).
type cachingConn struct {
	driver.Conn
	stmts  map[string]*list.Element // text → element of order holding *cachedStmt
	order  *list.List               // most recently used first
	writes writeTracker
}

type cachedStmt struct {
	text string
	stmt driver.Stmt
	// busy while rows read from it are open: a query inside a loop over
	// those rows (same connection, in a transaction) gets a statement of
	// its own rather than resetting this one under the reader.
	busy bool
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.writes.ran(query)
	inner := c.Conn.(driver.QueryerContext)
	if len(args) != 0 || !isSelect(query) {
		return inner.QueryContext(ctx, query, args)
	}
	text, lifted, ok := liftLiterals(query)
	if !ok {
		return inner.QueryContext(ctx, query, args)
	}
	cs, err := c.statement(ctx, text)
	if err != nil {
		return nil, err
	}
	if cs == nil { // the cached one is in use
		return inner.QueryContext(ctx, text, lifted)
	}
	rows, err := cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, lifted)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, stmt: cs}, nil
}

// statement returns the compiled statement for text, compiling and
// caching it on first use; nil when it is busy.
func (c *cachingConn) statement(ctx context.Context, text string) (*cachedStmt, error) {
	if el, ok := c.stmts[text]; ok {
		cs := el.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.order.MoveToFront(el)
		return cs, nil
	}
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	cs := &cachedStmt{text: text, stmt: st}
	c.stmts[text] = c.order.PushFront(cs)
	for c.order.Len() > stmtCacheSize {
		oldest := c.order.Back()
		old := oldest.Value.(*cachedStmt)
		if old.busy {
			break
		}
		c.order.Remove(oldest)
		delete(c.stmts, old.text)
		old.stmt.Close()
	}
	return cs, nil
}

func (c *cachingConn) Close() error {
	for el := c.order.Front(); el != nil; el = el.Next() {
		el.Value.(*cachedStmt).stmt.Close()
	}
	c.stmts, c.order = nil, list.New()
	return c.Conn.Close()
}

// The rest of the connection is modernc's own.

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.writes.began()
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.writes.began()
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *cachingConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

// IsValid is called as the connection goes back to the pool: a write is
// counted there (writeTracker).
func (c *cachingConn) IsValid() bool {
	c.writes.released()
	return c.Conn.(driver.Validator).IsValid()
}

type cachedRows struct {
	driver.Rows
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.stmt.busy = false
	return err
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func isSelect(q string) bool {
	q = strings.TrimLeft(q, " \t\r\n(")
	return len(q) >= 6 && (strings.EqualFold(q[:6], "select") || strings.EqualFold(q[:4], "with"))
}

// literalDialect is what the literal lifter needs to know of one SQL
// dialect: how it writes parameters and quoted identifiers, which bytes
// mean the text is already parameterised, and which literals must stay.
type literalDialect struct {
	numbered    bool   // $1, $2 … rather than ?
	identQuotes string // bytes opening a quoted identifier
	params      string // bytes that mean parameters (give up)
	specials    string // every byte the lifter stops at
	// keep reports whether the literal at query[i] stays as written, or
	// whether the lifter must give up on the whole text.
	keep func(query string, i int) (keep, giveUp bool)
}

var sqliteLiterals = literalDialect{
	identQuotes: "\"`[", params: "?$:@", specials: "'\"`[-/?$:@",
	// X'…' is a blob literal: keep it whole.
	keep: func(query string, i int) (bool, bool) {
		return i > 0 && (query[i-1] == 'x' || query[i-1] == 'X') && (i == 1 || !isIdentChar(query[i-2])), false
	},
}

// liftLiterals replaces the string literals of query that vary (anything
// but short lower-case words) with "?" and returns them as arguments. It
// gives up (ok false) on anything it does not fully understand: existing
// parameters, an unterminated quote.
func liftLiterals(query string) (text string, args []driver.NamedValue, ok bool) {
	return liftLiteralsAs(query, sqliteLiterals)
}

func liftLiteralsAs(query string, d literalDialect) (text string, args []driver.NamedValue, ok bool) {
	var b strings.Builder
	b.Grow(len(query))
	// This runs on every statement of every page: size the arguments once.
	args = make([]driver.NamedValue, 0, strings.Count(query, "'")/2)
	for i := 0; i < len(query); {
		ch := query[i]
		switch {
		case ch == '\'':
			keep, giveUp := d.keep(query, i)
			if giveUp {
				return "", nil, false
			}
			end, value, closed := readQuoted(query, i)
			if !closed {
				return "", nil, false
			}
			if keep || isWord(value) {
				b.WriteString(query[i:end])
			} else {
				args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: value})
				if d.numbered {
					b.WriteByte('$')
					b.WriteString(strconv.Itoa(len(args)))
				} else {
					b.WriteByte('?')
				}
			}
			i = end
		case strings.IndexByte(d.identQuotes, ch) >= 0:
			closer := ch
			if ch == '[' {
				closer = ']'
			}
			j := strings.IndexByte(query[i+1:], closer)
			if j < 0 {
				return "", nil, false
			}
			b.WriteString(query[i : i+j+2])
			i += j + 2
		case ch == '-' && i+1 < len(query) && query[i+1] == '-', ch == '/' && i+1 < len(query) && query[i+1] == '*':
			return "", nil, false // comments: not what bun writes
		case strings.IndexByte(d.params, ch) >= 0:
			return "", nil, false // already parameterised
		default:
			j := len(query)
			if k := strings.IndexAny(query[i+1:], d.specials); k >= 0 {
				j = i + 1 + k
			}
			b.WriteString(query[i:j])
			i = j
		}
	}
	if len(args) == 0 {
		return query, nil, true
	}
	return b.String(), args, true
}

// readQuoted reads the SQL string literal starting at query[start] == '\”,
// returning the index just past it and its value (” is one quote).
func readQuoted(query string, start int) (end int, value string, closed bool) {
	escaped := false
	for i := start + 1; i < len(query); i++ {
		if query[i] != '\'' {
			continue
		}
		if i+1 < len(query) && query[i+1] == '\'' {
			escaped = true
			i++
			continue
		}
		value = query[start+1 : i]
		if escaped {
			value = strings.ReplaceAll(value, "''", "'")
		}
		return i + 1, value, true
	}
	return 0, "", false
}

func isWord(s string) bool {
	if len(s) > 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < 'a' || s[i] > 'z') && s[i] != '_' {
			return false
		}
	}
	return true
}

func isIdentChar(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

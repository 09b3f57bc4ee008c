package storage

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"
)

func TestLiftLiterals(t *testing.T) {
	for _, tc := range []struct {
		in, text string
		args     []any
		ok       bool
	}{
		{`SELECT "s"."id" FROM statuses AS s WHERE (s.id IN ('01M931F0B2A0APAQ1NDGGEDH4W', '01M931F0AX'))`,
			`SELECT "s"."id" FROM statuses AS s WHERE (s.id IN (?, ?))`, []any{"01M931F0B2A0APAQ1NDGGEDH4W", "01M931F0AX"}, true},
		// Enum words stay: they do not vary and the planner sees them.
		{`SELECT 'f' AS kind FROM x WHERE v = 'public' AND a = 'O''Brien'`, `SELECT 'f' AS kind FROM x WHERE v = 'public' AND a = ?`, []any{"O'Brien"}, true},
		// Blob literals and quoted identifiers are left alone.
		{`SELECT "it's" FROM t WHERE b = X'00FF' AND c = '2026-12-05 10:00:00+00:00'`, `SELECT "it's" FROM t WHERE b = X'00FF' AND c = ?`, []any{"2026-12-05 10:00:00+00:00"}, true},
		{`SELECT * FROM t WHERE a = ?`, "", nil, false},
		{`SELECT * FROM t WHERE a = 'open`, "", nil, false},
		{`SELECT 1 -- 'x'`, "", nil, false},
	} {
		text, args, ok := liftLiterals(tc.in)
		if ok != tc.ok || (ok && text != tc.text) {
			t.Errorf("%s:\n got %q %v\nwant %q %v", tc.in, text, ok, tc.text, tc.ok)
			continue
		}
		var got []any
		for _, a := range args {
			got = append(got, a.Value)
		}
		if !reflect.DeepEqual(got, tc.args) {
			t.Errorf("%s: args %v, want %v", tc.in, got, tc.args)
		}
	}
}

// The caching driver answers exactly as SQLite does, including for a
// statement reused while rows of its previous run are still open.
func TestCachingDriverAnswersAsSQLite(t *testing.T) {
	dsn := sqliteDSN(filepath.Join(t.TempDir(), "c.db"))
	db, err := sql.Open(cachingSQLiteDriver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT, n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`INSERT INTO t VALUES ('a1', 'x''y', 1)`, `INSERT INTO t VALUES ('b2', 'public', 2)`, `INSERT INTO t VALUES ('c3', '2026-12-05', 3)`} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	query := func(q string) []string {
		t.Helper()
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		return out
	}
	for i := 0; i < 3; i++ {
		if got := query(`SELECT id FROM t WHERE v IN ('x''y', '2026-12-05') ORDER BY id`); !reflect.DeepEqual(got, []string{"a1", "c3"}) {
			t.Fatalf("round %d: %v", i, got)
		}
		if got := query(`SELECT id FROM t WHERE v IN ('public', 'nothing1') ORDER BY id`); !reflect.DeepEqual(got, []string{"b2"}) {
			t.Fatalf("round %d: %v", i, got)
		}
	}
	// Same text, different values: the cached statement gets new arguments.
	if got := query(`SELECT id FROM t WHERE id = 'b2'`); !reflect.DeepEqual(got, []string{"b2"}) {
		t.Fatal(got)
	}
	if got := query(`SELECT id FROM t WHERE id = 'c3'`); !reflect.DeepEqual(got, []string{"c3"}) {
		t.Fatal(got)
	}
	// Nested: the outer rows stay open on the only connection while the
	// same statement text runs inside the loop.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	outer, err := tx.QueryContext(ctx, `SELECT id FROM t WHERE id > '00' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for outer.Next() {
		var id string
		if err := outer.Scan(&id); err != nil {
			t.Fatal(err)
		}
		var inner string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM t WHERE id > 'b0' ORDER BY id`).Scan(&inner); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, id+inner)
	}
	outer.Close()
	if !reflect.DeepEqual(pairs, []string{"a1b2", "b2b2", "c3b2"}) {
		t.Fatalf("nested reads: %v", pairs)
	}
}

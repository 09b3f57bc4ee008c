package storage

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLiftPGLiterals(t *testing.T) {
	for _, tc := range []struct {
		in, text string
		args     []any
		ok       bool
	}{
		{`SELECT "s"."id" FROM statuses AS s WHERE (s.id IN ('01M931F0B2A0APAQ1NDGGEDH4W', '01M931F0AX'))`,
			`SELECT "s"."id" FROM statuses AS s WHERE (s.id IN ($1, $2))`, []any{"01M931F0B2A0APAQ1NDGGEDH4W", "01M931F0AX"}, true},
		// Enum words stay, and so do literals after a word: keywords and
		// typed literals.
		{`SELECT 'f' AS kind FROM x WHERE v = 'public' AND a = 'O''Brien' AND b LIKE '%x%' AND c > interval '1 day'`,
			`SELECT 'f' AS kind FROM x WHERE v = 'public' AND a = $1 AND b LIKE '%x%' AND c > interval '1 day'`, []any{"O'Brien"}, true},
		// Casts are not parameters; quoted identifiers are left alone.
		{`SELECT "it's" FROM t WHERE xid >= '1061'::xid8 AND c = '2026-12-05 10:00:00+00:00'`,
			`SELECT "it's" FROM t WHERE xid >= $1::xid8 AND c = $2`, []any{"1061", "2026-12-05 10:00:00+00:00"}, true},
		{`SELECT * FROM t WHERE a = U&'d\0061t'`, `SELECT * FROM t WHERE a = U&'d\0061t'`, nil, true},
		{`SELECT * FROM t WHERE a = E'it\'s'`, "", nil, false},
		{`SELECT * FROM t WHERE a = $1`, "", nil, false},
		{`SELECT * FROM t WHERE a = $$x$$`, "", nil, false},
		{`SELECT * FROM t WHERE a = 'open`, "", nil, false},
		{`SELECT 1 -- 'x'`, "", nil, false},
		{`SELECT 1 /* 'x' */`, "", nil, false},
	} {
		text, args, ok := liftPGLiterals(tc.in)
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

// The coopol-pgx driver answers exactly as PostgreSQL does to the text as
// written: same rows, same Go values, whether a statement is lifted, run
// again from pgx's cache, refused and run as written, or in a transaction.
func TestSimplePGXDriverAnswersAsWritten(t *testing.T) {
	admin := os.Getenv("COOPOL_TEST_POSTGRES")
	if admin == "" {
		t.Skip("COOPOL_TEST_POSTGRES not set")
	}
	ctx := context.Background()
	adm, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	name := "coopol_test_pgsimple_" + strings.ToLower(strings.ReplaceAll(time.Now().Format("150405.000000"), ".", ""))
	if _, err := adm.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	defer adm.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") //nolint:errcheck
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name

	plain, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	lifting, err := sql.Open(simplePGDriver, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer lifting.Close()
	lifting.SetMaxOpenConns(1)
	for _, stmt := range []string{
		`CREATE TABLE t (id text PRIMARY KEY, v text, at timestamp, n integer, x numeric)`,
		`INSERT INTO t VALUES ('a1', 'x''y', '2026-12-05 10:00:00', 1, 1.5), ('b2', 'public', '2026-12-05 11:00:00', 2, NULL), ('c3', '2026-12-05', NULL, 3, 3)`,
	} {
		if _, err := plain.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	read := func(db interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}, q string) [][]any {
		t.Helper()
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out [][]any
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, vals)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	queries := []string{
		`SELECT id, v, at, n, x FROM t WHERE v IN ('x''y', '2026-12-05') ORDER BY id`,
		`SELECT id, v, at, n, x FROM t WHERE v IN ('public', 'nothing1') ORDER BY id`,
		`SELECT id FROM t WHERE at > '2026-12-05 10:30:00+00:00' OR at IS NULL ORDER BY id`,
		`SELECT id, 'A-b' AS label, coalesce(v, 'none!') AS v FROM t WHERE id > 'B' ORDER BY id`,
		`SELECT 'f' AS kind, id FROM t WHERE id = 'c3'`,
		`SELECT 'A-' || 'B' AS s`,
		// Refused once lifted (pg_typeof($1) has no type), run as written.
		`SELECT pg_typeof('A-1')::text AS s`,
		`SELECT count(*) FROM t WHERE n > 1`,
	}
	for round := 0; round < 7; round++ { // past pgx's and PostgreSQL's first runs
		for _, q := range queries {
			if got, want := read(lifting, q), read(plain, q); !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, %s:\n got %#v\nwant %#v", round, q, got, want)
			}
		}
	}
	// Same text, other values: the cached statement gets new arguments.
	for _, id := range []string{"a1", "b2", "c3", "zz"} {
		q := `SELECT id FROM t WHERE id = '` + id + `'`
		if got, want := read(lifting, q), read(plain, q); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: got %v, want %v", q, got, want)
		}
	}
	// In a transaction the text goes as written.
	tx, err := lifting.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	if got := read(tx, `SELECT 'A-' || 'B' AS s`); !reflect.DeepEqual(got, [][]any{{"A-B"}}) {
		t.Fatalf("in a transaction: %v", got)
	}
}

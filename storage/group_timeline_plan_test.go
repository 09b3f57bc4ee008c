package storage_test

import (
	"context"
	"strings"
	"testing"

	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestGroupTimelineWalksItsIndex (issue 17): on SQLite, with the
// statistics of a large instance where most statuses are in no group
// (what ANALYZE records: one group_id value for half the table, and few
// statuses per reblog_of_id), a group's page is read from
// statuses_group_timeline, never by scanning the statuses that are not
// boosts and sorting them (375 ms at a million statuses).
func TestGroupTimelineWalksItsIndex(t *testing.T) {
	ctx := context.Background()
	s := storagetest.Open(t, "sqlite")
	r := &timelineRig{t: t, s: s}
	group := r.account("velo")
	last := &stmtCounter{}
	s.DB.AddQueryHook(last)
	for _, stat := range []string{
		"ANALYZE", // makes sqlite_stat1
		"DELETE FROM sqlite_stat1 WHERE tbl = 'statuses'",
		"INSERT INTO sqlite_stat1 VALUES ('statuses', 'statuses_reblog', '1000000 50')",
		"INSERT INTO sqlite_stat1 VALUES ('statuses', 'statuses_group', '1000000 500000 1')",
		"INSERT INTO sqlite_stat1 VALUES ('statuses', 'statuses_group_timeline', '1000000 500000 50 1')",
		"ANALYZE sqlite_schema",
	} {
		if _, err := s.DB.ExecContext(ctx, stat); err != nil {
			t.Fatalf("%s: %v", stat, err)
		}
	}
	if _, err := s.GroupTimeline(ctx, group.ID, storage.StatusFilter(nil), storage.Page{Limit: 20}); err != nil {
		t.Fatal(err)
	}
	last.mu.Lock()
	q := last.last
	last.mu.Unlock()
	rows, err := s.DB.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if len(plan) == 0 || !strings.Contains(plan[0], "statuses_group_timeline") || strings.Contains(strings.Join(plan, "\n"), "TEMP B-TREE FOR ORDER BY") {
		t.Fatalf("the group's page is not read from its index:\n%s\n%s", q, strings.Join(plan, "\n"))
	}
}

package storage

import (
	"testing"
	"time"
)

// TestPruneWaitsAnHourAfterTransactionsFinish: on PostgreSQL the lines
// pruned are those of transactions that had finished an hour before (the
// xmin sampled then), never those merely written an hour ago by a
// transaction that stayed open.
func TestPruneWaitsAnHourAfterTransactionsFinish(t *testing.T) {
	c := newRowCache()
	start := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for i, want := range []struct {
		xmin   string
		prunes bool
		below  uint64
	}{
		{"100", false, 0}, {"150", false, 0}, {"200", false, 0}, {"250", false, 0}, {"300", false, 0}, {"350", false, 0},
		{"400", true, 100}, // an hour after the first sample
		{"450", true, 150},
		{"450", true, 200},
	} {
		c.cursor = want.xmin + ":" + want.xmin + ":"
		below, prunes := c.finishedAnHourAgo("postgres", start.Add(time.Duration(i)*rowChangesPrune))
		if prunes != want.prunes || below != want.below {
			t.Fatalf("prune %d: %v below %d, want %v below %d", i, prunes, below, want.prunes, want.below)
		}
	}
	if _, prunes := c.finishedAnHourAgo("sqlite", start); !prunes {
		t.Fatal("SQLite prunes by age")
	}
}

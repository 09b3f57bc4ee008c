package storage

import (
	"context"
	"time"
)

// SetListMembersWalkedApart lets tests compare the two ways ListTimeline
// reads a list (one walk per member, or one walk over all statuses).
func SetListMembersWalkedApart(n int) (restore func()) {
	old := listMembersWalkedApart
	listMembersWalkedApart = n
	return func() { listMembersWalkedApart = old }
}

// RowChangesPastCursor is how many lines of row_changes the next look
// would read from the row cache's cursor.
func (s *Storage) RowChangesPastCursor(ctx context.Context) (int, error) {
	s.rows.mu.Lock()
	cursor := s.rows.cursor
	s.rows.mu.Unlock()
	changes, _, err := s.rowChangesSince(ctx, cursor)
	return len(changes), err
}

// PruneRowChanges runs the prune with the given bounds.
func (s *Storage) PruneRowChanges(ctx context.Context, before time.Time, xmin uint64) {
	s.pruneRowChanges(ctx, before, xmin)
}

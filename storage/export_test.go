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

// ChangesHeard reports whether the watcher listens for row changes.
func (s *Storage) ChangesHeard() bool { return s.rows.listening.Load() }

// Looks is how many looks at row_changes the row cache took.
func (s *Storage) Looks() uint64 { return s.rows.looks.Load() }

// ChangesNotified counts the notifications of row changes the watcher heard.
func (s *Storage) ChangesNotified() uint64 { return s.rows.notified.Load() }

// SetQuietLookEvery changes how long a watching replica may go without
// looking when it hears nothing.
func SetQuietLookEvery(d time.Duration) (restore func()) {
	old := quietLookEvery
	quietLookEvery = d
	return func() { quietLookEvery = old }
}

// DSNForTests is the address the storage was opened with.
func (s *Storage) DSNForTests() string { return s.dsn }

// ChangeNotificationsHeard is how many notifications of row changes were heard.
func (s *Storage) ChangeNotificationsHeard() uint64 { return s.rows.notified.Load() }

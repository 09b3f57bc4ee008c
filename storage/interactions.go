package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// ViewerFlags are what one person did with statuses.
type ViewerFlags struct {
	Favourited, Reblogged, Bookmarked, Pinned map[string]bool
	// MutedThreads holds the threads (of those asked) the viewer muted.
	MutedThreads map[string]bool
}

// ViewerFlagsFor returns which of statusIDs viewerID liked, boosted,
// bookmarked and pinned.
func (s *Storage) ViewerFlagsFor(ctx context.Context, viewerID string, statusIDs []string) (ViewerFlags, error) {
	return s.ViewerStateFor(ctx, viewerID, statusIDs, nil)
}

// ViewerStateFor returns ViewerFlagsFor's flags and which of threadIDs
// viewerID muted, in one statement: every page asks both.
func (s *Storage) ViewerStateFor(ctx context.Context, viewerID string, statusIDs, threadIDs []string) (ViewerFlags, error) {
	f := ViewerFlags{Favourited: map[string]bool{}, Reblogged: map[string]bool{}, Bookmarked: map[string]bool{}, Pinned: map[string]bool{},
		MutedThreads: map[string]bool{}}
	threadIDs = uniqueStrings(threadIDs)
	if viewerID == "" || (len(statusIDs) == 0 && len(threadIDs) == 0) {
		return f, nil
	}
	gen, cacheOK := s.syncRowCache(ctx)
	if cacheOK {
		if state, ok := s.rows.cachedViewerState(viewerID); ok {
			statusIDs, threadIDs = state.fill(f, statusIDs, threadIDs)
			if len(statusIDs) == 0 && len(threadIDs) == 0 {
				return f, nil
			}
		}
	}
	read, err := s.readViewerState(ctx, viewerID, statusIDs, threadIDs)
	if err != nil {
		return f, err
	}
	if cacheOK {
		s.rows.putViewerState(gen, viewerID, statusIDs, threadIDs, read)
	}
	for _, pair := range [][2]map[string]bool{{f.Favourited, read.Favourited}, {f.Reblogged, read.Reblogged},
		{f.Bookmarked, read.Bookmarked}, {f.Pinned, read.Pinned}, {f.MutedThreads, read.MutedThreads}} {
		for id := range pair[1] {
			pair[0][id] = true
		}
	}
	return f, nil
}

// readViewerState reads ViewerStateFor's answer from the database.
func (s *Storage) readViewerState(ctx context.Context, viewerID string, statusIDs, threadIDs []string) (ViewerFlags, error) {
	f := ViewerFlags{Favourited: map[string]bool{}, Reblogged: map[string]bool{}, Bookmarked: map[string]bool{}, Pinned: map[string]bool{},
		MutedThreads: map[string]bool{}}
	// Each branch is an index seek on (account_id, status) —
	// statuses_account_reblog for boosts — so the cost does not grow with
	// what the viewer ever wrote.
	var branches []string
	var args []any
	if len(statusIDs) > 0 {
		in := bun.In(statusIDs)
		branches = append(branches, `SELECT 'f' AS kind, status_id AS id FROM favourites WHERE account_id = ? AND status_id IN (?)`,
			`SELECT 'b', status_id FROM bookmarks WHERE account_id = ? AND status_id IN (?)`,
			`SELECT 'p', status_id FROM status_pins WHERE account_id = ? AND status_id IN (?)`,
			`SELECT 'r', reblog_of_id FROM statuses WHERE account_id = ? AND reblog_of_id IN (?)`)
		args = append(args, viewerID, in, viewerID, in, viewerID, in, viewerID, in)
	}
	if len(threadIDs) > 0 {
		branches = append(branches, `SELECT 'm', thread_id FROM status_mutes WHERE account_id = ? AND thread_id IN (?)`)
		args = append(args, viewerID, bun.In(threadIDs))
	}
	if len(statusIDs) == 0 {
		branches[0] = strings.Replace(branches[0], "SELECT 'm', thread_id", "SELECT 'm' AS kind, thread_id AS id", 1)
	}
	var rows []struct {
		Kind string `bun:"kind"`
		ID   string `bun:"id"`
	}
	if err := s.DB.NewRaw(strings.Join(branches, "\nUNION ALL "), args...).Scan(ctx, &rows); err != nil {
		return f, fmt.Errorf("viewer flags: %w", err)
	}
	sets := map[string]map[string]bool{"f": f.Favourited, "b": f.Bookmarked, "p": f.Pinned, "r": f.Reblogged, "m": f.MutedThreads}
	for _, r := range rows {
		sets[r.Kind][r.ID] = true
	}
	return f, nil
}

// FavouritedByPage lists who liked a status, paged by the like.
func (s *Storage) FavouritedByPage(ctx context.Context, statusID string, p Page) ([]Entry, error) {
	q := s.DB.NewSelect().TableExpr("favourites AS f").Where("f.status_id = ?", statusID)
	return pageEntries(ctx, q, "f.id", "f.account_id", p)
}

// RebloggedByPage lists who boosted a status, paged by the boost.
func (s *Storage) RebloggedByPage(ctx context.Context, statusID string, p Page) ([]Entry, error) {
	q := s.DB.NewSelect().TableExpr("statuses AS s").Where("s.reblog_of_id = ?", statusID)
	return pageEntries(ctx, q, "s.id", "s.account_id", p)
}

// InsertBookmark bookmarks a status (idempotent).
func (s *Storage) InsertBookmark(ctx context.Context, id, accountID, statusID string, at time.Time) error {
	_, err := s.DB.NewInsert().Model(&map[string]any{"id": id, "account_id": accountID, "status_id": statusID, "created_at": at}).
		TableExpr("bookmarks").On("CONFLICT (account_id, status_id) DO NOTHING").Exec(ctx)
	return err
}

// DeleteBookmark removes a bookmark.
func (s *Storage) DeleteBookmark(ctx context.Context, accountID, statusID string) error {
	_, err := s.DB.NewDelete().TableExpr("bookmarks").Where("account_id = ? AND status_id = ?", accountID, statusID).Exec(ctx)
	return err
}

// InsertPin pins a status on its author's profile (idempotent).
func (s *Storage) InsertPin(ctx context.Context, id, accountID, statusID string, at time.Time) error {
	_, err := s.DB.NewInsert().Model(&map[string]any{"id": id, "account_id": accountID, "status_id": statusID, "created_at": at}).
		TableExpr("status_pins").On("CONFLICT (account_id, status_id) DO NOTHING").Exec(ctx)
	return err
}

// DeletePin unpins a status.
func (s *Storage) DeletePin(ctx context.Context, accountID, statusID string) error {
	_, err := s.DB.NewDelete().TableExpr("status_pins").Where("account_id = ? AND status_id = ?", accountID, statusID).Exec(ctx)
	return err
}

// CountPins counts an account's pinned statuses.
func (s *Storage) CountPins(ctx context.Context, accountID string) (int, error) {
	n, err := s.DB.NewSelect().TableExpr("status_pins").Where("account_id = ?", accountID).Count(ctx)
	return int(n), err
}

// PinnedStatuses lists an account's pinned statuses that pass the
// filter, most recently pinned first.
func (s *Storage) PinnedStatuses(ctx context.Context, accountID string, visible StatusFilter) ([]string, error) {
	var ids []string
	err := s.statuses().Column("s.id").Join("JOIN status_pins AS p ON p.status_id = s.id").
		Where("p.account_id = ?", accountID).Where("s.account_id = ?", accountID).Apply(visible).
		OrderExpr("p.id DESC").Scan(ctx, &ids)
	return ids, err
}

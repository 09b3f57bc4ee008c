package storage

import (
	"maps"
	"slices"
)

// What every page asks about its reader and its authors, kept in the row
// cache (issue 17) and made exact by triggers (migration 20261207100003):
//   - "v" + account: the account liked, bookmarked, pinned or boosted
//     something, or muted a thread (viewerState);
//   - "f" + account: its filters changed;
//   - "c" + account: its counters changed (a post, a follow).

// viewerState is what one reader did with the statuses and threads asked
// so far: a status or thread absent from the maps has not been asked. A
// stored viewerState is never changed (putViewerState stores a new one).
type viewerState struct {
	flags map[string]uint8 // status id → viewerFlag bits; 0 is "none"
	muted map[string]bool  // thread id → muted
}

const (
	flagFavourited uint8 = 1 << iota
	flagReblogged
	flagBookmarked
	flagPinned
)

// viewerStateLimit bounds one reader's entry; past it the entry starts over.
const viewerStateLimit = 4096

func (c *rowCache) cachedViewerState(viewerID string) (viewerState, bool) {
	return c.viewers.Get(viewerID)
}

// putViewerState adds what was just read about viewerID (flags of
// statusIDs, mutes of threadIDs: those not in the maps are "none").
func (c *rowCache) putViewerState(gen uint64, viewerID string, statusIDs, threadIDs []string, f ViewerFlags) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	old, _ := c.viewers.Get(viewerID)
	next := viewerState{flags: map[string]uint8{}, muted: map[string]bool{}}
	if len(old.flags)+len(old.muted) < viewerStateLimit {
		next.flags, next.muted = maps.Clone(old.flags), maps.Clone(old.muted)
		if next.flags == nil {
			next.flags = map[string]uint8{}
		}
		if next.muted == nil {
			next.muted = map[string]bool{}
		}
	}
	for _, id := range statusIDs {
		var bits uint8
		if f.Favourited[id] {
			bits |= flagFavourited
		}
		if f.Reblogged[id] {
			bits |= flagReblogged
		}
		if f.Bookmarked[id] {
			bits |= flagBookmarked
		}
		if f.Pinned[id] {
			bits |= flagPinned
		}
		next.flags[id] = bits
	}
	for _, id := range threadIDs {
		next.muted[id] = f.MutedThreads[id]
	}
	c.viewers.Add(viewerID, next)
}

// fill sets f from the cached state for the ids it knows, and returns the
// ids it does not.
func (v viewerState) fill(f ViewerFlags, statusIDs, threadIDs []string) (missingStatuses, missingThreads []string) {
	for _, id := range statusIDs {
		bits, ok := v.flags[id]
		if !ok {
			missingStatuses = append(missingStatuses, id)
			continue
		}
		if bits&flagFavourited != 0 {
			f.Favourited[id] = true
		}
		if bits&flagReblogged != 0 {
			f.Reblogged[id] = true
		}
		if bits&flagBookmarked != 0 {
			f.Bookmarked[id] = true
		}
		if bits&flagPinned != 0 {
			f.Pinned[id] = true
		}
	}
	for _, id := range threadIDs {
		muted, ok := v.muted[id]
		if !ok {
			missingThreads = append(missingThreads, id)
			continue
		}
		if muted {
			f.MutedThreads[id] = true
		}
	}
	return missingStatuses, missingThreads
}

func (c *rowCache) cachedFilters(accountID string) ([]Filter, bool) {
	fs, ok := c.filters.Get(accountID)
	if !ok {
		return nil, false
	}
	return cloneFilters(fs), true
}

func (c *rowCache) putFilters(gen uint64, accountID string, fs []Filter) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	c.filters.Add(accountID, cloneFilters(fs))
}

func cloneFilters(fs []Filter) []Filter {
	out := slices.Clone(fs)
	for i := range out {
		out[i].Context = slices.Clone(out[i].Context)
		out[i].Keywords = slices.Clone(out[i].Keywords)
		out[i].Statuses = slices.Clone(out[i].Statuses)
	}
	if out == nil {
		out = []Filter{}
	}
	return out
}

// cachedStats returns the counters known for ids (an account without a
// counters row is cached as zeros) and the ids to read.
func (c *rowCache) cachedStats(ids []string) (map[string]AccountStats, []string) {
	found := make(map[string]AccountStats, len(ids))
	var missing []string
	for _, id := range ids {
		if st, ok := c.stats.Get(id); ok {
			found[id] = st
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing
}

func (c *rowCache) putStats(gen uint64, ids []string, read map[string]AccountStats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	for _, id := range ids {
		c.stats.Add(id, read[id])
	}
}

// evictPerAccount drops what a change of kind v, f or c names.
func (c *rowCache) evictPerAccount(ch rowChange) {
	switch ch.Kind {
	case "v":
		c.viewers.Remove(ch.RowID)
	case "f":
		c.filters.Remove(ch.RowID)
	case "c":
		c.stats.Remove(ch.RowID)
	}
}

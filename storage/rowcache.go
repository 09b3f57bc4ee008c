package storage

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/coopol/coopol/model"
)

// rowCache keeps recently rendered statuses and accounts in memory: on a
// timeline page, loading and scanning them was a quarter of the CPU
// (issue 17). It is exact across replicas and processes: triggers log
// every update and delete of those rows in row_changes (migration
// 20261206090001), and each read first asks for the changes it has not
// seen, so a change committed before a request starts is seen by that
// request. Only rows are cached, never who may see them: timelines,
// audiences, blocks and memberships are decided by queries each time.
type rowCache struct {
	statuses *lru.Cache[string, model.Status] // Account left nil
	accounts *lru.Cache[string, model.Account]
	// tokens are OAuth tokens by hash, with their application, user and
	// account: looked up on every API request. A change to any of the four
	// rows evicts the token, so a revocation, a suspension, a disabled
	// login or a new role applies to the next request.
	tokens *lru.Cache[string, model.OAuthToken]
	// pieces are statuses' mentions, tags, media and cards (status_pieces.go).
	pieces *lru.Cache[string, cachedPieces]
	// Per account: what a reader did (viewerState), their filters, and an
	// author's counters (viewer_cache.go).
	viewers *lru.Cache[string, viewerState]
	filters *lru.Cache[string, []Filter]
	stats   *lru.Cache[string, AccountStats]
	// apps are client applications, named by the statuses posted from them.
	apps *lru.Cache[string, model.OAuthApplication]
	// timelines are pages of timelines and notifications (timeline_cache.go).
	timelines *timelineCache

	mu sync.Mutex
	// cursor is where the next look at row_changes starts: a seq on
	// SQLite (one writer at a time, so commits come in seq order); on
	// PostgreSQL the highest seq seen and the snapshot it was seen in
	// (pgCursor).
	cursor     string
	lastPolled time.Time
	// gen changes whenever a look at row_changes evicts something: a row
	// read from the database before that look may be older than the change,
	// so it is not put in the cache (see put).
	gen uint64
	// changes counts the looks that found any change but a token's
	// (its last use, every hour per token), since the process started:
	// what was rendered from the caches while it stood still is still
	// true (ChangesSeen).
	changes uint64
	pruned  time.Time
	// xmins are the cursor's xmin at each prune (PostgreSQL), oldest first.
	xmins []xminSample
	// lastLook is the ticket of the newest look applied (lookTickets);
	// looking is the newest look under way, which requests that began
	// before it wait for rather than look themselves.
	lastLook uint64
	looking  *lookUnderWay

	// Watching for changes (rowcache_watch.go): notified counts the
	// notifications heard, listening says the watcher hears them, and
	// lookedAt is signals() as it stood when the newest look began.
	notified  atomic.Uint64
	listening atomic.Bool
	lookedAt  uint64
	// looks counts the looks taken, for tests.
	looks atomic.Uint64
}

type lookUnderWay struct {
	ticket uint64
	done   chan struct{}
}

const (
	rowCacheStatuses = 4096
	rowCacheAccounts = 2048
	rowCacheTokens   = 1024
	// A process that has not looked for this long starts again empty
	// (row_changes keeps an hour).
	rowCacheStale   = 30 * time.Minute
	rowChangesKeep  = time.Hour
	rowChangesPrune = 10 * time.Minute
)

func newRowCache() *rowCache {
	st, _ := lru.New[string, model.Status](rowCacheStatuses)
	ac, _ := lru.New[string, model.Account](rowCacheAccounts)
	tk, _ := lru.New[string, model.OAuthToken](rowCacheTokens)
	pc, _ := lru.New[string, cachedPieces](rowCacheStatuses)
	vw, _ := lru.New[string, viewerState](rowCacheTokens)
	fl, _ := lru.New[string, []Filter](rowCacheTokens)
	sc, _ := lru.New[string, AccountStats](rowCacheAccounts)
	ap, _ := lru.New[string, model.OAuthApplication](rowCacheTokens)
	return &rowCache{statuses: st, accounts: ac, tokens: tk, pieces: pc, viewers: vw, filters: fl, stats: sc,
		apps: ap, timelines: newTimelineCache()}
}

// sync reads the changes since the last look and evicts them. It returns
// the generation to pass to put, and false when the cache must not be
// used for this read (the look failed).
func (s *Storage) syncRowCache(ctx context.Context) (uint64, bool) {
	c := s.rows
	if c == nil {
		return 0, false
	}
	// One look per request: a page hydrates statuses, their boosts'
	// originals and accounts; the first look already saw every change
	// committed before the request began.
	scope, _ := ctx.Value(rowScopeKey{}).(*rowScope)
	if scope != nil && scope.synced {
		return scope.gen, scope.ok
	}
	c.mu.Lock()
	quiet, gen, changes := c.quiet(time.Now()), c.gen, c.changes
	c.mu.Unlock()
	if quiet {
		if scope != nil {
			scope.synced, scope.gen, scope.ok, scope.changes = true, gen, true, changes
		}
		return gen, true
	}
	if scope != nil {
		// A look that began after this request did has seen every change
		// committed before it: under load most requests find one, done or
		// under way, and skip their own (issue 17: the look was 15 % of a
		// home page's CPU at 16 connections on SQLite, a round trip on
		// PostgreSQL).
		for {
			c.mu.Lock()
			recent, gen, changes := c.lastLook > scope.began, c.gen, c.changes
			// A look under way that began before this request cannot
			// serve it, but this request waits for it to end all the same
			// and then looks with the others that queued meanwhile: one
			// look at a time instead of one per request.
			var wait chan struct{}
			if !recent && c.looking != nil {
				wait = c.looking.done
			}
			c.mu.Unlock()
			if recent {
				scope.synced, scope.gen, scope.ok, scope.changes = true, gen, true, changes
				return gen, true
			}
			if wait == nil {
				break
			}
			select {
			case <-wait: // then look again for a look that serves this request
			case <-ctx.Done():
				return 0, false
			}
		}
	}
	gen, ok := s.pollRowCache(ctx)
	if scope != nil {
		// Read after the look: a later look's count is newer still, and
		// the rows this request reads next are at least as new as it.
		c.mu.Lock()
		changes := c.changes
		c.mu.Unlock()
		scope.synced, scope.gen, scope.ok, scope.changes = true, gen, ok, changes
	}
	return gen, ok
}

// ChangesSeen returns how many looks at row_changes had found a change
// when this request's look was taken (or skipped, nothing having
// changed), and false when the request has not looked or its look failed.
// Whatever a request renders from the caches after its look stays true
// for as long as the count stands still, except what depends on the time
// of day (a poll or a filter that ends).
func (s *Storage) ChangesSeen(ctx context.Context) (uint64, bool) {
	scope, _ := ctx.Value(rowScopeKey{}).(*rowScope)
	if scope == nil || !scope.synced || !scope.ok {
		return 0, false
	}
	return scope.changes, true
}

// LookForChanges takes this request's look at row_changes now, if it has
// not yet: what the request reads afterwards, from the caches or the
// database, is at least as new as ChangesSeen says. A page kept by that
// count must not show a row read before the look (the web reads its
// session, user and account before anything cached). Outside a request
// scope it does nothing: such reads look each time anyway.
func (s *Storage) LookForChanges(ctx context.Context) {
	if scope, _ := ctx.Value(rowScopeKey{}).(*rowScope); scope != nil {
		s.syncRowCache(ctx)
	}
}

type rowScopeKey struct{}

// rowScope remembers the row cache's look of one request.
type rowScope struct {
	began   uint64 // lookTickets when the request began
	synced  bool
	gen     uint64
	ok      bool
	changes uint64 // rowCache.changes as the look left it
}

// lookTickets numbers the looks at row_changes of every row cache in the
// process, in the order they begin.
var lookTickets atomic.Uint64

// WithRequestScope marks ctx as one request's: the row cache looks for
// changes once in it (a request is served by one goroutine at a time),
// or not at all when another look began after the request did.
func WithRequestScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, rowScopeKey{}, &rowScope{began: lookTickets.Load()})
}

func (s *Storage) pollRowCache(ctx context.Context) (uint64, bool) {
	c := s.rows
	ticket := lookTickets.Add(1) // before the look's statement begins
	signals := c.signals()       // likewise: what the look will have covered
	c.looks.Add(1)
	look := &lookUnderWay{ticket: ticket, done: make(chan struct{})}
	c.mu.Lock()
	if c.looking == nil || c.looking.ticket < ticket {
		c.looking = look
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if c.looking == look {
			c.looking = nil
		}
		c.mu.Unlock()
		close(look.done)
	}()
	c.mu.Lock()
	cursor, last := c.cursor, c.lastPolled
	c.mu.Unlock()
	now := time.Now()
	if cursor == "" || now.Sub(last) > rowCacheStale {
		// First look, or too long ago: start empty from here.
		next, err := s.rowChangesHead(ctx)
		if err != nil {
			return 0, false
		}
		c.mu.Lock()
		c.statuses.Purge()
		c.accounts.Purge()
		c.tokens.Purge()
		c.pieces.Purge()
		c.viewers.Purge()
		c.filters.Purge()
		c.stats.Purge()
		c.apps.Purge()
		c.timelines.purge()
		c.gen++
		c.changes++
		c.cursor, c.lastPolled = next, now
		c.lastLook = max(c.lastLook, ticket)
		c.lookedAt = max(c.lookedAt, signals)
		gen := c.gen
		c.mu.Unlock()
		return gen, true
	}
	changes, next, err := s.rowChangesSince(ctx, cursor)
	if err != nil {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	evicted := false
	for _, ch := range changes {
		if ch.Kind == "w" {
			continue // a row only rendered pages show: counted below, nothing to evict
		}
		if c.timelines.change(ch) {
			continue // a kind of the timeline cache alone
		}
		evicted = true
		switch ch.Kind {
		case "s":
			c.statuses.Remove(ch.RowID)
			c.pieces.Remove(ch.RowID)
		case "p":
			c.pieces.Remove(ch.RowID)
		case "a":
			c.accounts.Remove(ch.RowID)
		case "o":
			c.apps.Remove(ch.RowID)
		default:
			c.evictPerAccount(ch)
		}
	}
	if evicted {
		c.evictTokens(changes)
		c.gen++
	}
	for _, ch := range changes {
		if ch.Kind != "t" { // a token decides who asks, never what a page holds
			c.changes++
			break
		}
	}
	if later(s.Type, next, c.cursor) {
		c.cursor = next
	}
	c.lastLook = max(c.lastLook, ticket)
	c.lookedAt = max(c.lookedAt, signals)
	if now.After(c.lastPolled) {
		c.lastPolled = now
	}
	if now.Sub(c.pruned) > rowChangesPrune {
		c.pruned = now
		if xmin, ok := c.finishedAnHourAgo(s.Type, now); ok {
			go s.pruneRowChanges(context.WithoutCancel(ctx), now.Add(-rowChangesKeep), xmin)
		}
	}
	return c.gen, true
}

// finishedAnHourAgo samples the cursor's xmin on PostgreSQL and returns
// the newest sample at least rowChangesKeep old: every transaction below
// it had finished by then, so its lines have been there for an hour, and
// every replica has seen them or started again empty (rowCacheStale). A
// line's changed_at cannot tell: it is its transaction's start, and a
// transaction open for an hour commits lines that look an hour old.
// Called with c.mu held.
func (c *rowCache) finishedAnHourAgo(dbType string, now time.Time) (uint64, bool) {
	if dbType != "postgres" {
		return 0, true
	}
	if xmin, _, ok := strings.Cut(c.cursor, ":"); ok {
		if n, err := strconv.ParseUint(xmin, 10, 64); err == nil {
			c.xmins = append(c.xmins, xminSample{at: now, xmin: n})
		}
	}
	old := 0 // samples old enough
	for old < len(c.xmins) && !c.xmins[old].at.After(now.Add(-rowChangesKeep)) {
		old++
	}
	if old == 0 {
		return 0, false
	}
	// The newest old-enough sample stays, for the next prune.
	c.xmins = c.xmins[old-1:]
	return c.xmins[0].xmin, true
}

type xminSample struct {
	at   time.Time
	xmin uint64
}

type rowChange struct {
	Seq   int64
	Kind  string
	RowID string
}

func (s *Storage) rowChangesHead(ctx context.Context) (string, error) {
	var head string
	q := "SELECT CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM row_changes"
	if s.Type == "postgres" {
		q = "SELECT pg_current_snapshot()::text"
	}
	if err := s.DB.NewRaw(q).Scan(ctx, &head); err != nil {
		return "", fmt.Errorf("storage: row changes head: %w", err)
	}
	return head, nil
}

// pgCursor is where a look at row_changes starts on PostgreSQL: the
// snapshot of the last look. The lines that look did not see are exactly
// those of the transactions its snapshot counts as running: the ones it
// lists (xip), and every one from xmax on (PostgreSQL's xmax is the last
// finished transaction + 1, so a transaction given an id earlier but
// still running is not in the list). The next look asks for those alone.
// A transaction left open elsewhere in the cluster — a backup, another
// database's test — wrote no line here and costs nothing. (Looking from
// the snapshot's xmin, as before, read again every line written since
// that transaction began, on every request: 2,000 lines made a home page
// 10× slower.)
type pgCursor struct {
	Xmax uint64
	Xip  string // the running transactions listed, as an xid8[] literal
}

// parsePGCursor reads a snapshot's text, "xmin:xmax:xip,xip".
func parsePGCursor(c string) (pgCursor, error) {
	parts := strings.SplitN(c, ":", 3)
	if len(parts) != 3 {
		return pgCursor{}, fmt.Errorf("row changes cursor %q", c)
	}
	xmax, err := strconv.ParseUint(parts[1], 10, 64)
	if err != nil {
		return pgCursor{}, fmt.Errorf("row changes cursor %q: %w", c, err)
	}
	return pgCursor{Xmax: xmax, Xip: "{" + parts[2] + "}"}, nil
}

func (s *Storage) rowChangesSince(ctx context.Context, cursor string) ([]rowChange, string, error) {
	// Asked once per request: prepared once, scanned without reflection.
	stmt, err := s.prepared(ctx, "row_changes_since", func() string {
		if s.Type == "postgres" {
			// The snapshot comes back on a line of its own, taken with the
			// lines (one statement, one snapshot).
			return `SELECT seq, kind, row_id, '' AS snapshot FROM row_changes WHERE xid >= $1::xid8 OR xid = ANY($2::xid8[])
			UNION ALL SELECT 0, '', '', pg_current_snapshot()::text`
		}
		return `SELECT seq, kind, row_id, CAST(seq AS TEXT) AS next FROM row_changes WHERE seq > CAST(?1 AS INTEGER)
			UNION ALL SELECT 0, '', '', CAST(COALESCE(MAX(seq), ?1) AS TEXT) FROM row_changes`
	})
	if err != nil {
		return nil, "", fmt.Errorf("storage: row changes: %w", err)
	}
	args := []any{cursor}
	if s.Type == "postgres" {
		from, err := parsePGCursor(cursor)
		if err != nil {
			return nil, "", fmt.Errorf("storage: %w", err)
		}
		args = []any{strconv.FormatUint(from.Xmax, 10), from.Xip}
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, "", fmt.Errorf("storage: row changes: %w", err)
	}
	defer rows.Close()
	next, snapshot := cursor, ""
	var out []rowChange
	for rows.Next() {
		var ch rowChange
		var at string
		if err := rows.Scan(&ch.Seq, &ch.Kind, &ch.RowID, &at); err != nil {
			return nil, "", fmt.Errorf("storage: row changes: %w", err)
		}
		if ch.Kind != "" {
			out = append(out, ch)
			continue
		}
		if s.Type == "postgres" {
			snapshot = at
		} else if later(s.Type, at, next) {
			next = at
		}
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("storage: row changes: %w", err)
	}
	if s.Type == "postgres" {
		if snapshot == "" {
			return nil, "", fmt.Errorf("storage: row changes: no snapshot")
		}
		next = snapshot
	}
	return out, next, nil
}

// later reports whether cursor a is past b: seqs in decimal on SQLite;
// on PostgreSQL the newer snapshot (a higher xmax, or as high with fewer
// transactions still running).
func later(dbType string, a, b string) bool {
	if dbType == "postgres" {
		ca, errA := parsePGCursor(a)
		cb, errB := parsePGCursor(b)
		if errA != nil || errB != nil {
			return errB != nil && errA == nil
		}
		if ca.Xmax != cb.Xmax {
			return ca.Xmax > cb.Xmax
		}
		return len(ca.Xip) < len(cb.Xip)
	}
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// pruneRowChanges deletes the lines every replica has seen: on SQLite
// those older than before (one writer, short transactions); on
// PostgreSQL those of transactions below xmin, which had all finished an
// hour ago (finishedAnHourAgo).
func (s *Storage) pruneRowChanges(ctx context.Context, before time.Time, xmin uint64) {
	q := s.DB.NewDelete().TableExpr("row_changes").Where("changed_at < ?", before.UTC())
	if s.Type == "postgres" {
		q = s.DB.NewDelete().TableExpr("row_changes").Where("xid < ?::xid8", strconv.FormatUint(xmin, 10))
	}
	if _, err := q.Exec(ctx); err != nil {
		return // the next prune tries again
	}
}

// cachedStatuses returns the cached statuses among ids and the ids to
// load from the database.
func (c *rowCache) cachedStatuses(ids []string) (map[string]model.Status, []string) {
	found := make(map[string]model.Status, len(ids))
	var missing []string
	for _, id := range ids {
		if st, ok := c.statuses.Get(id); ok {
			found[id] = st
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing
}

func (c *rowCache) cachedAccounts(ids []string) (map[string]model.Account, []string) {
	found := make(map[string]model.Account, len(ids))
	var missing []string
	for _, id := range ids {
		if a, ok := c.accounts.Get(id); ok {
			found[id] = cloneAccount(a)
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing
}

// putStatuses and putAccounts keep rows read from the database, unless a
// change was seen since gen (the rows may predate it).
func (c *rowCache) putStatuses(gen uint64, rows []model.Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	for _, st := range rows {
		st.Account = nil
		c.statuses.Add(st.ID, st)
	}
}

func (c *rowCache) putAccounts(gen uint64, rows []model.Account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	for _, a := range rows {
		c.accounts.Add(a.ID, cloneAccount(a))
	}
}

// evictTokens drops the tokens a change touches: the token itself ("t"),
// its application ("o"), its user ("u") or the user's account ("a").
func (c *rowCache) evictTokens(changes []rowChange) {
	if c.tokens.Len() == 0 {
		return
	}
	// Most changes are statuses, pieces and counters: the tokens are
	// walked only when one of their own rows changed.
	var touched map[string]bool
	for _, ch := range changes {
		switch ch.Kind {
		case "t", "o", "u", "a":
			if touched == nil {
				touched = map[string]bool{}
			}
			touched[ch.Kind+ch.RowID] = true
		}
	}
	if touched == nil {
		return
	}
	for _, hash := range c.tokens.Keys() {
		t, ok := c.tokens.Peek(hash)
		if !ok {
			continue
		}
		drop := touched["t"+t.ID] || touched["o"+t.ApplicationID]
		if t.UserID != nil {
			drop = drop || touched["u"+*t.UserID]
		}
		if t.User != nil {
			drop = drop || touched["a"+t.User.AccountID]
		}
		if drop {
			c.tokens.Remove(hash)
		}
	}
}

func (c *rowCache) cachedPieces(ids []string) (map[string]cachedPieces, []string) {
	found := make(map[string]cachedPieces, len(ids))
	var missing []string
	for _, id := range ids {
		if p, ok := c.pieces.Get(id); ok {
			found[id] = clonePieces(p)
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing
}

func (c *rowCache) putPieces(gen uint64, loaded map[string]cachedPieces) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	for id, p := range loaded {
		c.pieces.Add(id, clonePieces(p))
	}
}

func (c *rowCache) cachedToken(hash string) (*model.OAuthToken, bool) {
	t, ok := c.tokens.Get(hash)
	if !ok {
		return nil, false
	}
	return cloneToken(t), true
}

func (c *rowCache) putToken(gen uint64, t *model.OAuthToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	c.tokens.Add(t.TokenHash, *cloneToken(*t))
}

// cloneToken copies a token with its application, user and account, so
// that a caller changing one (Authenticate records the last use) changes
// nothing in the cache.
func cloneToken(t model.OAuthToken) *model.OAuthToken {
	if t.Application != nil {
		app := *t.Application
		app.RedirectURIs = slices.Clone(app.RedirectURIs)
		t.Application = &app
	}
	if t.User != nil {
		u := *t.User
		if u.Account != nil {
			a := cloneAccount(*u.Account)
			u.Account = &a
		}
		t.User = &u
	}
	return &t
}

// cloneAccount copies the slices a caller could change in place.
func cloneAccount(a model.Account) model.Account {
	a.Fields = slices.Clone(a.Fields)
	a.AlsoKnownAs = slices.Clone(a.AlsoKnownAs)
	return a
}

// cachedApps fills out with the applications known and returns the ids
// to read.
func (c *rowCache) cachedApps(ids []string, out map[string]model.OAuthApplication) []string {
	var missing []string
	for _, id := range ids {
		if _, done := out[id]; done {
			continue
		}
		if a, ok := c.apps.Get(id); ok {
			a.RedirectURIs = slices.Clone(a.RedirectURIs)
			out[id] = a
		} else {
			missing = append(missing, id)
		}
	}
	return missing
}

func (c *rowCache) putApps(gen uint64, apps []model.OAuthApplication) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	for _, a := range apps {
		a.RedirectURIs = slices.Clone(a.RedirectURIs)
		c.apps.Add(a.ID, a)
	}
}

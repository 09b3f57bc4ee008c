package storage

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Timelines and other paged lists for the client API.
//
// Who may see a status is not decided here: every query over statuses
// takes a StatusFilter, which callers obtain from the domain
// (social.Service.VisibleFilter). These functions only add what a
// timeline is made of (follows, lists, tags) and the viewer's own
// choices (mutes, blocks).

// StatusFilter restricts a query over statuses aliased "s".
type StatusFilter func(q *bun.SelectQuery) *bun.SelectQuery

// Page is a Mastodon page request: items with keys below MaxID and above
// SinceID, or, with MinID, the Limit items immediately above MinID (paging
// forward from the oldest). Results are always newest first.
type Page struct {
	MaxID, SinceID, MinID string
	Limit                 int
}

// Entry is one item of a paged list: Key is what the page boundaries
// (max_id, min_id) refer to — the status id on timelines, the favourite,
// follow or block id on lists of those — and ID is the item itself.
type Entry struct {
	Key string `bun:"page_key"`
	ID  string `bun:"item_id"`
}

// Items returns the entries' item ids, in order.
func Items(entries []Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.ID
	}
	return out
}

// pageEntries selects keyCol AS page_key and itemCol AS item_id, pages on
// keyCol and scans newest first.
func pageEntries(ctx context.Context, q *bun.SelectQuery, keyCol, itemCol string, p Page) ([]Entry, error) {
	q = pageBounds(q.ColumnExpr(keyCol+" AS page_key").ColumnExpr(itemCol+" AS item_id"), keyCol, p)
	// Two strings a line: scanned directly rather than by bun's
	// reflection, on every timeline page.
	rows, err := q.DB().QueryContext(ctx, q.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]Entry, 0, max(p.Limit, 0))
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Key, &e.ID); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if p.MinID != "" {
		slices.Reverse(out)
	}
	return out, nil
}

// pageBounds pages q on keyCol: the bounds, the order (ascending from
// MinID, to be reversed by the caller), the limit.
func pageBounds(q *bun.SelectQuery, keyCol string, p Page) *bun.SelectQuery {
	if p.MaxID != "" {
		q = q.Where(keyCol+" < ?", p.MaxID)
	}
	if p.SinceID != "" {
		q = q.Where(keyCol+" > ?", p.SinceID)
	}
	if p.MinID != "" {
		q = q.Where(keyCol+" > ?", p.MinID).OrderExpr(keyCol + " ASC")
	} else {
		q = q.OrderExpr(keyCol + " DESC")
	}
	if p.Limit > 0 {
		q = q.Limit(int64(p.Limit))
	}
	return q
}

// statuses starts a query over statuses aliased "s".
func (s *Storage) statuses() *bun.SelectQuery {
	return s.DB.NewSelect().TableExpr("statuses AS s")
}

// hideUnwanted drops what viewerID chose not to see: statuses (and boosts
// of statuses) by accounts they block or mute, and by suspended accounts.
func hideUnwanted(q *bun.SelectQuery, viewerID string, now time.Time) *bun.SelectQuery {
	q = q.Where("s.account_id NOT IN (SELECT id FROM accounts WHERE suspended_at IS NOT NULL)")
	if viewerID == "" {
		return q
	}
	blocked := "(SELECT target_account_id FROM blocks WHERE account_id = ?)"
	muted := "(SELECT target_account_id FROM mutes WHERE account_id = ? AND (expires_at IS NULL OR expires_at > ?))"
	// One NOT EXISTS per list, not one over "blocked OR muted": with the
	// OR, PostgreSQL hashed the boosted statuses of either list by reading
	// every status (a sequential scan of the table on each page that
	// showed a boost); apart, each list's statuses are found through
	// statuses_account from the few blocked or muted accounts.
	boostOf := "NOT EXISTS (SELECT 1 FROM statuses ro WHERE ro.id = s.reblog_of_id AND ro.account_id IN "
	return q.
		Where("s.account_id NOT IN "+blocked, viewerID).
		Where("s.account_id NOT IN "+muted, viewerID, now).
		Where("(s.reblog_of_id IS NULL OR ("+boostOf+blocked+") AND "+boostOf+muted+")))", viewerID, viewerID, now)
}

const followedBy = "(SELECT target_account_id FROM follows WHERE account_id = ? AND state = 'accepted')"

// HomeTimeline is viewerID's home: their own statuses, those of accounts
// they follow (with boosts unless they turned them off), and statuses
// addressed to them. Replies by a followed account to someone the viewer
// does not follow are left out, as Mastodon does.
func (s *Storage) HomeTimeline(ctx context.Context, viewerID string, visible StatusFilter, now time.Time, p Page) ([]Entry, error) {
	return pageEntries(ctx, s.homeQuery(viewerID, visible, now), "s.id", "s.id", p)
}

// HomeTimelineCached is HomeTimeline through the timeline cache
// (timeline_cache.go), for the pages readers ask for. The page is kept
// per reader, so visible must be viewerID's audience rule as it is
// (social.Service.VisibleFilter), never narrowed.
func (s *Storage) HomeTimelineCached(ctx context.Context, viewerID string, visible StatusFilter, now time.Time, p Page) ([]Entry, error) {
	key := timelineKey{viewer: viewerID, timeline: "home", page: p}
	return s.cachedTimeline(ctx, key, now, func(ctx context.Context, only []string) ([]Entry, error) {
		return pageEntries(ctx, restrictTo(s.homeQuery(viewerID, visible, now), only), "s.id", "s.id", p)
	})
}

func (s *Storage) homeQuery(viewerID string, visible StatusFilter, now time.Time) *bun.SelectQuery {
	q := s.statuses().
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("s.account_id = ?", viewerID).
				WhereOr("(s.account_id IN "+followedBy+" AND (s.reblog_of_id IS NULL OR s.account_id IN "+
					"(SELECT target_account_id FROM follows WHERE account_id = ? AND state = 'accepted' AND show_reblogs = ?)))",
					viewerID, viewerID, true).
				WhereOr("EXISTS (SELECT 1 FROM status_recipients hr WHERE hr.status_id = s.id AND hr.account_id = ?)", viewerID).
				// Discussions of the groups one belongs to.
				WhereOr("s.group_id IN (SELECT group_account_id FROM memberships WHERE account_id = ? AND state = 'accepted')", viewerID).
				// Public posts with a hashtag one follows.
				WhereOr("(s.visibility = 'public' AND s.reblog_of_id IS NULL AND s.id IN (SELECT st.status_id FROM status_tags st JOIN followed_tags ft ON ft.tag_id = st.tag_id WHERE ft.account_id = ?))", viewerID).
				// The public posts, events and actions of the sections and
				// groups one follows (the audience rule below still applies).
				WhereOr("s.group_id IN (SELECT target_account_id FROM follows WHERE account_id = ? AND state = 'accepted')", viewerID)
		}).
		Where("(s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id OR s.in_reply_to_account_id = ? "+
			"OR s.account_id = ? OR s.in_reply_to_account_id IN "+followedBy+
			" OR EXISTS (SELECT 1 FROM status_recipients hr2 WHERE hr2.status_id = s.id AND hr2.account_id = ?)"+
			" OR s.group_id IN (SELECT group_account_id FROM memberships WHERE account_id = ? AND state = 'accepted'))",
			viewerID, viewerID, viewerID, viewerID, viewerID).
		Apply(visible)
	return hideUnwanted(q, viewerID, now)
}

// PublicOptions narrow the public timeline.
type PublicOptions struct {
	Local, Remote bool
	// Tag, when set, keeps statuses carrying this (normalized) hashtag.
	Tag string
}

// PublicTimeline lists public statuses (no boosts, no replies to
// others), newest first. viewerID may be "" (anonymous).
func (s *Storage) PublicTimeline(ctx context.Context, viewerID string, visible StatusFilter, opts PublicOptions, now time.Time, p Page) ([]Entry, error) {
	return pageEntries(ctx, s.publicQuery(viewerID, visible, opts, now), "s.id", "s.id", p)
}

// PublicTimelineCached is PublicTimeline through the timeline cache;
// visible must be viewerID's audience rule as it is (see
// HomeTimelineCached).
func (s *Storage) PublicTimelineCached(ctx context.Context, viewerID string, visible StatusFilter, opts PublicOptions, now time.Time, p Page) ([]Entry, error) {
	key := timelineKey{viewer: viewerID, timeline: fmt.Sprintf("public %t %t %s", opts.Local, opts.Remote, opts.Tag), page: p}
	return s.cachedTimeline(ctx, key, now, func(ctx context.Context, only []string) ([]Entry, error) {
		return pageEntries(ctx, restrictTo(s.publicQuery(viewerID, visible, opts, now), only), "s.id", "s.id", p)
	})
}

// restrictTo narrows a query over statuses to only, when not nil.
func restrictTo(q *bun.SelectQuery, only []string) *bun.SelectQuery {
	if only == nil {
		return q
	}
	return q.Where("s.id IN (?)", bun.In(only))
}

func (s *Storage) publicQuery(viewerID string, visible StatusFilter, opts PublicOptions, now time.Time) *bun.SelectQuery {
	q := s.statuses().
		Where("s.visibility = 'public'").
		Where("s.reblog_of_id IS NULL").
		Apply(visible)
	if opts.Tag == "" {
		q = q.Where("(s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id)")
	} else {
		q = q.Where("EXISTS (SELECT 1 FROM status_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.status_id = s.id AND lower(t.name) = ?)", strings.ToLower(opts.Tag))
	}
	if opts.Local {
		q = q.Where("s.local = ?", true)
	} else if opts.Remote {
		q = q.Where("s.local = ?", false)
	}
	return hideUnwanted(q, viewerID, now)
}

// AccountTimelineOptions are the filters of GET /api/v1/accounts/:id/statuses.
type AccountTimelineOptions struct {
	ExcludeReplies, ExcludeReblogs bool
	Tag                            string
}

// AccountTimeline lists one account's statuses that the viewer may see.
func (s *Storage) AccountTimeline(ctx context.Context, accountID string, visible StatusFilter, opts AccountTimelineOptions, p Page) ([]Entry, error) {
	return pageEntries(ctx, accountQuery(s.statuses(), accountID, visible, opts), "s.id", "s.id", p)
}

// AccountTimelineCached is AccountTimeline through the timeline cache, for
// viewerID (""for anonymous); visible must be viewerID's audience rule as
// it is (see HomeTimelineCached).
func (s *Storage) AccountTimelineCached(ctx context.Context, viewerID, accountID string, visible StatusFilter, opts AccountTimelineOptions, now time.Time, p Page) ([]Entry, error) {
	key := timelineKey{viewer: viewerID, timeline: fmt.Sprintf("account %s %t %t %s", accountID, opts.ExcludeReplies, opts.ExcludeReblogs, opts.Tag), page: p}
	return s.cachedTimeline(ctx, key, now, func(ctx context.Context, only []string) ([]Entry, error) {
		return pageEntries(ctx, restrictTo(accountQuery(s.statuses(), accountID, visible, opts), only), "s.id", "s.id", p)
	})
}

func accountQuery(q *bun.SelectQuery, accountID string, visible StatusFilter, opts AccountTimelineOptions) *bun.SelectQuery {
	q = q.Where("s.account_id = ?", accountID).Apply(visible)
	if opts.ExcludeReplies {
		// Mastodon keeps self-replies (threads) when excluding replies.
		q = q.Where("(s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id)")
	}
	if opts.ExcludeReblogs {
		q = q.Where("s.reblog_of_id IS NULL")
	}
	if opts.Tag != "" {
		q = q.Where("EXISTS (SELECT 1 FROM status_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.status_id = s.id AND lower(t.name) = ?)", strings.ToLower(opts.Tag))
	}
	return q
}

// listMembersWalkedApart is the largest list whose members' statuses are
// walked one member at a time. Past it, one walk over all statuses, newest
// first, finds enough of theirs soon enough.
var listMembersWalkedApart = 64

// ListTimeline lists the statuses of a list's members. repliesPolicy is
// the list's: "followed" keeps replies to anyone the owner follows,
// "list" replies to list members, "none" no replies to others.
//
// A list is usually a few accounts among many: walking all statuses
// newest first until a page of theirs turns up read thousands of rows
// per page once the instance held a million (issue 17: 3.9 ms of CPU
// for a list of 10 of 2,000 authors). Each member's statuses are walked
// on their own index instead, a page at most each, and the newest kept.
func (s *Storage) ListTimeline(ctx context.Context, ownerID, listID, repliesPolicy string, visible StatusFilter, now time.Time, p Page) ([]Entry, error) {
	return s.listTimeline(ctx, ownerID, listID, repliesPolicy, visible, now, p, nil)
}

// ListTimelineCached is ListTimeline through the timeline cache, for the
// pages readers ask for; visible must be ownerID's audience rule as it is
// (see HomeTimelineCached).
func (s *Storage) ListTimelineCached(ctx context.Context, ownerID, listID, repliesPolicy string, visible StatusFilter, now time.Time, p Page) ([]Entry, error) {
	key := timelineKey{viewer: ownerID, timeline: "list " + listID + " " + repliesPolicy, page: p}
	return s.cachedTimeline(ctx, key, now, func(ctx context.Context, only []string) ([]Entry, error) {
		return s.listTimeline(ctx, ownerID, listID, repliesPolicy, visible, now, p, only)
	})
}

// listTimeline reads a list's page, or with only the part of it among
// those statuses.
func (s *Storage) listTimeline(ctx context.Context, ownerID, listID, repliesPolicy string, visible StatusFilter, now time.Time, p Page, only []string) ([]Entry, error) {
	var members []string
	if err := s.DB.NewSelect().TableExpr("list_accounts").Column("account_id").
		Where("list_id = ?", listID).OrderExpr("account_id").Scan(ctx, &members); err != nil {
		return nil, err
	}
	if len(members) == 0 {
		return nil, nil
	}
	statusesOf := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Apply(visible)
		q = listRepliesPolicy(q, repliesPolicy, ownerID, listID)
		return hideUnwanted(q, ownerID, now)
	}
	if len(members) > listMembersWalkedApart || p.Limit <= 0 || only != nil {
		q := statusesOf(s.statuses().Where("s.account_id IN (?)", bun.In(members)))
		return pageEntries(ctx, restrictTo(q, only), "s.id", "s.id", p)
	}
	// SELECT id FROM (member 1's page) UNION ALL SELECT id FROM (member 2's page) …
	parts := make([]string, len(members))
	args := make([]any, len(members))
	for i, m := range members {
		parts[i] = "SELECT id FROM (?) AS m" + strconv.Itoa(i)
		args[i] = pageBounds(statusesOf(s.statuses().ColumnExpr("s.id").Where("s.account_id = ?", m)), "s.id", p)
	}
	q := s.DB.NewSelect().TableExpr("("+strings.Join(parts, " UNION ALL ")+") AS u", args...)
	return pageEntries(ctx, q, "u.id", "u.id", p)
}

func listRepliesPolicy(q *bun.SelectQuery, repliesPolicy, ownerID, listID string) *bun.SelectQuery {
	switch repliesPolicy {
	case "followed":
		return q.Where("(s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id OR s.in_reply_to_account_id = ? OR s.in_reply_to_account_id IN "+followedBy+")", ownerID, ownerID)
	case "list":
		return q.Where("(s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id OR s.in_reply_to_account_id IN (SELECT account_id FROM list_accounts WHERE list_id = ?))", listID)
	default:
		return q.Where("(s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id)")
	}
}

// FavouritesPage lists the statuses accountID liked, paged by the like.
func (s *Storage) FavouritesPage(ctx context.Context, accountID string, visible StatusFilter, p Page) ([]Entry, error) {
	q := s.statuses().Join("JOIN favourites AS f ON f.status_id = s.id").Where("f.account_id = ?", accountID).Apply(visible)
	return pageEntries(ctx, q, "f.id", "s.id", p)
}

// BookmarksPage lists the statuses accountID bookmarked, paged by the
// bookmark.
func (s *Storage) BookmarksPage(ctx context.Context, accountID string, visible StatusFilter, p Page) ([]Entry, error) {
	q := s.statuses().Join("JOIN bookmarks AS b ON b.status_id = s.id").Where("b.account_id = ?", accountID).Apply(visible)
	return pageEntries(ctx, q, "b.id", "s.id", p)
}

// ConversationsPage lists accountID's direct-message threads, newest
// activity first: Key is the thread's last visible status, ID the thread.
// Threads the person hid stay hidden until a newer message arrives.
func (s *Storage) ConversationsPage(ctx context.Context, accountID string, visible StatusFilter, p Page) ([]Entry, error) {
	inner := s.statuses().
		ColumnExpr("s.thread_id AS thread_id").ColumnExpr("max(s.id) AS last_id").
		Where("s.visibility = 'direct'").
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("s.account_id = ?", accountID).
				WhereOr("EXISTS (SELECT 1 FROM status_recipients cr WHERE cr.status_id = s.id AND cr.account_id = ?)", accountID)
		}).
		Apply(visible).
		Group("s.thread_id")
	q := s.DB.NewSelect().TableExpr("(?) AS c", inner).
		Where("NOT EXISTS (SELECT 1 FROM conversation_states cs WHERE cs.account_id = ? AND cs.thread_id = c.thread_id AND cs.hidden_until_id >= c.last_id)", accountID)
	return pageEntries(ctx, q, "c.last_id", "c.thread_id", p)
}

// ConversationStatuses returns, per thread, the ids of the direct statuses
// in it that the viewer may see, oldest first.
func (s *Storage) ConversationStatuses(ctx context.Context, threadIDs []string, visible StatusFilter) (map[string][]string, error) {
	out := map[string][]string{}
	if len(threadIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ID       string `bun:"id"`
		ThreadID string `bun:"thread_id"`
	}
	err := s.statuses().Column("s.id", "s.thread_id").
		Where("s.thread_id IN (?)", bun.In(threadIDs)).Where("s.visibility = 'direct'").
		Apply(visible).OrderExpr("s.id ASC").Scan(ctx, &rows)
	for _, r := range rows {
		out[r.ThreadID] = append(out[r.ThreadID], r.ID)
	}
	return out, err
}

// ThreadNode is the shape of a status in a thread, without its content.
type ThreadNode struct {
	ID          string  `bun:"id"`
	InReplyToID *string `bun:"in_reply_to_id"`
	AccountID   string  `bun:"account_id"`
}

// ThreadStructure returns every status of a thread (reply links only, at
// most limit), for building a context; callers filter what they show.
func (s *Storage) ThreadStructure(ctx context.Context, threadID string, limit int) ([]ThreadNode, error) {
	var out []ThreadNode
	err := s.statuses().Column("s.id", "s.in_reply_to_id", "s.account_id").
		Where("s.thread_id = ?", threadID).Where("s.reblog_of_id IS NULL").
		OrderExpr("s.id ASC").Limit(int64(limit)).Scan(ctx, &out)
	return out, err
}

// VisibleStatusIDs returns which of ids pass the filter.
func (s *Storage) VisibleStatusIDs(ctx context.Context, ids []string, visible StatusFilter) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var got []string
	for chunk := range slices.Chunk(ids, 500) {
		got = got[:0]
		if err := s.statuses().Column("s.id").Where("s.id IN (?)", bun.In(chunk)).Apply(visible).Scan(ctx, &got); err != nil {
			return nil, err
		}
		for _, id := range got {
			out[id] = true
		}
	}
	return out, nil
}

// VisibleStatusIDsCached is VisibleStatusIDs through the timeline cache;
// visible must be viewerID's audience rule as it is, unnarrowed (see
// HomeTimelineCached).
func (s *Storage) VisibleStatusIDsCached(ctx context.Context, viewerID string, ids []string, visible StatusFilter) (map[string]bool, error) {
	if len(ids) == 0 {
		return map[string]bool{}, nil
	}
	return s.cachedVisible(ctx, viewerID, ids, func() (map[string]bool, error) { return s.VisibleStatusIDs(ctx, ids, visible) })
}

// WebStatusQuery selects the statuses of a profile, a group or a section.
type WebStatusQuery struct {
	// AccountID keeps statuses by this account; GroupID those posted in
	// this group. With both, either matches (a section's page shows its
	// own posts and those of its group).
	AccountID, GroupID string
	// TopLevel leaves out replies to others (self-replies stay: threads).
	TopLevel bool
	// NoReblogs leaves out boosts.
	NoReblogs bool
	// PublicOnly keeps public statuses only (feeds, OpenGraph).
	PublicOnly bool
	// NoEvents leaves out the statuses of events (pages that list events
	// on their own).
	NoEvents bool
	// ViewerID hides what the viewer blocked or muted ("" = anonymous).
	ViewerID string
}

// WebStatuses pages the statuses a WebStatusQuery selects, newest first.
func (s *Storage) WebStatuses(ctx context.Context, in WebStatusQuery, visible StatusFilter, now time.Time, p Page) ([]Entry, error) {
	q := s.statuses().Apply(visible)
	switch {
	case in.AccountID != "" && in.GroupID != "":
		q = q.Where("(s.account_id = ? OR s.group_id = ?)", in.AccountID, in.GroupID)
	case in.AccountID != "":
		q = q.Where("s.account_id = ?", in.AccountID)
	case in.GroupID != "":
		q = q.Where("s.group_id = ?", in.GroupID)
	}
	if in.TopLevel {
		q = q.Where("(s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id)")
	}
	if in.NoReblogs {
		q = q.Where("s.reblog_of_id IS NULL")
	}
	if in.PublicOnly {
		q = q.Where("s.visibility = 'public'")
	}
	if in.NoEvents {
		q = q.Where("s.ap_type <> 'Event'")
	}
	q = hideUnwanted(q, in.ViewerID, now)
	return pageEntries(ctx, q, "s.id", "s.id", p)
}

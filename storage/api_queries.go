package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// Queries the client API needs: batch look-ups for rendering entities,
// relationships, mutes, bookmarks, pins, lists, markers, notifications,
// search and Idempotency-Key replays.

// ---- Batch look-ups for rendering ----

// StatusesByIDs loads statuses (with their Account) by id, in the order
// of ids; missing ids are skipped. Rows come from the row cache when it
// has them (rowcache.go).
func (s *Storage) StatusesByIDs(ctx context.Context, ids []string) ([]model.Status, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	gen, cached := s.syncRowCache(ctx)
	found, missing := map[string]model.Status{}, ids
	if cached {
		found, missing = s.rows.cachedStatuses(ids)
	}
	if len(missing) > 0 {
		var rows []model.Status
		if err := s.DB.NewSelect().Model(&rows).Relation("Account").Where("s.id IN (?)", bun.In(missing)).Scan(ctx); err != nil {
			return nil, err
		}
		if cached {
			s.rows.putStatuses(gen, rows)
			accounts := make([]model.Account, 0, len(rows))
			for _, st := range rows {
				if st.Account != nil {
					accounts = append(accounts, *st.Account)
				}
			}
			s.rows.putAccounts(gen, accounts)
		}
		for _, st := range rows {
			found[st.ID] = st
		}
	}
	var authorIDs []string
	for _, st := range found {
		if st.Account == nil {
			authorIDs = append(authorIDs, st.AccountID)
		}
	}
	authors, err := s.accountsByIDs(ctx, gen, cached, authorIDs)
	if err != nil {
		return nil, err
	}
	out := make([]model.Status, 0, len(found))
	for _, id := range ids {
		st, ok := found[id]
		if !ok {
			continue
		}
		if st.Account == nil {
			a, ok := authors[st.AccountID]
			if !ok {
				continue // the author went with the status
			}
			st.Account = &a
		}
		out = append(out, st)
	}
	return out, nil
}

// AccountsByIDs loads accounts by id, in the order of ids; missing ids
// are skipped. Rows come from the row cache when it has them.
func (s *Storage) AccountsByIDs(ctx context.Context, ids []string) ([]model.Account, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	gen, cached := s.syncRowCache(ctx)
	byID, err := s.accountsByIDs(ctx, gen, cached, ids)
	if err != nil {
		return nil, err
	}
	out := make([]model.Account, 0, len(byID))
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *Storage) accountsByIDs(ctx context.Context, gen uint64, cached bool, ids []string) (map[string]model.Account, error) {
	if len(ids) == 0 {
		return map[string]model.Account{}, nil
	}
	found, missing := map[string]model.Account{}, ids
	if cached {
		found, missing = s.rows.cachedAccounts(ids)
	}
	if len(missing) > 0 {
		var rows []model.Account
		if err := s.DB.NewSelect().Model(&rows).Where("id IN (?)", bun.In(missing)).Scan(ctx); err != nil {
			return nil, err
		}
		if cached {
			s.rows.putAccounts(gen, rows)
		}
		for _, a := range rows {
			found[a.ID] = a
		}
	}
	return found, nil
}

// StatusMentions returns, per status, the accounts it mentions (not the
// silent recipients).
func (s *Storage) StatusMentions(ctx context.Context, statusIDs []string) (map[string][]model.Account, error) {
	out := map[string][]model.Account{}
	if len(statusIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		StatusID  string `bun:"status_id"`
		AccountID string `bun:"account_id"`
	}
	if err := s.DB.NewSelect().TableExpr("status_recipients").Column("status_id", "account_id").
		Where("status_id IN (?)", bun.In(statusIDs)).Where("mentioned = ?", true).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.AccountID)
	}
	accounts, err := s.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]model.Account{}
	for _, a := range accounts {
		byID[a.ID] = a
	}
	for _, r := range rows {
		if a, ok := byID[r.AccountID]; ok {
			out[r.StatusID] = append(out[r.StatusID], a)
		}
	}
	return out, nil
}

// StatusTagNames returns, per status, its hashtag names.
func (s *Storage) StatusTagNames(ctx context.Context, statusIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(statusIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		StatusID string `bun:"status_id"`
		Name     string `bun:"name"`
	}
	err := s.DB.NewSelect().TableExpr("status_tags AS st").Join("JOIN tags AS t ON t.id = st.tag_id").
		ColumnExpr("st.status_id, t.name").Where("st.status_id IN (?)", bun.In(statusIDs)).OrderExpr("t.name").Scan(ctx, &rows)
	for _, r := range rows {
		out[r.StatusID] = append(out[r.StatusID], r.Name)
	}
	return out, err
}

// ViewerFlags are what one person did with statuses.
type ViewerFlags struct {
	Favourited, Reblogged, Bookmarked, Pinned map[string]bool
}

// ViewerFlagsFor returns which of statusIDs viewerID liked, boosted,
// bookmarked and pinned.
func (s *Storage) ViewerFlagsFor(ctx context.Context, viewerID string, statusIDs []string) (ViewerFlags, error) {
	f := ViewerFlags{Favourited: map[string]bool{}, Reblogged: map[string]bool{}, Bookmarked: map[string]bool{}, Pinned: map[string]bool{}}
	if len(statusIDs) == 0 || viewerID == "" {
		return f, nil
	}
	// One statement for the four flags: each branch is an index seek on
	// (account_id, status) — statuses_account_reblog for boosts — so the
	// cost does not grow with what the viewer ever wrote.
	in := bun.In(statusIDs)
	var rows []struct {
		Kind string `bun:"kind"`
		ID   string `bun:"id"`
	}
	err := s.DB.NewRaw(`SELECT 'f' AS kind, status_id AS id FROM favourites WHERE account_id = ? AND status_id IN (?)
UNION ALL SELECT 'b', status_id FROM bookmarks WHERE account_id = ? AND status_id IN (?)
UNION ALL SELECT 'p', status_id FROM status_pins WHERE account_id = ? AND status_id IN (?)
UNION ALL SELECT 'r', reblog_of_id FROM statuses WHERE account_id = ? AND reblog_of_id IN (?)`,
		viewerID, in, viewerID, in, viewerID, in, viewerID, in).Scan(ctx, &rows)
	if err != nil {
		return f, fmt.Errorf("viewer flags: %w", err)
	}
	sets := map[string]map[string]bool{"f": f.Favourited, "b": f.Bookmarked, "p": f.Pinned, "r": f.Reblogged}
	for _, r := range rows {
		sets[r.Kind][r.ID] = true
	}
	return f, nil
}

// ApplicationsByIDs returns client applications by id.
func (s *Storage) ApplicationsByIDs(ctx context.Context, ids []string) (map[string]model.OAuthApplication, error) {
	out := map[string]model.OAuthApplication{}
	if len(ids) == 0 {
		return out, nil
	}
	var apps []model.OAuthApplication
	err := s.DB.NewSelect().Model(&apps).Where("id IN (?)", bun.In(ids)).Scan(ctx)
	for _, a := range apps {
		out[a.ID] = a
	}
	return out, err
}

// SetStatusApplication records which client posted a status.
func (s *Storage) SetStatusApplication(ctx context.Context, statusID, applicationID string) error {
	_, err := s.DB.NewUpdate().Model((*model.Status)(nil)).Set("application_id = ?", applicationID).Where("id = ?", statusID).Exec(ctx)
	return err
}

// StatusByURL finds a status by its id or its web URL.
func (s *Storage) StatusByURL(ctx context.Context, u string) (*model.Status, error) {
	st := new(model.Status)
	err := s.DB.NewSelect().Model(st).Relation("Account").Where("s.uri = ? OR s.url = ?", u, u).
		Where("s.reblog_of_id IS NULL").OrderExpr("s.id").Limit(1).Scan(ctx)
	return st, notFound(err)
}

// AccountByURL finds an account by its id or its profile URL.
func (s *Storage) AccountByURL(ctx context.Context, u string) (*model.Account, error) {
	a := new(model.Account)
	err := s.DB.NewSelect().Model(a).Where("uri = ? OR url = ?", u, u).OrderExpr("id").Limit(1).Scan(ctx)
	return a, notFound(err)
}

// StatusEdit is an earlier version of an edited status.
type StatusEdit struct {
	bun.BaseModel `bun:"table:status_edits"`

	ID          string    `bun:"id,pk"`
	StatusID    string    `bun:"status_id"`
	Content     string    `bun:"content"`
	SpoilerText string    `bun:"spoiler_text"`
	Sensitive   bool      `bun:"sensitive"`
	MediaIDs    []string  `bun:"media_ids,type:text"` // the version's attachments, in order
	CreatedAt   time.Time `bun:"created_at"`
}

// StatusEdits lists the earlier versions of a status, oldest first.
func (s *Storage) StatusEdits(ctx context.Context, statusID string) ([]StatusEdit, error) {
	var out []StatusEdit
	err := s.DB.NewSelect().Model(&out).Where("status_id = ?", statusID).Order("id ASC").Scan(ctx)
	return out, err
}

// ---- Relationships ----

// Relationship is how viewer and another account stand.
type Relationship struct {
	ID                                   string
	Following, Requested, ShowingReblogs bool
	Notifying                            bool
	FollowedBy, RequestedBy              bool
	Blocking, BlockedBy                  bool
	Muting, MutingNotifications          bool
}

// Relationships returns viewerID's relationship with each of ids, in order.
func (s *Storage) Relationships(ctx context.Context, viewerID string, ids []string, now time.Time) ([]Relationship, error) {
	out := make([]Relationship, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	idx := map[string][]int{}
	for i, id := range ids {
		out[i].ID = id
		idx[id] = append(idx[id], i)
	}
	each := func(id string, fn func(r *Relationship)) {
		for _, i := range idx[id] {
			fn(&out[i])
		}
	}
	var follows []model.Follow
	if err := s.DB.NewSelect().Model(&follows).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("account_id = ? AND target_account_id IN (?)", viewerID, bun.In(ids)).
				WhereOr("target_account_id = ? AND account_id IN (?)", viewerID, bun.In(ids))
		}).Scan(ctx); err != nil {
		return nil, err
	}
	for _, f := range follows {
		accepted := f.State == model.FollowAccepted
		if f.AccountID == viewerID {
			each(f.TargetAccountID, func(r *Relationship) {
				r.Following, r.Requested = accepted, !accepted
				r.ShowingReblogs, r.Notifying = f.ShowReblogs, f.Notify
			})
		}
		if f.TargetAccountID == viewerID {
			each(f.AccountID, func(r *Relationship) { r.FollowedBy, r.RequestedBy = accepted, !accepted })
		}
	}
	var blocks []model.Block
	if err := s.DB.NewSelect().Model(&blocks).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("account_id = ? AND target_account_id IN (?)", viewerID, bun.In(ids)).
				WhereOr("target_account_id = ? AND account_id IN (?)", viewerID, bun.In(ids))
		}).Scan(ctx); err != nil {
		return nil, err
	}
	for _, b := range blocks {
		if b.AccountID == viewerID {
			each(b.TargetAccountID, func(r *Relationship) { r.Blocking = true })
		}
		if b.TargetAccountID == viewerID {
			each(b.AccountID, func(r *Relationship) { r.BlockedBy = true })
		}
	}
	var mutes []Mute
	if err := s.DB.NewSelect().Model(&mutes).Where("account_id = ? AND target_account_id IN (?)", viewerID, bun.In(ids)).
		Where("expires_at IS NULL OR expires_at > ?", now).Scan(ctx); err != nil {
		return nil, err
	}
	for _, m := range mutes {
		each(m.TargetAccountID, func(r *Relationship) { r.Muting, r.MutingNotifications = true, m.HideNotifications })
	}
	return out, nil
}

// SetFollowOptions sets whether a follow shows boosts and notifies of
// new posts.
func (s *Storage) SetFollowOptions(ctx context.Context, accountID, targetID string, showReblogs, notify bool) error {
	_, err := s.DB.NewUpdate().Model((*model.Follow)(nil)).Set("show_reblogs = ?, notify = ?", showReblogs, notify).
		Where("account_id = ? AND target_account_id = ?", accountID, targetID).Exec(ctx)
	return err
}

// FollowsPage lists accounts following targetID (followers=true) or
// followed by it, in the given state, paged by the follow.
func (s *Storage) FollowsPage(ctx context.Context, accountID string, followers bool, state string, p Page) ([]Entry, error) {
	q := s.DB.NewSelect().TableExpr("follows AS f").Where("f.state = ?", state)
	item := "f.target_account_id"
	if followers {
		q, item = q.Where("f.target_account_id = ?", accountID), "f.account_id"
	} else {
		q = q.Where("f.account_id = ?", accountID)
	}
	q = q.Where(item + " NOT IN (SELECT id FROM accounts WHERE suspended_at IS NOT NULL)")
	return pageEntries(ctx, q, "f.id", item, p)
}

// BlocksPage lists the accounts accountID blocks, paged by the block.
func (s *Storage) BlocksPage(ctx context.Context, accountID string, p Page) ([]Entry, error) {
	q := s.DB.NewSelect().TableExpr("blocks AS b").Where("b.account_id = ?", accountID)
	return pageEntries(ctx, q, "b.id", "b.target_account_id", p)
}

// MutesPage lists the accounts accountID mutes (and whose mute has not
// expired), paged by the mute.
func (s *Storage) MutesPage(ctx context.Context, accountID string, now time.Time, p Page) ([]Entry, error) {
	q := s.DB.NewSelect().TableExpr("mutes AS m").Where("m.account_id = ?", accountID).
		Where("m.expires_at IS NULL OR m.expires_at > ?", now)
	return pageEntries(ctx, q, "m.id", "m.target_account_id", p)
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

// ---- Mutes ----

// Mute hides an account from someone's timelines and, with
// HideNotifications, from their notifications.
type Mute struct {
	bun.BaseModel `bun:"table:mutes"`

	ID                string     `bun:"id,pk"`
	AccountID         string     `bun:"account_id"`
	TargetAccountID   string     `bun:"target_account_id"`
	HideNotifications bool       `bun:"hide_notifications"`
	ExpiresAt         *time.Time `bun:"expires_at"`
	CreatedAt         time.Time  `bun:"created_at"`
}

// UpsertMute stores a mute, or updates its options.
func (s *Storage) UpsertMute(ctx context.Context, m *Mute) error {
	_, err := s.DB.NewInsert().Model(m).On("CONFLICT (account_id, target_account_id) DO UPDATE").
		Set("hide_notifications = EXCLUDED.hide_notifications, expires_at = EXCLUDED.expires_at").Exec(ctx)
	return err
}

// DeleteMute lifts a mute.
func (s *Storage) DeleteMute(ctx context.Context, accountID, targetID string) error {
	_, err := s.DB.NewDelete().Model((*Mute)(nil)).Where("account_id = ? AND target_account_id = ?", accountID, targetID).Exec(ctx)
	return err
}

// ---- Bookmarks and pins ----

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

// ---- Lists ----

// List is a person's list of accounts, with its own timeline.
type List struct {
	bun.BaseModel `bun:"table:lists"`

	ID            string    `bun:"id,pk"`
	AccountID     string    `bun:"account_id"`
	Title         string    `bun:"title"`
	RepliesPolicy string    `bun:"replies_policy"`
	Exclusive     bool      `bun:"exclusive"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

func (s *Storage) CreateList(ctx context.Context, l *List) error {
	_, err := s.DB.NewInsert().Model(l).Exec(ctx)
	return err
}

func (s *Storage) UpdateList(ctx context.Context, l *List) error {
	_, err := s.DB.NewUpdate().Model(l).WherePK().Exec(ctx)
	return err
}

func (s *Storage) DeleteList(ctx context.Context, id string) error {
	_, err := s.DB.NewDelete().Model((*List)(nil)).Where("id = ?", id).Exec(ctx)
	return err
}

// ListByID returns a list owned by ownerID (ErrNotFound otherwise).
func (s *Storage) ListByID(ctx context.Context, ownerID, id string) (*List, error) {
	l := new(List)
	err := s.DB.NewSelect().Model(l).Where("id = ? AND account_id = ?", id, ownerID).Scan(ctx)
	return l, notFound(err)
}

// Lists returns ownerID's lists, oldest first; with memberID, only the
// lists containing that account.
func (s *Storage) Lists(ctx context.Context, ownerID, memberID string) ([]List, error) {
	var out []List
	q := s.DB.NewSelect().Model(&out).Where("account_id = ?", ownerID).Order("id ASC")
	if memberID != "" {
		q = q.Where("id IN (SELECT list_id FROM list_accounts WHERE account_id = ?)", memberID)
	}
	err := q.Scan(ctx)
	return out, err
}

// AddListAccounts adds accounts to a list (idempotent).
func (s *Storage) AddListAccounts(ctx context.Context, listID string, accountIDs []string, now time.Time) error {
	return s.InTx(ctx, func(tx bun.Tx) error {
		for _, id := range accountIDs {
			row := map[string]any{"id": model.NewID(now), "list_id": listID, "account_id": id, "created_at": now}
			if _, err := tx.NewInsert().Model(&row).TableExpr("list_accounts").On("CONFLICT (list_id, account_id) DO NOTHING").Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// RemoveListAccounts removes accounts from a list.
func (s *Storage) RemoveListAccounts(ctx context.Context, listID string, accountIDs []string) error {
	if len(accountIDs) == 0 {
		return nil
	}
	_, err := s.DB.NewDelete().TableExpr("list_accounts").Where("list_id = ? AND account_id IN (?)", listID, bun.In(accountIDs)).Exec(ctx)
	return err
}

// ListAccountsPage lists a list's members, paged by membership.
func (s *Storage) ListAccountsPage(ctx context.Context, listID string, p Page) ([]Entry, error) {
	q := s.DB.NewSelect().TableExpr("list_accounts AS la").Where("la.list_id = ?", listID)
	return pageEntries(ctx, q, "la.id", "la.account_id", p)
}

// ---- Markers ----

// Marker is a reading position a client saves.
type Marker struct {
	bun.BaseModel `bun:"table:markers,alias:markers"`

	AccountID  string    `bun:"account_id,pk"`
	Timeline   string    `bun:"timeline,pk"`
	LastReadID string    `bun:"last_read_id"`
	Version    int       `bun:"version"`
	UpdatedAt  time.Time `bun:"updated_at"`
}

// Markers returns accountID's markers for the given timelines.
func (s *Storage) Markers(ctx context.Context, accountID string, timelines []string) ([]Marker, error) {
	var out []Marker
	if len(timelines) == 0 {
		return out, nil
	}
	err := s.DB.NewSelect().Model(&out).Where("account_id = ? AND timeline IN (?)", accountID, bun.In(timelines)).Scan(ctx)
	return out, err
}

// SetMarker saves a reading position, bumping its version.
func (s *Storage) SetMarker(ctx context.Context, accountID, timeline, lastReadID string, now time.Time) (*Marker, error) {
	m := &Marker{AccountID: accountID, Timeline: timeline, LastReadID: lastReadID, Version: 1, UpdatedAt: now}
	err := s.DB.NewInsert().Model(m).On("CONFLICT (account_id, timeline) DO UPDATE").
		Set("last_read_id = EXCLUDED.last_read_id, updated_at = EXCLUDED.updated_at, version = markers.version + 1").
		Returning("version").Scan(ctx, &m.Version)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// ---- Conversations ----

// ConversationState is what one participant did with a conversation.
type ConversationState struct {
	bun.BaseModel `bun:"table:conversation_states"`

	AccountID     string `bun:"account_id,pk"`
	ThreadID      string `bun:"thread_id,pk"`
	LastReadID    string `bun:"last_read_id"`
	HiddenUntilID string `bun:"hidden_until_id"`
}

// ConversationStates returns accountID's state of each thread.
func (s *Storage) ConversationStates(ctx context.Context, accountID string, threadIDs []string) (map[string]ConversationState, error) {
	out := map[string]ConversationState{}
	if len(threadIDs) == 0 {
		return out, nil
	}
	var rows []ConversationState
	err := s.DB.NewSelect().Model(&rows).Where("account_id = ? AND thread_id IN (?)", accountID, bun.In(threadIDs)).Scan(ctx)
	for _, r := range rows {
		out[r.ThreadID] = r
	}
	return out, err
}

// MarkConversation records that accountID read (or hid) a thread up to
// statusID.
func (s *Storage) MarkConversation(ctx context.Context, accountID, threadID, statusID string, hide bool) error {
	row := &ConversationState{AccountID: accountID, ThreadID: threadID, LastReadID: statusID}
	set := "last_read_id = EXCLUDED.last_read_id"
	if hide {
		row.HiddenUntilID = statusID
		set += ", hidden_until_id = EXCLUDED.hidden_until_id"
	}
	_, err := s.DB.NewInsert().Model(row).On("CONFLICT (account_id, thread_id) DO UPDATE").Set(set).Exec(ctx)
	return err
}

// ---- Notifications ----

// NotificationFilter narrows a notifications page.
type NotificationFilter struct {
	// Types keeps only these types; empty keeps every type except
	// those starting with ExcludePrefix.
	Types, ExcludeTypes []string
	// ExcludePrefix hides types with this prefix unless Types names them
	// (Coopol's own kinds, which Mastodon clients do not know).
	ExcludePrefix string
	FromAccountID string
}

func (f NotificationFilter) apply(q *bun.SelectQuery, accountID string, now time.Time) *bun.SelectQuery {
	q = q.Where("n.account_id = ?", accountID)
	if len(f.Types) > 0 {
		q = q.Where("n.type IN (?)", bun.In(f.Types))
	} else if f.ExcludePrefix != "" {
		q = q.Where("n.type NOT LIKE ?", escapeLike(f.ExcludePrefix)+"%")
	}
	if len(f.ExcludeTypes) > 0 {
		q = q.Where("n.type NOT IN (?)", bun.In(f.ExcludeTypes))
	}
	if f.FromAccountID != "" {
		q = q.Where("n.from_account_id = ?", f.FromAccountID)
	}
	// Blocked accounts and muted ones (when the mute hides notifications)
	// stay silent.
	return q.Where("(n.from_account_id IS NULL OR n.from_account_id NOT IN (SELECT target_account_id FROM blocks WHERE account_id = ?))", accountID).
		Where("(n.from_account_id IS NULL OR n.from_account_id NOT IN (SELECT target_account_id FROM mutes WHERE account_id = ? AND hide_notifications = ? AND (expires_at IS NULL OR expires_at > ?)))", accountID, true, now)
}

// NotificationsPage lists accountID's notifications, newest first.
func (s *Storage) NotificationsPage(ctx context.Context, accountID string, f NotificationFilter, now time.Time, p Page) ([]Entry, error) {
	q := f.apply(s.DB.NewSelect().TableExpr("notifications AS n"), accountID, now)
	return pageEntries(ctx, q, "n.id", "n.id", p)
}

// NotificationsByIDs loads notifications by id, in order.
func (s *Storage) NotificationsByIDs(ctx context.Context, ids []string) ([]model.Notification, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []model.Notification
	if err := s.DB.NewSelect().Model(&rows).Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	byID := map[string]model.Notification{}
	for _, n := range rows {
		byID[n.ID] = n
	}
	out := make([]model.Notification, 0, len(rows))
	for _, id := range ids {
		if n, ok := byID[id]; ok {
			out = append(out, n)
		}
	}
	return out, nil
}

// Notification returns one of accountID's notifications.
func (s *Storage) Notification(ctx context.Context, accountID, id string) (*model.Notification, error) {
	n := new(model.Notification)
	err := s.DB.NewSelect().Model(n).Where("id = ? AND account_id = ?", id, accountID).Scan(ctx)
	return n, notFound(err)
}

// DeleteNotification dismisses one of accountID's notifications.
func (s *Storage) DeleteNotification(ctx context.Context, accountID, id string) error {
	_, err := s.DB.NewDelete().Model((*model.Notification)(nil)).Where("id = ? AND account_id = ?", id, accountID).Exec(ctx)
	return err
}

// ClearNotifications dismisses all of accountID's notifications.
func (s *Storage) ClearNotifications(ctx context.Context, accountID string) error {
	_, err := s.DB.NewDelete().Model((*model.Notification)(nil)).Where("account_id = ?", accountID).Exec(ctx)
	return err
}

// CountNotificationsAfter counts accountID's notifications newer than
// afterID, up to limit.
func (s *Storage) CountNotificationsAfter(ctx context.Context, accountID, afterID string, f NotificationFilter, now time.Time, limit int) (int, error) {
	inner := f.apply(s.DB.NewSelect().TableExpr("notifications AS n").Column("n.id"), accountID, now).
		Where("n.id > ?", afterID).Limit(int64(limit))
	n, err := s.DB.NewSelect().TableExpr("(?) AS u", inner).Count(ctx)
	return int(n), err
}

// ---- Search ----

// escapeLike escapes LIKE wildcards; patterns use ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// AccountSearch is an account search.
type AccountSearch struct {
	// Prefix matches the start of the username or display name.
	Prefix string
	// Domain, when set, keeps accounts of that domain ("" = any; use
	// LocalOnly for local accounts).
	Domain    string
	LocalOnly bool
	// ViewerID is who searches: besides discoverable accounts, they find
	// the accounts they follow and themselves. FollowingOnly keeps only
	// those they follow.
	ViewerID      string
	FollowingOnly bool
	Limit, Offset int
}

// SearchAccounts finds people and groups by name prefix. Only accounts
// that chose to be discoverable, or that the viewer follows, are found
// by a partial name: a party's member list must not be enumerable by
// searching "a", "b", "c"…
func (s *Storage) SearchAccounts(ctx context.Context, in AccountSearch) ([]model.Account, error) {
	var out []model.Account
	prefix := escapeLike(strings.ToLower(in.Prefix)) + "%"
	q := s.DB.NewSelect().Model(&out).
		Where("suspended_at IS NULL").
		Where("actor_type IN ('Person', 'Group', 'Service', 'Organization')").
		Where(`(lower(username) LIKE ? ESCAPE '\' OR lower(display_name) LIKE ? ESCAPE '\')`, prefix, prefix)
	following := "id IN (SELECT target_account_id FROM follows WHERE account_id = ? AND state = 'accepted')"
	if in.FollowingOnly {
		q = q.Where(following, in.ViewerID)
	} else {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("discoverable = ?", true).WhereOr(following, in.ViewerID).WhereOr("id = ?", in.ViewerID)
		})
	}
	if in.LocalOnly {
		q = q.Where("domain = ''")
	} else if in.Domain != "" {
		q = q.Where("domain = ?", strings.ToLower(in.Domain))
	}
	q = q.Where("id NOT IN (SELECT target_account_id FROM blocks WHERE account_id = ?)", in.ViewerID).
		Where("id NOT IN (SELECT account_id FROM blocks WHERE target_account_id = ?)", in.ViewerID).
		OrderExpr("CASE WHEN lower(username) = ? THEN 0 ELSE 1 END, domain, lower(username)", strings.ToLower(in.Prefix)).
		Limit(int64(in.Limit)).Offset(int64(in.Offset))
	err := q.Scan(ctx)
	return out, err
}

// SearchTags finds hashtags by name prefix.
func (s *Storage) SearchTags(ctx context.Context, prefix string, limit, offset int) ([]model.Tag, error) {
	var out []model.Tag
	err := s.DB.NewSelect().Model(&out).Where(`lower(name) LIKE ? ESCAPE '\'`, escapeLike(strings.ToLower(prefix))+"%").
		OrderExpr("lower(name)").Limit(int64(limit)).Offset(int64(offset)).Scan(ctx)
	return out, err
}

// TagByName finds a hashtag (case-insensitively).
func (s *Storage) TagByName(ctx context.Context, name string) (*model.Tag, error) {
	t := new(model.Tag)
	err := s.DB.NewSelect().Model(t).Where("lower(name) = ?", strings.ToLower(name)).Scan(ctx)
	return t, notFound(err)
}

// ---- Idempotency keys ----

// ErrKeyInFlight means another request with the same Idempotency-Key is
// still running.
var ErrKeyInFlight = errors.New("idempotency key in use")

// ReserveIdempotencyKey claims key for accountID. It returns the id of
// the status an earlier request with this key created within window
// (replay), "" when the caller now holds the key and should create the
// status, or ErrKeyInFlight.
func (s *Storage) ReserveIdempotencyKey(ctx context.Context, accountID, key string, now time.Time, window time.Duration) (string, error) {
	var replay string
	err := s.InTx(ctx, func(tx bun.Tx) error {
		var row struct {
			StatusID  sql.NullString `bun:"status_id"`
			CreatedAt time.Time      `bun:"created_at"`
		}
		err := tx.NewSelect().TableExpr("idempotency_keys").Column("status_id", "created_at").
			Where("account_id = ? AND idem_key = ?", accountID, key).Scan(ctx, &row)
		switch {
		case err == nil && now.Sub(row.CreatedAt) < window:
			if !row.StatusID.Valid {
				return ErrKeyInFlight
			}
			replay = row.StatusID.String
			return nil
		case err == nil: // expired: reuse the key
			if _, err := tx.NewDelete().TableExpr("idempotency_keys").Where("account_id = ? AND idem_key = ?", accountID, key).Exec(ctx); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.NewInsert().Model(&map[string]any{"account_id": accountID, "idem_key": key, "status_id": nil, "created_at": now}).
			TableExpr("idempotency_keys").Exec(ctx)
		if IsUniqueViolation(err) {
			return ErrKeyInFlight
		}
		return err
	})
	if err != nil {
		return "", err
	}
	// Old keys are of no use: drop them in passing.
	if _, err := s.DB.NewDelete().TableExpr("idempotency_keys").Where("created_at < ?", now.Add(-window)).Exec(ctx); err != nil {
		return replay, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return replay, nil
}

// CompleteIdempotencyKey records the status created under key.
func (s *Storage) CompleteIdempotencyKey(ctx context.Context, accountID, key, statusID string) error {
	_, err := s.DB.NewUpdate().TableExpr("idempotency_keys").Set("status_id = ?", statusID).
		Where("account_id = ? AND idem_key = ?", accountID, key).Exec(ctx)
	return err
}

// ReleaseIdempotencyKey frees a key whose request failed.
func (s *Storage) ReleaseIdempotencyKey(ctx context.Context, accountID, key string) error {
	_, err := s.DB.NewDelete().TableExpr("idempotency_keys").Where("account_id = ? AND idem_key = ? AND status_id IS NULL", accountID, key).Exec(ctx)
	return err
}

// ---- Profile sources ----

// AccountSource is the plain text of a local profile.
type AccountSource struct {
	bun.BaseModel `bun:"table:account_sources"`

	AccountID string        `bun:"account_id,pk"`
	Note      string        `bun:"note"`
	Fields    []model.Field `bun:"fields,type:text"`
	UpdatedAt time.Time     `bun:"updated_at"`
}

// AccountSourceOf returns the profile source of an account (ErrNotFound
// when the profile was never edited through the API).
func (s *Storage) AccountSourceOf(ctx context.Context, accountID string) (*AccountSource, error) {
	src := new(AccountSource)
	err := s.DB.NewSelect().Model(src).Where("account_id = ?", accountID).Scan(ctx)
	return src, notFound(err)
}

// UpdateProfile writes a local account's profile and its source together.
func (s *Storage) UpdateProfile(ctx context.Context, db bun.IDB, a *model.Account, src *AccountSource) error {
	if _, err := db.NewUpdate().Model(a).Column("display_name", "note", "fields", "locked", "bot", "discoverable", "indexable", "updated_at",
		"avatar_media_id", "avatar_remote_url", "header_media_id", "header_remote_url").
		WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update profile: %w", err)
	}
	_, err := db.NewInsert().Model(src).On("CONFLICT (account_id) DO UPDATE").
		Set("note = EXCLUDED.note, fields = EXCLUDED.fields, updated_at = EXCLUDED.updated_at").Exec(ctx)
	return err
}

// SetUserDefaultVisibility changes the visibility a person's posts get
// when a client does not say.
func (s *Storage) SetUserDefaultVisibility(ctx context.Context, userID, visibility string, now time.Time) error {
	_, err := s.DB.NewUpdate().Model((*model.User)(nil)).Set("default_visibility = ?, updated_at = ?", visibility, now).
		Where("id = ?", userID).Exec(ctx)
	return err
}

// CountFollowRequests counts the pending follow requests of accountID.
func (s *Storage) CountFollowRequests(ctx context.Context, accountID string) (int, error) {
	n, err := s.DB.NewSelect().Model((*model.Follow)(nil)).Where("target_account_id = ? AND state = ?", accountID, model.FollowPending).Count(ctx)
	return int(n), err
}

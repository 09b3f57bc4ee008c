package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// InsertStatus stores a status with its recipients and tags.
func (s *Storage) InsertStatus(ctx context.Context, db bun.IDB, st *model.Status, recipients []model.StatusRecipient, tags []string) error {
	if _, err := db.NewInsert().Model(st).Exec(ctx); err != nil {
		return fmt.Errorf("insert status: %w", err)
	}
	return s.setStatusLinks(ctx, db, st, recipients, tags)
}

func (s *Storage) setStatusLinks(ctx context.Context, db bun.IDB, st *model.Status, recipients []model.StatusRecipient, tags []string) error {
	for i := range recipients {
		recipients[i].StatusID = st.ID
	}
	if len(recipients) > 0 {
		if _, err := db.NewInsert().Model(&recipients).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("insert recipients: %w", err)
		}
	}
	for _, name := range tags {
		tag := &model.Tag{ID: model.NewID(st.CreatedAt), Name: name, CreatedAt: st.CreatedAt}
		if _, err := db.NewInsert().Model(tag).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("insert tag: %w", err)
		}
		var tagID string
		if err := db.NewSelect().Model((*model.Tag)(nil)).Column("id").Where("lower(name) = ?", strings.ToLower(name)).Scan(ctx, &tagID); err != nil {
			return fmt.Errorf("find tag: %w", err)
		}
		if _, err := db.NewInsert().Model(&model.StatusTag{StatusID: st.ID, TagID: tagID}).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("tag status: %w", err)
		}
	}
	return nil
}

// UpdateStatusContent rewrites an edited status, keeping the previous
// version in status_edits, and replaces its recipients and tags.
func (s *Storage) UpdateStatusContent(ctx context.Context, db bun.IDB, st *model.Status, previous *model.Status, recipients []model.StatusRecipient, tags []string, previousMediaIDs ...string) error {
	if previousMediaIDs == nil {
		previousMediaIDs = []string{}
	}
	mediaIDs, err := json.Marshal(previousMediaIDs)
	if err != nil {
		return err
	}
	edit := map[string]any{
		"id": model.NewID(st.UpdatedAt), "status_id": st.ID, "content": previous.Content,
		"spoiler_text": previous.SpoilerText, "sensitive": previous.Sensitive, "created_at": previous.UpdatedAt,
		"media_ids": string(mediaIDs),
	}
	if _, err := db.NewInsert().Model(&edit).TableExpr("status_edits").Exec(ctx); err != nil {
		return fmt.Errorf("keep edit: %w", err)
	}
	if _, err := db.NewUpdate().Model(st).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update status: %w", err)
	}
	if _, err := db.NewDelete().Model((*model.StatusRecipient)(nil)).Where("status_id = ?", st.ID).Exec(ctx); err != nil {
		return err
	}
	if _, err := db.NewDelete().Model((*model.StatusTag)(nil)).Where("status_id = ?", st.ID).Exec(ctx); err != nil {
		return err
	}
	return s.setStatusLinks(ctx, db, st, recipients, tags)
}

func (s *Storage) StatusByID(ctx context.Context, id string) (*model.Status, error) {
	st := new(model.Status)
	err := s.DB.NewSelect().Model(st).Relation("Account").Where("s.id = ?", id).Scan(ctx)
	return st, notFound(err)
}

func (s *Storage) StatusByURI(ctx context.Context, uri string) (*model.Status, error) {
	st := new(model.Status)
	err := s.DB.NewSelect().Model(st).Relation("Account").Where("s.uri = ?", uri).Scan(ctx)
	return st, notFound(err)
}

// Reblog returns accountID's boost of statusID.
func (s *Storage) Reblog(ctx context.Context, accountID, statusID string) (*model.Status, error) {
	st := new(model.Status)
	err := s.DB.NewSelect().Model(st).Relation("Account").Where("s.account_id = ? AND s.reblog_of_id = ?", accountID, statusID).Limit(1).Scan(ctx)
	return st, notFound(err)
}

// DeleteStatus removes a status (its boosts, recipients, tags and
// favourites go with it through foreign keys).
func (s *Storage) DeleteStatus(ctx context.Context, db bun.IDB, id string) error {
	_, err := db.NewDelete().Model((*model.Status)(nil)).Where("id = ?", id).Exec(ctx)
	return err
}

// StatusRecipients lists the accounts a status is addressed to.
func (s *Storage) StatusRecipients(ctx context.Context, statusID string) ([]model.Account, error) {
	var out []model.Account
	err := s.DB.NewSelect().Model(&out).Where("id IN (SELECT account_id FROM status_recipients WHERE status_id = ?)", statusID).Scan(ctx)
	return out, err
}

// IsRecipient reports whether accountID is addressed by statusID.
func (s *Storage) IsRecipient(ctx context.Context, statusID, accountID string) (bool, error) {
	return s.DB.NewSelect().Model((*model.StatusRecipient)(nil)).Where("status_id = ? AND account_id = ?", statusID, accountID).Exists(ctx)
}

// StatusTags returns the tag names of a status.
func (s *Storage) StatusTags(ctx context.Context, statusID string) ([]string, error) {
	var names []string
	err := s.DB.NewSelect().Model((*model.Tag)(nil)).Column("name").
		Where("id IN (SELECT tag_id FROM status_tags WHERE status_id = ?)", statusID).Order("name").Scan(ctx, &names)
	return names, err
}

// AdjustCount adds delta to one of a status's counters.
func (s *Storage) AdjustCount(ctx context.Context, db bun.IDB, statusID, column string, delta int) error {
	switch column {
	case "replies_count", "reblogs_count", "favourites_count":
	default:
		return fmt.Errorf("unknown counter %q", column)
	}
	_, err := db.NewUpdate().Model((*model.Status)(nil)).
		Set("? = CASE WHEN ? + ? < 0 THEN 0 ELSE ? + ? END", bun.Ident(column), bun.Ident(column), delta, bun.Ident(column), delta).
		Where("id = ?", statusID).Exec(ctx)
	return err
}

// AccountStatuses lists an account's statuses, newest first, for the
// outbox; public and unlisted only unless includePrivate.
func (s *Storage) AccountStatuses(ctx context.Context, accountID string, visibilities []string, maxID string, limit int) ([]model.Status, error) {
	var out []model.Status
	q := s.DB.NewSelect().Model(&out).Relation("Account").Where("s.account_id = ?", accountID).
		Where("s.visibility IN (?)", bun.In(visibilities)).Order("s.id DESC").Limit(int64(limit))
	if maxID != "" {
		q.Where("s.id < ?", maxID)
	}
	err := q.Scan(ctx)
	return out, err
}

// CountStatuses counts an account's statuses of the given visibilities.
func (s *Storage) CountStatuses(ctx context.Context, accountID string, visibilities []string) (int, error) {
	n, err := s.DB.NewSelect().Model((*model.Status)(nil)).Where("account_id = ?", accountID).Where("visibility IN (?)", bun.In(visibilities)).Count(ctx)
	return int(n), err
}

// Favourite returns accountID's like of statusID.
func (s *Storage) Favourite(ctx context.Context, accountID, statusID string) (*model.Favourite, error) {
	f := new(model.Favourite)
	err := s.DB.NewSelect().Model(f).Where("account_id = ? AND status_id = ?", accountID, statusID).Scan(ctx)
	return f, notFound(err)
}

// InsertFavourite stores a like; false if it already existed.
func (s *Storage) InsertFavourite(ctx context.Context, db bun.IDB, f *model.Favourite) (bool, error) {
	res, err := db.NewInsert().Model(f).On("CONFLICT (account_id, status_id) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteFavourite removes a like; false if there was none.
func (s *Storage) DeleteFavourite(ctx context.Context, db bun.IDB, accountID, statusID string) (bool, error) {
	res, err := db.NewDelete().Model((*model.Favourite)(nil)).Where("account_id = ? AND status_id = ?", accountID, statusID).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// InsertNotification stores a notification.
func (s *Storage) InsertNotification(ctx context.Context, db bun.IDB, n *model.Notification) error {
	_, err := db.NewInsert().Model(n).Exec(ctx)
	return err
}

// Notifications lists an account's notifications, newest first.
func (s *Storage) Notifications(ctx context.Context, accountID string, limit int) ([]model.Notification, error) {
	var out []model.Notification
	err := s.DB.NewSelect().Model(&out).Where("account_id = ?", accountID).Order("id DESC").Limit(int64(limit)).Scan(ctx)
	return out, err
}

// LockStatusEditedAt locks a status row for the rest of tx (PostgreSQL;
// SQLite transactions are exclusive already) and returns its edited_at.
func (s *Storage) LockStatusEditedAt(ctx context.Context, tx bun.Tx, id string) (*time.Time, error) {
	var editedAt []*time.Time
	q := tx.NewSelect().Model((*model.Status)(nil)).Column("edited_at").Where("id = ?", id)
	if s.Type == "postgres" {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx, &editedAt); err != nil {
		return nil, err
	}
	if len(editedAt) == 0 {
		return nil, nil
	}
	return editedAt[0], nil
}

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

// StatusMentions returns, per status, the accounts it mentions (not the
// silent recipients).
func (s *Storage) StatusMentions(ctx context.Context, statusIDs []string) (map[string][]model.Account, error) {
	rows, err := s.mentionRows(ctx, statusIDs)
	if err != nil {
		return nil, err
	}
	return s.mentionedAccounts(ctx, rows)
}

type mentionRow struct {
	StatusID  string `bun:"status_id"`
	AccountID string `bun:"account_id"`
}

// mentionRows lists who statusIDs mention, by status then account.
func (s *Storage) mentionRows(ctx context.Context, statusIDs []string) ([]mentionRow, error) {
	if len(statusIDs) == 0 {
		return nil, nil
	}
	var rows []mentionRow
	if err := s.DB.NewSelect().TableExpr("status_recipients").Column("status_id", "account_id").
		Where("status_id IN (?)", bun.In(statusIDs)).Where("mentioned = ?", true).OrderExpr("status_id, account_id").
		Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("mentions of statuses: %w", err)
	}
	return rows, nil
}

// mentionedAccounts loads the accounts of rows, per status.
func (s *Storage) mentionedAccounts(ctx context.Context, rows []mentionRow) (map[string][]model.Account, error) {
	out := map[string][]model.Account{}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.AccountID)
	}
	accounts, err := s.AccountsByIDs(ctx, uniqueStrings(ids))
	if err != nil {
		return nil, fmt.Errorf("mentioned accounts: %w", err)
	}
	byID := make(map[string]model.Account, len(accounts))
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

package storage

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// CreateGroup stores a Group actor and its group row together.
func (s *Storage) CreateGroup(ctx context.Context, account *model.Account, group *model.Group) error {
	return s.InTx(ctx, func(tx bun.Tx) error {
		if err := s.InsertAccount(ctx, tx, account); err != nil {
			return err
		}
		group.AccountID = account.ID
		if _, err := tx.NewInsert().Model(group).Exec(ctx); err != nil {
			return fmt.Errorf("insert group: %w", err)
		}
		return nil
	})
}

// GroupByAccountID returns the group row of a Group actor.
func (s *Storage) GroupByAccountID(ctx context.Context, accountID string) (*model.Group, error) {
	g := new(model.Group)
	err := s.DB.NewSelect().Model(g).Where("account_id = ?", accountID).Scan(ctx)
	return g, notFound(err)
}

// IsMember reports an accepted membership.
func (s *Storage) IsMember(ctx context.Context, groupID, accountID string) (bool, error) {
	return s.DB.NewSelect().Model((*model.Membership)(nil)).
		Where("group_account_id = ? AND account_id = ? AND state = 'accepted'", groupID, accountID).Exists(ctx)
}

// MemberInboxes returns the delivery inboxes of a group's accepted remote
// members.
func (s *Storage) MemberInboxes(ctx context.Context, db bun.IDB, groupID string) ([]string, error) {
	var inboxes []string
	err := db.NewSelect().Model((*model.Account)(nil)).
		ColumnExpr("DISTINCT CASE WHEN shared_inbox_uri <> '' THEN shared_inbox_uri ELSE inbox_uri END").
		Where("domain <> ''").
		Where("id IN (SELECT account_id FROM memberships WHERE group_account_id = ? AND state = 'accepted')", groupID).
		Scan(ctx, &inboxes)
	return inboxes, err
}

// CountMembers counts accepted members of a group.
func (s *Storage) CountMembers(ctx context.Context, groupID string) (int, error) {
	n, err := s.DB.NewSelect().Model((*model.Membership)(nil)).Where("group_account_id = ? AND state = 'accepted'", groupID).Count(ctx)
	return int(n), err
}

// Membership states and roles.
const (
	MemberPending  = "pending"
	MemberInvited  = "invited"
	MemberAccepted = "accepted"
)

// Membership returns accountID's membership of groupID.
func (s *Storage) Membership(ctx context.Context, groupID, accountID string) (*model.Membership, error) {
	m := new(model.Membership)
	err := s.DB.NewSelect().Model(m).Where("group_account_id = ? AND account_id = ?", groupID, accountID).Scan(ctx)
	return m, notFound(err)
}

// MembershipByURI finds a membership by its Join activity id.
func (s *Storage) MembershipByURI(ctx context.Context, uri string) (*model.Membership, error) {
	m := new(model.Membership)
	err := s.DB.NewSelect().Model(m).Where("uri = ?", uri).Limit(1).Scan(ctx)
	return m, notFound(err)
}

// UpsertMembership inserts or updates (state, role, uri) a membership.
func (s *Storage) UpsertMembership(ctx context.Context, db bun.IDB, m *model.Membership) error {
	_, err := db.NewInsert().Model(m).
		On("CONFLICT (group_account_id, account_id) DO UPDATE").
		Set("state = EXCLUDED.state, role = EXCLUDED.role, uri = EXCLUDED.uri, accept_uri = EXCLUDED.accept_uri, section_status = EXCLUDED.section_status, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("upsert membership: %w", err)
	}
	return nil
}

// DeleteMembership removes a membership; false if there was none.
func (s *Storage) DeleteMembership(ctx context.Context, db bun.IDB, groupID, accountID string) (bool, error) {
	res, err := db.NewDelete().Model((*model.Membership)(nil)).Where("group_account_id = ? AND account_id = ?", groupID, accountID).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Members lists a group's memberships in a state, oldest first.
func (s *Storage) Members(ctx context.Context, groupID, state string) ([]model.Membership, []model.Account, error) {
	var ms []model.Membership
	if err := s.DB.NewSelect().Model(&ms).Where("group_account_id = ? AND state = ?", groupID, state).Order("created_at", "id").Scan(ctx); err != nil {
		return nil, nil, err
	}
	accounts := make([]model.Account, 0, len(ms))
	for _, m := range ms {
		a, err := s.AccountByID(ctx, m.AccountID)
		if err != nil {
			return nil, nil, err
		}
		accounts = append(accounts, *a)
	}
	return ms, accounts, nil
}

// GroupModerators lists the local accounts that may manage a group.
func (s *Storage) GroupModerators(ctx context.Context, groupID string) ([]model.Account, error) {
	var out []model.Account
	err := s.DB.NewSelect().Model(&out).
		Where("id IN (SELECT account_id FROM memberships WHERE group_account_id = ? AND state = 'accepted' AND role IN ('creator', 'admin', 'moderator'))", groupID).
		Where("domain = ''").Order("id").Scan(ctx)
	return out, err
}

// GroupByMembersURI finds a group (local or remote) by its members
// collection, to recognise members-only addressing.
func (s *Storage) GroupByMembersURI(ctx context.Context, uri string) (*model.Account, error) {
	a := new(model.Account)
	err := s.DB.NewSelect().Model(a).Where("members_uri = ? AND actor_type = 'Group'", uri).Limit(1).Scan(ctx)
	return a, notFound(err)
}

// LocalMembers lists the local accounts with an accepted membership.
func (s *Storage) LocalMembers(ctx context.Context, groupID string) ([]model.Account, error) {
	var out []model.Account
	err := s.DB.NewSelect().Model(&out).
		Where("id IN (SELECT account_id FROM memberships WHERE group_account_id = ? AND state = 'accepted')", groupID).
		Where("domain = ''").Order("id").Scan(ctx)
	return out, err
}

// ListGroups lists groups (local first), for directories.
func (s *Storage) ListGroups(ctx context.Context, localOnly bool) ([]model.Account, error) {
	var out []model.Account
	q := s.DB.NewSelect().Model(&out).Where("actor_type = 'Group'").Where("suspended_at IS NULL").Order("domain", "username")
	if localOnly {
		q.Where("domain = ''")
	}
	err := q.Scan(ctx)
	return out, err
}

// GroupsOf lists the groups accountID belongs to (accepted).
func (s *Storage) GroupsOf(ctx context.Context, accountID string) ([]model.Account, error) {
	var out []model.Account
	err := s.DB.NewSelect().Model(&out).
		Where("id IN (SELECT group_account_id FROM memberships WHERE account_id = ? AND state = 'accepted')", accountID).
		Order("username").Scan(ctx)
	return out, err
}

// GroupTimeline lists a group's posts the viewer may see, newest first.
func (s *Storage) GroupTimeline(ctx context.Context, groupID string, visible StatusFilter, p Page) ([]Entry, error) {
	q := s.statuses().Where("s.group_id = ?", groupID).Where("s.reblog_of_id IS NULL").Apply(visible)
	return pageEntries(ctx, q, "s.id", "s.id", p)
}

// WebGroupsByAccountIDs returns the group rows of Group actors, by id.
func (s *Storage) WebGroupsByAccountIDs(ctx context.Context, ids []string) (map[string]model.Group, error) {
	out := map[string]model.Group{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []model.Group
	err := s.DB.NewSelect().Model(&rows).Where("account_id IN (?)", bun.In(ids)).Scan(ctx)
	for _, g := range rows {
		out[g.AccountID] = g
	}
	return out, err
}

// WebMembershipsOf returns accountID's memberships (any state) of the groups
// ids, by group id.
func (s *Storage) WebMembershipsOf(ctx context.Context, accountID string, groupIDs []string) (map[string]model.Membership, error) {
	out := map[string]model.Membership{}
	if len(groupIDs) == 0 || accountID == "" {
		return out, nil
	}
	var rows []model.Membership
	err := s.DB.NewSelect().Model(&rows).Where("account_id = ?", accountID).Where("group_account_id IN (?)", bun.In(groupIDs)).Scan(ctx)
	for _, m := range rows {
		out[m.GroupAccountID] = m
	}
	return out, err
}

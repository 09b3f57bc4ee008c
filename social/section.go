package social

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// The section's membership follows from who people are on the instance,
// here and nowhere else: staff (admin, moderator) are the section's
// admins and moderators, verified adhérents are its members, sympathisants
// are not members (they follow). Nobody asks to join a section: the
// staff's verification is the only way in.

// Section statuses kept on the section's memberships.
const (
	SectionAdherent = "adherent"
)

// sectionNotJoinable refuses a Join to a section: membership of a
// section is the party's adhésion, verified by its staff.
func sectionNotJoinable() error {
	return invalid("a section is not joined: its members are the adherents its staff verified; follow it instead")
}

// sectionManagedByRoles refuses the group tools (remove, invite, roles,
// leave) on the section, whose membership follows instance roles.
func sectionManagedByRoles() error {
	return invalid("the section's membership follows adherent verification and staff roles: change those instead")
}

// sectionRole is the section membership role a local user's instance role
// gives, or "" for none.
func sectionRole(u *model.User) string {
	switch {
	case u.DisabledAt != nil:
		return ""
	case u.Role == model.RoleAdmin:
		return RoleAdmin
	case u.Role == model.RoleModerator:
		return RoleModerator
	case u.Role == model.RoleMember && u.MemberVerifiedAt != nil:
		return RoleMember
	}
	return ""
}

// followSectionOnArrival makes a local sympathisant follow the section
// (issue 13): not a member, they still get its public posts, events and
// field actions in their home timeline and agenda. It runs when someone
// arrives as a sympathisant — created approved, approved by the staff,
// or no longer a verified adhérent — and never at start-up, so that one
// who unfollowed the section is not made to follow it again. Members do
// not need it (they get the section's posts as members); an existing
// follow, or a block either way, is left as it is.
func (s *Service) followSectionOnArrival(ctx context.Context, db bun.IDB, u *model.User) error {
	if sectionRole(u) != "" || !u.Approved || u.DisabledAt != nil {
		return nil
	}
	section, err := s.Store.LocalAccount(ctx, s.Config.Section.Username)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := s.Store.Follow(ctx, u.AccountID, section.ID); err == nil {
		return nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	for _, pair := range [][2]string{{section.ID, u.AccountID}, {u.AccountID, section.ID}} {
		if blocked, err := s.Store.IsBlocking(ctx, pair[0], pair[1]); err != nil || blocked {
			return err
		}
	}
	now := s.now()
	_, activityURI := s.newActivityID()
	return s.Store.UpsertFollow(ctx, db, &model.Follow{ID: model.NewID(now), AccountID: u.AccountID, TargetAccountID: section.ID,
		URI: activityURI, State: model.FollowAccepted, ShowReblogs: true, CreatedAt: now, UpdatedAt: now})
}

// isSection reports whether group is this instance's section.
func (s *Service) isSection(group *model.Account) bool {
	return group.IsLocal() && group.Username == s.Config.Section.Username
}

// syncSectionMembership makes the section membership of one local user
// match their instance role.
func (s *Service) syncSectionMembership(ctx context.Context, db bun.IDB, u *model.User) error {
	section, err := s.Store.LocalAccount(ctx, s.Config.Section.Username)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // before the first start: EnsureInstanceActors reconciles
	} else if err != nil {
		return err
	}
	role := sectionRole(u)
	if role == "" {
		// A pending row is a request for verification, which grants
		// nothing; an accepted one goes.
		_, err := db.NewDelete().Model((*model.Membership)(nil)).
			Where("group_account_id = ? AND account_id = ? AND state <> ?", section.ID, u.AccountID, storage.MemberPending).Exec(ctx)
		return err
	}
	now := s.now()
	m := &model.Membership{ID: model.NewID(now), GroupAccountID: section.ID, AccountID: u.AccountID, CreatedAt: now}
	if existing, err := s.Store.Membership(ctx, section.ID, u.AccountID); err == nil {
		if existing.State == storage.MemberAccepted && existing.Role == role && existing.SectionStatus == SectionAdherent {
			return nil
		}
		m = existing
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	m.Role, m.State, m.SectionStatus, m.UpdatedAt = role, storage.MemberAccepted, SectionAdherent, now
	return s.Store.UpsertMembership(ctx, db, m)
}

// ReconcileSection applies the membership model to every local person and
// drops memberships it does not allow (sympathisants, people of other
// servers, leftovers of the old "ask to join"); people of other servers
// are told with Remove. Run at each start, so that existing instances
// follow the model too.
func (s *Service) ReconcileSection(ctx context.Context) error {
	section, err := s.Store.LocalAccount(ctx, s.Config.Section.Username)
	if err != nil {
		return err
	}
	var users []model.User
	if err := s.Store.DB.NewSelect().Model(&users).Scan(ctx); err != nil {
		return err
	}
	keep, local := map[string]bool{}, map[string]bool{}
	for i := range users {
		local[users[i].AccountID] = true
		if err := s.syncSectionMembership(ctx, s.Store.DB, &users[i]); err != nil {
			return err
		}
		if sectionRole(&users[i]) != "" {
			keep[users[i].AccountID] = true
		}
	}
	var stale []model.Membership
	if err := s.Store.DB.NewSelect().Model(&stale).Where("group_account_id = ?", section.ID).Scan(ctx); err != nil {
		return err
	}
	for _, m := range stale {
		if keep[m.AccountID] || (m.State == storage.MemberPending && local[m.AccountID]) {
			continue // members, and sympathisants' requests for verification
		}
		member, err := s.Store.AccountByID(ctx, m.AccountID)
		if err != nil {
			return err
		}
		err = s.Store.InTx(ctx, func(tx bun.Tx) error {
			if _, err := s.Store.DeleteMembership(ctx, tx, section.ID, member.ID); err != nil {
				return err
			}
			if member.IsLocal() || m.State != storage.MemberAccepted {
				return nil
			}
			return s.tellRemoved(ctx, tx, section, member)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// tellRemoved tells a remote member's server that the group excluded
// them (Remove, origin = the group), so that it stops showing them the
// group's members-only posts at once.
func (s *Service) tellRemoved(ctx context.Context, tx bun.Tx, group, member *model.Account) error {
	_, id := s.newActivityID()
	doc := ap.Document{
		"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Remove",
		"actor": group.URI, "object": member.URI, "origin": group.URI, "target": group.MembersURI, "to": []string{member.URI},
	}
	return s.publishDocument(ctx, tx, group, doc, []string{member.InboxURI})
}

// RequestVerification records that a sympathisant says they are an
// adherent (at sign-up): a pending row in the section that the staff
// answer in the dashboard (VerifyMember). It grants nothing meanwhile.
func (s *Service) RequestVerification(ctx context.Context, account *model.Account) error {
	if !account.IsLocal() {
		return invalid("only this section's own people are verified here")
	}
	section, err := s.Store.LocalAccount(ctx, s.Config.Section.Username)
	if err != nil {
		return err
	}
	if _, err := s.Store.Membership(ctx, section.ID, account.ID); err == nil {
		return nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	now := s.now()
	m := &model.Membership{ID: model.NewID(now), GroupAccountID: section.ID, AccountID: account.ID, Role: RoleMember,
		State: storage.MemberPending, CreatedAt: now, UpdatedAt: now}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.UpsertMembership(ctx, tx, m); err != nil {
			return err
		}
		staff, err := s.Store.GroupModerators(ctx, section.ID)
		if err != nil {
			return err
		}
		for i := range staff {
			if err := s.notifyGroup(ctx, tx, &staff[i], "coopol.group_join_request", account, section); err != nil {
				return err
			}
		}
		return nil
	})
}

package social

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// Group roles, most powerful first, and openness modes (Mobilizon's).
const (
	RoleCreator   = "creator"
	RoleAdmin     = "admin"
	RoleModerator = "moderator"
	RoleMember    = "member"

	OpennessOpen       = "open"
	OpennessModerated  = "moderated"
	OpennessInviteOnly = "invite_only"
)

var (
	groupRoles = []string{RoleCreator, RoleAdmin, RoleModerator, RoleMember}
	opennesses = []string{OpennessOpen, OpennessModerated, OpennessInviteOnly}
)

// NewGroup is a thematic group as a member creates it.
type NewGroup struct {
	Username, DisplayName, Note string
	Openness                    string // open, moderated (default), invite_only
	MembersVisibility           string // members (default) or moderators
	// Admission: who an open group admits without approval: section
	// (default), party or anyone. SympathisantsMayJoin lets people who
	// are not verified adherents join (with approval unless "anyone").
	Admission            string
	SympathisantsMayJoin bool
}

// CreateGroup makes a thematic group hosted here, with its creator as
// first member. Verified members may create groups; sympathisants may not.
func (s *Service) CreateGroup(ctx context.Context, creator *model.Account, in NewGroup) (*model.Account, error) {
	user, err := s.Store.UserByAccountID(ctx, creator.ID)
	if err != nil {
		return nil, ErrForbidden
	}
	if user.Role == model.RoleSympathisant {
		return nil, ErrForbidden
	}
	if !usernamePattern.MatchString(in.Username) || slices.Contains(reservedUsernames, strings.ToLower(in.Username)) {
		return nil, invalid("group name must be 1 to 30 letters, digits or underscores, and not reserved")
	}
	if in.Openness == "" {
		in.Openness = OpennessModerated
	}
	if !slices.Contains(opennesses, in.Openness) {
		return nil, invalid("openness must be one of %s", strings.Join(opennesses, ", "))
	}
	if in.MembersVisibility == "" {
		in.MembersVisibility = "members"
	}
	if in.Admission == "" {
		in.Admission = AdmitSection
	}
	if !validAdmission(in.Admission) {
		return nil, invalid("admission must be one of %s", strings.Join(admissions, ", "))
	}
	if in.MembersVisibility != "members" && in.MembersVisibility != "moderators" {
		return nil, invalid("members_visibility must be members or moderators")
	}
	if len(in.DisplayName) > 100 || len(in.Note) > 5000 {
		return nil, invalid("group name or description is too long")
	}
	account, err := s.newLocalActor(in.Username, model.ActorGroup)
	if err != nil {
		return nil, err
	}
	account.DisplayName = in.DisplayName
	if in.Note != "" {
		account.Note = s.format(ctx, in.Note).html
	}
	// Following a group means receiving its public posts, which anyone
	// may (FEP-1b12); joining is what the openness governs.
	account.Locked = in.Openness == OpennessInviteOnly
	now := account.CreatedAt
	group := &model.Group{Kind: "thematic", Openness: in.Openness, MembersVisibility: in.MembersVisibility,
		Admission: in.Admission, SympathisantsMayJoin: in.SympathisantsMayJoin,
		CreatedByAccountID: &creator.ID, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateGroup(ctx, account, group); err != nil {
		if storage.IsUniqueViolation(err) {
			return nil, invalid("name %q is taken", in.Username)
		}
		return nil, err
	}
	m := &model.Membership{ID: model.NewID(now), GroupAccountID: account.ID, AccountID: creator.ID, Role: RoleCreator,
		State: storage.MemberAccepted, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.UpsertMembership(ctx, s.Store.DB, m); err != nil {
		return nil, err
	}
	s.Log.Info("group created", "group", account.Username)
	return account, nil
}

// GroupRole returns account's accepted role in group, or "".
func (s *Service) GroupRole(ctx context.Context, account *model.Account, groupID string) (string, error) {
	if account == nil {
		return "", nil
	}
	m, err := s.Store.Membership(ctx, groupID, account.ID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && m.State != storage.MemberAccepted) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return m.Role, nil
}

func isModeratorRole(role string) bool {
	return role == RoleCreator || role == RoleAdmin || role == RoleModerator
}

// CanModerate reports whether account moderates a local group. The
// instance's staff moderate the section.
func (s *Service) CanModerate(ctx context.Context, account *model.Account, group *model.Account) (bool, error) {
	if account == nil || !account.IsLocal() || !group.IsLocal() {
		return false, nil
	}
	role, err := s.GroupRole(ctx, account, group.ID)
	if err != nil || isModeratorRole(role) {
		return isModeratorRole(role), err
	}
	if group.Username == s.Config.Section.Username {
		user, err := s.Store.UserByAccountID(ctx, account.ID)
		return err == nil && user.IsStaff(), nil
	}
	return false, nil
}

// postableGroup checks that author may post in groupID.
func (s *Service) postableGroup(ctx context.Context, author *model.Account, groupID string) (*model.Account, error) {
	group, err := s.Store.AccountByID(ctx, groupID)
	if err != nil || !group.IsGroup() {
		return nil, invalid("no such group")
	}
	role, err := s.GroupRole(ctx, author, group.ID)
	if err != nil {
		return nil, err
	}
	if role == "" {
		return nil, ErrForbidden
	}
	if group.IsLocal() {
		g, err := s.Store.GroupByAccountID(ctx, group.ID)
		if err == nil && g.PostingRestricted && !isModeratorRole(role) {
			return nil, ErrForbidden
		}
	}
	return group, nil
}

// JoinGroup asks for account (local) to join group. Local groups decide
// at once; remote groups answer with Accept or Reject.
func (s *Service) JoinGroup(ctx context.Context, account, group *model.Account) (*model.Membership, error) {
	if !group.IsGroup() {
		return nil, invalid("not a group")
	}
	if existing, err := s.Store.Membership(ctx, group.ID, account.ID); err == nil && existing.State != storage.MemberInvited {
		return existing, nil
	}
	now := s.now()
	_, joinURI := s.newActivityID()
	m := &model.Membership{ID: model.NewID(now), GroupAccountID: group.ID, AccountID: account.ID, Role: RoleMember,
		State: storage.MemberPending, URI: joinURI, CreatedAt: now, UpdatedAt: now}
	if !group.IsLocal() {
		err := s.Store.InTx(ctx, func(tx bun.Tx) error {
			if err := s.Store.UpsertMembership(ctx, tx, m); err != nil {
				return err
			}
			return s.publish(ctx, tx, account, &ap.Activity{ID: joinURI, Type: "Join", Actor: account.URI, ObjectIRI: group.URI, To: []string{group.URI}}, nil, []string{group.InboxURI})
		})
		return m, err
	}
	return m, s.admit(ctx, group, account, m, nil)
}

// admit applies a local group's openness to a join request (local or
// remote); join is the remote Join activity, nil for local members.
func (s *Service) admit(ctx context.Context, group, account *model.Account, m *model.Membership, join *ap.Activity) error {
	g, err := s.Store.GroupByAccountID(ctx, group.ID)
	if err != nil {
		return err
	}
	previous, prevErr := s.Store.Membership(ctx, group.ID, account.ID)
	invited := prevErr == nil && previous.State == storage.MemberInvited
	banned := prevErr == nil && previous.State == "banned"
	switch {
	case g.Kind == "section":
		// Adhésion is verified by the section's staff, never asked for
		// (local or remote); people of other sections follow it.
		if join == nil {
			return sectionNotJoinable()
		}
		if err := s.Store.InTx(ctx, func(tx bun.Tx) error { return s.answerJoin(ctx, tx, group, account, join, false) }); err != nil {
			return err
		}
		return rejected("a section is not joined: follow it instead")
	case banned || (g.Openness == OpennessInviteOnly && !invited):
		if join == nil {
			return ErrForbidden
		}
		return s.Store.InTx(ctx, func(tx bun.Tx) error { return s.answerJoin(ctx, tx, group, account, join, false) })
	case invited:
		m.State = storage.MemberAccepted
	default:
		// The group's admission rules (social/admission.go), the same for
		// local and remote people.
		switch s.decideAdmission(ctx, g, account) {
		case admissionRefused:
			if join == nil {
				return invalid("this group admits verified adherents only")
			}
			return s.Store.InTx(ctx, func(tx bun.Tx) error { return s.answerJoin(ctx, tx, group, account, join, false) })
		case admissionAccepted:
			m.State = storage.MemberAccepted
		}
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.UpsertMembership(ctx, tx, m); err != nil {
			return err
		}
		if m.State == storage.MemberPending {
			mods, err := s.Store.GroupModerators(ctx, group.ID)
			if err != nil {
				return err
			}
			for i := range mods {
				if err := s.notifyGroup(ctx, tx, &mods[i], "coopol.group_join_request", account, group); err != nil {
					return err
				}
			}
			return nil
		}
		if join != nil {
			return s.answerJoin(ctx, tx, group, account, join, true)
		}
		return nil
	})
}

func (s *Service) notifyGroup(ctx context.Context, db bun.IDB, recipient *model.Account, typ string, from, group *model.Account) error {
	if !recipient.IsLocal() {
		return nil
	}
	n := &model.Notification{ID: model.NewID(s.now()), AccountID: recipient.ID, Type: typ, FromAccountID: &from.ID, GroupID: &group.ID, CreatedAt: s.now()}
	if err := s.Store.InsertNotification(ctx, db, n); err != nil {
		return err
	}
	s.emit(ctx, db, "notification", n.ID, recipient.ID)
	return nil
}

// answerJoin sends Accept or Reject of a remote Join. It embeds the Join
// (as Mobilizon does for events) and is addressed to the member only:
// never to the members collection, which would tell every member's
// server who joined.
func (s *Service) answerJoin(ctx context.Context, tx bun.Tx, group, member *model.Account, join *ap.Activity, accept bool) error {
	inner, err := ap.ActivityType(join)
	if err != nil {
		return err
	}
	typ := "Reject"
	if accept {
		typ = "Accept"
	}
	_, id := s.newActivityID()
	return s.publish(ctx, tx, group, &ap.Activity{ID: id, Type: typ, Actor: group.URI, Object: inner, To: []string{member.URI}}, nil, []string{member.InboxURI})
}

// AnswerJoinRequest lets a moderator approve or refuse a pending member.
func (s *Service) AnswerJoinRequest(ctx context.Context, moderator, group, member *model.Account, accept bool) error {
	if ok, err := s.CanModerate(ctx, moderator, group); err != nil || !ok {
		return orForbidden(err)
	}
	m, err := s.Store.Membership(ctx, group.ID, member.ID)
	if err != nil || m.State != storage.MemberPending {
		return ErrNotFound
	}
	if accept && s.isSection(group) {
		return s.VerifyMember(ctx, moderator, member, true) // the only way in
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if accept {
			m.State, m.UpdatedAt = storage.MemberAccepted, s.now()
			if err := s.Store.UpsertMembership(ctx, tx, m); err != nil {
				return err
			}
		} else if _, err := s.Store.DeleteMembership(ctx, tx, group.ID, member.ID); err != nil {
			return err
		}
		if member.IsLocal() {
			typ := "coopol.group_join_accepted"
			if !accept {
				typ = "coopol.group_join_rejected"
			}
			return s.notifyGroup(ctx, tx, member, typ, moderator, group)
		}
		return s.answerJoin(ctx, tx, group, member, &ap.Activity{ID: m.URI, Type: "Join", Actor: member.URI, ObjectIRI: group.URI}, accept)
	})
}

func orForbidden(err error) error {
	if err != nil {
		return err
	}
	return ErrForbidden
}

// LeaveGroup ends account's (local) membership.
func (s *Service) LeaveGroup(ctx context.Context, account, group *model.Account) error {
	if s.isSection(group) {
		return sectionManagedByRoles()
	}
	m, err := s.Store.Membership(ctx, group.ID, account.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if m.Role == RoleCreator && group.IsLocal() {
		mods, err := s.Store.GroupModerators(ctx, group.ID)
		if err != nil {
			return err
		}
		if len(mods) <= 1 {
			return invalid("the last administrator cannot leave: name another first")
		}
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if _, err := s.Store.DeleteMembership(ctx, tx, group.ID, account.ID); err != nil {
			return err
		}
		if group.IsLocal() {
			return nil
		}
		_, id := s.newActivityID()
		return s.publish(ctx, tx, account, &ap.Activity{ID: id, Type: "Leave", Actor: account.URI, ObjectIRI: group.URI, To: []string{group.URI}}, nil, []string{group.InboxURI})
	})
}

// RemoveMember excludes a member from a local group; their server is
// told with Remove (origin = the group), so the member stops receiving
// the group's posts at once.
func (s *Service) RemoveMember(ctx context.Context, moderator, group, member *model.Account, ban bool) error {
	if ok, err := s.CanModerate(ctx, moderator, group); err != nil || !ok {
		return orForbidden(err)
	}
	if member.ID == moderator.ID {
		return invalid("use leave to leave a group")
	}
	if s.isSection(group) {
		return sectionManagedByRoles()
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if ban {
			now := s.now()
			if err := s.Store.UpsertMembership(ctx, tx, &model.Membership{ID: model.NewID(now), GroupAccountID: group.ID, AccountID: member.ID,
				Role: RoleMember, State: "banned", CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
		} else if _, err := s.Store.DeleteMembership(ctx, tx, group.ID, member.ID); err != nil {
			return err
		}
		if member.IsLocal() {
			return nil
		}
		return s.tellRemoved(ctx, tx, group, member)
	})
}

// SetMemberRole changes a member's role in a local group (admins only).
func (s *Service) SetMemberRole(ctx context.Context, admin, group, member *model.Account, role string) error {
	if !slices.Contains(groupRoles[1:], role) {
		return invalid("role must be admin, moderator or member")
	}
	if s.isSection(group) {
		return sectionManagedByRoles()
	}
	adminRole, err := s.GroupRole(ctx, admin, group.ID)
	if err != nil {
		return err
	}
	if adminRole != RoleCreator && adminRole != RoleAdmin {
		return ErrForbidden
	}
	m, err := s.Store.Membership(ctx, group.ID, member.ID)
	if err != nil || m.State != storage.MemberAccepted {
		return ErrNotFound
	}
	if m.Role == RoleCreator {
		return invalid("the creator's role cannot be changed")
	}
	m.Role, m.UpdatedAt = role, s.now()
	return s.Store.UpsertMembership(ctx, s.Store.DB, m)
}

// VerifyMember marks one of this section's own people as a verified
// adhérent (or back to sympathisant): a decision for the section's staff
// only, and the only way into the section's membership. People of other
// servers are adhérents of their own section, not of this one.
func (s *Service) VerifyMember(ctx context.Context, staff, member *model.Account, adherent bool) error {
	section, err := s.Store.LocalAccount(ctx, s.Config.Section.Username)
	if err != nil {
		return err
	}
	if ok, err := s.CanModerate(ctx, staff, section); err != nil || !ok {
		return orForbidden(err)
	}
	if !member.IsLocal() {
		return invalid("only this section's own people are verified here")
	}
	user, err := s.Store.UserByAccountID(ctx, member.ID)
	if err != nil {
		return ErrNotFound
	}
	if !adherent {
		// Refused or withdrawn: any request for verification goes too.
		if _, err := s.Store.DeleteMembership(ctx, s.Store.DB, section.ID, member.ID); err != nil {
			return err
		}
	}
	now := s.now()
	role := model.RoleSympathisant
	var verified *time.Time
	if adherent {
		role, verified = model.RoleMember, &now
	}
	if user.IsStaff() {
		role = user.Role
	}
	user.Role, user.MemberVerifiedAt, user.UpdatedAt = role, verified, now
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*model.User)(nil)).
			Set("role = ?", role).Set("member_verified_at = ?", verified).Set("updated_at = ?", now).
			Where("account_id = ?", member.ID).Exec(ctx)
		if err != nil {
			return err
		}
		if err := s.syncSectionMembership(ctx, tx, user); err != nil {
			return err
		}
		return s.followSectionOnArrival(ctx, tx, user)
	})
}

// groupAnnounce redistributes a post accepted into a local group, or its
// edit or deletion (FEP-1b12): members' servers get Announce of the
// unchanged Create, Update or Delete (raw, so its @context survives);
// plain followers of a public group get an Announce of the object id for
// a Create, which Mastodon shows as a boost, and the Announce of the
// Update or Delete otherwise. Members-only posts go to members only.
func (s *Service) groupAnnounce(ctx context.Context, tx bun.Tx, group *model.Account, rawCreate []byte, st *model.Status) error {
	memberInboxes, err := s.Store.MemberInboxes(ctx, tx, group.ID)
	if err != nil {
		return err
	}
	// The author's server already has the post.
	authorInbox := ""
	if st.Account != nil && !st.Account.IsLocal() {
		authorInbox = st.Account.DeliveryInbox()
	}
	var members []string
	for _, in := range memberInboxes {
		if in != authorInbox {
			members = append(members, in)
		}
	}
	to, cc := []string{group.MembersURI}, []string{}
	if st.Visibility != model.VisibilityMembers {
		to, cc = []string{ap.Public}, []string{group.FollowersURI, group.MembersURI}
	}
	_, id := s.newActivityID()
	doc := ap.Document{
		"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Announce", "actor": group.URI,
		"object": json.RawMessage(rawCreate), "to": to, "cc": cc, "published": s.now().Format("2006-01-02T15:04:05Z"),
	}
	if len(members) > 0 {
		if err := s.publishDocument(ctx, tx, group, doc, members); err != nil {
			return err
		}
	}
	if st.Visibility == model.VisibilityMembers || (st.Visibility != model.VisibilityPublic && st.Visibility != model.VisibilityUnlisted) {
		return nil
	}
	followerInboxes, err := s.Store.FollowerInboxes(ctx, tx, group.ID)
	if err != nil {
		return err
	}
	var followersOnly []string
	for _, in := range followerInboxes {
		if !slices.Contains(memberInboxes, in) && in != authorInbox {
			followersOnly = append(followersOnly, in)
		}
	}
	if len(followersOnly) == 0 {
		return nil
	}
	if relayedType(rawCreate) != "Create" {
		// An edit or a deletion reaches followers as what it is, never
		// as a second boost.
		_, followersID := s.newActivityID()
		doc["id"] = followersID
		return s.publishDocument(ctx, tx, group, doc, followersOnly)
	}
	_, boostID := s.newActivityID()
	return s.publish(ctx, tx, group, &ap.Activity{ID: boostID, Type: "Announce", Actor: group.URI, ObjectIRI: st.URI,
		To: []string{ap.Public}, Cc: []string{group.FollowersURI}, Published: s.now()}, nil, followersOnly)
}

// InviteMember lets a moderator invite someone to a local group: their
// Join will then be accepted even if the group is invite-only or
// moderated. A remote invitee's server is told with Invite.
func (s *Service) InviteMember(ctx context.Context, moderator, group, invitee *model.Account) error {
	if ok, err := s.CanModerate(ctx, moderator, group); err != nil || !ok {
		return orForbidden(err)
	}
	if s.isSection(group) {
		return sectionManagedByRoles()
	}
	if existing, err := s.Store.Membership(ctx, group.ID, invitee.ID); err == nil && existing.State == storage.MemberAccepted {
		return nil
	}
	now := s.now()
	id, uri := s.newActivityID()
	m := &model.Membership{ID: id, GroupAccountID: group.ID, AccountID: invitee.ID, Role: RoleMember,
		State: storage.MemberInvited, URI: uri, CreatedAt: now, UpdatedAt: now}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.UpsertMembership(ctx, tx, m); err != nil {
			return err
		}
		if invitee.IsLocal() {
			return s.notifyGroup(ctx, tx, invitee, "coopol.group_invite", moderator, group)
		}
		doc := ap.Document{"@context": "https://www.w3.org/ns/activitystreams", "id": uri, "type": "Invite",
			"actor": moderator.URI, "object": group.URI, "target": invitee.URI, "to": []string{invitee.URI}}
		return s.publishDocument(ctx, tx, moderator, doc, []string{invitee.InboxURI})
	})
}

// relayedType is the type of a raw activity a group relays.
func relayedType(raw []byte) string {
	var head struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(raw, &head)
	return head.Type
}

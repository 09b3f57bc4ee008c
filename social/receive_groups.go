package social

import (
	"context"
	"errors"
	"slices"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// groupOf finds the known group a post belongs to: its audience
// (FEP-1b12), or a group or group members collection it is addressed to.
func (s *Service) groupOf(ctx context.Context, post *ap.Post) (*model.Account, error) {
	candidates := append([]string{post.Audience}, append(slices.Clone(post.To), post.Cc...)...)
	for _, iri := range candidates {
		if iri == "" || ap.IsPublic([]string{iri}) {
			continue
		}
		if g, err := s.Store.GroupByMembersURI(ctx, iri); err == nil {
			return g, nil
		}
		if a, err := s.Store.AccountByURI(ctx, iri); err == nil && a.IsGroup() {
			return a, nil
		} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
	}
	return nil, nil
}

// acceptIntoGroup decides whether a remote author may post into a local
// group: members may; for public posts, so may followers of an open
// group (a Mastodon user posting into it by mentioning it).
func (s *Service) acceptIntoGroup(ctx context.Context, author, group *model.Account, visibility string) error {
	role, err := s.GroupRole(ctx, author, group.ID)
	if err != nil {
		return err
	}
	g, err := s.Store.GroupByAccountID(ctx, group.ID)
	if err != nil {
		return err
	}
	if role != "" {
		if g.PostingRestricted && !isModeratorRole(role) {
			return rejected("only moderators post in this group")
		}
		return nil
	}
	if visibility == model.VisibilityPublic || visibility == model.VisibilityUnlisted {
		if following, err := s.Store.IsFollowing(ctx, author.ID, group.ID); err != nil {
			return err
		} else if following && g.Openness == OpennessOpen && !g.PostingRestricted {
			return nil
		}
	}
	return rejected("the author is not a member of this group")
}

// receiveJoin: a remote person asks to join a group hosted here.
func (s *Service) receiveJoin(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	group, err := s.localTarget(ctx, in.ObjectID)
	if err != nil {
		return err
	}
	if !group.IsGroup() {
		return rejected("only groups can be joined")
	}
	if existing, err := s.Store.Membership(ctx, group.ID, actor.ID); err == nil && existing.State == storage.MemberAccepted {
		// A repeated Join: answer again, the first Accept may be lost.
		return s.Store.InTx(ctx, func(tx bun.Tx) error {
			return s.answerJoin(ctx, tx, group, actor, &ap.Activity{ID: in.ID, Type: "Join", Actor: actor.URI, ObjectIRI: group.URI}, true)
		})
	}
	now := s.now()
	m := &model.Membership{ID: model.NewID(now), GroupAccountID: group.ID, AccountID: actor.ID, Role: RoleMember,
		State: storage.MemberPending, URI: in.ID, CreatedAt: now, UpdatedAt: now}
	return s.admit(ctx, group, actor, m, &ap.Activity{ID: in.ID, Type: "Join", Actor: actor.URI, ObjectIRI: group.URI})
}

// receiveJoinAnswer: a remote group accepts or refuses our member's Join.
// Only the group itself may answer (as A-07 for follows).
func (s *Service) receiveJoinAnswer(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	joinURI := in.ObjectID
	if in.Object != nil && ap.Type(in.Object) == "Member" {
		// Mobilizon's Accept(Member): find the membership by actor+group.
		memberURI, groupURI := ap.ID(in.Object["actor"]), ap.ID(in.Object["object"])
		if groupURI != actor.URI {
			return rejected("only the group may answer a membership request")
		}
		member, err := s.localTarget(ctx, memberURI)
		if err != nil {
			return err
		}
		m, err := s.Store.Membership(ctx, actor.ID, member.ID)
		if err != nil {
			return rejected("no membership request")
		}
		joinURI = m.URI
	}
	m, err := s.Store.MembershipByURI(ctx, joinURI)
	if errors.Is(err, storage.ErrNotFound) {
		return rejected("no membership request %s", joinURI)
	} else if err != nil {
		return err
	}
	if m.GroupAccountID != actor.ID {
		return rejected("only the group may answer a membership request")
	}
	if m.State == storage.MemberAccepted && in.Type == "Accept" {
		return nil // a repeated answer
	}
	if m.State != storage.MemberPending {
		// Only our member's own Join is answered: an Invite the group
		// sent itself, or a membership already settled, is not a request
		// (a group cannot enrol anyone by inviting then accepting).
		return rejected("no pending membership request")
	}
	member, err := s.Store.AccountByID(ctx, m.AccountID)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		typ := "coopol.group_join_accepted"
		if in.Type == "Accept" {
			m.State, m.AcceptURI, m.UpdatedAt = storage.MemberAccepted, in.ID, s.now()
			if err := s.Store.UpsertMembership(ctx, tx, m); err != nil {
				return err
			}
			if err := s.requestMemberHistory(ctx, tx, actor, member); err != nil {
				return err
			}
		} else {
			typ = "coopol.group_join_rejected"
			if _, err := s.Store.DeleteMembership(ctx, tx, m.GroupAccountID, m.AccountID); err != nil {
				return err
			}
		}
		return s.notifyGroup(ctx, tx, member, typ, actor, actor)
	})
}

// receiveLeave: a remote member leaves a group hosted here.
func (s *Service) receiveLeave(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	group, err := s.localTarget(ctx, in.ObjectID)
	if err != nil {
		return err
	}
	if !group.IsGroup() {
		return rejected("only groups can be left")
	}
	_, err = s.Store.DeleteMembership(ctx, s.Store.DB, group.ID, actor.ID)
	return err
}

// receiveRemove: a remote group excludes one of our members. Only the
// group itself (origin) may do so.
func (s *Service) receiveRemove(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	origin := ap.ID(in.Raw["origin"])
	if origin == "" {
		origin = in.Target
	}
	if !actor.IsGroup() || (origin != actor.URI && origin != actor.MembersURI) {
		return rejected("only a group may remove its members")
	}
	member, err := s.localTarget(ctx, in.ObjectID)
	if err != nil {
		return err
	}
	_, err = s.Store.DeleteMembership(ctx, s.Store.DB, actor.ID, member.ID)
	return err
}

// receiveGroupAnnounce: a group redistributes a member's post, or its
// edit or deletion (FEP-1b12). What the group relays is believed only as
// trustRelayedPost decides, and an edit or deletion applies only to a
// post of this very group, by the activity's actor.
func (s *Service) receiveGroupAnnounce(ctx context.Context, group *model.Account, in *ap.Incoming) error {
	inner, err := ap.ParseIncoming(in.Object)
	if err != nil {
		return rejected("announced activity: %v", err)
	}
	if inner.Type == "Delete" && inner.Actor == group.URI {
		return s.receiveGroupRemoval(ctx, group, inner.ObjectID)
	}
	if s.IsLocalURI(inner.Actor) || s.IsLocalURI(inner.ObjectID) {
		// Our own activity coming back: a relay never changes what we
		// hold as the origin (nor can a group forge our members' deletes).
		return nil
	}
	switch inner.Type {
	case "Delete":
		if !ap.SameOrigin(inner.ID, inner.Actor) || !ap.SameOrigin(inner.ObjectID, inner.Actor) {
			return rejected("relayed deletion of someone else's object")
		}
		st, err := s.relayedTarget(ctx, group, inner.Actor, inner.ObjectID)
		if err != nil || st == nil {
			return err
		}
		return s.deleteRemoteStatus(ctx, st, nil)
	case "Create", "Update":
	default:
		return nil // likes relayed by groups are not needed yet
	}
	relayed, err := s.trustRelayedPost(ctx, group, inner)
	if err != nil {
		return err
	}
	post := relayed.post
	if inner.Type == "Update" {
		st, err := s.relayedTarget(ctx, group, inner.Actor, post.ID)
		if err != nil || st == nil {
			return err
		}
		return s.applyPostUpdate(ctx, relayed.author, post)
	}
	_, err = s.storeRemotePost(ctx, relayed.author, post, group, nil)
	return err
}

// receiveInvite: someone invites one of our members to a remote group.
// We record the invitation and notify; joining stays the member's choice.
func (s *Service) receiveInvite(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	invitee, err := s.localTarget(ctx, in.Target)
	if err != nil {
		return err
	}
	if s.Resolver == nil {
		return rejected("cannot resolve the group")
	}
	group, err := s.Resolver.ResolveActor(ctx, in.ObjectID)
	if err != nil || !group.IsGroup() || !ap.SameOrigin(group.URI, actor.URI) {
		return rejected("invitation to something that is not the inviter's group")
	}
	now := s.now()
	m := &model.Membership{ID: model.NewID(now), GroupAccountID: group.ID, AccountID: invitee.ID, Role: RoleMember,
		State: storage.MemberInvited, URI: in.ID, CreatedAt: now, UpdatedAt: now}
	if existing, err := s.Store.Membership(ctx, group.ID, invitee.ID); err == nil && existing.State != storage.MemberInvited {
		return nil
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.UpsertMembership(ctx, tx, m); err != nil {
			return err
		}
		return s.notifyGroup(ctx, tx, invitee, "coopol.group_invite", actor, group)
	})
}

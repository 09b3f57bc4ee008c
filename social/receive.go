package social

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// RejectedError is a well-formed activity we refuse (it names something
// that is not ours, or its actor may not do it). Federation answers 4xx
// and the sender does not retry.
type RejectedError = ap.RejectedError

func rejected(format string, args ...any) error {
	return &RejectedError{Reason: fmt.Sprintf(format, args...)}
}

// Receive applies an activity that federation has authenticated: actor
// is the verified signer and the activity's actor (H-08). Origin checks
// on embedded objects were done by the caller.
func (s *Service) Receive(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	switch in.Type {
	case "Follow":
		return s.receiveFollow(ctx, actor, in)
	case "Accept", "Reject", "TentativeAccept":
		return s.receiveAnswer(ctx, actor, in)
	case "Undo":
		return s.receiveUndo(ctx, actor, in)
	case "Create":
		return s.receiveCreate(ctx, actor, in)
	case "Update":
		return s.receiveUpdate(ctx, actor, in)
	case "Delete":
		return s.receiveDelete(ctx, actor, in)
	case "Like":
		return s.receiveLike(ctx, actor, in)
	case "Announce":
		return s.receiveAnnounce(ctx, actor, in)
	case "Block":
		return s.receiveBlock(ctx, actor, in)
	case "Flag":
		return s.receiveFlag(ctx, actor, in)
	case "Move":
		return s.receiveMove(ctx, actor, in)
	case "Join", "Leave":
		if ev, err := s.Store.EventByURI(ctx, in.ObjectID); err == nil {
			if in.Type == "Join" {
				return s.receiveEventJoin(ctx, actor, in, ev)
			}
			return s.receiveEventLeave(ctx, actor, in, ev)
		}
		if in.Type == "Join" {
			return s.receiveJoin(ctx, actor, in)
		}
		return s.receiveLeave(ctx, actor, in)
	case "Remove":
		return s.receiveRemove(ctx, actor, in)
	case "Invite":
		return s.receiveInvite(ctx, actor, in)
	}
	return rejected("unsupported activity type %s", in.Type)
}

// localTarget finds the local account an activity's object names.
func (s *Service) localTarget(ctx context.Context, uri string) (*model.Account, error) {
	if !s.IsLocalURI(uri) {
		return nil, rejected("object %s is not on this instance", uri)
	}
	a, err := s.Store.AccountByURI(ctx, uri)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, rejected("no such actor %s", uri)
	}
	return a, err
}

func (s *Service) receiveFollow(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	target, err := s.localTarget(ctx, in.ObjectID)
	if err != nil {
		return err
	}
	if target.ActorType == model.ActorApplication {
		return rejected("the instance actor cannot be followed")
	}
	follow := &ap.Activity{ID: in.ID, Type: "Follow", Actor: actor.URI, ObjectIRI: target.URI}
	blocked, err := s.Store.IsBlocking(ctx, target.ID, actor.ID)
	if err != nil {
		return err
	}
	now := s.now()
	f := &model.Follow{ID: model.NewID(now), AccountID: actor.ID, TargetAccountID: target.ID, URI: in.ID,
		State: model.FollowPending, ShowReblogs: true, CreatedAt: now, UpdatedAt: now}
	if existing, err := s.Store.Follow(ctx, actor.ID, target.ID); err == nil && existing.State == model.FollowAccepted {
		f.State = model.FollowAccepted // a re-sent Follow (key rotation, retry): answer again
	} else if !target.Locked {
		f.State = model.FollowAccepted
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if blocked {
			inner, err := ap.ActivityType(follow)
			if err != nil {
				return err
			}
			_, id := s.newActivityID()
			return s.publish(ctx, tx, target, &ap.Activity{ID: id, Type: "Reject", Actor: target.URI, Object: inner, To: []string{actor.URI}}, nil, []string{actor.InboxURI})
		}
		if err := s.Store.UpsertFollow(ctx, tx, f); err != nil {
			return err
		}
		if f.State == model.FollowPending {
			return s.notify(ctx, tx, target, "follow_request", actor, nil)
		}
		if err := s.notify(ctx, tx, target, "follow", actor, nil); err != nil {
			return err
		}
		inner, err := ap.ActivityType(follow)
		if err != nil {
			return err
		}
		_, id := s.newActivityID()
		return s.publish(ctx, tx, target, &ap.Activity{ID: id, Type: "Accept", Actor: target.URI, Object: inner, To: []string{actor.URI}}, nil, []string{actor.InboxURI})
	})
}

// receiveAnswer handles Accept/Reject of a Follow we sent. Only the
// followee may answer.
func (s *Service) receiveAnswer(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	followURI := in.ObjectID
	if p, err := s.Store.ParticipationByURI(ctx, followURI); err == nil && p.URI != "" {
		return s.receiveParticipationAnswer(ctx, actor, in, p)
	}
	if in.Type == "TentativeAccept" {
		return rejected("TentativeAccept answers only event sign-ups")
	}
	switch ap.Type(in.Object) {
	case "Join", "Member":
		return s.receiveJoinAnswer(ctx, actor, in)
	case "Follow", "":
	default:
		return rejected("%s of %s is not supported", in.Type, ap.Type(in.Object))
	}
	if in.Object == nil {
		if _, err := s.Store.MembershipByURI(ctx, followURI); err == nil {
			return s.receiveJoinAnswer(ctx, actor, in)
		}
	}
	f, err := s.Store.FollowByURI(ctx, followURI)
	if errors.Is(err, storage.ErrNotFound) {
		return rejected("no follow request %s", followURI)
	} else if err != nil {
		return err
	}
	if f.TargetAccountID != actor.ID {
		return rejected("only the followed account may answer a follow request")
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if in.Type == "Accept" {
			return s.Store.SetFollowState(ctx, tx, f.ID, model.FollowAccepted)
		}
		_, err := s.Store.DeleteFollow(ctx, tx, f.AccountID, f.TargetAccountID)
		return err
	})
}

func (s *Service) receiveUndo(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	if in.Object == nil {
		return rejected("Undo must embed the activity it undoes")
	}
	inner, err := ap.ParseIncoming(in.Object)
	if err != nil {
		return rejected("Undo: %v", err)
	}
	if inner.Actor != actor.URI {
		return rejected("only the author of an activity may undo it")
	}
	switch inner.Type {
	case "Follow":
		target, err := s.localTarget(ctx, inner.ObjectID)
		if err != nil {
			return err
		}
		_, err = s.Store.DeleteFollow(ctx, s.Store.DB, actor.ID, target.ID)
		return err
	case "Like":
		st, err := s.Store.StatusByURI(ctx, inner.ObjectID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		return s.Store.InTx(ctx, func(tx bun.Tx) error {
			if removed, err := s.Store.DeleteFavourite(ctx, tx, actor.ID, st.ID); err != nil || !removed {
				return err
			}
			return s.Store.AdjustCount(ctx, tx, st.ID, "favourites_count", -1)
		})
	case "Announce":
		boost, err := s.Store.StatusByURI(ctx, inner.ID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if boost.AccountID != actor.ID || boost.ReblogOfID == nil {
			return rejected("not your boost")
		}
		return s.Store.InTx(ctx, func(tx bun.Tx) error {
			if err := s.Store.DeleteStatus(ctx, tx, boost.ID); err != nil {
				return err
			}
			return s.Store.AdjustCount(ctx, tx, *boost.ReblogOfID, "reblogs_count", -1)
		})
	case "Block":
		target, err := s.localTarget(ctx, inner.ObjectID)
		if err != nil {
			return err
		}
		return s.Store.DeleteBlock(ctx, s.Store.DB, actor.ID, target.ID)
	}
	return rejected("Undo of %s is not supported", inner.Type)
}

func (s *Service) receiveCreate(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	if in.Object == nil {
		return rejected("Create must embed its object")
	}
	post, err := ap.ParsePost(in.Object)
	if err != nil {
		return rejected("%v", err)
	}
	if post.AttributedTo != actor.URI {
		return rejected("object is attributed to someone other than the actor")
	}
	if question, ok := s.isVote(ctx, post); ok {
		return s.receiveVote(ctx, actor, question, post)
	}
	raw, err := json.Marshal(in.Raw)
	if err != nil {
		return err
	}
	_, err = s.storeRemotePost(ctx, actor, post, nil, raw)
	return err
}

// StoreRemotePost keeps a remote post that concerns someone here.
func (s *Service) StoreRemotePost(ctx context.Context, author *model.Account, post *ap.Post) (*model.Status, error) {
	return s.storeRemotePost(ctx, author, post, nil, nil)
}

// storeRemotePost keeps a remote post that concerns someone here. Posts
// that concern no one here are dropped (as Mastodon and GtS do): we are
// not a relay for strangers. via is the group whose Announce carried the
// post (trusted for its own members-only posts, FEP-1b12); raw is the
// received Create, redistributed unchanged when the post joins a group
// hosted here.
func (s *Service) storeRemotePost(ctx context.Context, author *model.Account, post *ap.Post, via *model.Account, raw []byte) (*model.Status, error) {
	if !ap.SameOrigin(post.ID, author.URI) {
		return nil, rejected("object id and author are on different origins")
	}
	if gone, err := s.Store.IsTombstoned(ctx, post.ID); err != nil || gone {
		return nil, err // deleted before it arrived
	}
	if existing, err := s.Store.StatusByURI(ctx, post.ID); err == nil {
		if existing.AccountID != author.ID {
			return nil, rejected("object id already belongs to another account")
		}
		// Kept earlier without its event data (an older version, another
		// path): complete it now that its author sent it.
		return existing, s.completeRemoteEvent(ctx, existing, post)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	var recipients []model.StatusRecipient
	var mentionedLocal []model.Account
	mentionHrefs := map[string]bool{}
	for _, m := range post.Mentions {
		mentionHrefs[m.Href] = true
	}
	seen := map[string]bool{}
	for _, iri := range append(append(slices.Clone(post.To), post.Cc...), mentionKeys(mentionHrefs)...) {
		if seen[iri] || !s.IsLocalURI(iri) {
			continue
		}
		seen[iri] = true
		a, err := s.Store.AccountByURI(ctx, iri)
		if err != nil {
			continue
		}
		recipients = append(recipients, model.StatusRecipient{AccountID: a.ID, Mentioned: mentionHrefs[iri]})
		if mentionHrefs[iri] {
			mentionedLocal = append(mentionedLocal, *a)
		}
	}
	var parent *model.Status
	if post.InReplyTo != "" {
		if p, err := s.Store.StatusByURI(ctx, post.InReplyTo); err == nil {
			parent = p
			if p.GroupID != nil && s.threadLocked(ctx, p) {
				return nil, rejected("this discussion is locked")
			}
		}
	}
	group, err := s.groupOf(ctx, post)
	if err != nil {
		return nil, err
	}
	visibility := ap.VisibilityOf(post.To, post.Cc, author.FollowersURI, "")
	if group != nil {
		visibility = ap.VisibilityOf(post.To, post.Cc, author.FollowersURI, group.MembersURI)
		switch {
		case group.IsLocal():
			if err := s.acceptIntoGroup(ctx, author, group, visibility); err != nil {
				return nil, err
			}
		case via == nil || via.ID != group.ID:
			if visibility == model.VisibilityMembers {
				// Only the group vouches for its members-only posts.
				s.Log.Debug("dropping members-only post not announced by its group", "uri", post.ID)
				return nil, nil
			}
		}
	} else if visibility == model.VisibilityMembers {
		return nil, rejected("post addressed to an unknown group's members")
	}
	followed, err := s.Store.HasLocalFollower(ctx, author.ID)
	if err != nil {
		return nil, err
	}
	if group != nil && !followed {
		if local, err := s.Store.LocalMembers(ctx, group.ID); err != nil {
			return nil, err
		} else if len(local) > 0 || group.IsLocal() {
			followed = true
		} else if followed, err = s.Store.HasLocalFollower(ctx, group.ID); err != nil {
			return nil, err
		}
	}
	if !followed && len(recipients) == 0 && (parent == nil || !parent.Local) {
		s.Log.Debug("dropping unsolicited post", "uri", post.ID)
		return nil, nil
	}
	st := s.statusFromPost(author, post, visibility)
	if group != nil {
		st.GroupID = &group.ID
	}
	if parent != nil {
		st.InReplyToID, st.InReplyToAccountID, st.ThreadID = &parent.ID, &parent.AccountID, parent.ThreadID
	}
	if mentionedLocal, err = s.readersOnly(ctx, st, mentionedLocal); err != nil {
		return nil, err
	}
	if st.Visibility == model.VisibilityMembers {
		// Addressing never widens a members-only audience: only current
		// members are kept as recipients.
		kept := recipients[:0]
		for _, r := range recipients {
			if ok, err := s.Store.IsMember(ctx, *st.GroupID, r.AccountID); err != nil {
				return nil, err
			} else if ok {
				kept = append(kept, r)
			}
		}
		recipients = kept
	}
	var tags []string
	for _, h := range post.Hashtags {
		name := strings.TrimPrefix(h.Name, "#")
		if name != "" && len(name) <= 100 && !strings.ContainsAny(name, " <>\"'#") {
			tags = append(tags, name)
		}
	}
	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.InsertStatus(ctx, tx, st, recipients, tags); err != nil {
			if storage.IsUniqueViolation(err) {
				return nil // the same post arrived twice at once
			}
			return err
		}
		if err := s.storeRemoteEvent(ctx, tx, st, post); err != nil {
			return err
		}
		if err := s.storeRemotePoll(ctx, tx, st, post); err != nil {
			return err
		}
		if err := s.storeRemoteMedia(ctx, tx, st, post); err != nil {
			return err
		}
		if err := s.notifySubscribers(ctx, tx, st, author); err != nil {
			return err
		}
		if err := s.queueCardFetch(ctx, tx, st); err != nil {
			return err
		}
		s.emit(ctx, tx, "status", st.ID, "")
		if parent != nil {
			if err := s.Store.AdjustCount(ctx, tx, parent.ID, "replies_count", 1); err != nil {
				return err
			}
		}
		for i := range mentionedLocal {
			if err := s.notify(ctx, tx, &mentionedLocal[i], "mention", author, &st.ID); err != nil {
				return err
			}
		}
		if group != nil && group.IsLocal() && raw != nil {
			return s.groupAnnounce(ctx, tx, group, raw, st)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

func mentionKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (s *Service) receiveUpdate(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	if in.Object == nil {
		return rejected("Update must embed its object")
	}
	if in.ObjectID == actor.URI {
		return s.refreshActor(ctx, actor, in.Object)
	}
	post, err := ap.ParsePost(in.Object)
	if err != nil {
		return rejected("%v", err)
	}
	if err := s.applyPostUpdate(ctx, actor, post); err != nil {
		return err
	}
	// An edit of a post made in a group hosted here: the group relays
	// the author's Update to every server it had sent the post to.
	st, err := s.Store.StatusByURI(ctx, post.ID)
	if err != nil {
		return nil
	}
	group, err := s.localGroupOf(ctx, st)
	if err != nil || group == nil {
		return err
	}
	raw, err := json.Marshal(in.Raw)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error { return s.groupAnnounce(ctx, tx, group, raw, st) })
}

// applyPostUpdate applies an edit of a remote post (or the new gauge of
// a remote event).
func (s *Service) applyPostUpdate(ctx context.Context, actor *model.Account, post *ap.Post) error {
	st, err := s.Store.StatusByURI(ctx, post.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // an update of something we never kept
	} else if err != nil {
		return err
	}
	if st.AccountID != actor.ID || post.AttributedTo != actor.URI {
		return rejected("only the author may update a post")
	}
	updated := post.Updated
	if updated.IsZero() {
		updated = s.now()
	}
	if st.EditedAt != nil && !updated.After(*st.EditedAt) {
		return nil // stale or repeated Update
	}
	previous := *st
	st.Content, st.SpoilerText = text.SanitizeRemote(post.Content), text.StripHTML(post.Summary)
	st.Title, st.Sensitive = text.StripHTML(post.Name), post.Sensitive || (post.Summary != "" && post.Event == nil)
	if post.Event != nil {
		st.SpoilerText = ""
	}
	st.UpdatedAt, st.EditedAt = s.now(), &updated
	recipients, err := s.Store.StatusRecipients(ctx, st.ID)
	if err != nil {
		return err
	}
	rows := make([]model.StatusRecipient, 0, len(recipients))
	for _, a := range recipients {
		rows = append(rows, model.StatusRecipient{AccountID: a.ID, Mentioned: true})
	}
	tags, err := s.Store.StatusTags(ctx, st.ID)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		// Updates of one object may be processed at once (an event's
		// gauge changes several times a second): re-check, under a row
		// lock, that this one is still the newest, or an older Update
		// committing last would win.
		current, err := s.Store.LockStatusEditedAt(ctx, tx, st.ID)
		if err != nil {
			return err
		}
		if current != nil && !updated.After(*current) {
			return nil
		}
		if err := s.Store.UpdateStatusContent(ctx, tx, st, &previous, rows, tags); err != nil {
			return err
		}
		if err := s.queueCardFetch(ctx, tx, st); err != nil {
			return err
		}
		s.emit(ctx, tx, "status.update", st.ID, "")
		if post.Event == nil && post.Poll == nil {
			if err := s.notifyEdit(ctx, tx, st, actor); err != nil {
				return err
			}
		}
		if err := s.storeRemotePoll(ctx, tx, st, post); err != nil {
			return err
		}
		return s.updateRemoteEvent(ctx, tx, st, post)
	})
}

// refreshActor applies an actor's Update of its own profile (object.id
// must equal the signer, checked by the caller through in.ObjectID).
func (s *Service) refreshActor(ctx context.Context, actor *model.Account, doc map[string]any) error {
	parsed, err := ap.ParseActor(doc)
	if err != nil {
		return rejected("%v", err)
	}
	fresh := parsed.Account
	if fresh.URI != actor.URI {
		return rejected("an actor may only update itself")
	}
	if fresh.PublicKeyPEM != "" && (fresh.PublicKeyID == "" || ap.Host(fresh.PublicKeyID) != ap.Host(actor.URI)) {
		return rejected("public key must live on the actor's origin")
	}
	now := s.now()
	updated := *actor
	updated.DisplayName, updated.Note, updated.URL = fresh.DisplayName, text.SanitizeRemote(fresh.Note), fresh.URL
	updated.InboxURI, updated.SharedInboxURI, updated.OutboxURI = fresh.InboxURI, fresh.SharedInboxURI, fresh.OutboxURI
	updated.FollowersURI, updated.FollowingURI, updated.FeaturedURI = fresh.FollowersURI, fresh.FollowingURI, fresh.FeaturedURI
	updated.Locked, updated.Discoverable, updated.Indexable, updated.Bot = fresh.Locked, fresh.Discoverable, fresh.Indexable, fresh.Bot
	updated.AvatarRemoteURL, updated.HeaderRemoteURL, updated.Fields = fresh.AvatarRemoteURL, fresh.HeaderRemoteURL, sanitizeFields(fresh.Fields)
	if fresh.PublicKeyPEM != "" {
		// A signed Update is how an actor rotates its key (H-11).
		updated.PublicKeyID, updated.PublicKeyPEM = fresh.PublicKeyID, fresh.PublicKeyPEM
	}
	updated.FetchedAt, updated.UpdatedAt = &now, now
	var group *model.Group
	if updated.IsGroup() && !updated.IsLocal() {
		group = ap.RemoteGroup(doc, updated.ID, now)
	}
	return s.Store.SaveRemoteActor(ctx, &updated, false, group)
}

func sanitizeFields(fields []model.Field) []model.Field {
	out := make([]model.Field, 0, len(fields))
	for _, f := range fields {
		out = append(out, model.Field{Name: text.StripHTML(f.Name), Value: text.SanitizeRemote(f.Value)})
	}
	return out
}

func (s *Service) receiveDelete(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	uri := in.ObjectID
	if uri == "" {
		return rejected("Delete names no object")
	}
	if uri == actor.URI {
		now := s.now()
		actor.GoneAt, actor.SuspendedAt = &now, &now
		return s.Store.InTx(ctx, func(tx bun.Tx) error {
			if _, err := tx.NewDelete().Model((*model.Status)(nil)).Where("account_id = ?", actor.ID).Exec(ctx); err != nil {
				return err
			}
			if _, err := tx.NewDelete().Model((*model.Follow)(nil)).Where("account_id = ? OR target_account_id = ?", actor.ID, actor.ID).Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewUpdate().Model(actor).Column("gone_at", "suspended_at").WherePK().Exec(ctx)
			return err
		})
	}
	if !ap.SameOrigin(uri, actor.URI) {
		return rejected("an actor may only delete its own objects")
	}
	st, err := s.Store.StatusByURI(ctx, uri)
	if errors.Is(err, storage.ErrNotFound) {
		return s.Store.AddTombstone(ctx, s.Store.DB, uri, s.now())
	} else if err != nil {
		return err
	}
	if st.AccountID != actor.ID {
		return rejected("an actor may only delete its own objects")
	}
	raw, err := json.Marshal(in.Raw)
	if err != nil {
		return err
	}
	return s.deleteRemoteStatus(ctx, st, raw)
}

// deleteRemoteStatus applies its author's deletion of a remote status.
// When the post was made in a group hosted here, the group relays raw
// (the author's Delete) to every server it had sent the post to.
func (s *Service) deleteRemoteStatus(ctx context.Context, st *model.Status, raw []byte) error {
	uri := st.URI
	group, err := s.localGroupOf(ctx, st)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.DeleteStatus(ctx, tx, st.ID); err != nil {
			return err
		}
		if st.InReplyToID != nil {
			if err := s.Store.AdjustCount(ctx, tx, *st.InReplyToID, "replies_count", -1); err != nil {
				return err
			}
		}
		if st.ReblogOfID != nil {
			if err := s.Store.AdjustCount(ctx, tx, *st.ReblogOfID, "reblogs_count", -1); err != nil {
				return err
			}
		}
		s.emit(ctx, tx, "delete", st.ID, "")
		if err := s.Store.AddTombstone(ctx, tx, uri, s.now()); err != nil {
			return err
		}
		if group != nil && raw != nil {
			return s.groupAnnounce(ctx, tx, group, raw, st)
		}
		return nil
	})
}

func (s *Service) receiveLike(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	st, err := s.Store.StatusByURI(ctx, in.ObjectID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !st.Account.IsLocal()) {
		return nil // only likes of our posts matter here
	} else if err != nil {
		return err
	}
	if ok, err := s.CanView(ctx, actor, st); err != nil {
		return err
	} else if !ok {
		return rejected("no such object") // liking what one may not see confirms nothing
	}
	fav := &model.Favourite{ID: model.NewID(s.now()), AccountID: actor.ID, StatusID: st.ID, URI: in.ID, CreatedAt: s.now()}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		created, err := s.Store.InsertFavourite(ctx, tx, fav)
		if err != nil || !created {
			return err
		}
		if err := s.Store.AdjustCount(ctx, tx, st.ID, "favourites_count", 1); err != nil {
			return err
		}
		return s.notify(ctx, tx, st.Account, "favourite", actor, &st.ID)
	})
}

func (s *Service) receiveAnnounce(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	if actor.IsGroup() && in.Object != nil && ap.Type(in.Object) != "Note" && ap.Type(in.Object) != "Article" {
		return s.receiveGroupAnnounce(ctx, actor, in)
	}
	if !ap.SameOrigin(in.ID, actor.URI) {
		return rejected("announce id and actor are on different origins")
	}
	if existing, err := s.Store.StatusByURI(ctx, in.ID); err == nil {
		if existing.AccountID != actor.ID {
			return rejected("announce id already belongs to another account")
		}
		return nil
	}
	original, err := s.Store.StatusByURI(ctx, in.ObjectID)
	fetched := false
	if errors.Is(err, storage.ErrNotFound) || (err == nil && s.lacksEventData(ctx, original)) {
		// A boost of something we do not have (or kept without its event
		// data): fetch it from its origin when someone here follows the
		// booster.
		followed, ferr := s.Store.HasLocalFollower(ctx, actor.ID)
		if ferr != nil || !followed || s.Resolver == nil {
			return ferr
		}
		original, err = s.fetchRemotePost(ctx, in.ObjectID, actor)
		if err != nil || original == nil {
			return err
		}
		fetched = true
	} else if err != nil {
		return err
	}
	if actor.IsGroup() && original.GroupID != nil && *original.GroupID == actor.ID {
		// A group passing on a post of its own audience (FEP-1b12) is
		// redistribution, not a boost: its followers see the post itself
		// (home timeline and agenda follow the group's posts), once,
		// however many Updates the group relays. The group passes on the
		// organiser's Updates the same way: refresh an event from its
		// origin, so that gauges stay current for the group's followers.
		if !fetched && original.APType == "Event" && !original.Local && s.Resolver != nil {
			_, err := s.fetchRemotePost(ctx, original.URI, actor)
			return err
		}
		return nil
	}
	if original.Visibility != model.VisibilityPublic && original.Visibility != model.VisibilityUnlisted {
		return rejected("only public posts can be boosted") // P-03
	}
	now := s.now()
	boost := &model.Status{ID: model.NewID(now), URI: in.ID, URL: original.URL, AccountID: actor.ID, APType: "Announce",
		Visibility: model.VisibilityPublic, ReblogOfID: &original.ID, CreatedAt: now, UpdatedAt: now}
	boost.ThreadID = boost.ID
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.InsertStatus(ctx, tx, boost, nil, nil); err != nil {
			if storage.IsUniqueViolation(err) {
				return nil
			}
			return err
		}
		if err := s.Store.AdjustCount(ctx, tx, original.ID, "reblogs_count", 1); err != nil {
			return err
		}
		s.emit(ctx, tx, "status", boost.ID, "")
		return s.notify(ctx, tx, original.Account, "reblog", actor, &original.ID)
	})
}

// RemoteFetcher is the part of the Resolver that fetches objects; it is
// optional so that tests and the admin commands need not provide it.
type RemoteFetcher interface {
	FetchObject(ctx context.Context, uri string) (map[string]any, error)
}

func (s *Service) fetchRemotePost(ctx context.Context, uri string, via *model.Account) (*model.Status, error) {
	fetcher, ok := s.Resolver.(RemoteFetcher)
	if !ok {
		return nil, nil
	}
	doc, err := fetcher.FetchObject(ctx, uri)
	if err != nil {
		return nil, rejected("cannot fetch %s: %v", uri, err)
	}
	post, err := ap.ParsePost(doc)
	if err != nil {
		return nil, rejected("%v", err)
	}
	author, err := s.Resolver.ResolveActor(ctx, post.AttributedTo)
	if err != nil {
		return nil, rejected("cannot resolve author of %s", uri)
	}
	if !ap.IsPublic(post.To) && !ap.IsPublic(post.Cc) {
		return nil, rejected("only public posts can be boosted")
	}
	// A boosted public post concerns the booster's local followers.
	st, err := s.storeFetchedPostVia(ctx, author, post, via)
	return st, err
}

// storeFetchedPost stores a public post fetched from its origin, without
// the relevance filter (someone here asked for it), with its event, poll
// and media: a field action found by search, boosted by its section or
// read from an outbox is an event here too. A post stored earlier
// without its event data is completed.
func (s *Service) storeFetchedPost(ctx context.Context, author *model.Account, post *ap.Post) (*model.Status, error) {
	return s.storeFetchedPostVia(ctx, author, post, nil)
}

// storeFetchedPostVia is storeFetchedPost for a post that reached us
// through a group (its Announce, its outbox): the post is filed in that
// group when its audience names it.
func (s *Service) storeFetchedPostVia(ctx context.Context, author *model.Account, post *ap.Post, via *model.Account) (*model.Status, error) {
	if !ap.SameOrigin(post.ID, author.URI) || post.AttributedTo != author.URI {
		return nil, rejected("object id and author are on different origins")
	}
	if author.IsLocal() {
		return nil, rejected("our own posts are not fetched")
	}
	if gone, err := s.Store.IsTombstoned(ctx, post.ID); err != nil || gone {
		return nil, err
	}
	if existing, err := s.Store.StatusByURI(ctx, post.ID); err == nil {
		if existing.AccountID != author.ID {
			return nil, rejected("object id already belongs to another account")
		}
		// Fetched from its origin just now: the freshest word on it.
		return existing, s.Store.InTx(ctx, func(tx bun.Tx) error {
			return s.updateRemoteEvent(ctx, tx, existing, post)
		})
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	group, err := s.fetchedPostGroup(ctx, post, via)
	if err != nil {
		return nil, err
	}
	membersURI := ""
	if group != nil && via != nil && via.ID == group.ID && ap.SameOrigin(post.ID, group.URI) {
		// Read from the group's own server on its word (its history):
		// a post to its members is members-only here too.
		membersURI = group.MembersURI
	}
	st := s.statusFromPost(author, post, ap.VisibilityOf(post.To, post.Cc, author.FollowersURI, membersURI))
	if group != nil {
		st.GroupID = &group.ID
	} else if st.Visibility == model.VisibilityMembers {
		return nil, rejected("members-only post outside its group")
	}
	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.InsertStatus(ctx, tx, st, nil, nil); err != nil {
			return err
		}
		if err := s.storeRemoteEvent(ctx, tx, st, post); err != nil {
			return err
		}
		if err := s.storeRemotePoll(ctx, tx, st, post); err != nil {
			return err
		}
		return s.storeRemoteMedia(ctx, tx, st, post)
	})
	if storage.IsUniqueViolation(err) {
		return s.Store.StatusByURI(ctx, post.ID) // fetched twice at once
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

func (s *Service) receiveBlock(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	target, err := s.localTarget(ctx, in.ObjectID)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.InsertBlock(ctx, tx, &model.Block{ID: model.NewID(s.now()), AccountID: actor.ID, TargetAccountID: target.ID, URI: in.ID, CreatedAt: s.now()}); err != nil {
			return err
		}
		if _, err := s.Store.DeleteFollow(ctx, tx, actor.ID, target.ID); err != nil {
			return err
		}
		_, err := s.Store.DeleteFollow(ctx, tx, target.ID, actor.ID)
		return err
	})
}

func (s *Service) receiveFlag(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	var targetID string
	var statusIDs []string
	for _, iri := range ap.IDs(in.Raw["object"]) {
		if !s.IsLocalURI(iri) {
			continue
		}
		if a, err := s.Store.AccountByURI(ctx, iri); err == nil {
			targetID = a.ID
		} else if st, err := s.Store.StatusByURI(ctx, iri); err == nil {
			statusIDs = append(statusIDs, st.ID)
			targetID = st.AccountID
		}
	}
	if targetID == "" {
		return rejected("Flag names nothing on this instance")
	}
	if statusIDs == nil {
		statusIDs = []string{}
	}
	comment := text.StripHTML(ap.Str(in.Raw, "content"))
	if len(comment) > 5000 {
		comment = comment[:5000]
	}
	// The staff are told as of a local report ("admin.report").
	return s.fileReport(ctx, &model.Report{ID: model.NewID(s.now()), AccountID: &actor.ID, TargetAccountID: targetID,
		StatusIDs: statusIDs, Comment: comment, URI: in.ID, CreatedAt: s.now()})
}

// receiveMove records a move; following the mover to its new account
// is left to people (we do not re-follow automatically yet).
func (s *Service) receiveMove(ctx context.Context, actor *model.Account, in *ap.Incoming) error {
	if in.ObjectID != actor.URI || in.Target == "" {
		return rejected("Move must move the actor itself to a target")
	}
	if s.Resolver == nil {
		return nil
	}
	target, err := s.Resolver.ResolveActor(ctx, in.Target)
	if err != nil {
		return rejected("cannot resolve move target")
	}
	if !slices.Contains(target.AlsoKnownAs, actor.URI) {
		return rejected("move target does not list the actor in alsoKnownAs")
	}
	actor.MovedToURI = target.URI
	_, err = s.Store.DB.NewUpdate().Model(actor).Column("moved_to_uri").WherePK().Exec(ctx)
	return err
}

// statusFromPost is the row a remote post becomes: its text sanitized
// (C-01), its date never in the future.
func (s *Service) statusFromPost(author *model.Account, post *ap.Post, visibility string) *model.Status {
	now := s.now()
	published := post.Published
	if published.IsZero() || published.After(now) {
		published = now
	}
	st := &model.Status{
		ID: model.NewID(published), URI: post.ID, URL: post.URL, AccountID: author.ID, APType: post.Type,
		Title: text.StripHTML(post.Name), Content: text.SanitizeRemote(post.Content), SpoilerText: text.StripHTML(post.Summary),
		Sensitive: post.Sensitive || post.Summary != "", Language: post.Language,
		Visibility: visibility, InReplyToURI: post.InReplyTo,
		CreatedAt: published, UpdatedAt: now, Account: author,
	}
	if post.Event != nil {
		// An event's summary is its date and place line, not a warning.
		st.SpoilerText, st.Sensitive = "", post.Sensitive
	}
	if st.URL == "" {
		st.URL = st.URI
	}
	st.ThreadID = st.ID
	return st
}

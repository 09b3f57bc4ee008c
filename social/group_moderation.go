package social

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// Moderation actions on a group discussion.
const (
	ModPin    = "pin"
	ModUnpin  = "unpin"
	ModLock   = "lock"
	ModUnlock = "unlock"
	ModRemove = "remove"
)

// ModerateGroupPost lets a moderator of a local group pin or lock a
// thread, or remove a post from the group. Removal deletes the group's
// copy and the group announces the Delete to its members' servers
// (FEP-1b12: the group is authoritative for its content), so the post
// disappears everywhere the group had sent it.
func (s *Service) ModerateGroupPost(ctx context.Context, moderator *model.Account, statusID, action string) error {
	return s.ModerateGroupPostIn(ctx, moderator, "", statusID, action)
}

// ModerateGroupPostIn is ModerateGroupPost for a post that must belong to
// groupID (the group named in the request; "" for any).
func (s *Service) ModerateGroupPostIn(ctx context.Context, moderator *model.Account, groupID, statusID, action string) error {
	st, err := s.Store.StatusByID(ctx, statusID)
	if err != nil {
		return mapNotFound(err)
	}
	if st.GroupID == nil || (groupID != "" && *st.GroupID != groupID) {
		return ErrNotFound
	}
	group, err := s.Store.AccountByID(ctx, *st.GroupID)
	if err != nil {
		return err
	}
	if ok, err := s.CanModerate(ctx, moderator, group); err != nil || !ok {
		if ok, _ := s.CanView(ctx, moderator, st); !ok {
			return ErrNotFound
		}
		return orForbidden(err)
	}
	if action != ModRemove {
		// Pinning and locking act on the thread: its first post must be
		// this group's too, or a moderator of any group could close any
		// discussion of the instance by replying to it in their group.
		root, err := s.Store.StatusByID(ctx, st.ThreadID)
		if err != nil {
			return mapNotFound(err)
		}
		if root.GroupID == nil || *root.GroupID != group.ID {
			return ErrForbidden
		}
	}
	switch action {
	case ModPin, ModUnpin:
		_, err := s.Store.DB.NewUpdate().Model((*model.Status)(nil)).Set("pinned_in_group = ?", action == ModPin).Where("id = ?", st.ThreadID).Exec(ctx)
		return err
	case ModLock, ModUnlock:
		_, err := s.Store.DB.NewUpdate().Model((*model.Status)(nil)).Set("thread_locked = ?", action == ModLock).Where("id = ?", st.ThreadID).Exec(ctx)
		return err
	case ModRemove:
		return s.removeFromGroup(ctx, group, st)
	}
	return invalid("action must be pin, unpin, lock, unlock or remove")
}

func (s *Service) removeFromGroup(ctx context.Context, group *model.Account, st *model.Status) error {
	memberInboxes, err := s.Store.MemberInboxes(ctx, s.Store.DB, group.ID)
	if err != nil {
		return err
	}
	inboxes := memberInboxes
	if st.Visibility == model.VisibilityPublic || st.Visibility == model.VisibilityUnlisted {
		followers, err := s.Store.FollowerInboxes(ctx, s.Store.DB, group.ID)
		if err != nil {
			return err
		}
		for _, in := range followers {
			inboxes = appendUnique(inboxes, in)
		}
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
		if err := s.Store.AddTombstone(ctx, tx, st.URI, s.now()); err != nil {
			return err
		}
		s.emit(ctx, tx, "delete", st.ID, "")
		to := []string{group.MembersURI}
		if st.Visibility == model.VisibilityPublic || st.Visibility == model.VisibilityUnlisted {
			to = []string{ap.Public, group.FollowersURI}
		}
		_, deleteID := s.newActivityID()
		_, announceID := s.newActivityID()
		doc := ap.Document{
			"@context": "https://www.w3.org/ns/activitystreams", "id": announceID, "type": "Announce", "actor": group.URI, "to": to,
			"object": map[string]any{"id": deleteID, "type": "Delete", "actor": group.URI, "object": st.URI, "audience": group.URI},
		}
		return s.publishDocument(ctx, tx, group, doc, inboxes)
	})
}

// receiveGroupRemoval applies a group's Delete of a post in its audience
// (a moderator removed it).
func (s *Service) receiveGroupRemoval(ctx context.Context, group *model.Account, uri string) error {
	st, err := s.Store.StatusByURI(ctx, uri)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if ok, err := s.groupOwnsCopy(ctx, group, st); err != nil {
		return err
	} else if !ok {
		return rejected("a group may only remove posts of its own discussion")
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.DeleteStatus(ctx, tx, st.ID); err != nil {
			return err
		}
		s.emit(ctx, tx, "delete", st.ID, "")
		return s.Store.AddTombstone(ctx, tx, uri, s.now())
	})
}

// threadLocked reports whether replies to st are closed: its thread's
// first post was locked by a moderator.
func (s *Service) threadLocked(ctx context.Context, st *model.Status) bool {
	if st.ThreadLocked {
		return true
	}
	if st.ThreadID == "" || st.ThreadID == st.ID {
		return false
	}
	root, err := s.Store.StatusByID(ctx, st.ThreadID)
	return err == nil && root.ThreadLocked
}

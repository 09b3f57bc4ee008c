package social

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// fetchedPostGroup is the group a fetched public post is filed in: the
// group its audience names, when that claim can be trusted — the post
// reached us through that very group (its Announce, its outbox), or the
// group lives on the post's own server. A stranger's post naming some
// other server's group, or one of ours, is filed nowhere: local groups
// take posts only through acceptIntoGroup.
func (s *Service) fetchedPostGroup(ctx context.Context, post *ap.Post, via *model.Account) (*model.Account, error) {
	group, err := s.groupOf(ctx, post)
	if err != nil || group == nil || group.IsLocal() {
		return nil, err
	}
	if via != nil && via.ID == group.ID {
		return group, nil
	}
	if ap.SameOrigin(group.URI, post.ID) {
		return group, nil
	}
	return nil, nil
}

// completeRemoteEvent adds the event data of a remote status kept
// without it; an event already kept is left to Updates, which carry the
// ordering (an older Create must not roll a gauge back).
func (s *Service) completeRemoteEvent(ctx context.Context, st *model.Status, post *ap.Post) error {
	if post.Event == nil || st.Local {
		return nil
	}
	if _, err := s.Store.EventByStatusID(ctx, st.ID); err == nil {
		return nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		err := s.storeRemoteEvent(ctx, tx, st, post)
		if storage.IsUniqueViolation(err) {
			return nil // completed by another path at the same moment
		}
		return err
	})
}

// lacksEventData reports a remote Event status kept without its event
// row (by a version that skipped it).
func (s *Service) lacksEventData(ctx context.Context, st *model.Status) bool {
	if st.Local || st.APType != "Event" {
		return false
	}
	_, err := s.Store.EventByStatusID(ctx, st.ID)
	return errors.Is(err, storage.ErrNotFound)
}

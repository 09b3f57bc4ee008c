package social

import (
	"context"

	"github.com/coopol/coopol/model"
)

// MaxPinnedStatuses is how many posts one may pin on one's profile.
const MaxPinnedStatuses = 5

// VisibleStatus loads a status that viewer (nil = anonymous) may see;
// ErrNotFound otherwise, whether it is absent or hidden.
func (s *Service) VisibleStatus(ctx context.Context, viewer *model.Account, id string) (*model.Status, error) {
	return s.visibleStatus(ctx, viewer, id)
}

// Bookmark keeps a status in account's private bookmarks.
func (s *Service) Bookmark(ctx context.Context, account *model.Account, statusID string) (*model.Status, error) {
	st, err := s.visibleStatus(ctx, account, statusID)
	if err != nil {
		return nil, err
	}
	if err := s.Store.InsertBookmark(ctx, model.NewID(s.now()), account.ID, st.ID, s.now()); err != nil {
		return nil, err
	}
	return st, nil
}

// Unbookmark removes a bookmark.
func (s *Service) Unbookmark(ctx context.Context, account *model.Account, statusID string) (*model.Status, error) {
	st, err := s.visibleStatus(ctx, account, statusID)
	if err != nil {
		return nil, err
	}
	if err := s.Store.DeleteBookmark(ctx, account.ID, st.ID); err != nil {
		return nil, err
	}
	return st, nil
}

// Pin features one of account's own public or unlisted posts on their
// profile. Narrower posts cannot be pinned: the profile is public.
func (s *Service) Pin(ctx context.Context, account *model.Account, statusID string) (*model.Status, error) {
	st, err := s.ownStatus(ctx, account, statusID)
	if err != nil {
		return nil, err
	}
	if st.ReblogOfID != nil {
		return nil, invalid("a boost cannot be pinned")
	}
	if st.Visibility != model.VisibilityPublic && st.Visibility != model.VisibilityUnlisted {
		return nil, invalid("only public and unlisted posts can be pinned")
	}
	if pinned, err := s.Store.ViewerFlagsFor(ctx, account.ID, []string{st.ID}); err != nil {
		return nil, err
	} else if pinned.Pinned[st.ID] {
		return st, nil
	}
	n, err := s.Store.CountPins(ctx, account.ID)
	if err != nil {
		return nil, err
	}
	if n >= MaxPinnedStatuses {
		return nil, invalid("you can pin at most %d posts", MaxPinnedStatuses)
	}
	if err := s.Store.InsertPin(ctx, model.NewID(s.now()), account.ID, st.ID, s.now()); err != nil {
		return nil, err
	}
	return st, nil
}

// Unpin takes a post off account's profile.
func (s *Service) Unpin(ctx context.Context, account *model.Account, statusID string) (*model.Status, error) {
	st, err := s.ownStatus(ctx, account, statusID)
	if err != nil {
		return nil, err
	}
	if err := s.Store.DeletePin(ctx, account.ID, st.ID); err != nil {
		return nil, err
	}
	return st, nil
}

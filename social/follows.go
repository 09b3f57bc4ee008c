package social

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// Follow makes follower (local) follow target. A remote target gets a
// Follow and the follow stays pending until its Accept (P-01: never
// assume acceptance).
func (s *Service) Follow(ctx context.Context, follower, target *model.Account) (*model.Follow, error) {
	if follower.ID == target.ID {
		return nil, invalid("you cannot follow yourself")
	}
	if existing, err := s.Store.Follow(ctx, follower.ID, target.ID); err == nil {
		return existing, nil
	}
	for _, pair := range [][2]string{{target.ID, follower.ID}, {follower.ID, target.ID}} {
		if blocked, err := s.Store.IsBlocking(ctx, pair[0], pair[1]); err != nil {
			return nil, err
		} else if blocked {
			return nil, ErrForbidden
		}
	}
	now := s.now()
	_, activityURI := s.newActivityID()
	f := &model.Follow{ID: model.NewID(now), AccountID: follower.ID, TargetAccountID: target.ID, URI: activityURI,
		State: model.FollowPending, ShowReblogs: true, CreatedAt: now, UpdatedAt: now}
	if target.IsLocal() && !target.Locked {
		f.State = model.FollowAccepted
	}
	err := s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.UpsertFollow(ctx, tx, f); err != nil {
			return err
		}
		if target.IsLocal() {
			typ := "follow"
			if f.State == model.FollowPending {
				typ = "follow_request"
			}
			return s.notify(ctx, tx, target, typ, follower, nil)
		}
		if err := s.publish(ctx, tx, follower, &ap.Activity{ID: f.URI, Type: "Follow", Actor: follower.URI, ObjectIRI: target.URI, To: []string{target.URI}}, nil, []string{target.InboxURI}); err != nil {
			return err
		}
		// A new follower of a section or group sees what it already
		// announced, not only what comes next.
		return s.requestGroupHistory(ctx, tx, target, "follow:"+follower.ID)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// followActivity rebuilds the Follow a row stands for, for embedding in
// Undo, Accept and Reject (GtS ignores an Undo whose object is an IRI).
func followActivity(f *model.Follow, follower, target *model.Account) *ap.Activity {
	return &ap.Activity{ID: f.URI, Type: "Follow", Actor: follower.URI, ObjectIRI: target.URI}
}

// Unfollow withdraws a follow or a pending request.
func (s *Service) Unfollow(ctx context.Context, follower, target *model.Account) error {
	f, err := s.Store.Follow(ctx, follower.ID, target.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if _, err := s.Store.DeleteFollow(ctx, tx, follower.ID, target.ID); err != nil {
			return err
		}
		if target.IsLocal() {
			return nil
		}
		inner, err := ap.ActivityType(followActivity(f, follower, target))
		if err != nil {
			return err
		}
		_, id := s.newActivityID()
		return s.publish(ctx, tx, follower, &ap.Activity{ID: id, Type: "Undo", Actor: follower.URI, Object: inner, To: []string{target.URI}}, nil, []string{target.InboxURI})
	})
}

// AnswerFollowRequest accepts or rejects a pending follow of a local
// account (the locked account's owner decides).
func (s *Service) AnswerFollowRequest(ctx context.Context, target, follower *model.Account, accept bool) error {
	f, err := s.Store.Follow(ctx, follower.ID, target.ID)
	if err != nil {
		return mapNotFound(err)
	}
	if f.State != model.FollowPending {
		if accept {
			return nil
		}
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if accept {
			if err := s.Store.SetFollowState(ctx, tx, f.ID, model.FollowAccepted); err != nil {
				return err
			}
		} else if _, err := s.Store.DeleteFollow(ctx, tx, follower.ID, target.ID); err != nil {
			return err
		}
		if follower.IsLocal() {
			return nil
		}
		return s.answerRemoteFollow(ctx, tx, target, follower, f, accept)
	})
}

func (s *Service) answerRemoteFollow(ctx context.Context, tx bun.Tx, target, follower *model.Account, f *model.Follow, accept bool) error {
	inner, err := ap.ActivityType(followActivity(f, follower, target))
	if err != nil {
		return err
	}
	typ := "Accept"
	if !accept {
		typ = "Reject"
	}
	_, id := s.newActivityID()
	return s.publish(ctx, tx, target, &ap.Activity{ID: id, Type: typ, Actor: target.URI, Object: inner, To: []string{follower.URI}}, nil, []string{follower.InboxURI})
}

// Block makes blocker stop seeing and being seen by target: follows in
// both directions end.
func (s *Service) Block(ctx context.Context, blocker, target *model.Account) error {
	if blocker.ID == target.ID {
		return invalid("you cannot block yourself")
	}
	ourFollow, followErr := s.Store.Follow(ctx, blocker.ID, target.ID)
	theirFollow, theirErr := s.Store.Follow(ctx, target.ID, blocker.ID)
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		_, uri := s.newActivityID()
		if err := s.Store.InsertBlock(ctx, tx, &model.Block{ID: model.NewID(s.now()), AccountID: blocker.ID, TargetAccountID: target.ID, URI: uri, CreatedAt: s.now()}); err != nil {
			return err
		}
		if _, err := s.Store.DeleteFollow(ctx, tx, target.ID, blocker.ID); err != nil {
			return err
		}
		if _, err := s.Store.DeleteFollow(ctx, tx, blocker.ID, target.ID); err != nil {
			return err
		}
		if target.IsLocal() {
			return nil
		}
		if followErr == nil {
			inner, err := ap.ActivityType(followActivity(ourFollow, blocker, target))
			if err != nil {
				return err
			}
			_, id := s.newActivityID()
			if err := s.publish(ctx, tx, blocker, &ap.Activity{ID: id, Type: "Undo", Actor: blocker.URI, Object: inner, To: []string{target.URI}}, nil, []string{target.InboxURI}); err != nil {
				return err
			}
		}
		if !s.Config.Federation.DeliverBlocks && theirErr == nil && blocker.IsLocal() {
			// Without a Block, the blocked follower's server would go on
			// believing it follows: end the follow as a refused request
			// would, which reveals nothing (issue 15, GtS 5).
			if err := s.answerRemoteFollow(ctx, tx, blocker, target, theirFollow, false); err != nil {
				return err
			}
		}
		if s.Config.Federation.DeliverBlocks {
			return s.publish(ctx, tx, blocker, &ap.Activity{ID: uri, Type: "Block", Actor: blocker.URI, ObjectIRI: target.URI, To: []string{target.URI}}, nil, []string{target.InboxURI})
		}
		return nil
	})
}

// Unblock lifts a block.
func (s *Service) Unblock(ctx context.Context, blocker, target *model.Account) error {
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.DeleteBlock(ctx, tx, blocker.ID, target.ID); err != nil {
			return err
		}
		if target.IsLocal() || !s.Config.Federation.DeliverBlocks {
			return nil
		}
		_, blockURI := s.newActivityID()
		inner, err := ap.ActivityType(&ap.Activity{ID: blockURI, Type: "Block", Actor: blocker.URI, ObjectIRI: target.URI})
		if err != nil {
			return err
		}
		_, id := s.newActivityID()
		return s.publish(ctx, tx, blocker, &ap.Activity{ID: id, Type: "Undo", Actor: blocker.URI, Object: inner, To: []string{target.URI}}, nil, []string{target.InboxURI})
	})
}

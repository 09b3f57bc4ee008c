package social

import (
	"context"
	"errors"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// relayedPost is a post a group relayed, in the version we may trust.
type relayedPost struct {
	post   *ap.Post
	doc    map[string]any // the object as trusted (embedded or fetched)
	author *model.Account
}

// trustRelayedPost is the one place that decides whether a post that a
// group relays (FEP-1b12: Announce of a Create or Update) can be
// believed. A signature proves only who relays; the object must come
// from its own origin:
//   - an object on the group's own origin: the group's server speaks for
//     its own users, the embedded copy is used;
//   - an object carrying its author's proof (members-only posts, which the
//     author's server serves to nobody else): the embedded copy is used
//     once the proof verifies against the key of the author's origin;
//   - otherwise the object is fetched from its origin (signed fetch) and
//     the origin's version is used; if that fails, it is refused.
//
// The post must belong to the relaying group (its audience or addressing).
func (s *Service) trustRelayedPost(ctx context.Context, group *model.Account, inner *ap.Incoming) (*relayedPost, error) {
	if inner.Actor == "" || !ap.SameOrigin(inner.ID, inner.Actor) {
		return nil, rejected("relayed activity and its actor are on different origins")
	}
	if s.Resolver == nil {
		return nil, rejected("cannot check a relayed object")
	}
	doc := inner.Object
	objectID := inner.ObjectID
	if objectID == "" || !ap.SameOrigin(objectID, inner.Actor) {
		return nil, rejected("relayed object and its author are on different origins")
	}
	if doc == nil || !s.vouchedByGroupOrAuthor(ctx, group, inner.Actor, doc) {
		fetched, err := s.fetchFromOrigin(ctx, objectID)
		if err != nil {
			s.Log.Info("relayed object refused", "group", group.URI, "object", objectID, "reason", err)
			return nil, rejected("relayed object could not be checked at its origin")
		}
		doc = fetched
	}
	post, err := ap.ParsePost(doc)
	if err != nil {
		return nil, rejected("%v", err)
	}
	if post.ID != objectID || post.AttributedTo != inner.Actor {
		return nil, rejected("relayed object is not the author's")
	}
	if owner, err := s.groupOf(ctx, post); err != nil {
		return nil, err
	} else if owner == nil || owner.ID != group.ID {
		return nil, rejected("a group may only relay posts of its own audience")
	}
	author, err := s.Resolver.ResolveActor(ctx, inner.Actor)
	if err != nil {
		return nil, rejected("cannot resolve the author: %v", err)
	}
	return &relayedPost{post: post, doc: doc, author: author}, nil
}

// vouchedByGroupOrAuthor reports whether an embedded object may be used
// as it is: it is on the relaying group's origin, or it carries a valid
// proof by its author's key, published on the author's origin.
func (s *Service) vouchedByGroupOrAuthor(ctx context.Context, group *model.Account, authorURI string, doc map[string]any) bool {
	if ap.SameOrigin(ap.ID(doc["id"]), group.URI) && ap.SameOrigin(authorURI, group.URI) {
		return true
	}
	keyID := ap.ProofKeyID(doc)
	if keyID == "" {
		return false
	}
	author, err := s.Resolver.ResolveActor(ctx, authorURI)
	if err != nil || author.PublicKeyID != keyID || !ap.SameOrigin(keyID, author.URI) {
		return false
	}
	pub, err := httpsign.ParsePublicKey(author.PublicKeyPEM)
	if err != nil {
		return false
	}
	return ap.VerifyObject(doc, pub) == nil
}

// fetchFromOrigin dereferences an object id from its own server.
func (s *Service) fetchFromOrigin(ctx context.Context, uri string) (map[string]any, error) {
	fetcher, ok := s.Resolver.(RemoteFetcher)
	if !ok {
		return nil, errors.New("no fetcher")
	}
	return fetcher.FetchObject(ctx, uri)
}

// relayedTarget finds the stored status an announced Update or Delete
// names; it must belong to the announcing group and to the activity's
// actor. nil, nil when we never kept it.
func (s *Service) relayedTarget(ctx context.Context, group *model.Account, actorURI, uri string) (*model.Status, error) {
	st, err := s.Store.StatusByURI(ctx, uri)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if st.Account == nil || st.Account.URI != actorURI {
		return nil, rejected("only the author may change a post")
	}
	if ok, err := s.groupOwnsCopy(ctx, group, st); err != nil {
		return nil, err
	} else if !ok {
		return nil, rejected("a group may only relay changes to its own posts")
	}
	return st, nil
}

// groupOwnsCopy reports whether the stored copy st is a post of group,
// which may then relay its changes or remove it. A copy filed in the group
// is. A remote copy kept without its group link (a group's public post
// received through the group's boost before such posts were filed in the
// group, or before the group was known here) is when the group's own
// server speaks for it (post and author on the group's origin) or when the
// post's origin, asked with a signed fetch, puts it in the group; the link
// is then restored. Anything else is refused: a hostile group cannot claim
// a post by boosting it.
func (s *Service) groupOwnsCopy(ctx context.Context, group *model.Account, st *model.Status) (bool, error) {
	if st.GroupID != nil {
		return *st.GroupID == group.ID, nil
	}
	if st.Local || st.Account == nil || st.ReblogOfID != nil {
		return false, nil
	}
	owned := ap.SameOrigin(st.URI, group.URI) && ap.SameOrigin(st.Account.URI, group.URI)
	if !owned && s.Resolver != nil {
		doc, err := s.fetchFromOrigin(ctx, st.URI)
		if err != nil {
			s.Log.Info("group's claim on a copy not checked at its origin", "group", group.URI, "object", st.URI, "reason", err)
			return false, nil
		}
		post, err := ap.ParsePost(doc)
		if err != nil || post.ID != st.URI || post.AttributedTo != st.Account.URI {
			return false, nil
		}
		owner, err := s.groupOf(ctx, post)
		if err != nil {
			return false, err
		}
		owned = owner != nil && owner.ID == group.ID
	}
	if !owned {
		return false, nil
	}
	if _, err := s.Store.DB.NewUpdate().Model((*model.Status)(nil)).Set("group_id = ?", group.ID).
		Where("id = ?", st.ID).Where("group_id IS NULL").Exec(ctx); err != nil {
		return false, err
	}
	st.GroupID = &group.ID
	return true, nil
}

// localGroupOf returns the group hosted here that st was posted in, or nil.
func (s *Service) localGroupOf(ctx context.Context, st *model.Status) (*model.Account, error) {
	if st.GroupID == nil {
		return nil, nil
	}
	group, err := s.Store.AccountByID(ctx, *st.GroupID)
	if err != nil || !group.IsLocal() {
		return nil, err
	}
	return group, nil
}

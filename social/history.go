package social

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/queue"
	"github.com/coopol/coopol/storage"
)

// History on arrival: following or joining a remote section or group, or
// finding it in search, brings its recent public posts, events and
// actions from its outbox, so that a newcomer sees the actions already
// announced and not only those published after.
const (
	historyItems = 20 // stored at most per fetch
	historyPages = 2  // outbox pages read at most
)

// HistoryWorker runs the history fetches queued by follows, joins and
// searches.
type HistoryWorker struct {
	river.WorkerDefaults[queue.HistoryArgs]
	Social *Service
}

func (w *HistoryWorker) Work(ctx context.Context, job *river.Job[queue.HistoryArgs]) error {
	n, err := w.Social.FetchGroupHistory(ctx, job.Args.GroupURI, job.Args.MemberID)
	if n > 0 {
		w.Social.Log.Info("group history fetched", "group", job.Args.GroupURI, "items", n)
	}
	return err
}

// requestGroupHistory queues the history fetch of a remote group, in
// db's transaction when it is one.
func (s *Service) requestGroupHistory(ctx context.Context, db bun.IDB, group *model.Account, cause string) error {
	return s.requestHistory(ctx, db, group, cause, "")
}

// requestMemberHistory queues the history fetch of a remote group that
// member (local) has just joined: signed with the member's key, it brings
// the group's members-only items too.
func (s *Service) requestMemberHistory(ctx context.Context, db bun.IDB, group, member *model.Account) error {
	return s.requestHistory(ctx, db, group, "join:"+member.ID, member.ID)
}

func (s *Service) requestHistory(ctx context.Context, db bun.IDB, group *model.Account, cause, memberID string) error {
	if s.Queue == nil || group == nil || group.IsLocal() || !group.IsGroup() {
		return nil
	}
	job := queue.HistoryArgs{GroupURI: group.URI, Cause: cause, MemberID: memberID}
	if tx, ok := db.(bun.Tx); ok {
		return s.Queue.EnqueueTx(ctx, tx, job)
	}
	return s.Queue.Enqueue(ctx, job)
}

// DiscoverGroup is called when search shows a remote group: the first
// time, its history is fetched so that its page and the agenda show its
// actions.
func (s *Service) DiscoverGroup(ctx context.Context, group *model.Account, cause string) error {
	if group == nil || group.IsLocal() || !group.IsGroup() {
		return nil
	}
	n, err := s.Store.CountGroupStatuses(ctx, group.ID, []string{model.VisibilityPublic, model.VisibilityUnlisted})
	if err != nil || n > 0 {
		return err
	}
	return s.requestGroupHistory(ctx, s.Store.DB, group, cause)
}

// MemberFetcher fetches with a request signed by a local account rather
// than the instance actor (federation.FetchObjectAs).
type MemberFetcher interface {
	FetchObjectAs(ctx context.Context, uri string, as *model.Account) (map[string]any, error)
}

// historyFetcher fetches what one history fetch reads: as the instance
// actor, or as the new member (member != nil).
type historyFetcher struct {
	fetch  func(ctx context.Context, uri string) (map[string]any, error)
	member *model.Account
}

func (h historyFetcher) FetchObject(ctx context.Context, uri string) (map[string]any, error) {
	return h.fetch(ctx, uri)
}

// FetchGroupHistory reads a remote group's outbox (at most historyPages
// pages) and keeps up to historyItems posts: public ones; and, when
// memberID names a local account that is a member of the group now, the
// group's members-only posts as well, the outbox being fetched with a
// request signed by that member (the group serves members-only items to
// its members only). Objects of the group's own server may be taken as
// embedded (the outbox came from that origin); anything else is fetched
// from its own origin. It returns how many posts were kept.
func (s *Service) FetchGroupHistory(ctx context.Context, groupURI, memberID string) (int, error) {
	group, err := s.Store.AccountByURI(ctx, groupURI)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	plain, ok := s.Resolver.(RemoteFetcher)
	if !ok || group.IsLocal() || !group.IsGroup() || group.OutboxURI == "" || !ap.SameOrigin(group.OutboxURI, group.URI) {
		return 0, nil
	}
	fetcher := historyFetcher{fetch: plain.FetchObject}
	if memberID != "" {
		member, err := s.historyMember(ctx, group, memberID)
		if err != nil {
			return 0, err
		}
		if as, ok := s.Resolver.(MemberFetcher); ok && member != nil {
			// Signed as the member only towards the group's own server:
			// a post the outbox relays from a third server is fetched
			// there as the instance, or that server would learn who
			// reads the group (H-13).
			fetcher = historyFetcher{member: member, fetch: func(ctx context.Context, uri string) (map[string]any, error) {
				if !ap.SameOrigin(uri, group.URI) {
					return plain.FetchObject(ctx, uri)
				}
				return as.FetchObjectAs(ctx, uri, member)
			}}
		}
	}
	doc, err := fetcher.FetchObject(ctx, group.OutboxURI)
	if err != nil {
		return 0, fmt.Errorf("history of %s: %w", group.URI, err)
	}
	page := doc
	if first, ok := doc["first"].(map[string]any); ok {
		page = first
	} else if firstID := ap.ID(doc["first"]); firstID != "" && ap.SameOrigin(firstID, group.URI) {
		if page, err = fetcher.FetchObject(ctx, firstID); err != nil {
			return 0, fmt.Errorf("history of %s: %w", group.URI, err)
		}
	}
	kept := 0
	for pages := 0; page != nil && pages < historyPages && kept < historyItems; pages++ {
		items, _ := page["orderedItems"].([]any)
		if items == nil {
			items, _ = page["items"].([]any)
		}
		for _, item := range items {
			if kept >= historyItems {
				break
			}
			st, err := s.storeHistoryItem(ctx, fetcher, group, item)
			if err != nil {
				s.Log.Debug("history item skipped", "group", group.URI, "err", err)
				continue
			}
			if st != nil {
				kept++
			}
		}
		next := ap.ID(page["next"])
		page = nil
		if next != "" && ap.SameOrigin(next, group.URI) && pages+1 < historyPages {
			if page, err = fetcher.FetchObject(ctx, next); err != nil {
				return kept, nil // what we have is already kept
			}
		}
	}
	return kept, nil
}

// historyMember is the local account a members' history is fetched
// for, if it is a member of group now (a membership left or refused
// meanwhile brings the public history only).
func (s *Service) historyMember(ctx context.Context, group *model.Account, memberID string) (*model.Account, error) {
	member, err := s.Store.AccountByID(ctx, memberID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if !member.IsLocal() || member.SuspendedAt != nil {
		return nil, nil
	}
	if ok, err := s.Store.IsMember(ctx, group.ID, member.ID); err != nil || !ok {
		return nil, err
	}
	return member, nil
}

// storeHistoryItem keeps one outbox item: a Create, an Announce or a bare
// object.
func (s *Service) storeHistoryItem(ctx context.Context, fetcher historyFetcher, group *model.Account, item any) (*model.Status, error) {
	var object any = item
	if m, ok := item.(map[string]any); ok {
		switch ap.Type(m) {
		case "Create", "Announce":
			object = m["object"]
			if ap.Type(m) == "Announce" {
				object = ap.ID(object) // what a group relays is fetched from its origin
			}
		case "Update", "Delete", "Like", "Follow", "Join", "Leave", "Add", "Remove", "Undo", "Accept", "Reject":
			return nil, nil
		}
	}
	id := ap.ID(object)
	if id == "" {
		return nil, nil
	}
	if existing, err := s.Store.StatusByURI(ctx, id); err == nil && !s.lacksEventData(ctx, existing) {
		return nil, nil // already here
	}
	doc, embedded := object.(map[string]any)
	if !embedded || !ap.SameOrigin(id, group.URI) {
		var err error
		if doc, err = fetcher.FetchObject(ctx, id); err != nil {
			return nil, err
		}
	}
	if fetcher.member != nil {
		if post, err := ap.ParsePost(doc); err == nil && !ap.IsPublic(post.To) && !ap.IsPublic(post.Cc) {
			return s.storeMembersHistoryItem(ctx, doc, group)
		}
	}
	return s.storeFetchedDocument(ctx, doc, group)
}

// storeMembersHistoryItem keeps a members-only post of a group's history,
// read with a new member's signature: only a post of the group's own
// server (the group vouches for its members-only posts, as when it
// announces them) addressed to the group's members, and never a reply.
// It is kept members-only in that group, so that the audience rule shows
// it to the group's current members here and to nobody else.
func (s *Service) storeMembersHistoryItem(ctx context.Context, doc map[string]any, group *model.Account) (*model.Status, error) {
	post, err := ap.ParsePost(doc)
	if err != nil {
		return nil, rejected("%v", err)
	}
	if !ap.SameOrigin(post.ID, group.URI) || group.MembersURI == "" || post.InReplyTo != "" {
		return nil, nil
	}
	author, err := s.Resolver.ResolveActor(ctx, post.AttributedTo)
	if err != nil {
		return nil, rejected("cannot resolve author of %s", post.ID)
	}
	if ap.VisibilityOf(post.To, post.Cc, author.FollowersURI, group.MembersURI) != model.VisibilityMembers {
		return nil, nil
	}
	return s.storeFetchedPostVia(ctx, author, post, group)
}

// storeFetchedDocument keeps a public post read from its origin.
func (s *Service) storeFetchedDocument(ctx context.Context, doc map[string]any, via *model.Account) (*model.Status, error) {
	post, err := ap.ParsePost(doc)
	if err != nil {
		return nil, rejected("%v", err)
	}
	if !ap.IsPublic(post.To) && !ap.IsPublic(post.Cc) {
		return nil, nil // only public posts are fetched
	}
	if post.InReplyTo != "" {
		return nil, nil // discussions start with their first post
	}
	author, err := s.Resolver.ResolveActor(ctx, post.AttributedTo)
	if err != nil {
		return nil, rejected("cannot resolve author of %s", post.ID)
	}
	return s.storeFetchedPostVia(ctx, author, post, via)
}

// discoverFromSearch: a remote section or group seen for the first time
// in search (by handle or address) has its history fetched.
func (s *Service) discoverFromSearch(ctx context.Context, a *model.Account) {
	if err := s.DiscoverGroup(ctx, a, "search"); err != nil {
		s.Log.Debug("search: history request failed", "err", err)
	}
}

package social

import (
	"context"
	"errors"
	"strings"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// FindHandle finds user@domain: a local account when domain is ours or
// empty, otherwise a known remote one, fetched through the federation
// (WebFinger) when resolve is set.
func (s *Service) FindHandle(ctx context.Context, username, domain string, resolve bool) (*model.Account, error) {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	if domain == "" || domain == strings.ToLower(s.Config.Host) {
		a, err := s.Store.LocalAccount(ctx, username)
		return a, mapNotFound(err)
	}
	if resolve && s.Resolver != nil {
		a, err := s.Resolver.ResolveHandle(ctx, username, domain)
		if err != nil {
			s.Log.Debug("resolve handle failed", "handle", username+"@"+domain, "err", err)
			return nil, ErrNotFound
		}
		s.discoverFromSearch(ctx, a)
		return a, nil
	}
	a, err := s.Store.AccountByUsername(ctx, username, domain)
	return a, mapNotFound(err)
}

// ResolveURL finds what a URL names, for search: an account or a status
// already known here (by id or web URL), or — with resolve, for a remote
// URL — one fetched from its origin. Only public and unlisted remote
// posts are fetched (the fetch is signed by the instance actor, which
// sees nothing narrower anyway); a status is returned only if viewer may
// see it.
func (s *Service) ResolveURL(ctx context.Context, viewer *model.Account, url string, resolve bool) (*model.Account, *model.Status, error) {
	if st, err := s.Store.StatusByURL(ctx, url); err == nil {
		if ok, err := s.CanView(ctx, viewer, st); err != nil || !ok {
			return nil, nil, err
		}
		return nil, st, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, nil, err
	}
	if a, err := s.Store.AccountByURL(ctx, url); err == nil {
		return a, nil, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, nil, err
	}
	if !resolve || s.IsLocalURI(url) || s.Resolver == nil {
		return nil, nil, nil
	}
	fetcher, ok := s.Resolver.(RemoteFetcher)
	if !ok {
		return nil, nil, nil
	}
	doc, err := fetcher.FetchObject(ctx, url)
	if err != nil {
		s.Log.Debug("search: fetch failed", "url", url, "err", err)
		return nil, nil, nil
	}
	switch ap.Type(doc) {
	case "Person", "Group", "Service", "Application", "Organization":
		a, err := s.Resolver.ResolveActor(ctx, ap.ID(doc))
		if err != nil {
			s.Log.Debug("search: resolve actor failed", "url", url, "err", err)
			return nil, nil, nil
		}
		s.discoverFromSearch(ctx, a)
		return a, nil, nil
	}
	post, err := ap.ParsePost(doc)
	if err != nil {
		return nil, nil, nil
	}
	if existing, err := s.Store.StatusByURI(ctx, post.ID); err == nil {
		if ok, err := s.CanView(ctx, viewer, existing); err != nil || !ok {
			return nil, nil, err
		}
		return nil, existing, nil
	}
	if !ap.IsPublic(post.To) && !ap.IsPublic(post.Cc) {
		return nil, nil, nil
	}
	author, err := s.Resolver.ResolveActor(ctx, post.AttributedTo)
	if err != nil {
		return nil, nil, nil
	}
	st, err := s.storeFetchedPost(ctx, author, post)
	if err != nil {
		var rej *RejectedError
		if errors.As(err, &rej) {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	if ok, err := s.CanView(ctx, viewer, st); err != nil || !ok {
		return nil, nil, err
	}
	return nil, st, nil
}

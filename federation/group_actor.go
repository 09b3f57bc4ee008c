package federation

import (
	"context"
	"errors"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// addGroupInfo tells other servers what kind of group a local Group
// actor is, its territory, openness, member count (a count only) and
// public calendar, so that their pages show it right.
func (f *Federation) addGroupInfo(ctx context.Context, a *model.Account, doc ap.Document) error {
	g, err := f.store.GroupByAccountID(ctx, a.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	n, err := f.store.CountMembers(ctx, a.ID)
	if err != nil {
		return err
	}
	ap.AddGroupInfo(doc, ap.GroupInfo{Kind: g.Kind, Territory: g.Territory, Openness: g.Openness, MemberCount: &n,
		Calendar: f.cfg.BaseURL() + "/users/" + a.Username + "/calendar.ics"})
	return nil
}

// saveGroupInfo keeps what a remote Group actor (just fetched from its
// origin) says of itself. Actors that are not ours say nothing and keep
// no group row: their pages show what is known, no guess.
func (f *Federation) saveGroupInfo(ctx context.Context, a *model.Account, doc map[string]any) error {
	if a == nil || !a.IsGroup() || f.isLocal(a.URI) {
		return nil
	}
	info, ok := ap.ParseGroupInfo(doc)
	if !ok {
		return nil
	}
	now := f.now().UTC()
	g := &model.Group{AccountID: a.ID, Kind: info.Kind, Openness: info.Openness, Territory: info.Territory,
		MembersVisibility: "moderators", MemberCount: info.MemberCount, CalendarURL: info.Calendar, CreatedAt: now, UpdatedAt: now}
	if g.Openness == "" {
		g.Openness = "moderated"
	}
	return f.store.UpsertRemoteGroup(ctx, g)
}

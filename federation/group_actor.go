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

package storage

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// escapeLike escapes LIKE wildcards; patterns use ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// AccountSearch is an account search.
type AccountSearch struct {
	// Prefix matches the start of the username or display name.
	Prefix string
	// Domain, when set, keeps accounts of that domain ("" = any; use
	// LocalOnly for local accounts).
	Domain    string
	LocalOnly bool
	// ViewerID is who searches: besides discoverable accounts, they find
	// the accounts they follow and themselves. FollowingOnly keeps only
	// those they follow.
	ViewerID      string
	FollowingOnly bool
	Limit, Offset int
}

// SearchAccounts finds people and groups by name prefix. Only accounts
// that chose to be discoverable, or that the viewer follows, are found
// by a partial name: a party's member list must not be enumerable by
// searching "a", "b", "c"…
func (s *Storage) SearchAccounts(ctx context.Context, in AccountSearch) ([]model.Account, error) {
	var out []model.Account
	prefix := escapeLike(strings.ToLower(in.Prefix)) + "%"
	q := s.DB.NewSelect().Model(&out).
		Where("suspended_at IS NULL").
		Where("actor_type IN ('Person', 'Group', 'Service', 'Organization')").
		Where(`(lower(username) LIKE ? ESCAPE '\' OR lower(display_name) LIKE ? ESCAPE '\')`, prefix, prefix)
	following := "id IN (SELECT target_account_id FROM follows WHERE account_id = ? AND state = 'accepted')"
	if in.FollowingOnly {
		q = q.Where(following, in.ViewerID)
	} else {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("discoverable = ?", true).WhereOr(following, in.ViewerID).WhereOr("id = ?", in.ViewerID)
		})
	}
	if in.LocalOnly {
		q = q.Where("domain = ''")
	} else if in.Domain != "" {
		q = q.Where("domain = ?", strings.ToLower(in.Domain))
	}
	q = q.Where("id NOT IN (SELECT target_account_id FROM blocks WHERE account_id = ?)", in.ViewerID).
		Where("id NOT IN (SELECT account_id FROM blocks WHERE target_account_id = ?)", in.ViewerID).
		OrderExpr("CASE WHEN lower(username) = ? THEN 0 ELSE 1 END, domain, lower(username)", strings.ToLower(in.Prefix)).
		Limit(int64(in.Limit)).Offset(int64(in.Offset))
	err := q.Scan(ctx)
	return out, err
}

// SearchTags finds hashtags by name prefix.
func (s *Storage) SearchTags(ctx context.Context, prefix string, limit, offset int) ([]model.Tag, error) {
	var out []model.Tag
	err := s.DB.NewSelect().Model(&out).Where(`lower(name) LIKE ? ESCAPE '\'`, escapeLike(strings.ToLower(prefix))+"%").
		OrderExpr("lower(name)").Limit(int64(limit)).Offset(int64(offset)).Scan(ctx)
	return out, err
}

// TagByName finds a hashtag (case-insensitively).
func (s *Storage) TagByName(ctx context.Context, name string) (*model.Tag, error) {
	t := new(model.Tag)
	err := s.DB.NewSelect().Model(t).Where("lower(name) = ?", strings.ToLower(name)).Scan(ctx)
	return t, notFound(err)
}

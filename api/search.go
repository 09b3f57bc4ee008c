package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// isURL reports whether a search query is an http(s) URL.
func isURL(q string) bool {
	return (strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://")) && !strings.ContainsAny(q, " \t\n")
}

// findAccounts searches accounts: an exact handle (user or user@domain,
// fetched through WebFinger when resolve is set) first, then
// discoverable or followed accounts whose username or display name
// starts with q (storage.SearchAccounts explains the privacy rule).
func (h *Handlers) findAccounts(c *gin.Context, q string, resolve, following bool, limit, offset int) ([]model.Account, error) {
	ctx := c.Request.Context()
	viewer := CurrentAccount(c)
	q = strings.TrimSpace(q)
	var out []model.Account
	seen := map[string]bool{}
	add := func(a *model.Account) {
		if a != nil && !seen[a.ID] && a.SuspendedAt == nil && len(out) < limit {
			seen[a.ID] = true
			out = append(out, *a)
		}
	}
	search := storage.AccountSearch{ViewerID: viewerID(viewer), FollowingOnly: following, Limit: limit, Offset: offset}
	username, domain, isAcct := splitAcct(q)
	// A bare word is a local username too (toot's `follow <username>`
	// searches it so): the exact account is found whether or not it
	// is discoverable, as "@name" would find it.
	if isAcct {
		if offset == 0 && !following {
			if a, err := h.Social.FindHandle(ctx, username, domain, resolve); err == nil {
				add(a)
			}
		}
		search.Prefix = username
		if domain != "" {
			if strings.EqualFold(domain, h.Config.Host) {
				search.LocalOnly = true
			} else {
				search.Domain = domain
			}
		}
	} else {
		search.Prefix = strings.TrimPrefix(q, "@")
	}
	if search.Prefix == "" {
		return out, nil
	}
	found, err := h.Store.SearchAccounts(ctx, search)
	if err != nil {
		return nil, err
	}
	for i := range found {
		add(&found[i])
	}
	return out, nil
}

// search: GET /api/v2/search (q, type, resolve, following, limit,
// offset). Statuses are found only by URL (no full-text search), and only
// those the viewer may see.
func (h *Handlers) search(c *gin.Context) {
	ctx := c.Request.Context()
	viewer := CurrentAccount(c)
	q := strings.TrimSpace(c.Query("q"))
	typ := c.Query("type")
	resolve := queryBool(c, "resolve")
	limit := defaultStatusLimit
	if n, err := strconv.Atoi(c.Query("limit")); err == nil && n > 0 {
		limit = min(n, maxStatusLimit)
	}
	offset, _ := strconv.Atoi(c.Query("offset"))
	offset = max(offset, 0)
	accounts, statuses, hashtags := []model.Account{}, []model.Status{}, []tagJSON{}
	want := func(t string) bool { return typ == "" || typ == t }
	switch {
	case q == "" || len(q) > 2048:
	case isURL(q):
		if offset > 0 {
			break
		}
		a, st, err := h.Social.ResolveURL(ctx, viewer, q, resolve)
		if err != nil {
			h.internalError(c, err)
			return
		}
		if a != nil && a.SuspendedAt == nil && want("accounts") {
			accounts = append(accounts, *a)
		}
		if st != nil && want("statuses") {
			statuses = append(statuses, *st)
		}
	default:
		if want("accounts") && !strings.HasPrefix(q, "#") {
			found, err := h.findAccounts(c, q, resolve, queryBool(c, "following"), limit, offset)
			if err != nil {
				h.internalError(c, err)
				return
			}
			accounts = found
		}
		if offset == 0 && !queryBool(c, "following") && !strings.HasPrefix(q, "#") && !strings.Contains(strings.TrimPrefix(q, "@"), "@") {
			// Sections, groups, people, events and actions by name, town or
			// postal code (the domain decides who may find whom).
			found, err := h.Social.SearchDirectory(ctx, viewer, q)
			if err != nil {
				h.internalError(c, err)
				return
			}
			if want("accounts") {
				seen := map[string]bool{}
				for _, a := range accounts {
					seen[a.ID] = true
				}
				more := []model.Account{}
				for _, g := range append(found.Sections, found.Groups...) {
					more = append(more, g.Account)
				}
				for _, a := range append(more, found.People...) {
					if !seen[a.ID] && len(accounts) < limit {
						seen[a.ID] = true
						accounts = append(accounts, a)
					}
				}
			}
			if want("statuses") {
				for _, ev := range found.Events {
					if ev.Status != nil && len(statuses) < limit {
						statuses = append(statuses, *ev.Status)
					}
				}
			}
		}
		if want("hashtags") && !strings.Contains(strings.TrimPrefix(q, "@"), "@") {
			name := text.NormalizeTag(q)
			if name != "" && !strings.ContainsAny(name, " @") {
				tags, err := h.Store.SearchTags(ctx, name, limit, offset)
				if err != nil {
					h.internalError(c, err)
					return
				}
				for _, t := range tags {
					hashtags = append(hashtags, h.tagEntity(t.Name))
				}
			}
		}
	}
	renderedAccounts, err := h.renderAccounts(ctx, accounts)
	if err != nil {
		h.internalError(c, err)
		return
	}
	renderedStatuses, err := h.renderStatuses(ctx, viewer, statuses)
	if err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"accounts": renderedAccounts, "statuses": renderedStatuses, "hashtags": hashtags})
}

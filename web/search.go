package web

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

type searchData struct {
	Query    string
	Accounts []accountView
	Tags     []string
	Statuses []statusView
	Searched bool
	// Directory results: sections, groups, upcoming events and actions,
	// local people, by name, town or postal code.
	Sections []sectionView
	Groups   []sectionView
	Events   []eventView
	People   []accountView
	// SignUp lists the events found by URL, each with its sign-up button.
	SignUp []eventView
}

var remoteHandleRe = regexp.MustCompile(`^@?([A-Za-z0-9_.-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?)$`)

// search finds people and groups by name, hashtags, and — for logged-in
// people — accounts and posts of other servers by handle or URL, fetched
// through the federation.
func (h *Handlers) search(c *gin.Context) {
	ctx := c.Request.Context()
	viewerAcc := accountOf(c)
	d := &searchData{Query: strings.TrimSpace(c.Query("q"))}
	q := d.Query
	resolve := viewerAcc != nil
	switch {
	case q == "":
	case strings.HasPrefix(q, "#"):
		c.Redirect(http.StatusSeeOther, "/tags/"+url.PathEscape(strings.TrimPrefix(q, "#")))
		return
	case remoteHandleRe.MatchString(q):
		d.Searched = true
		m := remoteHandleRe.FindStringSubmatch(q)
		a, err := h.Social.FindHandle(ctx, m[1], m[2], resolve)
		if err != nil && !errors.Is(err, social.ErrNotFound) {
			h.fail(c, err)
			return
		}
		if err == nil && a.SuspendedAt == nil && a.ActorType != model.ActorApplication {
			d.Accounts = append(d.Accounts, h.accountView(a))
		}
	case strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://"):
		d.Searched = true
		a, st, err := h.Social.ResolveURL(ctx, viewerAcc, q, resolve)
		if err != nil {
			h.fail(c, err)
			return
		}
		if a != nil && a.SuspendedAt == nil && a.ActorType != model.ActorApplication {
			d.Accounts = append(d.Accounts, h.accountView(a))
		}
		if st != nil {
			views, err := h.statusViews(ctx, viewerAcc, []model.Status{*st})
			if err != nil {
				h.fail(c, err)
				return
			}
			d.Statuses = views
			for _, v := range views {
				if v.Event != nil && viewerAcc != nil {
					d.SignUp = append(d.SignUp, *v.Event)
				}
			}
		}
	default:
		d.Searched = true
		viewerID := ""
		if viewerAcc != nil {
			viewerID = viewerAcc.ID
		}
		accounts, err := h.Store.SearchAccounts(ctx, storage.AccountSearch{Prefix: strings.TrimPrefix(q, "@"), ViewerID: viewerID, Limit: 20})
		if err != nil {
			h.fail(c, err)
			return
		}
		for i := range accounts {
			d.Accounts = append(d.Accounts, h.accountView(&accounts[i]))
		}
		tags, err := h.Store.SearchTags(ctx, strings.TrimPrefix(q, "#"), 10, 0)
		if err != nil {
			h.fail(c, err)
			return
		}
		for _, t := range tags {
			d.Tags = append(d.Tags, t.Name)
		}
		if !h.searchDirectory(c, d, viewerAcc, q) {
			return
		}
	}
	p := h.newPage(c, h.t(c, "search.title"), d)
	p.Nav = "search"
	p.NoIndex = true
	h.render(c, http.StatusOK, "search", p)
}

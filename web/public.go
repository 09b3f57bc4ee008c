package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// Public pages: the HTML side of the URLs that also serve ActivityPub
// JSON. What they show depends on who looks (members see their groups'
// members-only posts); anonymous visitors see public content only.
// OpenGraph tags describe public content only, never anything narrower
// (P-06).

const pageSize = 20

type homeData struct {
	Section  accountView
	About    string
	Actions  []eventView
	Events   []eventView
	Statuses []statusView
	Older    string
}

// sectionHome is the section's page: who it is, what is coming up, what
// it publishes.
func (h *Handlers) sectionHome(c *gin.Context) {
	ctx := c.Request.Context()
	viewerAcc := accountOf(c)
	section, err := h.section(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	visible := h.Social.VisibleFilter(viewerAcc)
	events, err := h.Store.WebUpcomingEvents(ctx, storage.WebEventQuery{From: h.now(), LocalOnly: true, Listed: true, Limit: 12}, storage.StatusFilter(visible))
	if err != nil {
		h.fail(c, err)
		return
	}
	d := &homeData{Section: h.accountView(section), About: h.Config.Instance.Description}
	for i := range events {
		if ev := h.eventView(&events[i]); ev.IsAction {
			d.Actions = append(d.Actions, ev)
		} else {
			d.Events = append(d.Events, ev)
		}
	}
	d.Statuses, d.Older, err = h.pageOfStatuses(c, storage.WebStatusQuery{AccountID: section.ID, GroupID: section.ID, TopLevel: true, NoEvents: true})
	if err != nil {
		h.fail(c, err)
		return
	}
	p := h.newPage(c, "", d)
	p.Title = d.Section.Name
	p.Description = firstNonEmpty(d.About, excerpt(section.Note, 200))
	p.Canonical = h.Config.BaseURL() + "/"
	p.OG = &openGraph{Type: "website", Title: d.Section.Name, Description: p.Description, URL: p.Canonical}
	p.Feeds = h.feedLinks(section)
	h.render(c, http.StatusOK, "home", p)
}

// pageOfStatuses pages a WebStatusQuery for the viewer (max_id from the
// query string) and returns the views and the next page's max_id.
func (h *Handlers) pageOfStatuses(c *gin.Context, q storage.WebStatusQuery) ([]statusView, string, error) {
	viewerAcc := accountOf(c)
	if viewerAcc != nil {
		q.ViewerID = viewerAcc.ID
	}
	entries, err := h.Store.WebStatuses(c.Request.Context(), q, storage.StatusFilter(h.Social.VisibleFilter(viewerAcc)), h.now(),
		storage.Page{MaxID: c.Query("max_id"), Limit: pageSize})
	if err != nil {
		return nil, "", err
	}
	views, err := h.loadStatuses(c.Request.Context(), viewerAcc, entries)
	return views, olderKey(entries), err
}

func olderKey(entries []storage.Entry) string {
	if len(entries) < pageSize {
		return ""
	}
	return entries[len(entries)-1].Key
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// accountByHandle finds the account of /@handle: "alice" here, or
// "bob@other.example" as known here (pages never fetch from elsewhere;
// search does, for logged-in people).
func (h *Handlers) accountByHandle(ctx context.Context, handle string) (*model.Account, error) {
	username, domain, remote := strings.Cut(strings.TrimPrefix(handle, "@"), "@")
	var a *model.Account
	var err error
	if !remote || strings.EqualFold(domain, h.Config.Host) {
		a, err = h.Store.LocalAccount(ctx, username)
	} else {
		a, err = h.Store.AccountByUsername(ctx, username, domain)
	}
	if errors.Is(err, storage.ErrNotFound) || (err == nil && (a.ActorType == model.ActorApplication || a.SuspendedAt != nil)) {
		return nil, social.ErrNotFound
	}
	return a, err
}

// wantsActivityJSON: the same URLs serve ActivityPub to servers.
func wantsActivityJSON(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/activity+json") ||
		(strings.Contains(accept, "application/ld+json") && !strings.Contains(accept, "text/html"))
}

// accountPage is /@handle: a person's profile or a group's page (and
// /@handle.rss, /@handle.atom: their public posts as a feed).
func (h *Handlers) accountPage(c *gin.Context) {
	handle := c.Param("handle")
	for _, format := range []string{"rss", "atom"} {
		if name, ok := strings.CutSuffix(handle, "."+format); ok {
			h.feed(c, name, format)
			return
		}
	}
	a, err := h.accountByHandle(c.Request.Context(), handle)
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsActivityJSON(c.Request) && a.IsLocal() {
		c.Redirect(http.StatusFound, a.URI)
		return
	}
	if a.IsGroup() {
		h.groupPage(c, a)
		return
	}
	h.profilePage(c, a)
}

type fieldView struct {
	Name  string
	Value template.HTML
}

type profileData struct {
	Account              accountView
	Fields               []fieldView
	Followers, Following int
	Statuses             []statusView
	Older                string
	Self                 bool
	Follow               string // "", pending or accepted
	Groups               []accountView
}

func (h *Handlers) profilePage(c *gin.Context, a *model.Account) {
	ctx := c.Request.Context()
	viewerAcc := accountOf(c)
	d := &profileData{Account: h.accountView(a)}
	for _, f := range a.Fields {
		d.Fields = append(d.Fields, fieldView{Name: f.Name, Value: safeFieldValue(a, f.Value)})
	}
	var err error
	if d.Followers, d.Following, err = h.Store.CountFollows(ctx, a.ID); err != nil {
		h.fail(c, err)
		return
	}
	if viewerAcc != nil {
		d.Self = viewerAcc.ID == a.ID
		if f, err := h.Store.Follow(ctx, viewerAcc.ID, a.ID); err == nil {
			d.Follow = f.State
		}
	}
	if d.Statuses, d.Older, err = h.pageOfStatuses(c, storage.WebStatusQuery{AccountID: a.ID, TopLevel: true}); err != nil {
		h.fail(c, err)
		return
	}
	p := h.newPage(c, d.Account.Name+" (@"+d.Account.Handle+")", d)
	p.Description = excerpt(a.Note, 200)
	if a.IsLocal() {
		p.Canonical = a.URL
		p.OG = &openGraph{Type: "profile", Title: p.Title, Description: p.Description, URL: a.URL}
		p.Feeds = h.feedLinks(a)
	} else {
		p.NoIndex = true // their own server is the place to find them
	}
	if v := accountOf(c); v != nil && v.ID == a.ID {
		p.Nav = "profile" // "Mon profil" in the menu
	}
	h.render(c, http.StatusOK, "profile", p)
}

type statusPageData struct {
	Status    statusView
	Ancestors []statusView
	Replies   []statusView
	Compose   *composeData
}

// statusPage is /@handle/:id: a post, the thread above it and the
// replies the viewer may see.
func (h *Handlers) statusPage(c *gin.Context) {
	ctx := c.Request.Context()
	viewerAcc := accountOf(c)
	st, err := h.Social.VisibleStatus(ctx, viewerAcc, c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	if st.ReblogOfID != nil {
		original, err := h.Social.VisibleStatus(ctx, viewerAcc, *st.ReblogOfID)
		if err != nil {
			h.fail(c, err)
			return
		}
		c.Redirect(http.StatusFound, statusPath(original))
		return
	}
	if st.APType == "Event" {
		if evs, err := h.Store.WebEventsByStatusIDs(ctx, []string{st.ID}); err == nil && evs[st.ID] != nil {
			c.Redirect(http.StatusFound, "/events/"+evs[st.ID].ID)
			return
		}
	}
	if want := statusPath(st); !strings.EqualFold(c.Request.URL.Path, want) {
		c.Redirect(http.StatusFound, want)
		return
	}
	if wantsActivityJSON(c.Request) && st.Local {
		c.Redirect(http.StatusFound, st.URI)
		return
	}
	ancestors, replies, err := h.thread(ctx, viewerAcc, st)
	if err != nil {
		h.fail(c, err)
		return
	}
	all := append(append(append([]model.Status{}, ancestors...), *st), replies...)
	views, err := h.statusViews(ctx, viewerAcc, all)
	if err != nil {
		h.fail(c, err)
		return
	}
	d := &statusPageData{Ancestors: views[:len(ancestors)], Status: views[len(ancestors)], Replies: views[len(ancestors)+1:]}
	if viewerAcc != nil {
		d.Compose, err = h.composeFor(c, composeOptions{ReplyTo: st})
		if err != nil {
			h.fail(c, err)
			return
		}
	}
	author := d.Status.Author.Name
	p := h.newPage(c, h.t(c, "status.title", "Name", author), d)
	if st.Visibility == model.VisibilityPublic {
		desc := excerpt(st.Content, 200)
		if st.SpoilerText != "" {
			desc = st.SpoilerText // the warning, not what it hides
		}
		p.Description = desc
		if st.Local {
			p.Canonical = st.URL
			p.OG = &openGraph{Type: "article", Title: p.Title, Description: desc, URL: st.URL}
		}
	} else {
		p.NoIndex = true
	}
	h.render(c, http.StatusOK, "status", p)
}

// maxThread bounds the statuses of a thread looked at.
const maxThread = 500

// thread returns the ancestors (oldest first) and the replies (in reading
// order) of st that the viewer may see. A reply hidden from the viewer
// hides its own replies too.
func (h *Handlers) thread(ctx context.Context, viewerAcc *model.Account, st *model.Status) (ancestors, replies []model.Status, err error) {
	nodes, err := h.Store.ThreadStructure(ctx, st.ThreadID, maxThread)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, 0, len(nodes))
	parent := map[string]string{}
	children := map[string][]string{}
	for _, n := range nodes {
		ids = append(ids, n.ID)
		if n.InReplyToID != nil {
			parent[n.ID] = *n.InReplyToID
			children[*n.InReplyToID] = append(children[*n.InReplyToID], n.ID)
		}
	}
	visible, err := h.Store.VisibleStatusIDs(ctx, ids, storage.StatusFilter(h.Social.VisibleFilter(viewerAcc)))
	if err != nil {
		return nil, nil, err
	}
	var up []string
	for id, ok := parent[st.ID]; ok && visible[id] && len(up) < maxThread; id, ok = parent[id] {
		up = append(up, id)
	}
	slices.Reverse(up)
	var down []string
	var walk func(id string)
	walk = func(id string) {
		for _, child := range children[id] {
			if visible[child] && len(down) < maxThread {
				down = append(down, child)
				walk(child)
			}
		}
	}
	walk(st.ID)
	if ancestors, err = h.Store.StatusesByIDs(ctx, up); err != nil {
		return nil, nil, err
	}
	replies, err = h.Store.StatusesByIDs(ctx, down)
	return ancestors, replies, err
}

type groupPageData struct {
	Group       accountView
	Kind        string
	Openness    string
	IsSection   bool
	Membership  string // "", pending, invited, accepted, banned
	Role        string
	Members     int
	ShowMembers bool
	CanModerate bool
	// CanEdit: the viewer changes the group's settings (its admins; the
	// section's staff).
	CanEdit   bool
	Requests  []accountView
	Events    []eventView
	Statuses  []statusView
	Older     string
	Compose   *composeData
	Follow    string
	Territory string
	// CalendarURL is the group's public .ics feed (its own server's).
	CalendarURL string
}

func (h *Handlers) groupPage(c *gin.Context, group *model.Account) {
	ctx := c.Request.Context()
	viewerAcc := accountOf(c)
	d := &groupPageData{Group: h.accountView(group), IsSection: group.IsLocal() && strings.EqualFold(group.Username, h.Config.Section.Username)}
	if g, err := h.Store.GroupByAccountID(ctx, group.ID); err == nil {
		d.Kind, d.Openness = g.Kind, g.Openness
		h.describeGroup(d, group, g)
	}
	var err error
	if viewerAcc != nil {
		if m, err := h.Store.Membership(ctx, group.ID, viewerAcc.ID); err == nil {
			d.Membership, d.Role = m.State, m.Role
		}
		if f, err := h.Store.Follow(ctx, viewerAcc.ID, group.ID); err == nil {
			d.Follow = f.State
		}
		if d.CanModerate, err = h.Social.CanModerate(ctx, viewerAcc, group); err != nil {
			h.fail(c, err)
			return
		}
		if d.CanModerate {
			if d.CanEdit, err = h.Social.CanEditGroup(ctx, viewerAcc, group); err != nil {
				h.fail(c, err)
				return
			}
		}
	}
	// Who belongs to a group is for its members to know (P-05): even the
	// count.
	if group.IsLocal() && (d.Membership == storage.MemberAccepted || d.CanModerate) {
		d.ShowMembers = true
		if d.Members, err = h.Store.CountMembers(ctx, group.ID); err != nil {
			h.fail(c, err)
			return
		}
	}
	if d.CanModerate {
		_, pending, err := h.Store.Members(ctx, group.ID, storage.MemberPending)
		if err != nil {
			h.fail(c, err)
			return
		}
		for i := range pending {
			d.Requests = append(d.Requests, h.accountView(&pending[i]))
		}
	}
	events, err := h.Store.WebUpcomingEvents(ctx, storage.WebEventQuery{From: h.now(), GroupID: group.ID, Listed: true, Limit: 10},
		storage.StatusFilter(h.Social.VisibleFilter(viewerAcc)))
	if err != nil {
		h.fail(c, err)
		return
	}
	for i := range events {
		d.Events = append(d.Events, h.eventView(&events[i]))
	}
	q := storage.WebStatusQuery{GroupID: group.ID, TopLevel: true, NoReblogs: true, NoEvents: true}
	if group.IsLocal() {
		q.AccountID = group.ID
	}
	if d.Statuses, d.Older, err = h.pageOfStatuses(c, q); err != nil {
		h.fail(c, err)
		return
	}
	if d.Membership == storage.MemberAccepted {
		if d.Compose, err = h.composeFor(c, composeOptions{Group: group}); err != nil {
			h.fail(c, err)
			return
		}
	}
	p := h.newPage(c, d.Group.Name, d)
	p.Nav = "groups"
	p.Description = excerpt(group.Note, 200)
	if group.IsLocal() {
		p.Canonical = group.URL
		p.OG = &openGraph{Type: "website", Title: d.Group.Name, Description: p.Description, URL: group.URL}
		p.Feeds = h.feedLinks(group)
	} else {
		p.NoIndex = true
	}
	h.render(c, http.StatusOK, "group", p)
}

type groupsData struct {
	Mine, Others []groupItem
	CanCreate    bool
	Form         newGroupForm
}

type groupItem struct {
	Group      accountView
	Kind       string
	Openness   string
	Membership string
}

type newGroupForm struct {
	Username, DisplayName, Note, Openness, Error string
	Admission                                    string
	SympathisantsMayJoin                         bool
}

// groupsPage lists the groups known here: the viewer's first.
func (h *Handlers) groupsPage(c *gin.Context) {
	h.renderGroups(c, http.StatusOK, newGroupForm{Openness: social.OpennessOpen, Admission: social.AdmitSection})
}

func (h *Handlers) renderGroups(c *gin.Context, status int, form newGroupForm) {
	ctx := c.Request.Context()
	viewerAcc := accountOf(c)
	groups, err := h.Store.ListGroups(ctx, false)
	if err != nil {
		h.fail(c, err)
		return
	}
	ids := make([]string, 0, len(groups))
	for _, g := range groups {
		ids = append(ids, g.ID)
	}
	rows, err := h.Store.WebGroupsByAccountIDs(ctx, ids)
	if err != nil {
		h.fail(c, err)
		return
	}
	var memberships map[string]model.Membership
	if viewerAcc != nil {
		if memberships, err = h.Store.WebMembershipsOf(ctx, viewerAcc.ID, ids); err != nil {
			h.fail(c, err)
			return
		}
	}
	d := &groupsData{Form: form}
	for i := range groups {
		g := &groups[i]
		if !g.IsLocal() && !g.Discoverable {
			continue
		}
		item := groupItem{Group: h.accountView(g), Kind: rows[g.ID].Kind, Openness: rows[g.ID].Openness, Membership: memberships[g.ID].State}
		if item.Membership != "" && item.Membership != "banned" {
			d.Mine = append(d.Mine, item)
		} else {
			d.Others = append(d.Others, item)
		}
	}
	if v := viewerOf(c); v != nil {
		d.CanCreate = v.User.Role != model.RoleSympathisant
	}
	p := h.newPage(c, h.t(c, "groups.title"), d)
	p.Nav = "groups"
	h.render(c, status, "groups", p)
}

type eventsData struct {
	Actions, Events []eventView
	CanOrganize     bool
	Filter          agendaFilter
}

// eventsPage is the agenda: upcoming events and field actions.
func (h *Handlers) eventsPage(c *gin.Context) {
	ctx := c.Request.Context()
	viewerAcc := accountOf(c)
	d := &eventsData{Filter: h.agendaFilter(c)}
	events, err := h.Store.WebUpcomingEvents(ctx, d.Filter.query(h.now()),
		storage.StatusFilter(h.Social.VisibleFilter(viewerAcc)))
	if err != nil {
		h.fail(c, err)
		return
	}
	for i := range events {
		if ev := h.eventView(&events[i]); ev.IsAction {
			d.Actions = append(d.Actions, ev)
		} else {
			d.Events = append(d.Events, ev)
		}
	}
	if viewerAcc != nil {
		groups, err := h.organizableGroups(c)
		if err != nil {
			h.fail(c, err)
			return
		}
		d.CanOrganize = len(groups) > 0
	}
	p := h.newPage(c, h.t(c, "events.title"), d)
	p.Nav = "events"
	p.Canonical = h.Config.BaseURL() + "/events"
	h.render(c, http.StatusOK, "events", p)
}

type tagData struct {
	Tag      string
	Statuses []statusView
	Older    string
}

// tagPage lists public posts with a hashtag.
func (h *Handlers) tagPage(c *gin.Context) {
	ctx := c.Request.Context()
	viewerAcc := accountOf(c)
	tag := text.NormalizeTag(c.Param("name"))
	if tag == "" {
		h.notFound(c)
		return
	}
	viewerID := ""
	if viewerAcc != nil {
		viewerID = viewerAcc.ID
	}
	entries, err := h.Store.PublicTimelineCached(ctx, viewerID, storage.StatusFilter(h.Social.VisibleFilter(viewerAcc)),
		storage.PublicOptions{Tag: tag}, h.now(), storage.Page{MaxID: c.Query("max_id"), Limit: pageSize})
	if err != nil {
		h.fail(c, err)
		return
	}
	d := &tagData{Tag: tag, Older: olderKey(entries)}
	if d.Statuses, err = h.loadStatuses(ctx, viewerAcc, entries); err != nil {
		h.fail(c, err)
		return
	}
	p := h.newPage(c, "#"+tag, d)
	h.render(c, http.StatusOK, "tag", p)
}

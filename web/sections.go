package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// describeGroup completes a group page with what the group says of
// itself: kind and territory (a remote section is a section too), its
// size when it published one, and its calendar feed.
func (h *Handlers) describeGroup(d *groupPageData, group *model.Account, g *model.Group) {
	d.Territory = g.Territory
	if g.Kind == "section" {
		d.IsSection = true
	}
	if group.IsLocal() {
		d.CalendarURL = "/users/" + group.Username + "/calendar.ics"
		return
	}
	d.CalendarURL = g.CalendarURL
	if g.MemberCount != nil {
		d.ShowMembers, d.Members = true, *g.MemberCount
	}
}

// sectionView is a section or group in the directory and in search.
type sectionView struct {
	Account   accountView
	Kind      string
	Territory string
	Upcoming  []eventView
}

func (h *Handlers) sectionView(e *storage.GroupEntry) sectionView {
	return sectionView{Account: h.accountView(&e.Account), Kind: e.Group.Kind, Territory: e.Group.Territory}
}

// searchDirectory adds sections, groups, events and people found by
// name, town or postal code (the domain decides who may find whom).
func (h *Handlers) searchDirectory(c *gin.Context, d *searchData, viewer *model.Account, q string) bool {
	found, err := h.Social.SearchDirectory(c.Request.Context(), viewer, q)
	if err != nil {
		h.fail(c, err)
		return false
	}
	seen := map[string]bool{}
	for _, a := range d.Accounts {
		seen[a.ID] = true
	}
	for i := range found.Sections {
		d.Sections = append(d.Sections, h.sectionView(&found.Sections[i]))
		seen[found.Sections[i].Account.ID] = true
	}
	for i := range found.Groups {
		d.Groups = append(d.Groups, h.sectionView(&found.Groups[i]))
		seen[found.Groups[i].Account.ID] = true
	}
	for i := range found.Events {
		d.Events = append(d.Events, h.eventView(&found.Events[i]))
	}
	for i := range found.People {
		if !seen[found.People[i].ID] {
			d.People = append(d.People, h.accountView(&found.People[i]))
		}
	}
	// The prefix search above lists groups too: keep each once, under
	// its kind.
	accounts := d.Accounts[:0]
	for _, a := range d.Accounts {
		if !(a.IsGroup && slices.ContainsFunc(append(slices.Clone(d.Sections), d.Groups...), func(s sectionView) bool { return s.Account.ID == a.ID })) {
			accounts = append(accounts, a)
		}
	}
	d.Accounts = accounts
	return true
}

type sectionsData struct {
	Sections []sectionView
}

// sectionsPage is the directory of the party's sections: this one, the
// configured ones (federation.sections) and those seen in federation,
// with territory and next actions.
func (h *Handlers) sectionsPage(c *gin.Context) {
	viewer := accountOf(c)
	listings, err := h.Social.SectionDirectory(c.Request.Context(), viewer)
	if err != nil {
		h.fail(c, err)
		return
	}
	d := &sectionsData{}
	for i := range listings {
		v := h.sectionView(&listings[i].GroupEntry)
		for j := range listings[i].Upcoming {
			v.Upcoming = append(v.Upcoming, h.eventView(&listings[i].Upcoming[j]))
		}
		d.Sections = append(d.Sections, v)
	}
	p := h.newPage(c, h.t(c, "sections.title"), d)
	p.Nav = "sections"
	p.Canonical = h.Config.BaseURL() + "/sections"
	h.render(c, http.StatusOK, "sections", p)
}

// agendaFilter is the agenda's choice: one section or group, a kind
// (action, meeting, debate, event), dates and a place. The agenda lists
// local events and those of every section and group followed here.
type agendaFilter struct {
	Group, Kind, From, To, Place string
	Groups                       []accountView
	Active                       bool
	from, to                     time.Time
}

func (h *Handlers) agendaFilter(c *gin.Context) agendaFilter {
	f := agendaFilter{Group: c.Query("group"), Kind: c.Query("kind"), From: c.Query("from"), To: c.Query("to"),
		Place: strings.TrimSpace(c.Query("place"))}
	if len(f.Place) > 100 {
		f.Place = f.Place[:100]
	}
	if !slices.Contains([]string{"", "action", "event", "meeting", "debate"}, f.Kind) {
		f.Kind = ""
	}
	if t, err := time.ParseInLocation("2006-01-02", f.From, h.zone); err == nil {
		f.from = t
	} else {
		f.From = ""
	}
	if t, err := time.ParseInLocation("2006-01-02", f.To, h.zone); err == nil {
		f.to = t.AddDate(0, 0, 1) // the whole last day
	} else {
		f.To = ""
	}
	f.Active = f.Group != "" || f.Kind != "" || f.From != "" || f.To != "" || f.Place != ""
	if sections, err := h.Store.Sections(c.Request.Context()); err == nil {
		for i := range sections {
			f.Groups = append(f.Groups, h.accountView(&sections[i].Account))
		}
	}
	if v := accountOf(c); v != nil {
		if followed, err := h.Store.FollowedGroups(c.Request.Context(), v.ID); err == nil {
			for i := range followed {
				if !slices.ContainsFunc(f.Groups, func(g accountView) bool { return g.ID == followed[i].ID }) {
					f.Groups = append(f.Groups, h.accountView(&followed[i]))
				}
			}
		}
	}
	return f
}

func (f agendaFilter) query(now time.Time) storage.WebEventQuery {
	q := storage.WebEventQuery{From: now, Listed: true, Limit: 100, GroupID: f.Group, Place: f.Place, To: f.to}
	if f.from.After(now) {
		q.From = f.from
	}
	switch f.Kind {
	case "action":
		q.Kind = model.EventKindFieldAction
	case "event":
		q.Kind = model.EventKindEvent
	case "meeting":
		q.Kind, q.Category = model.EventKindEvent, "MEETING"
	case "debate":
		q.Kind, q.Category = model.EventKindEvent, "DEBATE"
	}
	return q
}

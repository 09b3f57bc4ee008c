package web

import (
	"github.com/coopol/coopol/model"
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

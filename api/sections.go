package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// sectionJSON is one section of the directory.
type sectionJSON struct {
	Account   accountJSON `json:"account"`
	Kind      string      `json:"kind"`
	Territory string      `json:"territory"`
	// MemberCount is what a remote section says of its size (a count
	// only); absent for this instance's sections.
	MemberCount *int        `json:"member_count,omitempty"`
	CalendarURL string      `json:"calendar_url,omitempty"`
	Upcoming    []eventJSON `json:"upcoming"`
}

// listSections: GET /api/v1/coopol/sections, the directory of the
// party's sections (this one, federation.sections, those seen in
// federation) with their next events and actions the viewer may see.
func (h *Handlers) listSections(c *gin.Context) {
	listings, err := h.Social.SectionDirectory(c.Request.Context(), CurrentAccount(c))
	if err != nil {
		h.internalError(c, err)
		return
	}
	out := make([]sectionJSON, 0, len(listings))
	for i := range listings {
		l := &listings[i]
		acc, err := h.renderAccount(c.Request.Context(), &l.Account)
		if err != nil {
			h.internalError(c, err)
			return
		}
		s := sectionJSON{Account: acc, Kind: l.Group.Kind, Territory: l.Group.Territory, MemberCount: l.Group.MemberCount,
			CalendarURL: l.Group.CalendarURL, Upcoming: []eventJSON{}}
		if l.Account.IsLocal() {
			s.CalendarURL = h.Config.BaseURL() + "/users/" + l.Account.Username + "/calendar.ics"
		}
		for j := range l.Upcoming {
			ev, err := h.renderEvent(c, &l.Upcoming[j])
			if err != nil {
				h.internalError(c, err)
				return
			}
			s.Upcoming = append(s.Upcoming, ev)
		}
		out = append(out, s)
	}
	c.JSON(http.StatusOK, out)
}

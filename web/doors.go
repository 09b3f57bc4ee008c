package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/elections"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// Door to door (issue 14): the address file import in the elections
// dashboard, a station's walk list, the turfs of a field action for its
// organisers, and a volunteer's own turf, ticked door by door. Each tick is
// a plain form that saves at once: on a flaky connection, a failed post is
// simply sent again, and nothing waits for a whole page of doors.

// addressesImportPath is the address import form's action; checkCSRF lets
// its body be large (a departmental extract; the national file goes
// through "coopol import addresses").
const addressesImportPath = "/dashboard/elections/addresses"

const addressesUploadLimit = 2 << 30

// importAddresses stores the uploaded address file for the section.
func (h *Handlers) importAddresses(c *gin.Context) {
	d := &electionsData{AddressCommunes: strings.TrimSpace(c.PostForm("communes"))}
	again := func(msg string) {
		d.AddressError = msg
		h.renderElections(c, http.StatusUnprocessableEntity, d)
	}
	file, name, err := formFile(c, "addresses")
	if err != nil {
		again(h.t(c, "elections.no_file"))
		return
	}
	defer file.Close()
	section := sectionOf(c)
	report, err := elections.ImportAddresses(c.Request.Context(), h.Store, file, elections.AddressImportOptions{
		SectionID: section.ID, Communes: splitCodes(d.AddressCommunes),
	})
	var pe *elections.ParseError
	switch {
	case errors.As(err, &pe):
		lang := h.msgs.choose(c.Request)
		again(h.t(c, "elections.parse_error", "File", name, "Line", pe.Line, "Column", firstNonEmpty(h.importColumn(lang, pe.Column), "—"),
			"Message", h.importMessage(lang, pe.Msg)))
		return
	case err != nil:
		h.Log.Info("web: address import refused", "section", section.Username, "err", err)
		again(h.t(c, "elections.import_failed", "Message", h.importMessage(h.msgs.choose(c.Request), err.Error())))
		return
	}
	h.Log.Info("web: addresses imported", "section", section.Username, "addresses", report.Addresses,
		"stations", report.Stations, "by", viewerOf(c).Account.Username)
	h.flash(c, "flash.addresses_imported")
	c.Redirect(http.StatusSeeOther, "/dashboard/elections#addresses")
}

func splitCodes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
}

type walkStreet struct {
	Name            string
	Doors           []walkDoor
	Electors, Count int
}

type walkDoor struct {
	ID, Number, Outcome string
	Electors            int
}

// streetsOf groups doors, already in walking order, by street.
func streetsOf(doors []walkDoor, street func(i int) string) []walkStreet {
	var out []walkStreet
	for i, d := range doors {
		if len(out) == 0 || out[len(out)-1].Name != street(i) {
			out = append(out, walkStreet{Name: street(i)})
		}
		s := &out[len(out)-1]
		s.Doors = append(s.Doors, d)
		s.Electors += d.Electors
		s.Count++
	}
	return out
}

type walkData struct {
	Station               model.PollingStation
	Streets               []walkStreet
	Doors, Electors       int
	BackURL, StationLabel string
}

// walkList shows a station's addresses street by street, printable.
func (h *Handlers) walkList(c *gin.Context) {
	ctx := c.Request.Context()
	section := sectionOf(c)
	station, err := h.Store.PollingStation(ctx, section.ID, c.Param("station"))
	if err != nil {
		h.notFound(c)
		return
	}
	walk, err := h.Store.WalkList(ctx, section.ID, station.ID)
	if err != nil {
		h.fail(c, err)
		return
	}
	d := &walkData{Station: *station, BackURL: "/dashboard/elections", StationLabel: stationLabel(station)}
	doors := make([]walkDoor, len(walk))
	for i, a := range walk {
		doors[i] = walkDoor{ID: a.ID, Number: a.Number, Electors: a.Electors}
		d.Electors += a.Electors
	}
	d.Doors = len(walk)
	d.Streets = streetsOf(doors, func(i int) string { return walk[i].Street })
	h.Log.Info("web: walk list opened", "station", station.ID, "by", viewerOf(c).Account.ID)
	p := h.newPage(c, h.t(c, "doors.walk_title", "Station", d.StationLabel), d)
	p.Nav, p.NoIndex = "dashboard", true
	h.render(c, http.StatusOK, "doors_walk", p)
}

func stationLabel(s *model.PollingStation) string {
	if s.CommuneName != "" {
		return s.CommuneName + " — " + s.Code
	}
	return s.CommuneCode + " — " + s.Code
}

type turfRow struct {
	ID, Name, Assignee, AssigneeID string
	Doors, Electors, Ticked        int
}

type volunteerOption struct{ ID, Name string }

type turfsData struct {
	Event      *eventView
	Station    string
	Turfs      []turfRow
	Volunteers []volunteerOption
	Target     int
	Error      string
}

// actionTurfs is the organisers' page of an action's turfs.
func (h *Handlers) actionTurfs(c *gin.Context) {
	h.renderTurfs(c, http.StatusOK, "")
}

func (h *Handlers) renderTurfs(c *gin.Context, status int, errMsg string) {
	ctx := c.Request.Context()
	viewer := accountOf(c)
	ev, turfs, err := h.Social.ActionTurfs(ctx, viewer, c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	volunteers, err := h.Social.Volunteers(ctx, ev.ID)
	if err != nil {
		h.fail(c, err)
		return
	}
	ev2 := h.eventView(ev)
	d := &turfsData{Event: &ev2, Target: turfTarget(c), Error: errMsg}
	if ev.PollingStationID != nil {
		if section, err := h.section(c); err == nil {
			if st, err := h.Store.PollingStation(ctx, section.ID, *ev.PollingStationID); err == nil {
				d.Station = stationLabel(st)
			}
		}
	}
	names := map[string]string{}
	for _, a := range volunteers {
		v := h.accountView(a)
		names[a.ID] = v.Name
		d.Volunteers = append(d.Volunteers, volunteerOption{ID: a.ID, Name: v.Name})
	}
	for _, t := range turfs {
		r := turfRow{ID: t.ID, Name: t.Name, Doors: len(t.Doors)}
		for _, door := range t.Doors {
			r.Electors += door.Electors
			if door.Outcome != "" {
				r.Ticked++
			}
		}
		if t.AssigneeID != nil {
			r.AssigneeID, r.Assignee = *t.AssigneeID, names[*t.AssigneeID]
		}
		d.Turfs = append(d.Turfs, r)
	}
	p := h.newPage(c, h.t(c, "doors.turfs_title", "Title", ev.Title), d)
	p.Nav, p.NoIndex = "events", true
	h.render(c, status, "doors_turfs", p)
}

// makeTurfs splits the action's station into turfs.
func (h *Handlers) makeTurfs(c *gin.Context) {
	target, _ := strconv.Atoi(c.PostForm("target"))
	_, err := h.Social.MakeTurfs(c.Request.Context(), accountOf(c), c.Param("id"), target, c.PostForm("by") == "street")
	if msg, ok := h.validationMessage(c, err); ok {
		h.renderTurfs(c, http.StatusUnprocessableEntity, msg)
		return
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.turfs_made")
	// The size just used stays in the form, for a second try.
	c.Redirect(http.StatusSeeOther, "/events/"+c.Param("id")+"/turfs?target="+strconv.Itoa(target))
}

// turfTarget is the turf size the form shows: the one just asked for
// (in the form, or after the redirect), else 150 electors.
func turfTarget(c *gin.Context) int {
	for _, v := range []string{c.PostForm("target"), c.Query("target")} {
		if n, err := strconv.Atoi(v); err == nil && n >= 10 && n <= 5000 {
			return n
		}
	}
	return 150
}

// assignTurf gives a turf to a volunteer of the action.
func (h *Handlers) assignTurf(c *gin.Context) {
	err := h.Social.AssignTurf(c.Request.Context(), accountOf(c), c.Param("id"), c.Param("turf"), c.PostForm("account_id"))
	if msg, ok := h.validationMessage(c, err); ok {
		h.renderTurfs(c, http.StatusUnprocessableEntity, msg)
		return
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/events/"+c.Param("id")+"/turfs")
}

type turfData struct {
	Turf            *model.Turf
	Event           *eventView
	Streets         []walkStreet
	Doors, Electors int
	Ticked          int
	Outcomes        []string
	Organizer       bool
}

// turfPage is a volunteer's turf: a form per door.
func (h *Handlers) turfPage(c *gin.Context) {
	ctx := c.Request.Context()
	viewer := accountOf(c)
	turf, ev, err := h.Social.OpenTurf(ctx, viewer, c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	ev2 := h.eventView(ev)
	d := &turfData{Turf: turf, Event: &ev2, Outcomes: model.DoorOutcomes}
	d.Organizer, _ = h.Social.CanOrganize(ctx, viewer, ev)
	doors := make([]walkDoor, len(turf.Doors))
	for i, door := range turf.Doors {
		doors[i] = walkDoor{ID: door.ID, Number: door.Number, Electors: door.Electors, Outcome: door.Outcome}
		d.Electors += door.Electors
		if door.Outcome != "" {
			d.Ticked++
		}
	}
	d.Doors = len(doors)
	d.Streets = streetsOf(doors, func(i int) string { return turf.Doors[i].Street })
	p := h.newPage(c, turf.Name, d)
	p.Nav, p.NoIndex = "events", true
	h.render(c, http.StatusOK, "doors_turf", p)
}

// tickDoor saves one door's outcome and comes back to that door.
func (h *Handlers) tickDoor(c *gin.Context) {
	err := h.Social.TickDoor(c.Request.Context(), accountOf(c), c.Param("id"), c.Param("door"), c.PostForm("outcome"))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/turfs/"+c.Param("id")+"#door-"+c.Param("door"))
}

// validationMessage translates a domain validation error for a form.
func (h *Handlers) validationMessage(c *gin.Context, err error) (string, bool) {
	var ve *social.ValidationError
	if !errors.As(err, &ve) {
		return "", false
	}
	return h.domainMessage(c, ve.Msg), true
}

// addressStations lists the section's stations that have addresses, with
// their doors and electors, for the elections page.
func (h *Handlers) addressStations(c *gin.Context) ([]addressStation, error) {
	ctx := c.Request.Context()
	section := sectionOf(c)
	totals, err := h.Store.DoorTotals(ctx, section.ID)
	if err != nil || len(totals) == 0 {
		return nil, err
	}
	stations, err := h.Store.PollingStations(ctx, section.ID)
	if err != nil {
		return nil, err
	}
	var out []addressStation
	for i := range stations {
		if t, ok := totals[stations[i].ID]; ok {
			out = append(out, addressStation{ID: stations[i].ID, Label: stationLabel(&stations[i]), Doors: t.Doors, Electors: t.Electors})
		}
	}
	return out, nil
}

// eventDoors is what a field action's page links of door to door: the
// turfs page for its organisers, their own turfs for volunteers.
type eventDoors struct {
	EventID       string
	Turfs, Report bool
	Mine          []model.Turf
}

func (h *Handlers) eventDoors(c *gin.Context, ev *model.Event, organizer bool) (*eventDoors, error) {
	viewer := accountOf(c)
	if viewer == nil || !ev.Status.Local || ev.Kind != model.EventKindFieldAction {
		return nil, nil
	}
	// The report is for any field action; turfs need a polling station.
	d := &eventDoors{EventID: ev.ID, Turfs: organizer && ev.PollingStationID != nil, Report: organizer}
	mine, err := h.Store.TurfsAssignedTo(c.Request.Context(), ev.ID, viewer.ID)
	if err != nil {
		return nil, err
	}
	d.Mine = mine
	if !d.Report && len(d.Mine) == 0 {
		return nil, nil
	}
	return d, nil
}

type actionReportParticipant struct {
	ID, Name, State string
	Came            bool
}

type actionReportData struct {
	Event                             *eventView
	Participants                      []actionReportParticipant
	DoorsKnocked, PeopleMet, Leaflets int
	Notes                             string
	Saved                             bool
	Ticked                            int
	Error                             string
}

// actionReport is the organisers' report form of a field action. Before
// the first save, the door counts come from what volunteers ticked.
func (h *Handlers) actionReport(c *gin.Context) {
	h.renderReport(c, http.StatusOK, "", nil)
}

func (h *Handlers) renderReport(c *gin.Context, status int, errMsg string, sent *social.ActionReportForm) {
	ctx := c.Request.Context()
	v, err := h.Social.ActionReport(ctx, accountOf(c), c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	ev := h.eventView(v.Event)
	d := &actionReportData{Event: &ev, Error: errMsg}
	for _, n := range v.Outcomes {
		d.Ticked += n
	}
	came := map[string]bool{}
	switch {
	case sent != nil:
		d.DoorsKnocked, d.PeopleMet, d.Leaflets, d.Notes = sent.DoorsKnocked, sent.PeopleMet, sent.Leaflets, sent.Notes
		for _, id := range sent.Attended {
			came[id] = true
		}
	case v.Report != nil:
		d.Saved = true
		d.DoorsKnocked, d.PeopleMet, d.Leaflets, d.Notes = v.Report.DoorsKnocked, v.Report.PeopleMet, v.Report.Leaflets, v.Report.Notes
		for _, id := range v.Attended {
			came[id] = true
		}
	default:
		d.DoorsKnocked, d.PeopleMet = d.Ticked, v.Outcomes[model.DoorTalked]
	}
	seen := map[string]bool{}
	for _, p := range v.Participants {
		if p.Account == nil || seen[p.AccountID] || p.State == model.ParticipationRejected {
			continue
		}
		seen[p.AccountID] = true
		d.Participants = append(d.Participants, actionReportParticipant{ID: p.AccountID, Name: h.accountView(p.Account).Name, State: p.State, Came: came[p.AccountID]})
	}
	p := h.newPage(c, h.t(c, "doors.report_title", "Title", v.Event.Title), d)
	p.Nav, p.NoIndex = "events", true
	h.render(c, status, "doors_report", p)
}

// saveActionReport records the report.
func (h *Handlers) saveActionReport(c *gin.Context) {
	number := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(c.PostForm(name)))
		if err != nil && c.PostForm(name) != "" {
			return -1
		}
		return n
	}
	in := social.ActionReportForm{DoorsKnocked: number("doors_knocked"), PeopleMet: number("people_met"), Leaflets: number("leaflets"),
		Notes: strings.TrimSpace(c.PostForm("notes")), Attended: c.PostFormArray("came")}
	err := h.Social.SaveActionReport(c.Request.Context(), accountOf(c), c.Param("id"), in)
	if msg, ok := h.validationMessage(c, err); ok {
		h.renderReport(c, http.StatusUnprocessableEntity, msg, &in)
		return
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.report_saved")
	c.Redirect(http.StatusSeeOther, "/events/"+c.Param("id")+"/report")
}

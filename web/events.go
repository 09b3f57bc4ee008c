package web

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/calendar"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/text"
)

// Events and field actions: the page with its gauge, signing up and
// withdrawing, one's commitments, and the organisers' form.

type eventPageData struct {
	Event eventView
	Group *accountView
	// MyState is the viewer's participation in the whole event ("" =
	// none); slots carry their own.
	MyState      string
	Participants []participantView
	CanSignUp    bool
	Past         bool
	Organizer    bool
	Doors        *eventDoors
	// GuestForm is the sign-up form for visitors without an account (nil
	// when the event takes no guests); Guests are listed to organisers.
	GuestForm *guestForm
	// GuestAtOrigin is the organising server's page of a remote public
	// event, for visitors without an account: guests sign up there.
	GuestAtOrigin string
	Guests        []guestView
	// Station is the polling station a field action targets, for
	// logged-in viewers (never on the anonymous page nor federated).
	Station *stationRef
	// PhoneAllowed: the viewer may leave a phone number for the organisers
	// (an action organised here); GavePhone: they did.
	PhoneAllowed, GavePhone bool
}

type participantView struct {
	Account   accountView
	State     string
	Slot      string
	SlotLabel string // the slot's hours, in the event's zone
	Phone     string
}

// stationRef names a field action's target polling station; WalkPath is
// its walk list, for the section's staff.
type stationRef struct {
	Code, Commune, WalkPath string
}

// eventPage shows an event to whoever may see it (the domain decides);
// its participants only to its organisers.
func (h *Handlers) eventPage(c *gin.Context) {
	ctx := c.Request.Context()
	viewerAcc := accountOf(c)
	ev, err := h.Social.Event(ctx, viewerAcc, c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsActivityJSON(c.Request) && ev.Status.Local {
		c.Redirect(http.StatusFound, ev.URI)
		return
	}
	d := &eventPageData{Event: h.eventView(ev)}
	end := ev.StartAt
	if ev.EndAt != nil {
		end = *ev.EndAt
	}
	d.Past = end.Before(h.now())
	if ev.GroupID != nil {
		if g, err := h.Store.AccountByID(ctx, *ev.GroupID); err == nil {
			gv := h.accountView(g)
			d.Group = &gv
		}
	}
	if err := h.countWaiting(c, ev, &d.Event); err != nil {
		h.fail(c, err)
		return
	}
	if viewerAcc != nil {
		d.CanSignUp = !d.Event.Cancelled && !d.Past
		d.PhoneAllowed = ev.Status.Local
		d.GavePhone = h.Social.HasGivenPhone(ctx, viewerAcc, ev.ID)
		d.Station = h.eventStation(c, ev)
		mine, err := h.Store.AccountParticipations(ctx, ev.ID, viewerAcc.ID)
		if err != nil {
			h.fail(c, err)
			return
		}
		for _, p := range mine {
			if p.State == model.ParticipationRejected {
				continue
			}
			if p.SlotID == "" {
				d.MyState = p.State
			}
			for i := range d.Event.Slots {
				if d.Event.Slots[i].ID == p.SlotID {
					d.Event.Slots[i].MyState = p.State
				}
			}
		}
		participants, err := h.Social.Participants(ctx, viewerAcc, ev.ID)
		switch {
		case err == nil:
			d.Organizer = true
			if d.Guests, err = h.guestGuests(c, viewerAcc, ev); err != nil {
				h.fail(c, err)
				return
			}
			phones, err := h.Social.ParticipantPhones(ctx, viewerAcc, ev)
			if err != nil {
				h.fail(c, err)
				return
			}
			for i := range participants {
				pv := participantView{Account: h.accountView(participants[i].Account),
					State: participants[i].State, Slot: participants[i].SlotID, Phone: phones[participants[i].AccountID]}
				for _, slot := range ev.Slots {
					if slot.ID == pv.Slot {
						pv.SlotLabel = inZone(slot.StartAt, ev.Timezone).Format("15:04") + "–" + inZone(slot.EndAt, ev.Timezone).Format("15:04")
					}
				}
				d.Participants = append(d.Participants, pv)
			}
		case !errors.Is(err, social.ErrForbidden):
			h.fail(c, err)
			return
		}
	}
	if viewerAcc == nil && h.Social.GuestsOpen(ev) {
		d.GuestForm = h.guestFormFor(ev)
	}
	if viewerAcc == nil && !ev.Status.Local && ev.Status.Visibility == model.VisibilityPublic && ev.EventStatus != "CANCELLED" && h.now().Before(ev.StartAt) {
		d.GuestAtOrigin = text.SafeURL(ev.Status.URL)
		if d.GuestAtOrigin == "" {
			d.GuestAtOrigin = text.SafeURL(ev.Status.URI)
		}
	}
	if d.Doors, err = h.eventDoors(c, ev, d.Organizer); err != nil {
		h.fail(c, err)
		return
	}
	p := h.newPage(c, ev.Title, d)
	p.Nav = "events"
	if ev.Status.Visibility == model.VisibilityPublic {
		p.Description = excerpt(ev.Status.Content, 200)
		if ev.Status.Local {
			p.Canonical = h.Social.URIs.Event(ev.ID)
			p.OG = &openGraph{Type: "article", Title: ev.Title, Description: p.Description, URL: p.Canonical}
		}
	} else {
		p.NoIndex = true
	}
	h.render(c, http.StatusOK, "event", p)
}

// eventCalendar is one event as an .ics file, for the logged-in viewer
// too (members-only events; the anonymous calendar.ics shows public
// events only).
func (h *Handlers) eventCalendar(c *gin.Context) {
	ev, err := h.Social.Event(c.Request.Context(), accountOf(c), c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	var buf bytes.Buffer
	item := calendar.Item{Event: ev, Description: ev.Status.Content, URL: h.Social.URIs.Event(ev.ID)}
	if ev.Status.Account != nil {
		item.Organizer = firstNonEmpty(ev.Status.Account.DisplayName, ev.Status.Account.Username)
	}
	if err := calendar.Write(&buf, ev.Title, h.Config.Host, []calendar.Item{item}, h.now()); err != nil {
		h.fail(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Header("Content-Disposition", `attachment; filename="event-`+ev.ID+`.ics"`)
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", buf.Bytes())
}

// eventSignUp signs the viewer up (for one slot of a field action, when
// it has slots). The domain decides: a place, the waiting list, or a
// request sent to a remote organiser.
func (h *Handlers) eventSignUp(c *gin.Context) {
	v := viewerOf(c)
	ctx := c.Request.Context()
	phone := strings.TrimSpace(c.PostForm("phone"))
	if phone != "" {
		// Checked before signing up: a refused number changes nothing.
		if _, err := social.NormalizePhone(phone); err != nil {
			h.errorPage(c, http.StatusUnprocessableEntity, "event.bad_phone")
			return
		}
		if c.PostForm("phone_consent") == "" {
			h.errorPage(c, http.StatusUnprocessableEntity, "event.phone_consent_needed")
			return
		}
		// Only for an action organised here: a remote sign-up carries none.
		if ev, err := h.Social.Event(ctx, v.Account, c.Param("id")); err != nil {
			h.fail(c, err)
			return
		} else if !ev.Status.Local {
			h.errorPage(c, http.StatusUnprocessableEntity, "event.phone_remote")
			return
		}
	}
	res, err := h.Social.SignUp(ctx, v.Account, c.Param("id"), c.PostForm("slot_id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	if phone != "" {
		if err := h.Social.SetParticipantPhone(ctx, v.Account, res.Event.ID, phone, true); err != nil {
			h.fail(c, err)
			return
		}
	}
	switch res.Participation.State {
	case model.ParticipationGoing:
		h.flash(c, "flash.signed_up")
	case model.ParticipationWaitlisted:
		h.flash(c, "flash.waitlisted")
	default:
		h.flash(c, "flash.signup_pending")
	}
	c.Redirect(http.StatusSeeOther, localPath(c.PostForm("back"), "/events/"+c.Param("id")))
}

// eventCancel withdraws the viewer's sign-up.
func (h *Handlers) eventCancel(c *gin.Context) {
	v := viewerOf(c)
	if err := h.Social.CancelParticipation(c.Request.Context(), v.Account, c.Param("id"), c.PostForm("slot_id")); err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.cancelled")
	c.Redirect(http.StatusSeeOther, localPath(c.PostForm("back"), "/events/"+c.Param("id")))
}

type commitmentsData struct {
	Items []commitment
	// FeedURL is the personal calendar address, right after it is made.
	FeedURL string
}

type commitment struct {
	Event  eventView
	States []string
}

// commitments lists what the viewer signed up for.
func (h *Handlers) commitments(c *gin.Context) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	events, err := h.Store.AccountEvents(ctx, v.Account.ID, h.now())
	if err != nil {
		h.fail(c, err)
		return
	}
	d := &commitmentsData{FeedURL: c.GetString(ctxFeedURL)}
	for i := range events {
		ev := &events[i]
		if ok, err := h.Social.CanView(ctx, v.Account, ev.Status); err != nil || !ok {
			continue
		}
		item := commitment{Event: h.eventView(ev)}
		mine, err := h.Store.AccountParticipations(ctx, ev.ID, v.Account.ID)
		if err != nil {
			h.fail(c, err)
			return
		}
		for _, p := range mine {
			if p.SlotID == "" {
				item.States = append(item.States, p.State)
			}
			for j := range item.Event.Slots {
				if item.Event.Slots[j].ID == p.SlotID {
					item.Event.Slots[j].MyState = p.State
				}
			}
		}
		d.Items = append(d.Items, item)
	}
	p := h.newPage(c, h.t(c, "commitments.title"), d)
	p.Nav = "commitments"
	h.render(c, http.StatusOK, "commitments", p)
}

// organizableGroups are the local groups (and the section) whose events
// the viewer may organise.
func (h *Handlers) organizableGroups(c *gin.Context) ([]*model.Account, error) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	var out []*model.Account
	seen := map[string]bool{}
	candidates, err := h.Store.GroupsOf(ctx, v.Account.ID)
	if err != nil {
		return nil, err
	}
	if section, err := h.section(c); err == nil {
		candidates = append([]model.Account{*section}, candidates...)
	}
	for i := range candidates {
		g := &candidates[i]
		if seen[g.ID] || !g.IsLocal() {
			continue
		}
		seen[g.ID] = true
		ok, err := h.Social.CanModerate(ctx, v.Account, g)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, g)
		}
	}
	return out, nil
}

type eventForm struct {
	Kind, ActionKind, Title, Description string
	// Category is an event's kind in the agenda's filter (MEETING,
	// DEBATE, or MOVEMENTS_POLITICS for any other event).
	Category                      string
	Categories                    []string
	Date, Start, End              string
	PlaceName, Street, PostalCode string
	Locality, OnlineURL           string
	Capacity                      string
	Visibility, GroupID           string
	Groups                        []accountView
	ActionKinds                   []string
	Error                         string
	// StationID is the polling station a field action targets (from the
	// elections ranking); Station names it for the form.
	StationID, Station string
	// EditID is the event being edited ("" when publishing a new one).
	EditID, Status string
	// Slots are a field action's time slots, each with its need: the
	// existing ones, then empty rows to add more (no script needed).
	Slots []slotRow
}

// slotRow is one slot in the form; Taken: people signed up for it (it
// cannot be removed, only moved).
type slotRow struct {
	ID, Start, End, Need string
	Taken                bool
	// Offset is the slot's day after the action's date (slots the API
	// put on later days keep their day; a new date moves them along).
	Offset int
}

// blankSlotRows is how many empty slot rows the form offers.
const blankSlotRows = 3

// withBlankSlots adds the empty rows the form offers for new slots.
func (f *eventForm) withBlankSlots() {
	if f.Kind != model.EventKindFieldAction {
		return
	}
	blank := 0
	for _, r := range f.Slots {
		if r.ID == "" {
			blank++
		}
	}
	for ; blank < blankSlotRows; blank++ {
		f.Slots = append(f.Slots, slotRow{})
	}
}

// parseSlots reads the slot rows of the form (times on the form's date).
// present is false when the form had no slot rows at all; rows left empty
// are skipped, and a row whose id is in slot_remove is dropped.
func parseSlots(c *gin.Context, f *eventForm, zone *time.Location) (edits []social.SlotEdit, present bool, errKey string) {
	ids, starts, ends, needs := c.PostFormArray("slot_id"), c.PostFormArray("slot_start"), c.PostFormArray("slot_end"), c.PostFormArray("slot_need")
	offsets := c.PostFormArray("slot_offset")
	if len(starts) == 0 {
		return nil, false, ""
	}
	if len(ids) != len(starts) || len(ends) != len(starts) || len(needs) != len(starts) {
		return nil, true, "eventform.bad_slot"
	}
	removed := map[string]bool{}
	for _, id := range c.PostFormArray("slot_remove") {
		removed[id] = true
	}
	f.Slots = nil
	for i := range starts {
		row := slotRow{ID: strings.TrimSpace(ids[i]), Start: strings.TrimSpace(starts[i]), End: strings.TrimSpace(ends[i]), Need: strings.TrimSpace(needs[i])}
		if i < len(offsets) {
			if n, err := strconv.Atoi(offsets[i]); err == nil && n > 0 && n <= 366 {
				row.Offset = n
			}
		}
		if row.ID == "" && row.Start == "" && row.End == "" && row.Need == "" {
			continue
		}
		if row.ID != "" && removed[row.ID] {
			continue
		}
		f.Slots = append(f.Slots, row)
		start, err1 := time.ParseInLocation("2006-01-02 15:04", f.Date+" "+row.Start, zone)
		end, err2 := time.ParseInLocation("2006-01-02 15:04", f.Date+" "+row.End, zone)
		start, end = start.AddDate(0, 0, row.Offset), end.AddDate(0, 0, row.Offset)
		need, err3 := strconv.Atoi(row.Need)
		if err1 != nil || err2 != nil || err3 != nil || need < 1 || !end.After(start) {
			errKey = "eventform.bad_slot"
			continue
		}
		edits = append(edits, social.SlotEdit{ID: row.ID, StartAt: start, EndAt: end, Need: need})
	}
	return edits, true, errKey
}

func (h *Handlers) newEventForm(c *gin.Context) {
	groups, err := h.organizableGroups(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	if len(groups) == 0 {
		h.errorPage(c, http.StatusForbidden, "events.not_organizer")
		return
	}
	kind := model.EventKindEvent
	if c.Query("kind") == model.EventKindFieldAction {
		kind = model.EventKindFieldAction
	}
	f := &eventForm{Kind: kind, Visibility: model.VisibilityPublic, ActionKind: model.ActionKinds[0], Category: "MOVEMENTS_POLITICS"}
	if k := c.Query("action_kind"); slices.Contains(model.ActionKinds, k) {
		f.ActionKind = k
	}
	if station := c.Query("station"); station != "" && !h.stationAction(c, f, station) {
		return
	}
	h.renderEventForm(c, http.StatusOK, f, groups)
}

func (h *Handlers) renderEventForm(c *gin.Context, status int, f *eventForm, groups []*model.Account) {
	f.ActionKinds = model.ActionKinds
	f.Categories = eventCategories
	f.withBlankSlots()
	f.Groups = nil
	for _, g := range groups {
		f.Groups = append(f.Groups, h.accountView(g))
	}
	p := h.newPage(c, h.t(c, "eventform.title"), f)
	p.Nav = "events"
	h.render(c, status, "event_new", p)
}

// eventCategories are the kinds of event the form offers, which the
// agenda filters by (kind=meeting, kind=debate; "event" is any event):
// Mobilizon's category names, DEBATE being Coopol's own.
var eventCategories = []string{"MEETING", "DEBATE", "MOVEMENTS_POLITICS"}

// createEvent publishes an event or field action through the domain,
// which checks that the viewer organises for the chosen group.
func (h *Handlers) createEvent(c *gin.Context) {
	v := viewerOf(c)
	f := &eventForm{
		Kind: c.PostForm("kind"), ActionKind: c.PostForm("action_kind"), Title: strings.TrimSpace(c.PostForm("title")),
		Description: c.PostForm("description"), Date: c.PostForm("date"), Start: c.PostForm("start"), End: c.PostForm("end"),
		PlaceName: strings.TrimSpace(c.PostForm("place_name")), Street: strings.TrimSpace(c.PostForm("street")),
		PostalCode: strings.TrimSpace(c.PostForm("postal_code")), Locality: strings.TrimSpace(c.PostForm("locality")),
		OnlineURL: strings.TrimSpace(c.PostForm("online_url")), Capacity: strings.TrimSpace(c.PostForm("capacity")),
		Visibility: c.PostForm("visibility"), GroupID: c.PostForm("group_id"),
		StationID: c.PostForm("polling_station_id"), Category: c.PostForm("category"),
	}
	groups, err := h.organizableGroups(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	again := func(msg string) {
		f.Error = msg
		h.renderEventForm(c, http.StatusUnprocessableEntity, f, groups)
	}
	if !slices.ContainsFunc(groups, func(g *model.Account) bool { return g.ID == f.GroupID }) {
		h.errorPage(c, http.StatusForbidden, "events.not_organizer")
		return
	}
	if f.StationID != "" && !h.checkActionStation(c, f) {
		return
	}
	if f.Kind == model.EventKindFieldAction {
		f.Category = ""
	} else if f.Category != "" && !slices.Contains(eventCategories, f.Category) {
		again(h.t(c, "eventform.bad_category"))
		return
	}
	zone := h.zone
	start, err := time.ParseInLocation("2006-01-02 15:04", f.Date+" "+f.Start, zone)
	if err != nil {
		again(h.t(c, "eventform.bad_date"))
		return
	}
	in := social.NewEvent{
		Title: f.Title, Description: f.Description, Kind: f.Kind, StartAt: start, Timezone: zone.String(),
		PlaceName: f.PlaceName, StreetAddress: f.Street, PostalCode: f.PostalCode, Locality: f.Locality,
		OnlineURL: f.OnlineURL, Visibility: f.Visibility, GroupID: f.GroupID, PollingStationID: f.StationID,
		Category: f.Category,
	}
	if f.Kind == model.EventKindFieldAction {
		in.ActionKind = f.ActionKind
	}
	if f.End != "" {
		end, err := time.ParseInLocation("2006-01-02 15:04", f.Date+" "+f.End, zone)
		if err != nil {
			again(h.t(c, "eventform.bad_date"))
			return
		}
		in.EndAt = end
	}
	if f.Kind == model.EventKindFieldAction {
		slots, _, errKey := parseSlots(c, f, zone)
		if errKey != "" {
			again(h.t(c, errKey))
			return
		}
		for _, sl := range slots {
			in.Slots = append(in.Slots, social.NewSlot{StartAt: sl.StartAt, EndAt: sl.EndAt, Need: sl.Need})
		}
	}
	if f.Capacity != "" && len(in.Slots) == 0 {
		n, err := strconv.Atoi(f.Capacity)
		if err != nil || n < 1 {
			again(h.t(c, "eventform.bad_capacity"))
			return
		}
		in.Capacity = &n
	}
	ev, err := h.Social.CreateEvent(c.Request.Context(), v.Account, in)
	var ve *social.ValidationError
	if errors.As(err, &ve) {
		again(h.domainMessage(c, ve.Msg))
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.event_created")
	c.Redirect(http.StatusSeeOther, "/events/"+ev.ID)
}

package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// Coopol's own extension of the Mastodon API, under /api/v1/coopol: what
// Mastodon has no words for (groups with members and roles, events and
// field actions with sign-ups). Scopes read:coopol / write:coopol; the
// plain read / write scopes cover them. Members lists and participant
// lists are answered only to those entitled (a 404 otherwise).
func (h *Handlers) coopolRoutes(v1 *gin.RouterGroup) {
	read, write := h.RequireScope("read:coopol"), h.RequireScope("write:coopol")
	opt := h.OptionalScope("read:coopol")
	g := v1.Group("/coopol")

	g.GET("/groups", opt, h.listGroups)
	g.GET("/sections", opt, h.listSections)
	g.POST("/groups", write, h.createGroup)
	g.GET("/groups/:id", opt, h.getGroup)
	g.GET("/groups/:id/statuses", opt, h.groupStatuses)
	g.POST("/groups/:id/join", write, h.joinGroup)
	g.POST("/groups/:id/leave", write, h.leaveGroup)
	g.PUT("/groups/:id/admission", write, h.setGroupAdmission)
	g.PATCH("/groups/:id", write, h.updateGroupProfile)
	g.GET("/groups/:id/members", read, h.groupMembers)
	g.GET("/groups/:id/requests", read, h.groupRequests)
	g.POST("/groups/:id/requests/:account_id/authorize", write, h.answerGroupRequest(true))
	g.POST("/groups/:id/requests/:account_id/reject", write, h.answerGroupRequest(false))
	g.POST("/groups/:id/invite", write, h.inviteToGroup)
	g.POST("/groups/:id/members/:account_id/remove", write, h.removeFromGroup)
	g.POST("/groups/:id/members/:account_id/role", write, h.setGroupRole)
	g.POST("/members/:account_id/verify", write, h.verifyMember)
	g.POST("/groups/:id/statuses/:status_id/:action", write, h.moderateGroupPost)

	g.GET("/events", opt, h.listEvents)
	g.POST("/events", write, h.createEvent)
	g.GET("/events/mine", read, h.myEvents)
	g.GET("/events/:id", opt, h.getEvent)
	g.PUT("/events/:id", write, h.updateEvent)
	g.POST("/events/:id/duplicate", write, h.duplicateEvent)
	g.POST("/events/:id/participate", write, h.participate)
	g.DELETE("/events/:id/participate", write, h.cancelParticipation)
	g.GET("/events/:id/participants", read, h.eventParticipants)
	g.GET("/events/:id/guests", read, h.eventGuests)
	g.POST("/events/:id/message", write, h.messageParticipants)
	g.POST("/calendar", write, h.newCalendarFeed)
	h.coopolAccountRoutes(g)
}

// ---- Groups ----

type groupJSON struct {
	ID                string       `json:"id"`
	Account           accountJSON  `json:"account"`
	Kind              string       `json:"kind"`
	Openness          string       `json:"openness"`
	MembersVisibility string       `json:"members_visibility"`
	Territory         string       `json:"territory"`
	Membership        *memberState `json:"membership"`
	// Admission tells who may join (local groups): "verification" for
	// the section (its members are its verified adherents), otherwise
	// the group's rule (section, party, anyone).
	Admission *admissionJSON `json:"admission,omitempty"`
}

type admissionJSON struct {
	Rule                 string `json:"rule"`
	SympathisantsMayJoin bool   `json:"sympathisants_may_join"`
}

type memberState struct {
	State         string `json:"state"`
	Role          string `json:"role"`
	SectionStatus string `json:"section_status,omitempty"`
}

type memberJSON struct {
	Account       accountJSON `json:"account"`
	Role          string      `json:"role"`
	State         string      `json:"state"`
	SectionStatus string      `json:"section_status,omitempty"`
	Since         string      `json:"since"`
}

// respondGroup answers with a group's entity.
func (h *Handlers) respondGroup(c *gin.Context, group *model.Account) {
	out, err := h.renderGroup(c, group)
	if err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (h *Handlers) renderGroup(c *gin.Context, group *model.Account) (groupJSON, error) {
	ctx := c.Request.Context()
	acc, err := h.renderAccount(ctx, group)
	if err != nil {
		return groupJSON{}, err
	}
	out := groupJSON{ID: group.ID, Account: acc, Kind: "thematic", Openness: "open", MembersVisibility: "members"}
	if g, err := h.Store.GroupByAccountID(ctx, group.ID); err == nil {
		out.Kind, out.Openness, out.MembersVisibility, out.Territory = g.Kind, g.Openness, g.MembersVisibility, g.Territory
		if group.IsLocal() {
			out.Admission = &admissionJSON{Rule: g.Admission, SympathisantsMayJoin: g.SympathisantsMayJoin}
			if g.Kind == "section" {
				out.Admission = &admissionJSON{Rule: "verification"}
			}
		}
	}
	if viewer := CurrentAccount(c); viewer != nil {
		if m, err := h.Store.Membership(ctx, group.ID, viewer.ID); err == nil {
			out.Membership = &memberState{State: m.State, Role: m.Role, SectionStatus: m.SectionStatus}
		}
	}
	return out, nil
}

func (h *Handlers) groupParam(c *gin.Context) (*model.Account, bool) {
	a, ok := h.accountParam(c)
	if !ok {
		return nil, false
	}
	if !a.IsGroup() {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return nil, false
	}
	return a, true
}

func (h *Handlers) listGroups(c *gin.Context) {
	groups, err := h.Store.ListGroups(c.Request.Context(), queryBool(c, "local"))
	if err != nil {
		h.internalError(c, err)
		return
	}
	out := make([]groupJSON, 0, len(groups))
	for i := range groups {
		g, err := h.renderGroup(c, &groups[i])
		if err != nil {
			h.internalError(c, err)
			return
		}
		out = append(out, g)
	}
	c.JSON(http.StatusOK, out)
}

func (h *Handlers) createGroup(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	sympathisants, _ := parseBool(p.Get("sympathisants_may_join"))
	group, err := h.Social.CreateGroup(c.Request.Context(), CurrentAccount(c), social.NewGroup{
		Username: p.Get("username"), DisplayName: p.Get("display_name"), Note: p.Get("note"),
		Openness: p.Get("openness"), MembersVisibility: p.Get("members_visibility"),
		Admission: p.Get("admission"), SympathisantsMayJoin: sympathisants,
	})
	if err != nil {
		h.domainError(c, err)
		return
	}
	h.respondGroup(c, group)
}

// setGroupAdmission: PUT /api/v1/coopol/groups/:id/admission with
// openness, admission (section, party, anyone) and sympathisants_may_join.
func (h *Handlers) setGroupAdmission(c *gin.Context) {
	group, ok := h.groupParam(c)
	if !ok {
		return
	}
	p, ok := h.params(c)
	if !ok {
		return
	}
	sympathisants, _ := parseBool(p.Get("sympathisants_may_join"))
	if _, err := h.Social.SetGroupAdmission(c.Request.Context(), CurrentAccount(c), group, social.AdmissionRules{
		Openness: p.Get("openness"), Admission: p.Get("admission"), SympathisantsMayJoin: sympathisants,
	}); err != nil {
		h.domainError(c, err)
		return
	}
	h.respondGroup(c, group)
}

// updateGroupProfile: PATCH /api/v1/coopol/groups/:id with display_name,
// note, territory (each optional) and, as multipart files, avatar and
// header: a group's admins (the section's staff) change its public face,
// as the web settings page does; followers' and members' servers get an
// Update of the Group actor.
func (h *Handlers) updateGroupProfile(c *gin.Context) {
	group, ok := h.groupParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	// Pictures are stored under the group's account: only once the
	// caller is known to edit it.
	if ok, err := h.Social.CanEditGroup(ctx, CurrentAccount(c), group); err != nil {
		h.internalError(c, err)
		return
	} else if !ok {
		if !group.IsLocal() {
			ErrorJSON(c, http.StatusNotFound, msgNotFound)
			return
		}
		h.domainError(c, social.ErrForbidden)
		return
	}
	if !h.parsePictureForm(c) {
		return
	}
	p, ok := h.params(c)
	if !ok {
		return
	}
	var in social.GroupProfile
	if in.Avatar, in.Header, ok = h.uploadPictures(c, group); !ok {
		return
	}
	str := func(key string) *string {
		if !p.has(key) {
			return nil
		}
		v := p.Get(key)
		return &v
	}
	in.DisplayName, in.Note, in.Territory = str("display_name"), str("note"), str("territory")
	updated, err := h.Social.UpdateGroupProfile(ctx, CurrentAccount(c), group, in)
	if err != nil {
		h.domainError(c, err)
		return
	}
	h.respondGroup(c, updated)
}

func (h *Handlers) getGroup(c *gin.Context) {
	group, ok := h.groupParam(c)
	if !ok {
		return
	}
	h.respondGroup(c, group)
}

// groupStatuses is the group's discussion: its posts the viewer may see
// (members-only ones only for members), newest first.
func (h *Handlers) groupStatuses(c *gin.Context) {
	group, ok := h.groupParam(c)
	if !ok {
		return
	}
	viewer := CurrentAccount(c)
	page := pageParams(c, defaultStatusLimit, maxStatusLimit)
	entries, err := h.Store.GroupTimeline(c.Request.Context(), group.ID, h.visibleFilter(viewer), page)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondStatusPage(c, viewer, entries, page)
}

func (h *Handlers) joinGroup(c *gin.Context) {
	group, ok := h.groupParam(c)
	if !ok {
		return
	}
	if _, err := h.Social.JoinGroup(c.Request.Context(), CurrentAccount(c), group); err != nil {
		h.domainError(c, err)
		return
	}
	h.getGroup(c)
}

func (h *Handlers) leaveGroup(c *gin.Context) {
	group, ok := h.groupParam(c)
	if !ok {
		return
	}
	if err := h.Social.LeaveGroup(c.Request.Context(), CurrentAccount(c), group); err != nil {
		h.domainError(c, err)
		return
	}
	h.getGroup(c)
}

// canSeeMembers: a group's member list is for its members, or only its
// moderators when the group says so (P-05). Remote groups keep theirs.
func (h *Handlers) canSeeMembers(c *gin.Context, group *model.Account) bool {
	ctx := c.Request.Context()
	viewer := CurrentAccount(c)
	if mod, err := h.Social.CanModerate(ctx, viewer, group); err == nil && mod {
		return true
	}
	g, err := h.Store.GroupByAccountID(ctx, group.ID)
	if err != nil || g.MembersVisibility != "members" {
		return false
	}
	role, err := h.Social.GroupRole(ctx, viewer, group.ID)
	return err == nil && role != ""
}

func (h *Handlers) renderMembers(c *gin.Context, ms []model.Membership, accounts []model.Account) {
	out := make([]memberJSON, 0, len(ms))
	for i := range ms {
		acc, err := h.renderAccount(c.Request.Context(), &accounts[i])
		if err != nil {
			h.internalError(c, err)
			return
		}
		out = append(out, memberJSON{Account: acc, Role: ms[i].Role, State: ms[i].State, SectionStatus: ms[i].SectionStatus, Since: ms[i].CreatedAt.UTC().Format(time.RFC3339)})
	}
	c.JSON(http.StatusOK, out)
}

func (h *Handlers) groupMembers(c *gin.Context) {
	group, ok := h.groupParam(c)
	if !ok {
		return
	}
	if !group.IsLocal() || !h.canSeeMembers(c, group) {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	ms, accounts, err := h.Store.Members(c.Request.Context(), group.ID, storage.MemberAccepted)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.renderMembers(c, ms, accounts)
}

func (h *Handlers) groupRequests(c *gin.Context) {
	group, ok := h.groupParam(c)
	if !ok {
		return
	}
	if mod, err := h.Social.CanModerate(c.Request.Context(), CurrentAccount(c), group); err != nil || !mod {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	ms, accounts, err := h.Store.Members(c.Request.Context(), group.ID, storage.MemberPending)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.renderMembers(c, ms, accounts)
}

func (h *Handlers) otherAccount(c *gin.Context) (*model.Account, bool) {
	a, err := h.Store.AccountByID(c.Request.Context(), c.Param("account_id"))
	if err != nil {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return nil, false
	}
	return a, true
}

// groupAndMember loads the :id group and the :account_id account.
func (h *Handlers) groupAndMember(c *gin.Context) (*model.Account, *model.Account, bool) {
	group, ok := h.groupParam(c)
	if !ok {
		return nil, nil, false
	}
	member, ok := h.otherAccount(c)
	return group, member, ok
}

func (h *Handlers) answerGroupRequest(accept bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		group, member, ok := h.groupAndMember(c)
		if !ok {
			return
		}
		if err := h.Social.AnswerJoinRequest(c.Request.Context(), CurrentAccount(c), group, member, accept); err != nil {
			h.domainError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{})
	}
}

func (h *Handlers) inviteToGroup(c *gin.Context) {
	group, ok := h.groupParam(c)
	if !ok {
		return
	}
	p, ok := h.params(c)
	if !ok {
		return
	}
	invitee, err := h.Store.AccountByID(c.Request.Context(), p.Get("account_id"))
	if err != nil {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	if err := h.Social.InviteMember(c.Request.Context(), CurrentAccount(c), group, invitee); err != nil {
		h.domainError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

func (h *Handlers) removeFromGroup(c *gin.Context) {
	group, member, ok := h.groupAndMember(c)
	if !ok {
		return
	}
	p, ok := h.params(c)
	if !ok {
		return
	}
	ban, _ := parseBool(p.Get("ban"))
	if err := h.Social.RemoveMember(c.Request.Context(), CurrentAccount(c), group, member, ban); err != nil {
		h.domainError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

func (h *Handlers) setGroupRole(c *gin.Context) {
	group, member, ok := h.groupAndMember(c)
	if !ok {
		return
	}
	p, ok := h.params(c)
	if !ok {
		return
	}
	if err := h.Social.SetMemberRole(c.Request.Context(), CurrentAccount(c), group, member, p.Get("role")); err != nil {
		h.domainError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

func (h *Handlers) verifyMember(c *gin.Context) {
	member, ok := h.otherAccount(c)
	if !ok {
		return
	}
	p, ok := h.params(c)
	if !ok {
		return
	}
	adherent, _ := parseBool(p.Get("adherent"))
	if err := h.Social.VerifyMember(c.Request.Context(), CurrentAccount(c), member, adherent); err != nil {
		h.domainError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

// ---- Events and field actions ----

type placeJSON struct {
	Name          string   `json:"name"`
	StreetAddress string   `json:"street_address"`
	PostalCode    string   `json:"postal_code"`
	Locality      string   `json:"locality"`
	Latitude      *float64 `json:"latitude"`
	Longitude     *float64 `json:"longitude"`
}

type slotJSON struct {
	ID               string `json:"id"`
	StartAt          string `json:"start_at"`
	EndAt            string `json:"end_at"`
	Need             int    `json:"need"`
	ParticipantCount int    `json:"participant_count"`
}

type participationJSON struct {
	State  string `json:"state"`
	SlotID string `json:"slot_id,omitempty"`
}

type eventJSON struct {
	ID               string              `json:"id"`
	URI              string              `json:"uri"`
	URL              string              `json:"url"`
	StatusID         string              `json:"status_id"`
	Kind             string              `json:"kind"`
	ActionKind       string              `json:"action_kind,omitempty"`
	Title            string              `json:"title"`
	Description      string              `json:"description"`
	StartAt          string              `json:"start_at"`
	EndAt            *string             `json:"end_at"`
	Timezone         string              `json:"timezone"`
	Place            *placeJSON          `json:"place"`
	OnlineURL        string              `json:"online_url,omitempty"`
	Category         string              `json:"category"`
	Status           string              `json:"status"`
	Capacity         *int                `json:"capacity"`
	ParticipantCount int                 `json:"participant_count"`
	Remaining        *int                `json:"remaining"`
	Slots            []slotJSON          `json:"slots"`
	Organizer        accountJSON         `json:"organizer"`
	GroupID          *string             `json:"group_id"`
	Participation    []participationJSON `json:"my_participation"`
	CalendarURL      string              `json:"calendar_url"`
}

func (h *Handlers) renderEvent(c *gin.Context, ev *model.Event) (eventJSON, error) {
	ctx := c.Request.Context()
	organizer, err := h.renderAccount(ctx, ev.Status.Account)
	if err != nil {
		return eventJSON{}, err
	}
	out := eventJSON{ID: ev.ID, URI: ev.URI, URL: ev.Status.URL, StatusID: ev.StatusID, Kind: ev.Kind, ActionKind: ev.ActionKind,
		Title: ev.Title, Description: ev.Status.Content, StartAt: ev.StartAt.UTC().Format(time.RFC3339), Timezone: ev.Timezone,
		OnlineURL: ev.OnlineURL, Category: ev.Category, Status: ev.EventStatus, Capacity: ev.Capacity,
		ParticipantCount: ev.ParticipantCount, Slots: []slotJSON{}, Organizer: organizer, GroupID: ev.GroupID,
		Participation: []participationJSON{}, CalendarURL: h.Config.BaseURL() + "/events/" + ev.ID + "/calendar.ics"}
	if ev.EndAt != nil {
		end := ev.EndAt.UTC().Format(time.RFC3339)
		out.EndAt = &end
	}
	if ev.Capacity != nil {
		r := ev.Remaining()
		out.Remaining = &r
	}
	if ev.PlaceName != "" || ev.Locality != "" || ev.Latitude != nil {
		out.Place = &placeJSON{Name: ev.PlaceName, StreetAddress: ev.StreetAddress, PostalCode: ev.PostalCode, Locality: ev.Locality, Latitude: ev.Latitude, Longitude: ev.Longitude}
	}
	for _, s := range ev.Slots {
		out.Slots = append(out.Slots, slotJSON{ID: s.ID, StartAt: s.StartAt.UTC().Format(time.RFC3339), EndAt: s.EndAt.UTC().Format(time.RFC3339), Need: s.Need, ParticipantCount: s.ParticipantCount})
	}
	if viewer := CurrentAccount(c); viewer != nil {
		ps, err := h.Store.AccountParticipations(ctx, ev.ID, viewer.ID)
		if err != nil {
			return eventJSON{}, err
		}
		for _, p := range ps {
			out.Participation = append(out.Participation, participationJSON{State: p.State, SlotID: p.SlotID})
		}
	}
	return out, nil
}

func (h *Handlers) respondEvents(c *gin.Context, events []model.Event) {
	out := make([]eventJSON, 0, len(events))
	for i := range events {
		e, err := h.renderEvent(c, &events[i])
		if err != nil {
			h.internalError(c, err)
			return
		}
		out = append(out, e)
	}
	c.JSON(http.StatusOK, out)
}

func (h *Handlers) listEvents(c *gin.Context) {
	limit, _ := strconv.Atoi(c.DefaultQuery("limit", "40"))
	limit = min(max(limit, 1), 80)
	events, err := h.Store.EventsAfter(c.Request.Context(), storage.EventFilter(h.Social.VisibleFilter(CurrentAccount(c))), h.now(),
		c.Query("group_id"), c.Query("kind"), limit)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondEvents(c, events)
}

func (h *Handlers) myEvents(c *gin.Context) {
	events, err := h.Store.AccountEvents(c.Request.Context(), CurrentAccount(c).ID, h.now())
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondEvents(c, events)
}

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

func (h *Handlers) createEvent(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	start, ok1 := parseTime(p.Get("start_at"))
	end, ok2 := parseTime(p.Get("end_at"))
	if !ok1 || !ok2 {
		ErrorJSON(c, http.StatusUnprocessableEntity, "start_at and end_at must be RFC 3339 times")
		return
	}
	in := social.NewEvent{
		Title: p.Get("title"), Description: p.Get("description"), Kind: p.Get("kind"), ActionKind: p.Get("action_kind"),
		StartAt: start, EndAt: end, Timezone: p.Get("timezone"), PlaceName: p.Get("place_name"),
		StreetAddress: p.Get("street_address"), PostalCode: p.Get("postal_code"), Locality: p.Get("locality"),
		OnlineURL: p.Get("online_url"), Category: p.Get("category"), Status: p.Get("status"),
		Visibility: p.Get("visibility"), GroupID: p.Get("group_id"), PollingStationID: p.Get("polling_station_id"),
	}
	for key, dst := range map[string]**float64{"latitude": &in.Latitude, "longitude": &in.Longitude} {
		if v := p.Get(key); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < -180 || f > 180 {
				ErrorJSON(c, http.StatusUnprocessableEntity, key+" is not a coordinate")
				return
			}
			*dst = &f
		}
	}
	if v := p.Get("capacity"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			ErrorJSON(c, http.StatusUnprocessableEntity, "capacity must be a whole number")
			return
		}
		in.Capacity = &n
	}
	// Slots: slots[][start_at], slots[][end_at], slots[][need] in forms
	// are awkward; accept a JSON list only.
	if raw, ok := p.json["slots"].([]any); ok {
		for _, item := range raw {
			m, _ := item.(map[string]any)
			s, _ := m["start_at"].(string)
			e, _ := m["end_at"].(string)
			need, _ := m["need"].(float64)
			st, ok1 := parseTime(s)
			et, ok2 := parseTime(e)
			if !ok1 || !ok2 || st.IsZero() {
				ErrorJSON(c, http.StatusUnprocessableEntity, "each slot needs start_at, end_at and need")
				return
			}
			in.Slots = append(in.Slots, social.NewSlot{StartAt: st, EndAt: et, Need: int(need)})
		}
	}
	ev, err := h.Social.CreateEvent(c.Request.Context(), CurrentAccount(c), in)
	if err != nil {
		h.domainError(c, err)
		return
	}
	h.respondEvent(c, ev.ID)
}

func (h *Handlers) respondEvent(c *gin.Context, id string) {
	ev, err := h.Social.Event(c.Request.Context(), CurrentAccount(c), id)
	if err != nil {
		h.domainError(c, err)
		return
	}
	out, err := h.renderEvent(c, ev)
	if err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (h *Handlers) getEvent(c *gin.Context) { h.respondEvent(c, c.Param("id")) }

func (h *Handlers) participate(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	// phone (optional, with phone_consent=true): a number for the
	// organisers, for the day; checked before signing up.
	phone := strings.TrimSpace(p.Get("phone"))
	consent := p.Get("phone_consent") == "true" || p.Get("phone_consent") == "1"
	if phone != "" {
		if _, err := social.NormalizePhone(phone); err != nil {
			h.domainError(c, err)
			return
		}
		if !consent {
			ErrorJSON(c, http.StatusUnprocessableEntity, "phone_consent is required with a phone number")
			return
		}
	}
	if phone != "" {
		// Refused before anything changes: a number is only kept for an
		// action organised here (a remote sign-up cannot carry it).
		if ev, err := h.Store.EventByID(c.Request.Context(), c.Param("id")); err == nil && (ev.Status == nil || !ev.Status.Local) {
			ErrorJSON(c, http.StatusUnprocessableEntity, "a phone number can only be given for an action organised here")
			return
		}
	}
	res, err := h.Social.SignUp(c.Request.Context(), CurrentAccount(c), c.Param("id"), p.Get("slot_id"))
	if err != nil {
		h.domainError(c, err)
		return
	}
	if phone != "" {
		if err := h.Social.SetParticipantPhone(c.Request.Context(), CurrentAccount(c), res.Event.ID, phone, consent); err != nil {
			h.domainError(c, err)
			return
		}
	}
	h.respondEvent(c, c.Param("id"))
}

func (h *Handlers) cancelParticipation(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	if _, err := h.Social.Event(c.Request.Context(), CurrentAccount(c), c.Param("id")); err != nil {
		h.domainError(c, err)
		return
	}
	if err := h.Social.CancelParticipation(c.Request.Context(), CurrentAccount(c), c.Param("id"), p.Get("slot_id")); err != nil {
		h.domainError(c, err)
		return
	}
	h.respondEvent(c, c.Param("id"))
}

// eventParticipants is for the event's organisers only; anyone else gets
// a 404, as if there were nothing to see.
func (h *Handlers) eventParticipants(c *gin.Context) {
	ps, err := h.Social.Participants(c.Request.Context(), CurrentAccount(c), c.Param("id"))
	if err != nil {
		if err == social.ErrForbidden {
			err = social.ErrNotFound
		}
		h.domainError(c, err)
		return
	}
	type participantJSON struct {
		Account accountJSON `json:"account"`
		State   string      `json:"state"`
		SlotID  string      `json:"slot_id,omitempty"`
		Since   string      `json:"since"`
		// Phone: the number the participant gave the organisers, if any.
		Phone string `json:"phone,omitempty"`
	}
	var phones map[string]string
	if len(ps) > 0 {
		ev, err := h.Social.Event(c.Request.Context(), CurrentAccount(c), c.Param("id"))
		if err != nil {
			h.domainError(c, err)
			return
		}
		if phones, err = h.Social.ParticipantPhones(c.Request.Context(), CurrentAccount(c), ev); err != nil {
			h.internalError(c, err)
			return
		}
	}
	out := make([]participantJSON, 0, len(ps))
	for i := range ps {
		acc, err := h.renderAccount(c.Request.Context(), ps[i].Account)
		if err != nil {
			h.internalError(c, err)
			return
		}
		out = append(out, participantJSON{Account: acc, State: ps[i].State, SlotID: ps[i].SlotID, Since: ps[i].CreatedAt.UTC().Format(time.RFC3339), Phone: phones[ps[i].AccountID]})
	}
	c.JSON(http.StatusOK, out)
}

// eventGuests lists the people signed up without an account (by e-mail
// on the event's web page), for the event's organisers only; anyone else
// gets a 404. Erased guests (30 days after the event) are left out.
func (h *Handlers) eventGuests(c *gin.Context) {
	ps, err := h.Social.GuestParticipants(c.Request.Context(), CurrentAccount(c), c.Param("id"))
	if err != nil {
		if err == social.ErrForbidden {
			err = social.ErrNotFound
		}
		h.domainError(c, err)
		return
	}
	type guestJSON struct {
		Name      string `json:"name"`
		Email     string `json:"email"`
		Phone     string `json:"phone,omitempty"`
		State     string `json:"state"` // held (to confirm), going, waitlisted
		Confirmed bool   `json:"confirmed"`
		SlotID    string `json:"slot_id,omitempty"`
		Since     string `json:"since"`
	}
	out := make([]guestJSON, 0, len(ps))
	for _, p := range ps {
		if p.Guest == nil || p.Guest.Email == nil {
			continue
		}
		out = append(out, guestJSON{Name: p.Guest.Name, Email: *p.Guest.Email, Phone: p.Guest.Phone, State: p.State,
			Confirmed: p.Guest.ConfirmedAt != nil, SlotID: p.SlotID, Since: p.CreatedAt.UTC().Format(time.RFC3339)})
	}
	c.Header("Cache-Control", "private, no-store")
	c.JSON(http.StatusOK, out)
}

// newCalendarFeed issues (or replaces) the member's private calendar
// feed URL; the previous URL stops working.
func (h *Handlers) newCalendarFeed(c *gin.Context) {
	token := auth.NewToken()
	if err := h.Store.SetCalendarToken(c.Request.Context(), CurrentAccount(c).ID, auth.HashToken(token), h.now()); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"url": h.Config.BaseURL() + "/calendar/" + strings.TrimSpace(token) + ".ics"})
}

// moderateGroupPost: POST /api/v1/coopol/groups/:id/statuses/:status_id/
// pin|unpin|lock|unlock|remove, for the group's moderators.
func (h *Handlers) moderateGroupPost(c *gin.Context) {
	group, ok := h.groupParam(c)
	if !ok {
		return
	}
	if err := h.Social.ModerateGroupPostIn(c.Request.Context(), CurrentAccount(c), group.ID, c.Param("status_id"), c.Param("action")); err != nil {
		h.domainError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

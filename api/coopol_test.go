package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	ical "github.com/arran4/golang-ical"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
)

// TestCoopolGroupsAPI: a member creates a group, another asks to join and
// is approved; the member list is for members only, the request list for
// moderators only; members-only posts show in the group only to members.
func TestCoopolGroupsAPI(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, alice := login(t, inst, "alice", false)
		bob, bobc := login(t, inst, "bob", false)
		_, carol := login(t, inst, "carol", false)
		g := alice.post("/api/v1/coopol/groups", map[string]any{"username": "enseignants", "display_name": "Enseignants", "openness": "moderated"}).obj()
		gid := str(g, "id")
		if str(g, "membership.role") != "creator" || g["account"].(map[string]any)["group"] != true {
			t.Fatalf("group: %v", g)
		}
		if got := str(bobc.post("/api/v1/coopol/groups/"+gid+"/join", nil).obj(), "membership.state"); got != "pending" {
			t.Fatalf("join state %q", got)
		}
		// Only moderators see requests; only members see members.
		bobc.get("/api/v1/coopol/groups/" + gid + "/requests").status(http.StatusNotFound)
		if reqs := alice.get("/api/v1/coopol/groups/" + gid + "/requests").list(); len(reqs) != 1 {
			t.Fatalf("requests: %v", reqs)
		}
		alice.post("/api/v1/coopol/groups/"+gid+"/requests/"+bob.ID+"/authorize", nil).ok()
		if members := bobc.get("/api/v1/coopol/groups/" + gid + "/members").list(); len(members) != 2 {
			t.Fatalf("members seen by bob: %v", members)
		}
		carol.get("/api/v1/coopol/groups/" + gid + "/members").status(http.StatusNotFound)
		anonymous(t, inst).get("/api/v1/coopol/groups/" + gid + "/members").status(http.StatusUnauthorized)

		// A members-only post, through the ordinary statuses endpoint.
		st := bobc.post("/api/v1/statuses", map[string]any{"status": "Réunion jeudi", "visibility": "members", "group_id": gid}).obj()
		if str(st, "visibility") != "private" || str(st, "coopol.visibility") != "members" {
			t.Fatalf("members-only status rendering: %v", st)
		}
		if n := len(alice.get("/api/v1/coopol/groups/" + gid + "/statuses").list()); n != 1 {
			t.Fatalf("alice sees %d group posts", n)
		}
		if n := len(carol.get("/api/v1/coopol/groups/" + gid + "/statuses").list()); n != 0 {
			t.Fatalf("carol, not a member, sees %d group posts", n)
		}
		carol.get("/api/v1/statuses/" + str(st, "id")).status(http.StatusNotFound)
		if home := alice.get("/api/v1/timelines/home").list(); len(home) != 1 {
			t.Fatalf("the group's discussion is not in alice's home: %d", len(home))
		}
		// Carol cannot post into a group she is not in.
		carol.post("/api/v1/statuses", map[string]any{"status": "Intrusion", "visibility": "members", "group_id": gid}).status(http.StatusForbidden)
	})
}

// TestCoopolEventsAPI: a field action with a need; sign-ups fill it and
// then wait; participants are listed to the organiser only; the .ics feeds
// parse.
func TestCoopolEventsAPI(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, sec := login(t, inst, "secretaire", false)
		_, m1 := login(t, inst, "m1", false)
		_, m2 := login(t, inst, "m2", false)
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
		ev := sec.post("/api/v1/coopol/events", map[string]any{
			"title": "Porte-à-porte", "description": "Quartier des Lilas", "kind": "field_action", "action_kind": "door_to_door",
			"start_at": start.Format(time.RFC3339), "end_at": start.Add(2 * time.Hour).Format(time.RFC3339),
			"place_name": "Les Lilas", "capacity": 1, "timezone": "Europe/Paris",
		}).obj()
		id := str(ev, "id")
		if str(ev, "kind") != "field_action" || path(ev, "remaining") != float64(1) {
			t.Fatalf("event: %v", ev)
		}
		if got := m1.post("/api/v1/coopol/events/"+id+"/participate", nil).obj(); path(got, "participant_count") != float64(1) || str(got, "my_participation.0.state") != "going" {
			t.Fatalf("first sign-up: %v", got)
		}
		if got := m2.post("/api/v1/coopol/events/"+id+"/participate", nil).obj(); str(got, "my_participation.0.state") != "waitlisted" {
			t.Fatalf("second sign-up: %v", got)
		}
		// The list of participants: organiser yes, participants no.
		if ps := sec.get("/api/v1/coopol/events/" + id + "/participants").list(); len(ps) != 2 {
			t.Fatalf("organiser sees %d participants", len(ps))
		}
		m1.get("/api/v1/coopol/events/" + id + "/participants").status(http.StatusNotFound)
		// The event shows in timelines as a readable status.
		status := anonymous(t, inst).get("/api/v1/statuses/" + str(ev, "status_id")).obj()
		if !strings.Contains(str(status, "content"), "Quartier des Lilas") {
			t.Fatalf("event status: %v", status)
		}
		// Cancel: m2 moves up.
		m1.do("DELETE", "/api/v1/coopol/events/"+id+"/participate", nil).ok()
		if got := m2.get("/api/v1/coopol/events/" + id).obj(); str(got, "my_participation.0.state") != "going" {
			t.Fatalf("after cancel: %v", got)
		}
		// Calendar feeds: the event's, and m2's private one.
		resp, err := http.Get(inst.URL("/events/" + id + "/calendar.ics"))
		if err != nil {
			t.Fatal(err)
		}
		cal, err := ical.ParseCalendar(resp.Body)
		resp.Body.Close()
		if err != nil || len(cal.Events()) != 1 {
			t.Fatalf("event feed: %v", err)
		}
		if got, _ := cal.Events()[0].GetStartAt(); !got.Equal(start) {
			t.Fatalf("feed start %v, want %v", got, start)
		}
		feed := str(m2.post("/api/v1/coopol/calendar", nil).obj(), "url")
		resp, err = http.Get(inst.URL(strings.TrimPrefix(feed, inst.Base())))
		if err != nil {
			t.Fatal(err)
		}
		cal, err = ical.ParseCalendar(resp.Body)
		resp.Body.Close()
		if err != nil || len(cal.Events()) != 1 {
			t.Fatalf("member feed: %v", err)
		}
		if resp, _ := http.Get(inst.URL("/calendar/not-a-token.ics")); resp.StatusCode != 404 {
			t.Fatalf("bad token: %d", resp.StatusCode)
		}
		// Members of the section only: a members-only action needs a group.
		sec.post("/api/v1/coopol/events", map[string]any{"title": "x", "start_at": start.Format(time.RFC3339), "visibility": "members"}).status(http.StatusUnprocessableEntity)
		_ = context.Background
		_ = model.EventKindEvent
	})
}

// Issue 14: organisers edit and duplicate an event through the API; a
// partial update changes only what it names; others get a 404.
func TestCoopolEventEditAPI(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, sec := login(t, inst, "secretaire", false)
		_, m1 := login(t, inst, "m1", false)
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
		ev := sec.post("/api/v1/coopol/events", map[string]any{
			"title": "Tractage", "kind": "field_action", "action_kind": "leafleting",
			"start_at": start.Format(time.RFC3339), "end_at": start.Add(2 * time.Hour).Format(time.RFC3339),
			"place_name": "Marché", "capacity": 2,
		}).obj()
		id := str(ev, "id")
		m1.do("PUT", "/api/v1/coopol/events/"+id, map[string]any{"title": "pris"}).status(http.StatusNotFound)
		got := sec.do("PUT", "/api/v1/coopol/events/"+id, map[string]any{"place_name": "Mairie", "status": "CANCELLED"}).obj()
		if str(got, "place.name") != "Mairie" || str(got, "title") != "Tractage" || path(got, "capacity") != float64(2) || str(got, "status") != "CANCELLED" {
			t.Fatalf("after a partial update: %v", got)
		}
		sec.do("PUT", "/api/v1/coopol/events/"+id, map[string]any{"start_at": "demain"}).status(http.StatusUnprocessableEntity)
		dup := sec.post("/api/v1/coopol/events/"+id+"/duplicate", map[string]any{"start_at": start.Add(7 * 24 * time.Hour).Format(time.RFC3339)}).obj()
		if str(dup, "id") == id || str(dup, "place.name") != "Mairie" || str(dup, "title") != "Tractage" {
			t.Fatalf("duplicate: %v", dup)
		}
	})
}

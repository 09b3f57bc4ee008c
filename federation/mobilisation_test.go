package federation_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// villeneuve configures section A as the Villeneuve section, and the
// party's sections on every instance.
func villeneuve(cfg *config.Config) {
	if cfg.Host == "section-a.test" {
		cfg.Section.DisplayName = "Section de Villeneuve"
		cfg.Section.Territory = "Villeneuve-sur-Lot 47300"
	}
	cfg.Federation.Sections = []string{"section-a.test", "section-b.test", "section-c.test"}
}

func staffUser(t *testing.T, inst *coopoltest.Instance, username string) *model.Account {
	t.Helper()
	u, err := inst.Social.CreateUser(context.Background(), social.NewUser{Username: username, Email: username + "@example.org",
		Password: "password-" + username, Role: model.RoleAdmin, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	return u.Account
}

func fieldAction(t *testing.T, inst *coopoltest.Instance, organizer *model.Account, title string, need int, start time.Time) *model.Event {
	t.Helper()
	section, err := inst.Store.LocalAccount(context.Background(), inst.Config.Section.Username)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := inst.Social.CreateEvent(context.Background(), organizer, social.NewEvent{
		Title: title, Description: "Distribution de tracts.", Kind: model.EventKindFieldAction, ActionKind: "leafleting",
		StartAt: start, EndAt: start.Add(2 * time.Hour), PlaceName: "Place du marché", PostalCode: "47300",
		Locality: "Villeneuve-sur-Lot", Capacity: &need, GroupID: section.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func eventOn(t *testing.T, inst *coopoltest.Instance, uri, what string) *model.Event {
	t.Helper()
	var ev *model.Event
	coopoltest.Eventually(t, what+" on "+inst.Host, func() bool {
		e, err := inst.Store.EventByURI(context.Background(), uri)
		ev = e
		return err == nil
	})
	return ev
}

// TestFollowSectionBringsItsActions is issue 13's scenario at the
// domain level: members of B and C follow section A (not its secretary);
// the action A announced before the follow arrives with the follow
// (history), the one announced after through the section's Announce; both
// are events with their gauge; sign-ups from B and C move the gauge on
// every server; when full, C's sign-up waits and is promoted when B's
// member withdraws.
func TestFollowSectionBringsItsActions(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test", "section-c.test"}, villeneuve)
			a, b, c := insts[0], insts[1], insts[2]
			ctx := context.Background()
			sec := staffUser(t, a, "secretaire")
			start := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
			before := fieldAction(t, a, sec, "Tractage avant", 1, start)

			bruno := b.CreateUser(t, "bruno", false)
			chloe := c.CreateUser(t, "chloe", false)
			// Bruno finds section A by typing "Villeneuve" in B's search:
			// the directory of sections knows it (federation.sections),
			// with its kind and territory from its actor.
			var found *social.Found
			coopoltest.Eventually(t, "B's search finds section A", func() bool {
				f, err := b.Social.SearchDirectory(ctx, bruno, "Villeneuve")
				found = f
				return err == nil && len(f.Sections) == 1
			})
			if s := found.Sections[0]; s.Account.Domain != "section-a.test" || s.Group.Territory != "Villeneuve-sur-Lot 47300" || s.Group.MemberCount == nil {
				t.Fatalf("section A as B knows it: %+v %+v", s.Account, s.Group)
			}
			// Its earlier action is found by town and postal code too
			// (brought by the history of the section on first sight).
			coopoltest.Eventually(t, "B's search finds A's action by postal code", func() bool {
				f, err := b.Social.SearchDirectory(ctx, bruno, "47300")
				return err == nil && len(f.Events) == 1 && f.Events[0].URI == before.URI
			})
			dir, err := b.Social.SectionDirectory(ctx, bruno)
			if err != nil || len(dir) < 2 || !dir[0].Account.IsLocal() {
				t.Fatalf("B's directory: %v %+v", err, dir)
			}
			for _, m := range []struct {
				inst    *coopoltest.Instance
				account *model.Account
			}{{b, bruno}, {c, chloe}} {
				section := m.inst.Resolve(t, "section", "section-a.test")
				if _, err := m.inst.Social.Follow(ctx, m.account, section); err != nil {
					t.Fatal(err)
				}
				coopoltest.Eventually(t, "follow accepted on "+m.inst.Host, func() bool {
					f, err := m.inst.Store.Follow(ctx, m.account.ID, section.ID)
					return err == nil && f.State == model.FollowAccepted
				})
			}
			// Published before the follow: brought by the history fetch,
			// as an event, filed in the section.
			onB := eventOn(t, b, before.URI, "the earlier action")
			if onB.Kind != model.EventKindFieldAction || onB.Capacity == nil || *onB.Capacity != 1 || onB.GroupID == nil || onB.Locality != "Villeneuve-sur-Lot" {
				t.Fatalf("earlier action on B: %+v", onB)
			}
			eventOn(t, c, before.URI, "the earlier action")

			// Published after: the section's Announce brings it as an event.
			after := fieldAction(t, a, sec, "Tractage après", 1, start.Add(24*time.Hour))
			afterOnB := eventOn(t, b, after.URI, "the later action")
			afterOnC := eventOn(t, c, after.URI, "the later action")
			if afterOnB.Kind != model.EventKindFieldAction || afterOnB.Capacity == nil || afterOnB.GroupID == nil {
				t.Fatalf("later action on B: %+v", afterOnB)
			}
			// Redistribution is not a boost: one entry, the post itself, in
			// the follower's home timeline.
			if n, _ := b.Store.DB.NewSelect().TableExpr("statuses").Where("reblog_of_id IS NOT NULL").Count(ctx); n != 0 {
				t.Fatalf("%d boosts stored on B for the section's own posts", n)
			}

			// B signs up: the gauge moves on A, B and C.
			if _, err := b.Social.SignUp(ctx, bruno, afterOnB.ID, ""); err != nil {
				t.Fatal(err)
			}
			for _, inst := range insts {
				coopoltest.Eventually(t, "gauge 1/1 on "+inst.Host, func() bool {
					e, err := inst.Store.EventByURI(ctx, after.URI)
					return err == nil && e.ParticipantCount == 1
				})
			}
			// Full: C waits, then takes the place B's member gives up.
			if _, err := c.Social.SignUp(ctx, chloe, afterOnC.ID, ""); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "C's sign-up waits", func() bool {
				return participationState(c, afterOnC, chloe) == model.ParticipationWaitlisted
			})
			if err := b.Social.CancelParticipation(ctx, bruno, afterOnB.ID, ""); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "C's member is promoted", func() bool {
				return participationState(c, afterOnC, chloe) == model.ParticipationGoing
			})
			for _, inst := range insts {
				coopoltest.Eventually(t, "gauge still 1/1 on "+inst.Host, func() bool {
					e, err := inst.Store.EventByURI(ctx, after.URI)
					return err == nil && e.ParticipantCount == 1
				})
			}
		})
	}
}

// TestHostileGroupHistory: a hostile server's Group, followed by a member
// of B, fills its outbox with forgeries: an embedded "action" with an id
// on section A (not fetchable there), an embedded post of its own origin
// attributed to A's secretary, and a real public action of A announced
// by id. Only A's real action is kept, as A serves it; the forgeries are
// stored nowhere, notify nobody; the group's malformed self-description
// (territory with markup, negative member count) is dropped.
func TestHostileGroupHistory(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test"})
			a, b := insts[0], insts[1]
			ctx := context.Background()
			sec := staffUser(t, a, "secretaire")
			real := fieldAction(t, a, sec, "Vraie action", 2, time.Now().Add(48*time.Hour).Truncate(time.Minute))
			forgedOnA := sec.URI + "/statuses/999forged"
			event := func(id string) string {
				return `{"id":"` + id + `","type":"Event","name":"Rendez-vous piégé","content":"forged","attributedTo":"` + sec.URI +
					`","to":["https://www.w3.org/ns/activitystreams#Public"],"startTime":"2030-01-01T10:00:00Z","published":"2026-01-01T10:00:00Z"}`
			}
			mux := http.NewServeMux()
			serve := func(path, body string) {
				mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/activity+json")
					w.Write([]byte(body))
				})
			}
			serve("/group", `{"@context":"https://www.w3.org/ns/activitystreams","id":"http://evil.test/group","type":"Group","preferredUsername":"evil",
				"name":"Section de Villeneuve","inbox":"http://evil.test/inbox","outbox":"http://evil.test/outbox","groupKind":"section",
				"territory":"<script>alert(1)</script>","memberCount":-5}`)
			serve("/outbox", `{"id":"http://evil.test/outbox","type":"OrderedCollection","first":"http://evil.test/outbox?page=1"}`)
			mux.HandleFunc("/inbox", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
			outboxPage := `{"id":"http://evil.test/outbox?page=1","type":"OrderedCollectionPage","orderedItems":[
				{"type":"Create","id":"http://evil.test/c1","actor":"` + sec.URI + `","object":` + event(forgedOnA) + `},
				{"type":"Create","id":"http://evil.test/c2","actor":"` + sec.URI + `","object":` + event("http://evil.test/objects/2") + `},
				{"type":"Announce","id":"http://evil.test/a3","actor":"http://evil.test/group","object":"` + real.URI + `"}]}`
			b.Network().Serve(t, "evil.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/outbox" && r.URL.RawQuery == "page=1" {
					w.Header().Set("Content-Type", "application/activity+json")
					w.Write([]byte(outboxPage))
					return
				}
				mux.ServeHTTP(w, r)
			}))

			bruno := b.CreateUser(t, "bruno", false)
			evil, err := b.Server.Federation.ResolveActor(ctx, "http://evil.test/group")
			if err != nil {
				t.Fatal(err)
			}
			if g, err := b.Store.GroupByAccountID(ctx, evil.ID); err != nil || g.Territory != "" || g.MemberCount != nil || g.Kind != "section" {
				t.Fatalf("the hostile group's row: %v %+v", err, g)
			}
			if _, err := b.Social.Follow(ctx, bruno, evil); err != nil {
				t.Fatal(err)
			}
			kept := eventOn(t, b, real.URI, "A's real action, fetched from A")
			if kept.Title != "Vraie action" || (kept.GroupID != nil && *kept.GroupID == evil.ID) {
				t.Fatalf("A's action as kept on B: %+v", kept)
			}
			// The job is done once the real item is kept; the forgeries
			// come before it in the page.
			for _, uri := range []string{forgedOnA, "http://evil.test/objects/2"} {
				if _, err := b.Store.StatusByURI(ctx, uri); err == nil {
					t.Errorf("forged %s stored", uri)
				}
			}
			if n, _ := b.Store.DB.NewSelect().TableExpr("statuses").Where("content LIKE ?", "%forged%").Count(ctx); n != 0 {
				t.Errorf("%d forged statuses stored", n)
			}
			if n, _ := b.Store.DB.NewSelect().TableExpr("notifications").Count(ctx); n != 0 {
				t.Errorf("%d notifications", n)
			}
		})
	}
}

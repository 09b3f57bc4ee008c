package federation_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestEventsReadWellOnMicroblogs (issue 15, GtS item 4): GoToSocial and
// Mastodon show summary as a content warning, so an event's title and key
// facts (date, place, gauge) are in its content and there is no summary;
// Mobilizon still gets name, startTime and location. A gauge update
// reaches the followers of the organising group as the Update itself
// (relayed by the group), never as a second boost.
func TestEventsReadWellOnMicroblogs(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			a := coopoltest.Start(t, backend, []string{"section-a.test"})[0]
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			bob := a.CreateUser(t, "bob", false)
			group, err := a.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "climat", Openness: social.OpennessOpen})
			if err != nil {
				t.Fatal(err)
			}
			peer := newStrictPeer(t, a.Network(), "strict.test", "gina", "hugo")
			for user, target := range map[string]string{"gina": alice.URI, "hugo": group.URI} {
				if code := peer.follow(t, a, user, target); code != 202 {
					t.Fatalf("%s follows %s: %d (%s)", user, target, code, peer.problems())
				}
			}
			coopoltest.Eventually(t, "both follows accepted", func() bool { return len(peer.find("Accept")) == 2 })

			places := 6
			start := time.Date(2027, 3, 13, 9, 30, 0, 0, time.UTC)
			ev, err := a.Social.CreateEvent(ctx, alice, social.NewEvent{Title: "Marché de la Croix-Rousse", Description: "Tractage <b>climat</b>",
				StartAt: start, EndAt: start.Add(2 * time.Hour), PlaceName: "Place de la Croix-Rousse", Locality: "Lyon",
				Capacity: &places, GroupID: group.ID})
			if err != nil {
				t.Fatal(err)
			}
			// Both followers get it: gina (follows alice) and hugo (follows the
			// group) have inboxes of their own.
			coopoltest.Eventually(t, "Create(Event) delivered", func() bool { return len(peer.find("Create")) >= 1 })
			event, _ := peer.find("Create")[0]["object"].(map[string]any)
			content, _ := event["content"].(string)
			for _, want := range []string{"Marché de la Croix-Rousse", "samedi 13 mars 2027", "10:30", "Place de la Croix-Rousse", "0/6", "Tractage"} {
				if !strings.Contains(content, want) {
					t.Errorf("content lacks %q: %s", want, content)
				}
			}
			if strings.Contains(content, "<b>climat") {
				t.Errorf("description not escaped: %s", content)
			}
			if _, ok := event["summary"]; ok {
				t.Errorf("event has a summary (shown as a content warning): %v", event["summary"])
			}
			if cm, _ := event["contentMap"].(map[string]any); cm != nil {
				for _, v := range cm {
					if v != content {
						t.Errorf("contentMap differs from content: %v", cm)
					}
				}
			}
			loc, _ := event["location"].(map[string]any)
			if event["type"] != "Event" || event["name"] != "Marché de la Croix-Rousse" || event["startTime"] == nil || loc["name"] != "Place de la Croix-Rousse" {
				t.Errorf("Mobilizon's fields: %v", event)
			}
			coopoltest.Eventually(t, "the group boosts the event to its followers", func() bool { return len(peer.find("Announce")) == 1 })

			// A sign-up changes the gauge: followers of the author get the
			// Update, followers of the group get it relayed.
			if _, err := a.Social.SignUp(ctx, bob, ev.ID, ""); err != nil {
				t.Fatal(err)
			}
			gaugeUpdated := func(m map[string]any) bool {
				obj, _ := m["object"].(map[string]any)
				if m["type"] == "Announce" {
					obj, _ = obj["object"].(map[string]any)
				}
				c, _ := obj["content"].(string)
				return fmt.Sprint(obj["participantCount"]) == "1" && strings.Contains(c, "1/6") && obj["summary"] == nil
			}
			coopoltest.Eventually(t, "the gauge Update reaches the author's and the group's followers", func() bool {
				direct, relayed := 0, 0
				for _, m := range peer.find("Update") {
					if gaugeUpdated(m) {
						direct++
					}
				}
				for _, m := range peer.find("Announce") {
					if inner, _ := m["object"].(map[string]any); inner["type"] == "Update" && m["actor"] == group.URI && gaugeUpdated(inner) {
						relayed++
					}
				}
				// The author's Update goes to her followers and to the group's
				// (Mastodon and GoToSocial apply edits from the author only).
				return direct >= 1 && relayed == 1
			})
			boosts := 0
			for _, m := range peer.find("Announce") {
				if _, isIRI := m["object"].(string); isIRI {
					boosts++
				}
			}
			if boosts != 1 {
				t.Fatalf("the gauge update became a second boost: %v", peer.types())
			}
		})
	}
}

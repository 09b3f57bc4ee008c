package federation_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestFirstContactWithAStrictPeer (issue 15, GtS item 1): a peer that
// WebFingers every signer back (as GoToSocial does) answers Coopol's
// signed fetches and accepts its deliveries, both ways: Coopol resolves
// one of its accounts, and accepts the Follow of another it has never
// seen (resolving it requires a signed fetch the peer must accept).
func TestFirstContactWithAStrictPeer(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			a := coopoltest.Start(t, backend, []string{"section-a.test"})[0]
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			peer := newStrictPeer(t, a.Network(), "strict.test", "gina", "hugo")

			gina, err := a.Server.Federation.ResolveHandle(ctx, "gina", "strict.test")
			if err != nil {
				t.Fatalf("resolving gina@strict.test: %v (%s)", err, peer.problems())
			}
			if gina.URI != peer.actorURI("gina") {
				t.Fatalf("resolved %s", gina.URI)
			}

			// hugo is unknown to A: his Follow makes A fetch him, signed.
			if code := peer.follow(t, a, "hugo", alice.URI); code != 202 {
				t.Fatalf("follow from an unseen strict-peer account: HTTP %d (%s)", code, peer.problems())
			}
			hugo, err := a.Store.AccountByURI(ctx, peer.actorURI("hugo"))
			if err != nil || followState(a, hugo, alice) != model.FollowAccepted {
				t.Fatalf("hugo's follow not accepted: %v", err)
			}
			coopoltest.Eventually(t, "the peer receives and verifies the Accept", func() bool { return len(peer.find("Accept")) == 1 })
		})
	}
}

// TestEveryActorWebFingersBack (issue 15, GtS item 1): each actor Coopol
// publishes (person, section, thematic group, instance actor) is found by
// WebFinger from acct: and from its actor URL, both answers point to the
// same actor, the actor document's webfinger property names the same
// handle, and the outbox it advertises exists.
func TestEveryActorWebFingersBack(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			a := coopoltest.Start(t, backend, []string{"section-a.test"})[0]
			alice := a.CreateUser(t, "alice", false)
			for _, actorURI := range []string{alice.URI, a.Base() + "/users/section", a.Base() + "/actor"} {
				path := mustParse(t, actorURI).Path
				code, doc, _ := getJSON(t, a, path, "application/activity+json")
				handle, _ := doc["webfinger"].(string)
				if code != 200 || doc["id"] != actorURI || handle != doc["preferredUsername"].(string)+"@section-a.test" {
					t.Fatalf("%s: %d %v", actorURI, code, doc)
				}
				for _, resource := range []string{"acct:" + handle, actorURI} {
					code, jrd, _ := getJSON(t, a, "/.well-known/webfinger?resource="+url.QueryEscape(resource), "")
					if code != 200 || jrd["subject"] != "acct:"+handle || selfLink(jrd) != actorURI {
						t.Fatalf("webfinger %s: %d %v", resource, code, jrd)
					}
				}
				outbox, _ := doc["outbox"].(string)
				code, col, _ := getJSON(t, a, mustParse(t, outbox).Path, "application/activity+json")
				if code != 200 || col["type"] != "OrderedCollection" || col["id"] != outbox {
					t.Fatalf("outbox of %s: %d %v", actorURI, code, col)
				}
			}
		})
	}
}

func selfLink(jrd map[string]any) string {
	links, _ := jrd["links"].([]any)
	for _, l := range links {
		if m, _ := l.(map[string]any); m["rel"] == "self" {
			s, _ := m["href"].(string)
			return s
		}
	}
	return ""
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

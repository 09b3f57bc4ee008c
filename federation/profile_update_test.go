package federation_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestProfileUpdateCarriesTheWholeActor (issue 15, GtS item 2): peers
// replace the stored actor with what an Update(Person) says, so the
// Update carries exactly the document a GET returns: avatar (icon),
// header (image), fields, keys and Coopol's extra terms.
func TestProfileUpdateCarriesTheWholeActor(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			a := coopoltest.Start(t, backend, []string{"section-a.test"})[0]
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			peer := newStrictPeer(t, a.Network(), "strict.test", "gina")
			if code := peer.follow(t, a, "gina", alice.URI); code != 202 {
				t.Fatalf("follow: %d (%s)", code, peer.problems())
			}
			coopoltest.Eventually(t, "Accept delivered", func() bool { return len(peer.find("Accept")) == 1 })

			var pics []*model.MediaAttachment
			for _, name := range []string{"avatar", "header"} {
				m := &model.MediaAttachment{ID: model.NewID(a.Social.Now()), AccountID: alice.ID, Type: model.MediaImage,
					ContentType: "image/png", FilePath: "test/" + name + ".png", Processed: true, CreatedAt: a.Social.Now()}
				if err := a.Store.InsertMedia(ctx, m); err != nil {
					t.Fatal(err)
				}
				pics = append(pics, m)
			}
			name, fields := "Alice L.", []model.Field{{Name: "Section", Value: "Lyon 7e"}}
			if _, err := a.Social.UpdateProfile(ctx, alice, social.ProfileUpdate{DisplayName: &name, Fields: &fields, Avatar: pics[0], Header: pics[1]}); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "Update delivered", func() bool { return len(peer.find("Update")) == 1 })
			update := peer.find("Update")[0]
			sent, _ := update["object"].(map[string]any)

			code, got, _ := getJSON(t, a, "/users/alice", "application/activity+json")
			if code != 200 {
				t.Fatalf("GET alice: %d", code)
			}
			delete(got, "@context")
			if icon, _ := sent["icon"].(map[string]any); icon == nil || icon["url"] == nil {
				t.Fatalf("Update(Person) has no icon: %v", sent)
			}
			if img, _ := sent["image"].(map[string]any); img == nil || img["url"] == nil {
				t.Fatalf("Update(Person) has no image: %v", sent)
			}
			a1, _ := json.Marshal(sent)
			a2, _ := json.Marshal(got)
			if string(a1) != string(a2) {
				t.Fatalf("Update(Person) differs from the actor document:\nupdate %s\nGET    %s", a1, a2)
			}
			// The terms of the extra properties travel with the Update.
			if ctxs, _ := json.Marshal(update["@context"]); !json.Valid(ctxs) || !containsAll(string(ctxs), "toot:indexable", "webfinger", "gts:hidesCcPublicFromUnauthedWeb") {
				t.Fatalf("Update @context lacks terms: %s", ctxs)
			}
		})
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !contains(s, p) {
			return false
		}
	}
	return true
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

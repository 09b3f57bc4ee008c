package api_test

// Issue 15, "Found with Mastodon apps": what real clients (Mastodon.py,
// toot, masto.js, megalodon) tripped on.

import (
	"net/url"
	"testing"

	"github.com/coopol/coopol/coopoltest"
)

// Apps item 2: toot dereferences own_votes on every poll it shows to a
// logged-in viewer, including the viewer's own poll with no vote.
func TestPollOwnVotesAlwaysSentToViewer(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, alice := login(t, inst, "alice", false)
		_, bob := login(t, inst, "bob", false)
		form := url.Values{"status": {"A ou B ?"}, "poll[options][]": {"A", "B"}, "poll[expires_in]": {"3600"}}
		st := alice.post("/api/v1/statuses", form).obj()
		own, ok := path(st, "poll.own_votes").([]any)
		if !ok || len(own) != 0 || path(st, "poll.voted") != true {
			t.Fatalf("author's poll: own_votes=%v voted=%v", path(st, "poll.own_votes"), path(st, "poll.voted"))
		}
		seen := bob.get("/api/v1/statuses/" + str(st, "id")).obj()
		own, ok = path(seen, "poll.own_votes").([]any)
		if !ok || len(own) != 0 || path(seen, "poll.voted") != false {
			t.Fatalf("viewer who did not vote: own_votes=%v voted=%v", path(seen, "poll.own_votes"), path(seen, "poll.voted"))
		}
		home := alice.get("/api/v1/timelines/home").list()
		if len(home) == 0 || path(home[0], "poll.own_votes") == "<missing>" {
			t.Fatalf("home timeline poll lacks own_votes: %v", home)
		}
		if p := anonymous(t, inst).get("/api/v1/statuses/" + str(st, "id")).obj(); path(p, "poll.own_votes") != "<missing>" {
			t.Fatalf("anonymous viewer got own_votes: %v", path(p, "poll.own_votes"))
		}
	})
}

// Apps item 5: a bare username (toot's `follow <username>`) finds the
// local account with that exact name, discoverable or not; display
// names of discoverable local accounts are found by prefix.
func TestSearchBareUsernameFindsLocalAccount(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, alice := login(t, inst, "alice", false)
		bob := inst.CreateUser(t, "bob", false)
		got := alice.get("/api/v2/search?q=bob&type=accounts").obj()
		if ids(path(got, "accounts")) == nil || ids(path(got, "accounts"))[0] != bob.ID {
			t.Fatalf("bare username: %v", got)
		}
		if l := alice.get("/api/v1/accounts/search?q=bob").list(); len(l) == 0 || l[0]["id"] != bob.ID {
			t.Fatalf("accounts/search bare username: %v", l)
		}
		// Not a prefix match for a non-discoverable account.
		if got := alice.get("/api/v2/search?q=bo&type=accounts").obj(); len(ids(path(got, "accounts"))) != 0 {
			t.Fatalf("prefix found a non-discoverable account: %v", got)
		}
		_, carol := login(t, inst, "carol", false)
		carol.do("PATCH", "/api/v1/accounts/update_credentials", map[string]any{"display_name": "Martin Caroline", "discoverable": true}).ok()
		if got := alice.get("/api/v2/search?q=Mart&type=accounts").obj(); len(ids(path(got, "accounts"))) != 1 {
			t.Fatalf("display name prefix: %v", got)
		}
	})
}

// Apps item 6: the instance has a thumbnail apps can load.
func TestInstanceThumbnail(t *testing.T) {
	inst := coopoltest.Start(t, "sqlite", []string{"section-a.test"})[0]
	anon := anonymous(t, inst)
	v2 := anon.get("/api/v2/instance").obj()
	u := str(v2, "thumbnail.url")
	if u != "http://section-a.test/instance/thumbnail.png" {
		t.Fatalf("v2 thumbnail: %v", v2["thumbnail"])
	}
	if v1 := anon.get("/api/v1/instance").obj(); v1["thumbnail"] != u {
		t.Fatalf("v1 thumbnail: %v", v1["thumbnail"])
	}
	if r := anon.get("/instance/thumbnail.png"); r.Code != 200 || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("thumbnail image: %d %v", r.Code, r.Header)
	}
}

// Apps item 4: an edit honours media_ids, media_attributes (alt text
// fixes) and poll, and the history shows each version's media.
func TestEditStatusMediaAndPoll(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, alice := login(t, inst, "alice", false)
		_, bob := login(t, inst, "bob", false)
		photo := jpegWithGPS(t)
		first := upload(t, alice, "a.jpg", photo).obj()
		st := alice.post("/api/v1/statuses", map[string]any{"status": "Au marché", "media_ids": []string{str(first, "id")}}).obj()
		id := str(st, "id")

		// Fix the alt text, as apps do most often.
		edited := alice.do("PUT", "/api/v1/statuses/"+id, map[string]any{"status": "Au marché", "media_ids": []string{str(first, "id")},
			"media_attributes": []map[string]any{{"id": str(first, "id"), "description": "Des tracts sur un étal", "focus": "0.5,-0.25"}}}).obj()
		if str(edited, "media_attachments.0.description") != "Des tracts sur un étal" || path(edited, "media_attachments.0.meta.focus.x") != 0.5 {
			t.Fatalf("alt text not changed: %v", path(edited, "media_attachments"))
		}
		// Form encoding, Rails style.
		alice.do("PUT", "/api/v1/statuses/"+id, url.Values{"status": {"Au marché"}, "media_ids[]": {str(first, "id")},
			"media_attributes[][id]": {str(first, "id")}, "media_attributes[][description]": {"Tracts"}}).ok()
		if got := alice.get("/api/v1/statuses/" + id).obj(); str(got, "media_attachments.0.description") != "Tracts" {
			t.Fatalf("form media_attributes: %v", path(got, "media_attachments"))
		}

		// Replace the photo by another; the history keeps the first.
		second := upload(t, alice, "b.jpg", photo).obj()
		edited = alice.do("PUT", "/api/v1/statuses/"+id, map[string]any{"status": "Au marché, bis", "media_ids": []string{str(second, "id")}}).obj()
		if ids(path(edited, "media_attachments"))[0] != str(second, "id") || len(path(edited, "media_attachments").([]any)) != 1 {
			t.Fatalf("media not replaced: %v", path(edited, "media_attachments"))
		}
		history := alice.get("/api/v1/statuses/" + id + "/history").list()
		if len(history) != 4 || ids(path(history[0], "media_attachments"))[0] != str(first, "id") ||
			ids(path(history[3], "media_attachments"))[0] != str(second, "id") {
			t.Fatalf("history media: %s", mustJSON(history))
		}
		// Someone else's upload cannot be slipped in by an edit.
		foreign := upload(t, bob, "c.jpg", photo).obj()
		alice.do("PUT", "/api/v1/statuses/"+id, map[string]any{"status": "x", "media_ids": []string{str(foreign, "id")}}).status(422)
		if got := alice.get("/api/v1/statuses/" + id).obj(); ids(path(got, "media_attachments"))[0] != str(second, "id") {
			t.Fatalf("a refused edit changed the media: %v", path(got, "media_attachments"))
		}

		// Add a poll, then change its options: votes are reset.
		edited = alice.do("PUT", "/api/v1/statuses/"+id, map[string]any{"status": "On tracte ?", "media_ids": []string{},
			"poll": map[string]any{"options": []string{"Oui", "Non"}, "expires_in": 3600}}).obj()
		if len(path(edited, "poll.options").([]any)) != 2 || len(path(edited, "media_attachments").([]any)) != 0 {
			t.Fatalf("poll not added: %v", edited)
		}
		bob.post("/api/v1/polls/"+id+"/votes", map[string]any{"choices": []string{"0"}}).ok()
		edited = alice.do("PUT", "/api/v1/statuses/"+id, map[string]any{"status": "On tracte ?",
			"poll": map[string]any{"options": []string{"Samedi", "Dimanche", "Les deux"}, "expires_in": 3600}}).obj()
		if str(edited, "poll.options.2.title") != "Les deux" || path(edited, "poll.votes_count") != float64(0) {
			t.Fatalf("poll not replaced: %v", path(edited, "poll"))
		}
		// Without poll, the poll goes.
		if edited = alice.do("PUT", "/api/v1/statuses/"+id, map[string]any{"status": "Plus de sondage"}).obj(); edited["poll"] != nil {
			t.Fatalf("poll kept: %v", edited["poll"])
		}
	})
}

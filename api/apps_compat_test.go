package api_test

// Issue 15, "Found with Mastodon apps": what real clients (Mastodon.py,
// toot, masto.js, megalodon) tripped on.

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
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
		// Members of the section find each other by name, discoverable or
		// not (issue 13); see TestPeopleSearchVisibility for sympathisants.
		if got := alice.get("/api/v2/search?q=bo&type=accounts").obj(); len(ids(path(got, "accounts"))) != 1 {
			t.Fatalf("a member's prefix search missed a fellow member: %v", got)
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

// Apps item 3: the Mastodon 4.3 endpoints apps switch on from the
// version string.
func TestMastodon43Endpoints(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		aliceAcc, alice := login(t, inst, "alice", false)
		bobAcc, bob := login(t, inst, "bob", false)
		carolAcc, carol := login(t, inst, "carol", false)
		st := alice.postStatus("Réunion jeudi https://example.org/tract", "public")
		secret := alice.postStatus("Pour mes abonnés", "private")
		bob.post("/api/v1/statuses/"+str(st, "id")+"/favourite", nil).ok()
		carol.post("/api/v1/statuses/"+str(st, "id")+"/favourite", nil).ok()
		bob.post("/api/v1/accounts/"+aliceAcc.ID+"/follow", nil).ok()

		// Grouped notifications: two likes of one post are one group.
		got := alice.get("/api/v2/notifications").obj()
		groups := path(got, "notification_groups").([]any)
		var fav map[string]any
		for _, g := range groups {
			if str(g, "type") == "favourite" {
				fav = g.(map[string]any)
			}
		}
		if fav == nil || fav["notifications_count"] != float64(2) || len(fav["sample_account_ids"].([]any)) != 2 ||
			str(fav, "status_id") != str(st, "id") || len(path(got, "accounts").([]any)) != 2 || len(path(got, "statuses").([]any)) != 1 {
			t.Fatalf("grouped notifications: %s", mustJSON(got))
		}
		key := str(fav, "group_key")
		if one := alice.get("/api/v2/notifications/" + key).obj(); len(path(one, "notification_groups").([]any)) != 1 {
			t.Fatalf("one group: %v", one)
		}
		if accs := alice.get("/api/v2/notifications/" + key + "/accounts").list(); len(accs) != 2 {
			t.Fatalf("group accounts: %v", accs)
		}
		if n := alice.get("/api/v2/notifications/unread_count").obj(); n["count"] != float64(3) {
			t.Fatalf("unread_count: %v", n)
		}
		alice.post("/api/v2/notifications/"+key+"/dismiss", nil).ok()
		for _, g := range path(alice.get("/api/v2/notifications").obj(), "notification_groups").([]any) {
			if str(g, "type") == "favourite" {
				t.Fatalf("dismissed group still listed: %v", g)
			}
		}
		// Someone else's group key finds nothing of theirs.
		bob.get("/api/v2/notifications/" + key).status(404)

		// Statuses and accounts by id: only what the viewer may see.
		list := carol.get("/api/v1/statuses?id[]=" + str(st, "id") + "&id[]=" + str(secret, "id") + "&id[]=nope").list()
		if len(list) != 1 || list[0]["id"] != str(st, "id") {
			t.Fatalf("statuses by id: %v", ids(list))
		}
		accs := carol.get("/api/v1/accounts?id[]=" + bobAcc.ID + "&id[]=" + aliceAcc.ID).list()
		if len(accs) != 2 || accs[0]["id"] != bobAcc.ID {
			t.Fatalf("accounts by id: %v", ids(accs))
		}
		// The link timeline.
		if l := anonymous(t, inst).get("/api/v1/timelines/link?url=" + url.QueryEscape("https://example.org/tract")).list(); len(l) != 1 {
			t.Fatalf("link timeline: %v", ids(l))
		}

		// Notification policy: carol filters people she does not follow;
		// bob's mention is held as a request, accepted, then comes through.
		pol := carol.do("PATCH", "/api/v2/notifications/policy", map[string]any{"for_not_following": "filter"}).obj()
		if pol["for_not_following"] != "filter" || pol["for_new_accounts"] != "accept" {
			t.Fatalf("policy: %v", pol)
		}
		carol.do("PATCH", "/api/v2/notifications/policy", map[string]any{"for_not_following": "maybe"}).status(422)
		bob.postStatus("@carol bonjour", "public")
		if n := carol.get("/api/v1/notifications").list(); len(n) != 0 {
			t.Fatalf("filtered mention notified: %v", n)
		}
		if pol := carol.get("/api/v2/notifications/policy").obj(); path(pol, "summary.pending_requests_count") != float64(1) {
			t.Fatalf("policy summary: %v", pol)
		}
		reqs := carol.get("/api/v1/notifications/requests").list()
		if len(reqs) != 1 || str(reqs[0], "account.id") != bobAcc.ID || reqs[0]["notifications_count"] != "1" {
			t.Fatalf("requests: %v", reqs)
		}
		alice.post("/api/v1/notifications/requests/"+str(reqs[0], "id")+"/accept", nil).status(404) // not hers
		carol.post("/api/v1/notifications/requests/"+str(reqs[0], "id")+"/accept", nil).ok()
		bob.postStatus("@carol encore", "public")
		if n := carol.get("/api/v1/notifications").list(); len(n) != 1 {
			t.Fatalf("accepted sender not notified: %v", n)
		}
		_ = carolAcc
	})
}

// Apps item 7: reports, conversation mutes, private notes, followed
// tags, instance pages and rules, filters v2, scheduled statuses.
func TestEndpointsEveryAppUses(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		ctx := context.Background()
		aliceAcc, alice := login(t, inst, "alice", false)
		bobAcc, bob := login(t, inst, "bob", false)
		_, carol := login(t, inst, "carol", false)
		st := bob.postStatus("Tract douteux", "public")

		// Reports reach the dashboard's queue.
		rep := alice.post("/api/v1/reports", map[string]any{"account_id": bobAcc.ID, "status_ids": []string{str(st, "id")}, "comment": "spam", "category": "spam"}).obj()
		if str(rep, "target_account.id") != bobAcc.ID || len(path(rep, "status_ids").([]any)) != 1 {
			t.Fatalf("report: %v", rep)
		}
		if open, err := inst.Store.WebOpenReports(ctx, 10); err != nil || len(open) != 1 || open[0].Comment != "spam" {
			t.Fatalf("dashboard reports: %v %v", open, err)
		}
		alice.post("/api/v1/reports", map[string]any{"account_id": aliceAcc.ID}).status(422)

		// Muting a conversation: muted in the entity, no more notifications.
		mine := alice.postStatus("Qui vient samedi ?", "public")
		if m := alice.post("/api/v1/statuses/"+str(mine, "id")+"/mute", nil).obj(); m["muted"] != true {
			t.Fatalf("mute: %v", m["muted"])
		}
		bob.post("/api/v1/statuses", map[string]any{"status": "moi", "in_reply_to_id": str(mine, "id")}).ok()
		bob.post("/api/v1/statuses/"+str(mine, "id")+"/favourite", nil).ok()
		if n := alice.get("/api/v1/notifications").list(); len(n) != 0 {
			t.Fatalf("muted conversation notified: %v", n)
		}
		if m := alice.post("/api/v1/statuses/"+str(mine, "id")+"/unmute", nil).obj(); m["muted"] != false {
			t.Fatalf("unmute: %v", m["muted"])
		}
		carol.post("/api/v1/statuses/"+str(mine, "id")+"/favourite", nil).ok()
		if n := alice.get("/api/v1/notifications").list(); len(n) != 1 {
			t.Fatalf("after unmute: %v", n)
		}

		// Private notes, seen by their writer only.
		if r := alice.post("/api/v1/accounts/"+bobAcc.ID+"/note", map[string]any{"comment": "trésorier"}).obj(); r["note"] != "trésorier" {
			t.Fatalf("note: %v", r)
		}
		if r := alice.get("/api/v1/accounts/relationships?id[]=" + bobAcc.ID).list(); r[0]["note"] != "trésorier" {
			t.Fatalf("relationship note: %v", r)
		}
		if r := carol.get("/api/v1/accounts/relationships?id[]=" + bobAcc.ID).list(); r[0]["note"] != "" {
			t.Fatalf("someone else's note leaked: %v", r)
		}

		// Followed tags: their public posts enter home.
		if tag := carol.post("/api/v1/tags/Greve/follow", nil).obj(); tag["following"] != true {
			t.Fatalf("follow tag: %v", tag)
		}
		if tag := carol.get("/api/v1/tags/greve").obj(); tag["following"] != true {
			t.Fatalf("tag following: %v", tag)
		}
		if l := carol.get("/api/v1/followed_tags").list(); len(l) != 1 || !strings.EqualFold(str(l[0], "name"), "greve") {
			t.Fatalf("followed tags: %v", l)
		}
		tagged := bob.postStatus("Tous en #greve jeudi", "public")
		hidden := bob.postStatus("Abonnés : #greve", "private")
		home := ids(carol.get("/api/v1/timelines/home").list())
		if len(home) != 1 || home[0] != str(tagged, "id") {
			t.Fatalf("home with a followed tag: %v (want %s, never %s)", home, str(tagged, "id"), str(hidden, "id"))
		}
		carol.post("/api/v1/tags/greve/unfollow", nil).ok()
		if l := carol.get("/api/v1/followed_tags").list(); len(l) != 0 {
			t.Fatalf("unfollowed tag listed: %v", l)
		}

		// Instance pages and rules: staff write them, everyone reads them.
		if p := anonymous(t, inst).get("/api/v1/instance/privacy_policy").obj(); p["content"] != "" {
			t.Fatalf("unwritten page: %v", p)
		}
		alice.do("PUT", "/api/v1/coopol/instance/pages/privacy", map[string]any{"content": "<p>RGPD</p>"}).status(403)
		adminAcc := inst.CreateUser(t, "admin1", false)
		if _, err := inst.Store.DB.NewUpdate().TableExpr("users").Set("role = ?", model.RoleAdmin).Where("account_id = ?", adminAcc.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		admin := &apiClient{t: t, inst: inst, token: mintToken(t, inst.Store, adminAcc, "read write admin:write"), http: alice.http}
		admin.do("PUT", "/api/v1/coopol/instance/pages/privacy", map[string]any{"content": "<p>RGPD : vos données</p><script>x</script>"}).ok()
		if p := anonymous(t, inst).get("/api/v1/instance/privacy_policy").obj(); p["content"] != "<p>RGPD : vos données</p>" {
			t.Fatalf("privacy policy: %v", p)
		}
		admin.do("PUT", "/api/v1/coopol/instance/rules", map[string]any{"rules": []map[string]string{{"text": "Respect"}, {"text": "Pas de spam"}}}).ok()
		if r := anonymous(t, inst).get("/api/v1/instance/rules").list(); len(r) != 2 || r[1]["text"] != "Pas de spam" {
			t.Fatalf("rules: %v", r)
		}
		if v2 := anonymous(t, inst).get("/api/v2/instance").obj(); len(path(v2, "rules").([]any)) != 2 {
			t.Fatalf("instance rules: %v", v2["rules"])
		}
		anonymous(t, inst).get("/api/v1/instance/extended_description").ok()
		anonymous(t, inst).get("/api/v1/instance/terms_of_service").ok()

		// Filters v2: warn shows filtered, hide leaves the post out.
		f := carol.post("/api/v2/filters", map[string]any{"title": "Grève", "context": []string{"home", "public"}, "filter_action": "warn",
			"keywords_attributes": []map[string]any{{"keyword": "greve", "whole_word": true}}}).obj()
		if len(path(f, "keywords").([]any)) != 1 {
			t.Fatalf("filter: %v", f)
		}
		got := carol.get("/api/v1/statuses/" + str(tagged, "id")).obj()
		if str(got, "filtered.0.filter.id") != str(f, "id") || str(got, "filtered.0.keyword_matches.0") != "greve" {
			t.Fatalf("filtered: %v", got["filtered"])
		}
		pub := ids(carol.get("/api/v1/timelines/public").list())
		if len(pub) == 0 {
			t.Fatalf("warn filter hid posts: %v", pub)
		}
		carol.do("PUT", "/api/v2/filters/"+str(f, "id"), map[string]any{"filter_action": "hide"}).ok()
		for _, id := range ids(carol.get("/api/v1/timelines/public").list()) {
			if id == str(tagged, "id") {
				t.Fatal("hide filter: the post is still in the public timeline")
			}
		}
		// Another context: the thread still shows it (with filtered).
		if got := carol.get("/api/v1/statuses/" + str(tagged, "id")).obj(); len(path(got, "filtered").([]any)) != 1 {
			t.Fatalf("single status: %v", got["filtered"])
		}
		kw := carol.post("/api/v2/filters/"+str(f, "id")+"/keywords", map[string]any{"keyword": "piquet"}).obj()
		carol.do("DELETE", "/api/v2/filters/keywords/"+str(kw, "id"), nil).ok()
		fs := carol.post("/api/v2/filters/"+str(f, "id")+"/statuses", map[string]any{"status_id": str(st, "id")}).obj()
		carol.get("/api/v2/filters/statuses/" + str(fs, "id")).ok()
		bob.get("/api/v2/filters/" + str(f, "id")).status(404)
		if l := carol.get("/api/v2/filters").list(); len(l) != 1 || len(path(l[0], "statuses").([]any)) != 1 || len(path(l[0], "keywords").([]any)) != 1 {
			t.Fatalf("filters: %v", l)
		}
		carol.do("DELETE", "/api/v2/filters/"+str(f, "id"), nil).ok()

		// Scheduled statuses: kept, listed, moved, and published by the job.
		at := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
		sched := alice.post("/api/v1/statuses", map[string]any{"status": "Rappel : AG ce soir", "scheduled_at": at}).obj()
		if str(sched, "params.text") != "Rappel : AG ce soir" || sched["scheduled_at"] == nil {
			t.Fatalf("scheduled status: %v", sched)
		}
		alice.post("/api/v1/statuses", map[string]any{"status": "trop tôt", "scheduled_at": time.Now().UTC().Format(time.RFC3339)}).status(422)
		if l := alice.get("/api/v1/scheduled_statuses").list(); len(l) != 1 {
			t.Fatalf("scheduled list: %v", l)
		}
		later := time.Now().UTC().Add(2 * time.Hour).Format(time.RFC3339)
		alice.do("PUT", "/api/v1/scheduled_statuses/"+str(sched, "id"), map[string]any{"scheduled_at": later}).ok()
		bob.get("/api/v1/scheduled_statuses/" + str(sched, "id")).status(404)
		if _, err := inst.Store.DB.NewUpdate().TableExpr("scheduled_statuses").Set("scheduled_at = ?", time.Now().UTC().Add(-time.Minute)).
			Where("id = ?", str(sched, "id")).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := inst.Social.PublishScheduled(ctx); err != nil || n != 1 {
			t.Fatalf("publish scheduled: %d %v", n, err)
		}
		if n, err := inst.Social.PublishScheduled(ctx); err != nil || n != 0 {
			t.Fatalf("published twice: %d %v", n, err)
		}
		posted := alice.get("/api/v1/accounts/" + aliceAcc.ID + "/statuses").list()
		if len(posted) == 0 || !strings.Contains(str(posted[0], "content"), "AG ce soir") {
			t.Fatalf("scheduled post not published: %v", posted)
		}
		if l := alice.get("/api/v1/scheduled_statuses").list(); len(l) != 0 {
			t.Fatalf("published post still scheduled: %v", l)
		}
	})
}

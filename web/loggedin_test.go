package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

func TestComposeAndTimeline(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		bob := newBrowser(t, inst)
		bob.login("bob")
		// Bob follows alice with the form on her profile.
		r := bob.submit("/@alice", "/accounts/"+w.alice.ID+"/follow", url.Values{"back": {"/@alice"}})
		wantStatus(t, r, http.StatusSeeOther)
		mustContain(t, bob.get("/@alice"), "Ne plus suivre")
		if ok, _ := inst.Store.IsFollowing(ctx, w.bob.ID, w.alice.ID); !ok {
			t.Fatal("follow form did not follow")
		}

		r = bob.get("/home")
		wantStatus(t, r, http.StatusOK)
		mustContain(t, r, publicShown, privateText, membersText, `data-updates="/home/updates"`, "Quoi de neuf, bob ?")

		// Post with a content warning, in the group, members only.
		r = bob.submit("/home", "/statuses", url.Values{"text": {"Qui vient jeudi ?"}, "spoiler_text": {"Organisation"},
			"visibility": {"members"}, "group_id": {w.ecole.ID}, "back": {"/home"}})
		wantStatus(t, r, http.StatusSeeOther)
		if r.Location != "/home" {
			t.Fatalf("after posting, sent to %q", r.Location)
		}
		r = bob.get("/home")
		mustContain(t, r, "Publié.", "Qui vient jeudi ?", `<details class="cw">`, "Organisation", "Membres du groupe")
		anon := newBrowser(t, inst)
		mustNotContain(t, anon.get("/@ecole"), "Qui vient jeudi ?")
		mustNotContain(t, anon.get("/@bob"), "Qui vient jeudi ?")

		// Live updates: nothing new, then alice's post.
		newest := between(r.Body, `data-newest="`, `"`)
		u := bob.get("/home/updates?since=" + newest)
		wantStatus(t, u, http.StatusNoContent)
		st, err := inst.Social.CreateStatus(ctx, w.alice, social.NewStatus{Text: "Du nouveau en direct"})
		if err != nil {
			t.Fatal(err)
		}
		u = bob.get("/home/updates?since=" + newest)
		wantStatus(t, u, http.StatusOK)
		mustContain(t, u, "Du nouveau en direct", `id="s-`+st.ID+`"`, `name="csrf_token"`)
		mustNotContain(t, u, "<html")
		if u.Header.Get("X-Newest-Id") != st.ID {
			t.Fatalf("newest id %q, want %q", u.Header.Get("X-Newest-Id"), st.ID)
		}

		// A refused post comes back with what was typed.
		r = bob.submit("/home", "/statuses", url.Values{"text": {"Sans groupe"}, "visibility": {"members"}, "back": {"/home"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "se publie dans un groupe", "Sans groupe")
		// Posting in a group one is not in is refused.
		sam := newBrowser(t, inst)
		sam.login("sam")
		r = sam.submit("/home", "/statuses", url.Values{"text": {"Intrus"}, "visibility": {"members"}, "group_id": {w.ecole.ID}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Vous ne pouvez pas publier ici")

		// Reply from the post page; like; delete.
		r = bob.submit("/@alice/"+w.public.ID, "/statuses", url.Values{"text": {"@alice Bien dit"}, "in_reply_to_id": {w.public.ID}, "visibility": {"public"}})
		wantStatus(t, r, http.StatusSeeOther)
		replyPath := r.Location
		mustContain(t, bob.get("/@alice/"+w.public.ID), "Bien dit")
		r = bob.submit("/@alice/"+w.public.ID, "/statuses/"+w.public.ID+"/favourite", url.Values{"back": {"/@alice/" + w.public.ID}})
		wantStatus(t, r, http.StatusSeeOther)
		mustContain(t, bob.get("/@alice/"+w.public.ID), `aria-pressed="true"`)
		replyID := replyPath[strings.LastIndex(replyPath, "/")+1:]
		// Someone else cannot delete it.
		r = sam.submit("/home", "/statuses/"+replyID+"/delete", nil)
		wantStatus(t, r, http.StatusForbidden)
		r = bob.submit(replyPath, "/statuses/"+replyID+"/delete", url.Values{"back": {replyPath}})
		wantStatus(t, r, http.StatusSeeOther)
		if r.Location != "/home" {
			t.Fatalf("deleting from its page went to %q", r.Location)
		}
		wantStatus(t, bob.get(replyPath), http.StatusNotFound)

		// Forms without the token change nothing.
		before, _ := inst.Store.CountStatuses(ctx, w.bob.ID, []string{"public", "unlisted", "private", "members", "direct"})
		wantStatus(t, bob.post("/statuses", url.Values{"text": {"forged"}}), http.StatusForbidden)
		wantStatus(t, bob.post("/accounts/"+w.alice.ID+"/unfollow", url.Values{}), http.StatusForbidden)
		after, _ := inst.Store.CountStatuses(ctx, w.bob.ID, []string{"public", "unlisted", "private", "members", "direct"})
		if before != after {
			t.Fatalf("a forged form posted: %d → %d statuses", before, after)
		}
		if ok, _ := inst.Store.IsFollowing(ctx, w.bob.ID, w.alice.ID); !ok {
			t.Fatal("a forged form unfollowed")
		}
		// Anonymous visitors cannot post.
		anonToken := anon.csrf("/login")
		wantStatus(t, anon.post("/statuses", url.Values{"csrf_token": {anonToken}, "text": {"anonymous"}}), http.StatusUnauthorized)
	})
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

func TestNotificationsAndMessages(t *testing.T) {
	inst := start(t)
	w := newWorld(t, inst)
	alice := newBrowser(t, inst)
	alice.login("alice")
	bob := newBrowser(t, inst)
	bob.login("bob")
	bob.submit("/@alice", "/accounts/"+w.alice.ID+"/follow", nil)

	r := alice.get("/home")
	mustContain(t, r, `class="badge"`)
	r = alice.get("/notifications")
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r, "vous suit", "a mentionné") // bob's follow; bob's reply mentions... (publicReply is a reply)
	// Seen: the badge goes.
	mustNotContain(t, alice.get("/home"), `<span class="badge">`)

	// A private message from the form.
	r = alice.submit("/messages", "/statuses", url.Values{"direct": {"1"}, "to": {"@bob"}, "text": {"Un mot pour toi"}})
	wantStatus(t, r, http.StatusSeeOther)
	r = bob.get("/messages")
	mustContain(t, r, "Un mot pour toi", "non lu")
	// No recipient: refused, nothing lost.
	r = alice.submit("/messages", "/statuses", url.Values{"direct": {"1"}, "to": {""}, "text": {"Pour personne"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	mustContain(t, r, "au moins un·e destinataire", "Pour personne")
	sam := newBrowser(t, inst)
	sam.login("sam")
	mustNotContain(t, sam.get("/messages"), "Un mot pour toi", directText)
}

func TestGroupsJoinLeaveAndModeration(t *testing.T) {
	inst := start(t)
	w := newWorld(t, inst)
	ctx := context.Background()
	sam := newBrowser(t, inst)
	sam.login("sam")
	r := sam.get("/groups")
	mustContain(t, r, "École", "Groupes")
	mustNotContain(t, r, "Créer un groupe thématique") // sympathisants do not create groups
	r = sam.submit("/@ecole", "/groups/"+w.ecole.ID+"/join", url.Values{"back": {"/@ecole"}})
	wantStatus(t, r, http.StatusSeeOther)
	r = sam.get("/@ecole")
	mustContain(t, r, "Vous avez rejoint le groupe.", membersText, "Quitter le groupe")
	sam.submit("/@ecole", "/groups/"+w.ecole.ID+"/leave", nil)
	mustNotContain(t, sam.get("/@ecole"), membersText)

	// Bob (a member, not a sympathisant) creates a group on request.
	bob := newBrowser(t, inst)
	bob.login("bob")
	r = bob.submit("/groups", "/groups", url.Values{"username": {"climat"}, "display_name": {"Climat"}, "openness": {"moderated"}, "sympathisants_may_join": {"1"}})
	wantStatus(t, r, http.StatusSeeOther)
	if r.Location != "/@climat" {
		t.Fatalf("new group at %q", r.Location)
	}
	r = bob.submit("/groups", "/groups", url.Values{"username": {"climat"}, "display_name": {"Encore"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	mustContain(t, r, "Ce nom est déjà pris.")
	climat, _ := inst.Store.LocalAccount(ctx, "climat")
	sam.submit("/@climat", "/groups/"+climat.ID+"/join", nil)
	mustContain(t, sam.get("/@climat"), "Demande pour rejoindre le groupe en attente")
	// Only a moderator answers.
	alice := newBrowser(t, inst)
	alice.login("alice")
	r = alice.submit("/home", "/groups/"+climat.ID+"/requests/"+w.sam.ID, url.Values{"decision": {"accept"}})
	wantStatus(t, r, http.StatusForbidden)
	r = bob.get("/@climat")
	mustContain(t, r, "Demandes pour rejoindre le groupe", "@sam")
	r = bob.submit("/@climat", "/groups/"+climat.ID+"/requests/"+w.sam.ID, url.Values{"decision": {"accept"}})
	wantStatus(t, r, http.StatusSeeOther)
	if m, err := inst.Store.Membership(ctx, climat.ID, w.sam.ID); err != nil || m.State != storage.MemberAccepted {
		t.Fatalf("membership after acceptance: %+v, %v", m, err)
	}
	mustContain(t, sam.get("/@climat"), "Vous êtes membre")
}

func TestFieldActionSignUpGaugeAndCommitments(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		path := "/events/" + w.action.ID
		bob := newBrowser(t, inst)
		bob.login("bob")
		r := bob.get(path)
		mustContain(t, r, "0 inscrit·e sur 3 nécessaires", "Je m’inscris", `<progress`)
		r = bob.submit(path, path+"/signup", nil)
		wantStatus(t, r, http.StatusSeeOther)
		r = bob.get(path)
		mustContain(t, r, "C’est noté", "1 inscrit·e sur 3 nécessaires", "Vous êtes inscrit·e.", "Me désinscrire", `value="1"`)
		mustNotContain(t, r, "Inscrit·es") // participants: organisers only
		mustContain(t, bob.get("/"), "1 inscrit·e sur 3 nécessaires")
		r = bob.get("/commitments")
		mustContain(t, r, actionTitle, "Vous êtes inscrit·e.")

		// The organiser sees who signed up.
		sec := newBrowser(t, inst)
		sec.login("sec")
		r = sec.get(path)
		mustContain(t, r, "Inscrit·es", "@bob")

		r = bob.submit("/commitments", path+"/cancel", url.Values{"back": {"/commitments"}})
		wantStatus(t, r, http.StatusSeeOther)
		mustContain(t, bob.get(path), "0 inscrit·e sur 3 nécessaires", "Je m’inscris")
		mustNotContain(t, bob.get("/commitments"), actionTitle)

		// A members-only event is invisible to a sympathisant: signing up
		// to it is not found either.
		sam := newBrowser(t, inst)
		sam.login("sam")
		wantStatus(t, sam.get("/events/"+w.secretEvent.ID), http.StatusNotFound)
		wantStatus(t, sam.submit("/home", "/events/"+w.secretEvent.ID+"/signup", nil), http.StatusNotFound)
		// Bob (a member of the group) can.
		r = bob.get("/events/" + w.secretEvent.ID)
		wantStatus(t, r, http.StatusOK)
		mustContain(t, r, secretTitle, "Je participe")
		r = bob.get("/events/" + w.secretEvent.ID + "/event.ics")
		wantStatus(t, r, http.StatusOK)
		mustContain(t, r, "BEGIN:VEVENT")
	})
}

func TestOrganisingEvents(t *testing.T) {
	inst := start(t)
	w := newWorld(t, inst)
	sec := newBrowser(t, inst)
	sec.login("sec")
	r := sec.get("/events/new?kind=field_action")
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r, "Nouvelle action de terrain", "Porte-à-porte", `name="capacity"`)
	form := url.Values{"kind": {"field_action"}, "action_kind": {"door_to_door"}, "title": {"Porte-à-porte quartier nord"},
		"date": {"2030-05-18"}, "start": {"10:00"}, "end": {"12:30"}, "place_name": {"Place de la Mairie"}, "locality": {"Lyon"},
		"capacity": {"6"}, "visibility": {"public"}, "group_id": {w.section.ID}, "description": {"Avec des tracts."}}
	r = sec.submit("/events/new", "/events", form)
	wantStatus(t, r, http.StatusSeeOther)
	r = sec.get(r.Location)
	mustContain(t, r, "Porte-à-porte quartier nord", "samedi 18 mai 2030 à 10:00", "12:30", "0 inscrit·e sur 6 nécessaires")

	form.Set("date", "pas une date")
	r = sec.submit("/events/new", "/events", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	mustContain(t, r, "La date ou l’heure n’est pas valide.", "Porte-à-porte quartier nord")

	// Bob moderates nothing: no form, no event.
	bob := newBrowser(t, inst)
	bob.login("bob")
	wantStatus(t, bob.get("/events/new"), http.StatusForbidden)
	form.Set("date", "2030-05-18")
	wantStatus(t, bob.submit("/home", "/events", form), http.StatusForbidden)
	// Alice organises for her group, not for the section.
	alice := newBrowser(t, inst)
	alice.login("alice")
	r = alice.get("/events/new")
	mustContain(t, r, "École")
	mustNotContain(t, r, `value="`+w.section.ID+`"`)
}

func TestSettingsAndSearch(t *testing.T) {
	network := coopoltest.NewNetwork()
	inst := network.StartInstance(t, "sqlite", "section-a.test")
	other := network.StartInstance(t, "sqlite", "section-b.test")
	other.CreateUser(t, "zoe", false)
	inst.CreateUser(t, "alice", false)
	b := newBrowser(t, inst)
	b.login("alice")
	r := b.get("/settings")
	mustContain(t, r, "Mon profil", `name="display_name"`, "adhérent·e")
	r = b.submit("/settings", "/settings", url.Values{"display_name": {"Alice Martin"}, "note": {"Enseignante, #ecole"},
		"field_name_0": {"Ville"}, "field_value_0": {"Lyon"}, "discoverable": {"1"}})
	wantStatus(t, r, http.StatusSeeOther)
	r = b.get("/@alice")
	mustContain(t, r, "Alice Martin", "Enseignante", "Ville", "Lyon")
	r = b.submit("/settings", "/settings", url.Values{"display_name": {strings.Repeat("x", 31)}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	mustContain(t, r, "trop long")

	r = b.submit("/settings", "/settings/password", url.Values{"current": {"wrong"}, "password": {"new password!"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	r = b.submit("/settings", "/settings/password", url.Values{"current": {"password-alice"}, "password": {"new password!"}})
	wantStatus(t, r, http.StatusSeeOther)

	// Search finds a remote person by handle, through the federation.
	r = b.get("/search?q=" + url.QueryEscape("@zoe@section-b.test"))
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r, "@zoe@section-b.test", `href="/@zoe@section-b.test"`)
	r = b.get("/@zoe@section-b.test")
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r, "Suivre", `name="robots" content="noindex`)
	// Anonymous visitors do not make the server fetch anything.
	anon := newBrowser(t, inst)
	mustContain(t, anon.get("/search?q="+url.QueryEscape("@nobody@section-b.test")), "Aucun résultat")
	if r := anon.get("/search?q=%23ecole"); r.Status != http.StatusSeeOther || r.Location != "/tags/ecole" {
		t.Fatalf("hashtag search: %d %q", r.Status, r.Location)
	}
	_ = model.RoleMember
}

func TestReportsAndCalendarFeed(t *testing.T) {
	inst := start(t)
	w := newWorld(t, inst)
	ctx := context.Background()
	sam := newBrowser(t, inst)
	sam.login("sam")
	r := sam.get("/report?status=" + w.public.ID)
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r, "Signaler", publicShown)
	// A post sam may not see cannot be reported (nor confirmed).
	wantStatus(t, sam.get("/report?status="+w.members.ID), http.StatusNotFound)
	r = sam.submit("/report?status="+w.public.ID, "/report", url.Values{"account_id": {w.alice.ID}, "status_id": {w.public.ID}, "comment": {"Hors sujet"}})
	wantStatus(t, r, http.StatusSeeOther)
	// Smuggling a hidden post into a report attaches nothing.
	r = sam.submit("/home", "/report", url.Values{"account_id": {w.alice.ID}, "status_id": {w.members.ID}, "comment": {"Curieux"}})
	wantStatus(t, r, http.StatusSeeOther)
	reports, err := inst.Store.WebOpenReports(ctx, 10)
	if err != nil || len(reports) != 2 {
		t.Fatalf("reports %+v, %v", reports, err)
	}
	if len(reports[0].StatusIDs) != 1 || len(reports[1].StatusIDs) != 0 {
		t.Fatalf("attached statuses: %v and %v", reports[0].StatusIDs, reports[1].StatusIDs)
	}
	sec := newBrowser(t, inst)
	sec.login("sec")
	mustContain(t, sec.get("/dashboard"), "Hors sujet", "Curieux")

	// The personal calendar: an address shown once, which works.
	bob := newBrowser(t, inst)
	bob.login("bob")
	bob.submit("/events/"+w.action.ID, "/events/"+w.action.ID+"/signup", nil)
	r = bob.submit("/commitments", "/commitments/calendar", nil)
	wantStatus(t, r, http.StatusOK)
	feed := regexp.MustCompile(`http://section-a\.test(/calendar/[A-Za-z0-9_-]+\.ics)`).FindStringSubmatch(r.Body)
	if feed == nil {
		t.Fatalf("no feed address:\n%s", r.Body)
	}
	anon := newBrowser(t, inst)
	r = anon.get(feed[1])
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r, "BEGIN:VCALENDAR", "Tractage au march")
}

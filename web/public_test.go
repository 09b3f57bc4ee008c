package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// world is a small section: alice and bob are members, sam a
// sympathisant, sec the secretary; alice runs the open group "ecole",
// which bob joined. Posts of every audience, a field action and a
// members-only event.
type world struct {
	inst                      *coopoltest.Instance
	alice, bob, sam, sec      *model.Account
	section, ecole            *model.Account
	public, members, private  *model.Status
	direct, publicReply       *model.Status
	membersReply, sectionPost *model.Status
	action, secretEvent       *model.Event
}

const (
	publicText       = "Bonjour tout le monde #ecole"
	publicShown      = "Bonjour tout le monde"
	membersText      = "Réunion secrète du groupe"
	privateText      = "Pour mes abonnés seulement"
	directText       = "Message direct pour Bob"
	publicReplyText  = "Une réponse publique"
	membersReplyText = "Une réponse réservée aux membres"
	sectionText      = "Communiqué de la section"
	actionTitle      = "Tractage au marché"
	secretTitle      = "Réunion interne du groupe"
)

func newWorld(t *testing.T, inst *coopoltest.Instance) *world {
	t.Helper()
	ctx := context.Background()
	svc := inst.Social
	w := &world{inst: inst}
	w.alice = createUser(t, inst, "alice", model.RoleMember)
	w.bob = createUser(t, inst, "bob", model.RoleMember)
	w.sam = createUser(t, inst, "sam", model.RoleSympathisant)
	w.sec = createUser(t, inst, "sec", model.RoleAdmin)
	var err error
	if w.section, err = inst.Store.LocalAccount(ctx, inst.Config.Section.Username); err != nil {
		t.Fatal(err)
	}
	// The secretary belongs to the section, to post in it.
	if err := svc.VerifyMember(ctx, w.sec, w.sec, true); err != nil {
		t.Fatal(err)
	}
	if w.ecole, err = svc.CreateGroup(ctx, w.alice, social.NewGroup{Username: "ecole", DisplayName: "École", Note: "Le groupe des enseignant·es", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.JoinGroup(ctx, w.bob, w.ecole); err != nil {
		t.Fatal(err)
	}
	post := func(author *model.Account, in social.NewStatus) *model.Status {
		t.Helper()
		st, err := svc.CreateStatus(ctx, author, in)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	w.public = post(w.alice, social.NewStatus{Text: publicText})
	w.members = post(w.alice, social.NewStatus{Text: membersText, Visibility: model.VisibilityMembers, GroupID: w.ecole.ID})
	w.private = post(w.alice, social.NewStatus{Text: privateText, Visibility: model.VisibilityPrivate})
	w.direct = post(w.alice, social.NewStatus{Text: "@bob " + directText, Visibility: model.VisibilityDirect})
	w.publicReply = post(w.bob, social.NewStatus{Text: publicReplyText, InReplyToID: w.public.ID})
	w.membersReply = post(w.bob, social.NewStatus{Text: membersReplyText, InReplyToID: w.members.ID})
	w.sectionPost = post(w.sec, social.NewStatus{Text: sectionText, GroupID: w.section.ID})
	need := 3
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	if w.action, err = svc.CreateEvent(ctx, w.sec, social.NewEvent{Title: actionTitle, Description: "Rendez-vous devant la mairie.",
		Kind: model.EventKindFieldAction, ActionKind: "leafleting", StartAt: start, EndAt: start.Add(2 * time.Hour),
		PlaceName: "Marché du centre", Locality: "Lyon", Capacity: &need, GroupID: w.section.ID}); err != nil {
		t.Fatal(err)
	}
	if w.secretEvent, err = svc.CreateEvent(ctx, w.alice, social.NewEvent{Title: secretTitle, StartAt: start.Add(24 * time.Hour),
		Visibility: model.VisibilityMembers, GroupID: w.ecole.ID}); err != nil {
		t.Fatal(err)
	}
	return w
}

// secrets are what no page may show an anonymous visitor.
var secrets = []string{membersText, privateText, directText, membersReplyText, secretTitle}

func TestPublicPagesShowOnlyPublicContent_P06(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		anon := newBrowser(t, inst)
		pages := map[string][]string{
			"/":                                     {"Section", actionTitle, sectionText, "0 inscrit·e sur 3 nécessaires", `property="og:title"`, `href="/@section.atom"`},
			"/@alice":                               {publicShown, `property="og:type" content="profile"`, `href="/@alice.rss"`},
			"/@alice/" + w.public.ID:                {publicShown, publicReplyText, `property="og:type" content="article"`},
			"/@ecole":                               {"École", "Rejoindre le groupe"},
			"/groups":                               {"École"},
			"/events":                               {actionTitle},
			"/events/" + w.action.ID:                {actionTitle, "Marché du centre", "0 inscrit·e sur 3 nécessaires", "Je m’inscris", `href="/login?next=`},
			"/tags/ecole":                           {publicShown},
			"/@bob/" + w.publicReply.ID:             {publicReplyText},
			"/@section":                             {sectionText},
			"/search?q=eco":                         {"@ecole"},
			"/@alice.atom":                          {"Bonjour tout le monde"},
			"/@alice.rss":                           {"Bonjour tout le monde"},
			"/@section.rss":                         {sectionText},
			"/events/" + w.action.ID + "/event.ics": {"BEGIN:VCALENDAR", "Tractage au march"},
		}
		for path, want := range pages {
			r := anon.get(path)
			wantStatus(t, r, http.StatusOK)
			mustContain(t, r, want...)
			mustNotContain(t, r, secrets...)
		}
		// Hidden things are not found, rather than forbidden: their
		// existence is not confirmed.
		for _, path := range []string{
			"/@alice/" + w.members.ID, "/@alice/" + w.private.ID, "/@alice/" + w.direct.ID, "/@bob/" + w.membersReply.ID,
			"/events/" + w.secretEvent.ID, "/events/" + w.secretEvent.ID + "/event.ics",
		} {
			r := anon.get(path)
			wantStatus(t, r, http.StatusNotFound)
			mustNotContain(t, r, secrets...)
		}
		// The group's member count is for members.
		mustNotContain(t, anon.get("/@ecole"), "2 membres")
	})
}

func TestMembersSeeTheirGroupAndNoOneElseDoes(t *testing.T) {
	inst := start(t)
	w := newWorld(t, inst)
	bob := newBrowser(t, inst)
	bob.login("bob")
	r := bob.get("/@ecole")
	mustContain(t, r, membersText, "2 membres", "Vous êtes membre", "Écrire dans le groupe")
	r = bob.get("/@alice/" + w.members.ID)
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r, membersText, membersReplyText, `name="robots" content="noindex`)
	mustNotContain(t, r, `property="og:`)
	r = bob.get("/events/" + w.secretEvent.ID)
	wantStatus(t, r, http.StatusOK)
	mustNotContain(t, r, `property="og:`)
	// A reply under a public post does not leak the members' thread.
	mustContain(t, bob.get("/@alice/"+w.direct.ID), directText)

	sam := newBrowser(t, inst) // a sympathisant, not in the group
	sam.login("sam")
	for _, path := range []string{"/@ecole", "/@alice", "/", "/home", "/events", "/@alice/" + w.public.ID, "/tags/ecole", "/notifications", "/messages"} {
		r := sam.get(path)
		wantStatus(t, r, http.StatusOK)
		mustNotContain(t, r, secrets...)
	}
	wantStatus(t, sam.get("/@alice/"+w.members.ID), http.StatusNotFound)
	wantStatus(t, sam.get("/@alice/"+w.direct.ID), http.StatusNotFound)
}

func TestStatusPageRedirectsAndNegotiates(t *testing.T) {
	inst := start(t)
	w := newWorld(t, inst)
	b := newBrowser(t, inst)
	r := b.get("/@bob/" + w.public.ID)
	wantStatus(t, r, http.StatusFound)
	if r.Location != "/@alice/"+w.public.ID {
		t.Fatalf("wrong handle sent to %q", r.Location)
	}
	// Servers asking for ActivityPub get the object's id.
	for path, want := range map[string]string{
		"/@alice":                w.alice.URI,
		"/@alice/" + w.public.ID: w.public.URI,
		"/events/" + w.action.ID: w.action.URI,
	} {
		req, _ := http.NewRequest(http.MethodGet, inst.URL(path), nil)
		req.Header.Set("Accept", "application/activity+json")
		r := b.do(req)
		wantStatus(t, r, http.StatusFound)
		if r.Location != want {
			t.Fatalf("%s: AS2 request sent to %q, want %q", path, r.Location, want)
		}
	}
	// An event's status page is the event page.
	r = b.get("/@sec/" + w.action.StatusID)
	if r.Status != http.StatusFound || r.Location != "/events/"+w.action.ID {
		t.Fatalf("event status: %d %q", r.Status, r.Location)
	}
	wantStatus(t, b.get("/@nobody"), http.StatusNotFound)
	wantStatus(t, b.get("/@instance.actor"), http.StatusNotFound)
}

func TestFeedsArePublicPostsOnly(t *testing.T) {
	inst := start(t)
	w := newWorld(t, inst)
	b := newBrowser(t, inst)
	r := b.get("/@alice.atom")
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Fatalf("atom content type %q", ct)
	}
	mustContain(t, r, `<feed xmlns="http://www.w3.org/2005/Atom">`, w.public.URI)
	mustNotContain(t, r, secrets...)
	r = b.get("/@alice.rss")
	mustContain(t, r, `<rss version="2.0">`, "http://section-a.test/@alice/"+w.public.ID)
	mustNotContain(t, r, secrets...)
	// A logged-in member gets the same public feed.
	b.login("bob")
	mustNotContain(t, b.get("/@ecole.atom"), secrets...)
	wantStatus(t, b.get("/@nobody.rss"), http.StatusNotFound)
}

func TestRemoteProfilesAreSanitizedAgain(t *testing.T) {
	inst := start(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	evil := &model.Account{ID: model.NewID(now), URI: "https://evil.example/users/mallory", URL: "https://evil.example/@mallory",
		Username: "mallory", Domain: "evil.example", ActorType: model.ActorPerson, DisplayName: "<b>Mallory</b>",
		Note:   `<p>Hi</p><script>alert(1)</script><img src=x onerror=alert(2)>`,
		Fields: []model.Field{{Name: "<i>site</i>", Value: `<a href="javascript:alert(3)" onclick="x()">clic</a>`}}, AlsoKnownAs: []string{},
		CreatedAt: now, UpdatedAt: now}
	if err := inst.Store.InsertAccount(ctx, nil, evil); err != nil {
		t.Fatal(err)
	}
	r := newBrowser(t, inst).get("/@mallory@evil.example")
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r, "&lt;b&gt;Mallory&lt;/b&gt;", "&lt;i&gt;site&lt;/i&gt;", "clic")
	mustNotContain(t, r, "<script>alert", "onerror=", "javascript:alert", "onclick=")
}

package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// TestGroupSettingsAreForTheGroupAdminsOnly (issue 14): a member who is
// not an admin, a stranger and the instance's staff get a 404 on a
// thematic group's settings page and every form of it, and nothing
// changes; the group's creator changes its name, territory and rules.
func TestGroupSettingsAreForTheGroupAdminsOnly(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		base := "/groups/" + w.ecole.ID
		for _, who := range []string{"bob", "sam", "sec"} {
			b := newBrowser(t, inst)
			b.login(who)
			wantStatus(t, b.get(base+"/settings"), http.StatusNotFound)
			mustNotContain(t, b.get("/@ecole"), base+"/settings")
			for action, form := range map[string]url.Values{
				base + "/settings":                              {"display_name": {"Piraté"}, "note": {"x"}, "territory": {"x"}},
				base + "/admission":                             {"openness": {"invite_only"}, "admission": {"section"}},
				base + "/invite":                                {"handle": {"sam"}},
				base + "/members/" + w.alice.ID + "/remove":     {"ban": {"1"}},
				base + "/members/" + w.bob.ID + "/remove":       {},
				base + "/members/" + w.bob.ID + "/role":         {"role": {"admin"}},
				"/groups/" + w.section.ID + "/settings":         {"display_name": {"Piraté"}},
				"/groups/" + w.section.ID + "/members/x/remove": {},
			} {
				if who == "sec" && strings.HasPrefix(action, "/groups/"+w.section.ID) {
					continue // the staff edit the section (next test)
				}
				wantStatus(t, b.submit("/home", action, form), http.StatusNotFound)
			}
		}
		anon := newBrowser(t, inst)
		wantStatus(t, anon.get(base+"/settings"), http.StatusSeeOther) // to the login page
		// Nothing changed.
		g, err := inst.Store.GroupByAccountID(ctx, w.ecole.ID)
		if err != nil || g.Openness != social.OpennessOpen {
			t.Fatalf("group after refused forms: %+v %v", g, err)
		}
		if a, _ := inst.Store.AccountByID(ctx, w.ecole.ID); a.DisplayName != "École" {
			t.Fatalf("renamed by a refused form: %q", a.DisplayName)
		}
		if s, _ := inst.Store.LocalAccount(ctx, "section"); s.DisplayName == "Piraté" {
			t.Fatal("the section was renamed by a refused form")
		}
		for _, id := range []string{w.alice.ID, w.bob.ID} {
			m, err := inst.Store.Membership(ctx, w.ecole.ID, id)
			if err != nil || m.State != storage.MemberAccepted {
				t.Fatalf("membership of %s after refused forms: %+v %v", id, m, err)
			}
		}
		if m, _ := inst.Store.Membership(ctx, w.ecole.ID, w.bob.ID); m.Role != social.RoleMember {
			t.Fatalf("bob's role changed to %s", m.Role)
		}
		if _, err := inst.Store.Membership(ctx, w.ecole.ID, w.sam.ID); err == nil {
			t.Fatal("a refused invitation was stored")
		}

		// The creator edits.
		alice := newBrowser(t, inst)
		alice.login("alice")
		mustContain(t, alice.get("/@ecole"), base+"/settings")
		r := alice.get(base + "/settings")
		wantStatus(t, r, http.StatusOK)
		mustContain(t, r, "Réglages — École", "Qui peut rejoindre le groupe", "Les adhérent·es vérifié·es de notre section", "@bob")
		r = alice.submit(base+"/settings", base+"/settings", url.Values{"display_name": {"École et université"}, "note": {"Enseignant·es et étudiant·es"}, "territory": {"Lyon"}})
		wantStatus(t, r, http.StatusSeeOther)
		if a, _ := inst.Store.AccountByID(ctx, w.ecole.ID); a.DisplayName != "École et université" || !strings.Contains(a.Note, "étudiant·es") {
			t.Fatalf("group after edit: %q %q", a.DisplayName, a.Note)
		}
		if g, _ := inst.Store.GroupByAccountID(ctx, w.ecole.ID); g.Territory != "Lyon" {
			t.Fatalf("territory %q", g.Territory)
		}
		// Bad input: a French message, nothing stored.
		r = alice.submit(base+"/settings", base+"/settings", url.Values{"display_name": {strings.Repeat("x", 101)}, "territory": {"<script>"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Le nom est trop long")
		if a, _ := inst.Store.AccountByID(ctx, w.ecole.ID); a.DisplayName != "École et université" {
			t.Fatalf("a refused edit was stored: %q", a.DisplayName)
		}
		r = alice.submit(base+"/settings", base+"/admission", url.Values{"openness": {"moderated"}, "admission": {"party"}, "sympathisants_may_join": {"1"}})
		wantStatus(t, r, http.StatusSeeOther)
		if g, _ := inst.Store.GroupByAccountID(ctx, w.ecole.ID); g.Openness != social.OpennessModerated || g.Admission != social.AdmitParty || !g.SympathisantsMayJoin {
			t.Fatalf("admission after edit: %+v", g)
		}
		r = alice.submit(base+"/settings", base+"/admission", url.Values{"openness": {"wide_open"}, "admission": {"party"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if g, _ := inst.Store.GroupByAccountID(ctx, w.ecole.ID); g.Openness != social.OpennessModerated {
			t.Fatalf("a refused rule was stored: %s", g.Openness)
		}
	})
}

// TestGroupAdminManagesMembers: roles, invitations, removal and ban go
// through the domain: a removed member stops reading the group's
// members-only posts at once; a banned one cannot join again.
func TestGroupAdminManagesMembers(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		base := "/groups/" + w.ecole.ID
		alice := newBrowser(t, inst)
		alice.login("alice")

		// bob reads the members-only post, then is made moderator.
		bob := newBrowser(t, inst)
		bob.login("bob")
		mustContain(t, bob.get("/@ecole"), membersText)
		wantStatus(t, alice.submit(base+"/settings", base+"/members/"+w.bob.ID+"/role", url.Values{"role": {"moderator"}}), http.StatusSeeOther)
		if m, _ := inst.Store.Membership(ctx, w.ecole.ID, w.bob.ID); m.Role != social.RoleModerator {
			t.Fatalf("bob's role %s", m.Role)
		}
		// The creator's role does not change; a bad role is refused.
		r := alice.submit(base+"/settings", base+"/members/"+w.bob.ID+"/role", url.Values{"role": {"creator"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Choisissez un rôle")
		// A moderator does not edit the settings (admins do).
		wantStatus(t, bob.get(base+"/settings"), http.StatusNotFound)

		// Invite sam by handle; an unknown handle is said so.
		wantStatus(t, alice.submit(base+"/settings", base+"/invite", url.Values{"handle": {"@sam"}}), http.StatusSeeOther)
		if m, err := inst.Store.Membership(ctx, w.ecole.ID, w.sam.ID); err != nil || m.State != storage.MemberInvited {
			t.Fatalf("sam's invitation: %+v %v", m, err)
		}
		r = alice.submit(base+"/settings", base+"/invite", url.Values{"handle": {"personne"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Personne n’a été trouvé")
		mustContain(t, alice.get(base+"/settings"), "Invitations en attente")

		// Remove bob: he stops reading the members-only post at once.
		wantStatus(t, alice.submit(base+"/settings", base+"/members/"+w.bob.ID+"/remove", nil), http.StatusSeeOther)
		if _, err := inst.Store.Membership(ctx, w.ecole.ID, w.bob.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("bob still a member: %v", err)
		}
		mustNotContain(t, bob.get("/@ecole"), membersText)
		if ok, _ := inst.Social.CanView(ctx, w.bob, w.members); ok {
			t.Fatal("a removed member still reads the members-only post")
		}
		// He may ask again; banned, he may not.
		if _, err := inst.Social.JoinGroup(ctx, w.bob, w.ecole); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, alice.submit(base+"/settings", base+"/members/"+w.bob.ID+"/remove", url.Values{"ban": {"1"}}), http.StatusSeeOther)
		if m, _ := inst.Store.Membership(ctx, w.ecole.ID, w.bob.ID); m == nil || m.State != "banned" {
			t.Fatalf("bob not banned: %+v", m)
		}
		if _, err := inst.Social.JoinGroup(ctx, w.bob, w.ecole); err == nil {
			if m, _ := inst.Store.Membership(ctx, w.ecole.ID, w.bob.ID); m.State == storage.MemberAccepted {
				t.Fatal("a banned member joined again")
			}
		}
		mustContain(t, alice.get(base+"/settings"), "Personnes exclues")
		// One cannot remove oneself here (leave instead).
		r = alice.submit(base+"/settings", base+"/members/"+w.alice.ID+"/remove", nil)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if m, _ := inst.Store.Membership(ctx, w.ecole.ID, w.alice.ID); m == nil || m.State != storage.MemberAccepted {
			t.Fatal("the creator was removed")
		}
	})
}

// TestSectionSettingsNameThePages: the staff set the section's name and
// territory in the pages; every page's title uses the new name; a
// member who is not staff gets a 404 and changes nothing.
func TestSectionSettingsNameThePages(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		path := "/groups/" + w.section.ID + "/settings"
		alice := newBrowser(t, inst)
		alice.login("alice")
		wantStatus(t, alice.get(path), http.StatusNotFound)
		wantStatus(t, alice.submit("/home", path, url.Values{"display_name": {"Piraté"}}), http.StatusNotFound)

		sec := newBrowser(t, inst)
		sec.login("sec")
		mustContain(t, sec.get("/dashboard"), path, "Réglages de la section")
		r := sec.get(path)
		wantStatus(t, r, http.StatusOK)
		mustContain(t, r, "Le fichier de configuration donne les premières valeurs")
		mustNotContain(t, r, "Qui peut rejoindre le groupe") // the section's membership is verification
		r = sec.submit(path, path, url.Values{"display_name": {"Section Lyon 7e"}, "note": {"La section du 7e."}, "territory": {"Lyon 7e"}})
		wantStatus(t, r, http.StatusSeeOther)
		s, _ := inst.Store.LocalAccount(ctx, "section")
		if s.DisplayName != "Section Lyon 7e" {
			t.Fatalf("section name %q", s.DisplayName)
		}
		for _, b := range []*browser{alice, newBrowser(t, inst)} {
			mustContain(t, b.get("/events"), "· Section Lyon 7e</title>")
		}
		mustContain(t, newBrowser(t, inst).get("/@section"), "Lyon 7e")
	})
}

// TestRemovingARemoteMemberTellsTheirServer: removing a member of
// another instance from the settings page goes through the domain's
// RemoveMember: their server is told (Remove) and forgets the
// membership, so they stop reading at once there too.
func TestRemovingARemoteMemberTellsTheirServer(t *testing.T) {
	insts := coopoltest.Start(t, "sqlite", []string{"section-a.test", "section-b.test"})
	a, b := insts[0], insts[1]
	ctx := context.Background()
	alice := createUser(t, a, "alice", "member")
	bruno := createUser(t, b, "bruno", "member")
	group, err := a.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "velo", DisplayName: "Vélo", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
	if err != nil {
		t.Fatal(err)
	}
	groupOnB := b.Resolve(t, "velo", "section-a.test")
	if _, err := b.Social.JoinGroup(ctx, bruno, groupOnB); err != nil {
		t.Fatal(err)
	}
	state := func() string {
		m, err := b.Store.Membership(ctx, groupOnB.ID, bruno.ID)
		if err != nil {
			return "none"
		}
		return m.State
	}
	coopoltest.Eventually(t, "bruno accepted, seen on B", func() bool { return state() == storage.MemberAccepted })
	brunoOnA, err := a.Store.AccountByURI(ctx, bruno.URI)
	if err != nil {
		t.Fatal(err)
	}
	w := newBrowser(t, a)
	w.login("alice")
	base := "/groups/" + group.ID
	mustContain(t, w.get(base+"/settings"), "bruno@section-b.test")
	wantStatus(t, w.submit(base+"/settings", base+"/members/"+brunoOnA.ID+"/remove", url.Values{"ban": {"1"}}), http.StatusSeeOther)
	if m, _ := a.Store.Membership(ctx, group.ID, brunoOnA.ID); m == nil || m.State != "banned" {
		t.Fatalf("bruno on A: %+v", m)
	}
	coopoltest.Eventually(t, "B told of the removal", func() bool { return state() == "none" })
}

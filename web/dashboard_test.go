package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
)

func TestDashboardIsForTheSectionStaffOnly(t *testing.T) {
	inst := start(t)
	w := newWorld(t, inst)
	for _, who := range []string{"alice", "sam"} {
		b := newBrowser(t, inst)
		b.login(who)
		// Issue 12: a 404, as the README says, not a 403 that tells the
		// page exists.
		wantStatus(t, b.get("/dashboard"), http.StatusNotFound)
		mustNotContain(t, b.get("/home"), `href="/dashboard"`)
		// Every dashboard form is refused too, and changes nothing.
		for _, action := range []string{
			"/dashboard/members/" + w.sam.ID + "/verify", "/dashboard/users/x/approve", "/dashboard/domains",
			"/dashboard/domains/delete", "/dashboard/reports/x/resolve", "/dashboard/resets/x/link",
		} {
			r := b.submit("/home", action, url.Values{"status": {"adherent"}, "domain": {"evil.example"}, "kind": {"block"}})
			wantStatus(t, r, http.StatusNotFound)
		}
	}
	ctx := context.Background()
	if u, _ := inst.Store.UserByAccountID(ctx, w.sam.ID); u.Role != model.RoleSympathisant {
		t.Fatalf("a refused form changed sam's role to %s", u.Role)
	}
	if kind, _ := inst.Store.DomainRule(ctx, "evil.example"); kind != "" {
		t.Fatal("a refused form blocked a domain")
	}
	anon := newBrowser(t, inst)
	wantStatus(t, anon.get("/dashboard"), http.StatusNotFound)
}

func TestDashboardVerifiesMembersAndShowsFigures(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		// Someone signs up saying they are a member; the section approves
		// the account, then verifies the membership.
		visitor := newBrowser(t, inst)
		visitor.submit("/signup", "/signup", url.Values{"username": {"nadia"}, "email": {"nadia@example.org"}, "password": {"correct horse battery"}, "status": {"member"}})
		nadia, err := inst.Store.UserByLogin(ctx, "nadia")
		if err != nil {
			t.Fatal(err)
		}

		sec := newBrowser(t, inst)
		sec.login("sec")
		r := sec.get("/dashboard")
		wantStatus(t, r, http.StatusOK)
		mustContain(t, r, "Tableau de bord", "Comptes à valider", "@nadia", "nadia@example.org", "À vérifier",
			actionTitle, "0 inscrit·e sur 3 nécessaires", "Actifs ce mois-ci", "Fédération ouverte")
		mustContain(t, sec.get("/home"), `href="/dashboard"`)

		r = sec.submit("/dashboard", "/dashboard/users/"+nadia.ID+"/approve", nil)
		wantStatus(t, r, http.StatusSeeOther)
		visitor.submit("/login", "/login", url.Values{"login": {"nadia"}, "password": {"correct horse battery"}})
		wantStatus(t, visitor.get("/home"), http.StatusOK)

		r = sec.submit("/dashboard", "/dashboard/members/"+nadia.AccountID+"/verify", url.Values{"status": {"adherent"}})
		wantStatus(t, r, http.StatusSeeOther)
		u, _ := inst.Store.UserByLogin(ctx, "nadia")
		if u.Role != model.RoleMember || u.MemberVerifiedAt == nil {
			t.Fatalf("verified member: role %s, verified %v", u.Role, u.MemberVerifiedAt)
		}
		r = sec.get("/dashboard")
		mustContain(t, r, "Adhésion mise à jour.", "Aucune demande à vérifier.", "Marquer sympathisant·e")
		// And back.
		sec.submit("/dashboard", "/dashboard/members/"+nadia.AccountID+"/verify", url.Values{"status": {"sympathisant"}})
		if u, _ := inst.Store.UserByLogin(ctx, "nadia"); u.Role != model.RoleSympathisant {
			t.Fatalf("back to sympathisant: role %s", u.Role)
		}

		// The gauges move on the dashboard too.
		bob := newBrowser(t, inst)
		bob.login("bob")
		bob.submit("/events/"+w.action.ID, "/events/"+w.action.ID+"/signup", nil)
		mustContain(t, sec.get("/dashboard"), "1 inscrit·e sur 3 nécessaires")
	})
}

func TestDashboardDomainRulesAndReports(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		newWorld(t, inst)
		ctx := context.Background()
		sec := newBrowser(t, inst)
		sec.login("sec")
		r := sec.submit("/dashboard", "/dashboard/domains", url.Values{"domain": {"https://Spam.Example/about"}, "kind": {"block"}, "reason": {"spam"}})
		wantStatus(t, r, http.StatusSeeOther)
		if kind, _ := inst.Store.DomainRule(ctx, "spam.example"); kind != "block" {
			t.Fatalf("domain rule %q", kind)
		}
		mustContain(t, sec.get("/dashboard"), "spam.example", "bloqué", "spam")
		r = sec.submit("/dashboard", "/dashboard/domains", url.Values{"domain": {"not a domain"}, "kind": {"block"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Ce domaine n’est pas valide.")
		r = sec.submit("/dashboard", "/dashboard/domains/delete", url.Values{"domain": {"spam.example"}})
		wantStatus(t, r, http.StatusSeeOther)
		if kind, _ := inst.Store.DomainRule(ctx, "spam.example"); kind != "" {
			t.Fatalf("domain rule left: %q", kind)
		}

		// A report in the queue, then handled.
		alice, _ := inst.Store.LocalAccount(ctx, "alice")
		sam, _ := inst.Store.LocalAccount(ctx, "sam")
		rep := &model.Report{ID: model.NewID(alice.CreatedAt), AccountID: &sam.ID, TargetAccountID: alice.ID, StatusIDs: []string{}, Comment: "Propos déplacés", CreatedAt: alice.CreatedAt}
		if err := inst.Store.InsertReport(ctx, rep); err != nil {
			t.Fatal(err)
		}
		mustContain(t, sec.get("/dashboard"), "Propos déplacés")
		r = sec.submit("/dashboard", "/dashboard/reports/"+rep.ID+"/resolve", nil)
		wantStatus(t, r, http.StatusSeeOther)
		mustNotContain(t, sec.get("/dashboard"), "Propos déplacés")
	})
}

var linkRe = regexp.MustCompile(`http://section-a\.test/password/reset\?token=([A-Za-z0-9_-]+)`)

func TestDashboardMakesResetLinksWithoutSMTP(t *testing.T) {
	inst := start(t)
	newWorld(t, inst)
	forgetful := newBrowser(t, inst)
	forgetful.submit("/password/forgot", "/password/forgot", url.Values{"email": {"bob@example.org"}})
	sec := newBrowser(t, inst)
	sec.login("sec")
	r := sec.get("/dashboard")
	mustContain(t, r, "Mots de passe oubliés", "@bob", "Créer le lien")
	id := between(r.Body, `action="/dashboard/resets/`, `/link"`)
	r = sec.submit("/dashboard", "/dashboard/resets/"+id+"/link", nil)
	wantStatus(t, r, http.StatusOK)
	m := linkRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no link shown:\n%s", r.Body)
	}
	// Shown once: not on the next visit.
	mustNotContain(t, sec.get("/dashboard"), m[1])
	r = forgetful.submit("/password/reset?token="+m[1], "/password/reset", url.Values{"token": {m[1]}, "password": {"bob's new password"}})
	wantStatus(t, r, http.StatusSeeOther)
	r = forgetful.submit("/login", "/login", url.Values{"login": {"bob"}, "password": {"bob's new password"}})
	wantStatus(t, r, http.StatusSeeOther)
}

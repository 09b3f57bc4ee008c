package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coopol/coopol/coopoltest"
)

func TestExportOwnData(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		alice, ac := login(t, inst, "alice", false)
		_, bc := login(t, inst, "bob", false)
		ac.postStatus("Rendez-vous place du marché", "private")
		bc.postStatus("Message de bob", "direct")

		r := ac.get("/api/v1/coopol/export")
		archive := r.obj()
		if str(archive, "profile.uri") != alice.URI || str(archive, "login.email") != "alice@example.org" || str(archive, "statuses.0.text") != "Rendez-vous place du marché" {
			t.Fatalf("archive: %s", r.Body)
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="coopol-alice-`) {
			t.Fatalf("Content-Disposition %q", cd)
		}
		if strings.Contains(string(r.Body), "Message de bob") || strings.Contains(string(r.Body), "password") || strings.Contains(string(r.Body), "PRIVATE KEY") {
			t.Fatalf("export holds someone else's data or a secret: %s", r.Body)
		}
		// Only the caller's own data, and only with the full read scope.
		if str(bc.get("/api/v1/coopol/export").obj(), "statuses.0.text") != "Message de bob" {
			t.Fatal("bob's export")
		}
		_, narrow := login(t, inst, "carol", false, "read:statuses")
		narrow.get("/api/v1/coopol/export").status(http.StatusForbidden)
		anonymous(t, inst).get("/api/v1/coopol/export").status(http.StatusUnauthorized)
	})
}

func TestDeleteOwnAccount(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		ctx := context.Background()
		alice, ac := login(t, inst, "alice", false)
		_, bc := login(t, inst, "bob", false)
		st := ac.postStatus("Bientôt supprimé", "public")
		bc.post("/api/v1/accounts/"+alice.ID+"/follow", nil).ok()

		ac.post("/api/v1/coopol/account/delete", url.Values{}).status(http.StatusUnprocessableEntity)
		ac.post("/api/v1/coopol/account/delete", url.Values{"password": {"wrong password"}}).status(http.StatusForbidden)
		_, readOnly := login(t, inst, "carol", false, "read")
		readOnly.post("/api/v1/coopol/account/delete", url.Values{"password": {"password-carol"}}).status(http.StatusForbidden)
		if _, err := inst.Store.StatusByID(ctx, str(st, "id")); err != nil {
			t.Fatal("refused deletions deleted something")
		}

		r := ac.post("/api/v1/coopol/account/delete", map[string]any{"password": "password-alice"}).obj()
		if r["deleted"] != true || path(r, "summary.statuses") != float64(1) || path(r, "summary.follows") != float64(1) {
			t.Fatalf("deletion answer: %v", r)
		}
		// The token died with the account; the account and its post are gone.
		ac.get("/api/v1/accounts/verify_credentials").status(http.StatusUnauthorized)
		bc.get("/api/v1/accounts/" + alice.ID).status(http.StatusNotFound)
		bc.get("/api/v1/statuses/" + str(st, "id")).status(http.StatusNotFound)
		if _, err := inst.Store.UserByAccountID(ctx, alice.ID); err == nil {
			t.Fatal("login kept")
		}
	})
}

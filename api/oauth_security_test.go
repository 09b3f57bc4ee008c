package api_test

import (
	"github.com/coopol/coopol/auth"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestU07_LoginFailureIdenticalForUnknownUser: on the OAuth login form a
// wrong password for a real account and any password for an unknown
// login (username or e-mail) get the same status, headers and page, and
// cost about the same time (the unknown login is checked against a dummy
// hash), so the form does not tell who has an account.
func TestU07_LoginFailureIdenticalForUnknownUser(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		rg.createUser("carol", true)
		app := rg.createApp("read")
		_, page := rg.getAuthorize(authorizeQuery(app, callbackURI, "", ""), nil)
		if page == nil {
			t.Fatal("no authorize page")
		}
		type answer struct {
			code    int
			headers []string
			body    string
		}
		try := func(login string) answer {
			w := rg.postAuthorize(page, login, "wrong password!")
			var keys []string
			for k := range w.Header() {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			// The form echoes the login back: put every login on one footing.
			return answer{w.Code, keys, strings.ReplaceAll(w.Body.String(), login, "LOGIN")}
		}
		known := try("carol")
		if known.code != http.StatusUnauthorized || !strings.Contains(known.body, "Identifiant ou mot de passe incorrect") {
			t.Fatalf("wrong password: %d\n%s", known.code, known.body)
		}
		for _, login := range []string{"nobody", "carol@example.org", "nobody@example.org", "Carol2"} {
			got := try(login)
			if got.code != known.code || !slices.Equal(got.headers, known.headers) || got.body != known.body {
				t.Fatalf("%q answered differently from a wrong password: %d %v\n%s", login, got.code, got.headers, got.body)
			}
		}

		// The same work either way: without the dummy hash an unknown
		// login would answer in well under a millisecond, a wrong
		// password after an argon2id derivation. Counted, not timed (a
		// loaded machine makes timings lie).
		for _, login := range []string{"carol", "nobody", "nobody@example.org"} {
			before := auth.PasswordChecks()
			rg.postAuthorize(page, login, "wrong password!")
			// At least: tests running beside this one may check passwords too.
			if n := auth.PasswordChecks() - before; n < 1 {
				t.Fatalf("%q cost %d password derivations, want one like any wrong password", login, n)
			}
		}
	})
}

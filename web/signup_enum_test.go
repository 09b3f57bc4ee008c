package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
)

// Issue 12 (hygiene): the sign-up form answers the same whether or not an
// e-mail address already has an account, and then stores nothing.
func TestSignUpDoesNotTellWhichAddressesHaveAnAccount(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		createUser(t, inst, "alice", model.RoleMember) // alice@example.org
		answer := func(username, email string) (int, string) {
			b := newBrowser(t, inst)
			r := b.submit("/signup", "/signup", url.Values{"username": {username}, "email": {email}, "password": {"correct horse battery"}})
			body := strings.ReplaceAll(strings.ReplaceAll(r.Body, username, "NAME"), email, "EMAIL")
			body = csrfRe.ReplaceAllString(body, "")
			return r.Status, body
		}
		newStatus, newBody := answer("dominique", "d@example.org")
		takenStatus, takenBody := answer("camille", "alice@example.org")
		if newStatus != http.StatusOK || takenStatus != newStatus {
			t.Fatalf("statuses differ: new address %d, taken address %d", newStatus, takenStatus)
		}
		if takenBody != newBody {
			t.Fatalf("answers differ:\n--- new address\n%s\n--- taken address\n%s", newBody, takenBody)
		}
		if _, err := inst.Store.UserByLogin(context.Background(), "camille"); err == nil {
			t.Fatal("an account was created with a taken address")
		}
	})
}

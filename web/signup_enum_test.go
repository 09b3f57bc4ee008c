package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/mail/mailtest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage/storagetest"
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

var confirmLinkRe = regexp.MustCompile(`http://section-a\.test(/signup/confirm\?token=[A-Za-z0-9._%-]+)`)

// Issue 12 (hygiene): with registrations: open too. An open sign-up
// waits for its address to be confirmed by a mailed link, so that a new
// address and one that has an account get the same answer ("check your
// mail"), with the same headers (no session either way). The owner of the
// taken address is told by e-mail; the new address gets the link, which
// activates the account once, and nothing else.
func TestOpenSignUpDoesNotTellWhichAddressesHaveAnAccount(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) { openSignUpCase(t, backend) })
	}
}

func openSignUpCase(t *testing.T, backend string) {
	catcher := mailtest.Start(t)
	inst := coopoltest.Start(t, backend, []string{"section-a.test"}, withConfig(func(c *config.Config) {
		c.Registrations = "open"
		c.SMTP.Host, c.SMTP.Port, c.SMTP.From = catcher.Host, catcher.Port, "section@section-a.test"
	}))[0]
	{
		createUser(t, inst, "alice", model.RoleMember) // alice@example.org
		type answer struct {
			status  int
			body    string
			cookies []string
		}
		signUp := func(username, email string) answer {
			b := newBrowser(t, inst)
			b.csrf("/signup")
			r := b.submit("/signup", "/signup", url.Values{"username": {username}, "email": {email}, "password": {"correct horse battery"}})
			body := strings.ReplaceAll(strings.ReplaceAll(r.Body, username, "NAME"), email, "EMAIL")
			var cookies []string
			for _, line := range r.Header.Values("Set-Cookie") {
				name, _, _ := strings.Cut(line, "=")
				cookies = append(cookies, name)
			}
			return answer{r.Status, csrfRe.ReplaceAllString(body, ""), cookies}
		}
		fresh := signUp("dominique", "dominique@example.org")
		taken := signUp("camille", "alice@example.org")
		if fresh.status != http.StatusOK || taken.status != fresh.status {
			t.Fatalf("statuses differ: new address %d, taken address %d", fresh.status, taken.status)
		}
		if taken.body != fresh.body || strings.Join(taken.cookies, ",") != strings.Join(fresh.cookies, ",") {
			t.Fatalf("answers differ:\n--- new address %v\n%s\n--- taken address %v\n%s", fresh.cookies, fresh.body, taken.cookies, taken.body)
		}
		if !strings.Contains(fresh.body, "Vérifiez votre boîte e-mail") {
			t.Fatalf("no check-your-mail answer:\n%s", fresh.body)
		}
		ctx := context.Background()
		if _, err := inst.Store.UserByLogin(ctx, "camille"); err == nil {
			t.Fatal("an account was created with a taken address")
		}
		owner := catcher.WaitTo(t, "alice@example.org", "/password/forgot", 10*time.Second)
		if strings.Contains(owner.Text, "camille") {
			t.Fatalf("the owner's mail names the stranger's username:\n%s", owner.Text)
		}
		msg := catcher.WaitTo(t, "dominique@example.org", "/signup/confirm", 10*time.Second)
		m := confirmLinkRe.FindStringSubmatch(msg.Text)
		if m == nil {
			t.Fatalf("no confirmation link in:\n%s", msg.Text)
		}
		// Not before the link is followed.
		b := newBrowser(t, inst)
		r := b.submit("/login", "/login", url.Values{"login": {"dominique"}, "password": {"correct horse battery"}})
		wantStatus(t, r, http.StatusForbidden)
		mustContain(t, r, "Activez d’abord votre compte")
		// A link for another account, or tampered, activates nothing.
		token, _ := url.QueryUnescape(strings.TrimPrefix(m[1], "/signup/confirm?token="))
		id, rest, _ := strings.Cut(token, ".")
		alice, err := inst.Store.UserByLogin(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		for _, forged := range []string{alice.ID + "." + rest, id + ".9999999999." + strings.SplitN(rest, ".", 2)[1], token + "x"} {
			wantStatus(t, b.get("/signup/confirm?token="+url.QueryEscape(forged)), http.StatusNotFound)
		}
		wantStatus(t, b.get(m[1]), http.StatusSeeOther)
		r = b.submit("/login", "/login", url.Values{"login": {"dominique"}, "password": {"correct horse battery"}})
		wantStatus(t, r, http.StatusSeeOther)
	}
}

package federation_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage/storagetest"
)

// rowCounts snapshots the tables an inbox could write to, so each refusal
// can assert that nothing at all was stored.
func rowCounts(t *testing.T, inst *coopoltest.Instance) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"accounts", "statuses", "follows", "favourites", "blocks", "notifications", "inbox_seen", "tombstones", "reports", "outbox_activities"} {
		n, err := inst.Store.DB.NewSelect().TableExpr(table).Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out[table] = int(n)
	}
	return out
}

type signedPost struct {
	keyID    string
	keyPEM   string
	body     []byte
	date     time.Time
	mutate   func(*http.Request) // after signing
	ctype    string
	unsigned bool
}

func (p signedPost) send(t *testing.T, target *coopoltest.Instance) int {
	t.Helper()
	return p.sendTo(t, target, target.Base()+"/inbox")
}

func (p signedPost) sendTo(t *testing.T, target *coopoltest.Instance, inbox string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, inbox, bytes.NewReader(p.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if p.ctype != "" {
		req.Header.Set("Content-Type", p.ctype)
	}
	if !p.unsigned {
		key, err := httpsign.ParsePrivateKey(p.keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		date := p.date
		if date.IsZero() {
			date = time.Now()
		}
		if err := httpsign.SignRequest(req, p.keyID, key, p.body, date); err != nil {
			t.Fatal(err)
		}
	}
	if p.mutate != nil {
		p.mutate(req)
	}
	resp, err := target.Network().Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func createNote(actor, id, objectID, attributedTo string) []byte {
	return []byte(fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":%q,"type":"Create","actor":%q,
"to":["https://www.w3.org/ns/activitystreams#Public"],"object":{"id":%q,"type":"Note","attributedTo":%q,
"to":["https://www.w3.org/ns/activitystreams#Public"],"content":"<p>hello</p>","published":"2026-01-01T00:00:00Z"}}`, id, actor, objectID, attributedTo))
}

// TestInboxRefusals sends hostile requests from a real peer's key and
// checks each is refused with the right code and stores nothing.
func TestInboxRefusals(t *testing.T) {
	insts := coopoltest.Start(t, "sqlite", []string{"section-a.test", "section-b.test"})
	a, b := insts[0], insts[1]
	ctx := context.Background()
	alice := a.CreateUser(t, "alice", false)
	bob := b.CreateUser(t, "bob", false)
	carol := b.CreateUser(t, "carol", false)
	// alice follows bob, so bob's posts would be wanted on A.
	bobOnA := a.Resolve(t, "bob", "section-b.test")
	if _, err := a.Social.Follow(ctx, alice, bobOnA); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "follow accepted", func() bool {
		f, err := a.Store.Follow(ctx, alice.ID, bobOnA.ID)
		return err == nil && f.State == model.FollowAccepted
	})
	otherKey, _ := httpsign.GenerateKey()

	deep := strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)
	good := func(n int) []byte {
		return createNote(bob.URI, fmt.Sprintf("%s/activities/x%d", b.Base(), n), fmt.Sprintf("%s/users/bob/statuses/x%d", b.Base(), n), bob.URI)
	}
	cases := []struct {
		name string
		post signedPost
		want int
	}{
		{"H-01 unsigned", signedPost{body: good(1), unsigned: true}, 401},
		{"H-07 wrong key", signedPost{keyID: bob.PublicKeyID, keyPEM: httpsign.EncodePrivateKey(otherKey), body: good(2)}, 401},
		{"H-03 body changed after signing", signedPost{keyID: bob.PublicKeyID, keyPEM: bob.PrivateKeyPEM, body: good(3),
			mutate: func(r *http.Request) {
				swapped := good(33)
				r.Body = ioNopCloser(swapped)
				r.ContentLength = int64(len(swapped))
			}}, 401},
		{"H-06 stale date", signedPost{keyID: bob.PublicKeyID, keyPEM: bob.PrivateKeyPEM, body: good(4), date: time.Now().Add(-2 * time.Hour)}, 401},
		{"H-06 future date", signedPost{keyID: bob.PublicKeyID, keyPEM: bob.PrivateKeyPEM, body: good(5), date: time.Now().Add(2 * time.Hour)}, 401},
		{"H-08 signer is not the actor", signedPost{keyID: bob.PublicKeyID, keyPEM: bob.PrivateKeyPEM,
			body: createNote(carol.URI, b.Base()+"/activities/x6", b.Base()+"/users/carol/statuses/x6", carol.URI)}, 401},
		{"A-05 object on another origin", signedPost{keyID: bob.PublicKeyID, keyPEM: bob.PrivateKeyPEM,
			body: createNote(bob.URI, b.Base()+"/activities/x7", "http://section-c.test/users/bob/statuses/x7", bob.URI)}, 400},
		{"A-05 attributed to someone else", signedPost{keyID: bob.PublicKeyID, keyPEM: bob.PrivateKeyPEM,
			body: createNote(bob.URI, b.Base()+"/activities/x8", b.Base()+"/users/bob/statuses/x8", carol.URI)}, 400},
		{"N-01 key on a private address", signedPost{keyID: "http://10.1.2.3/users/evil#main-key", keyPEM: bob.PrivateKeyPEM, body: good(9)}, 401},
		{"A-08 key claims to be local", signedPost{keyID: alice.PublicKeyID, keyPEM: bob.PrivateKeyPEM, body: good(10)}, 401},
		{"C-08 oversize body", signedPost{keyID: bob.PublicKeyID, keyPEM: bob.PrivateKeyPEM,
			body: []byte(`{"type":"Create","content":"` + strings.Repeat("x", 2<<20) + `"}`)}, 413},
		{"malformed JSON", signedPost{keyID: bob.PublicKeyID, keyPEM: bob.PrivateKeyPEM, body: []byte(`{"type":"Create",`)}, 400},
		{"C-08 deep JSON", signedPost{keyID: bob.PublicKeyID, keyPEM: bob.PrivateKeyPEM, body: []byte(deep)}, 400},
		{"unknown activity type", signedPost{keyID: bob.PublicKeyID, keyPEM: bob.PrivateKeyPEM,
			body: []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"http://section-b.test/activities/x12","type":"Explode","actor":"` + bob.URI + `"}`)}, 400},
		{"wrong content type", signedPost{keyID: bob.PublicKeyID, keyPEM: bob.PrivateKeyPEM, body: good(13), ctype: "application/json"}, 415},
		{"A-07 forged Accept", signedPost{keyID: bob.PublicKeyID, keyPEM: bob.PrivateKeyPEM,
			body: []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"http://section-b.test/activities/x14","type":"Accept","actor":"` + bob.URI + `","object":"http://section-a.test/activities/nope"}`)}, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := rowCounts(t, a)
			if got := tc.post.send(t, a); got != tc.want {
				t.Fatalf("status %d, want %d", got, tc.want)
			}
			if after := rowCounts(t, a); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("a refused request changed the database:\nbefore %v\nafter  %v", before, after)
			}
		})
	}

	// The genuine article is accepted, and the same activity delivered
	// again (shared and personal inbox, retries) is processed once.
	body := good(100)
	ok := signedPost{keyID: bob.PublicKeyID, keyPEM: bob.PrivateKeyPEM, body: body}
	if got := ok.send(t, a); got != http.StatusAccepted {
		t.Fatalf("genuine activity: %d", got)
	}
	before := rowCounts(t, a)
	if got := ok.send(t, a); got != http.StatusAccepted {
		t.Fatalf("repeated activity: %d", got)
	}
	if after := rowCounts(t, a); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a repeated activity was processed twice:\n%v\n%v", before, after)
	}
	if _, err := a.Store.StatusByURI(ctx, b.Base()+"/users/bob/statuses/x100"); err != nil {
		t.Fatalf("genuine post not stored: %v", err)
	}
}

// TestUnsolicitedPostIsDropped: a post from someone nobody here follows,
// addressed to no one here, is acknowledged but not kept.
func TestUnsolicitedPostIsDropped(t *testing.T) {
	insts := coopoltest.Start(t, "sqlite", []string{"section-a.test", "section-b.test"})
	a, b := insts[0], insts[1]
	a.CreateUser(t, "alice", false)
	bob := b.CreateUser(t, "bob", false)
	post := signedPost{keyID: bob.PublicKeyID, keyPEM: bob.PrivateKeyPEM,
		body: createNote(bob.URI, b.Base()+"/activities/spam", b.Base()+"/users/bob/statuses/spam", bob.URI)}
	if got := post.send(t, a); got != http.StatusAccepted {
		t.Fatalf("status %d", got)
	}
	if _, err := a.Store.StatusByURI(context.Background(), b.Base()+"/users/bob/statuses/spam"); err == nil {
		t.Fatal("an unsolicited post was stored")
	}
}

// TestPrivateObjectsAreNotFetchable covers P-02: followers-only and direct
// posts answer 404 to unsigned fetches and to signed non-followers, and
// members' follower lists show only counts (P-05).
func TestPrivateObjectsAreNotFetchable(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test"})
			a, b := insts[0], insts[1]
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			public, _ := a.Social.CreateStatus(ctx, alice, socialStatus("Bonjour", model.VisibilityPublic))
			private, _ := a.Social.CreateStatus(ctx, alice, socialStatus("Entre nous", model.VisibilityPrivate))
			direct, _ := a.Social.CreateStatus(ctx, alice, socialStatus("Secret", model.VisibilityDirect))
			client := a.Network().Client()
			get := func(uri string, signer *model.Account) (int, string) {
				req, _ := http.NewRequest(http.MethodGet, uri, nil)
				req.Header.Set("Accept", ap.ContentType)
				if signer != nil {
					key, _ := httpsign.ParsePrivateKey(signer.PrivateKeyPEM)
					if err := httpsign.SignRequest(req, signer.PublicKeyID, key, nil, time.Now()); err != nil {
						t.Fatal(err)
					}
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var buf bytes.Buffer
				buf.ReadFrom(resp.Body)
				return resp.StatusCode, buf.String()
			}
			if code, body := get(public.URI, nil); code != 200 || !strings.Contains(body, "Bonjour") {
				t.Fatalf("public post: %d %s", code, body)
			}
			stranger := b.CreateUser(t, "mallory", false)
			for _, st := range []*model.Status{private, direct} {
				for _, signer := range []*model.Account{nil, stranger} {
					if code, body := get(st.URI, signer); code != 404 || strings.Contains(body, "Entre nous") || strings.Contains(body, "Secret") {
						t.Fatalf("P-02: %s fetched by %v: %d %s", st.Visibility, signer, code, body)
					}
				}
			}
			// A follower may fetch the followers-only post.
			follower := b.CreateUser(t, "bob", false)
			aliceOnB := b.Resolve(t, "alice", "section-a.test")
			if _, err := b.Social.Follow(ctx, follower, aliceOnB); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "follow accepted", func() bool {
				f, err := b.Store.Follow(ctx, follower.ID, aliceOnB.ID)
				return err == nil && f.State == model.FollowAccepted
			})
			if code, body := get(private.URI, follower); code != 200 || !strings.Contains(body, "Entre nous") {
				t.Fatalf("follower fetch: %d %s", code, body)
			}
			// P-05: collections show a count, never the members.
			code, body := get(alice.FollowersURI, nil)
			if code != 200 || strings.Contains(body, "bob") || !strings.Contains(body, `"totalItems":1`) {
				t.Fatalf("followers collection: %d %s", code, body)
			}
		})
	}
}

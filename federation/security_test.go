package federation_test

// Tests named after the catalogue (docs/security-reliability.md, IDs such
// as) that the older federation tests did not cover yet. Each
// refusal also asserts that nothing was stored. SECURITY.md lists which
// test covers which entry.

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/federation"
	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/httpclient"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/queue"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// ---------------------------------------------------------------------
// Fixtures

// sections is two running instances: alice on A follows bob and carol
// on B (accepted), so their posts are wanted on A.
type sections struct {
	a, b              *coopoltest.Instance
	alice, bob, carol *model.Account // as created at home: they hold the private keys
	bobOnA, carolOnA  *model.Account
}

func startSections(t *testing.T) *sections {
	t.Helper()
	insts := coopoltest.Start(t, "sqlite", []string{"section-a.test", "section-b.test"})
	s := &sections{a: insts[0], b: insts[1]}
	ctx := context.Background()
	s.alice = s.a.CreateUser(t, "alice", false)
	s.bob = s.b.CreateUser(t, "bob", false)
	s.carol = s.b.CreateUser(t, "carol", false)
	s.bobOnA = s.a.Resolve(t, "bob", "section-b.test")
	s.carolOnA = s.a.Resolve(t, "carol", "section-b.test")
	for _, target := range []*model.Account{s.bobOnA, s.carolOnA} {
		if _, err := s.a.Social.Follow(ctx, s.alice, target); err != nil {
			t.Fatal(err)
		}
		coopoltest.Eventually(t, "alice follows "+target.Username, func() bool {
			return followState(s.a, s.alice, target) == model.FollowAccepted
		})
	}
	return s
}

// postAs signs body with account's key and POSTs it to A's shared inbox.
func (s *sections) postAs(t *testing.T, account *model.Account, body map[string]any) int {
	t.Helper()
	return signedPost{keyID: account.PublicKeyID, keyPEM: account.PrivateKeyPEM, body: mustJSON(t, body)}.send(t, s.a)
}

// activityID returns a fresh activity IRI on B.
func (s *sections) activityID(name string) string {
	return s.b.Base() + "/activities/" + name
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func act(id, typ, actor string, object any) map[string]any {
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": typ, "actor": actor,
		"to": []string{ap.Public}, "object": object}
}

func noteDoc(id, attributedTo, content string, updated time.Time) map[string]any {
	m := map[string]any{"id": id, "type": "Note", "attributedTo": attributedTo, "to": []string{ap.Public},
		"content": content, "published": "2026-01-01T00:00:00Z"}
	if !updated.IsZero() {
		m["updated"] = updated.UTC().Format(time.RFC3339)
	}
	return m
}

func sameCounts(t *testing.T, inst *coopoltest.Instance, before map[string]int, what string) {
	t.Helper()
	if after := rowCounts(t, inst); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("%s changed the database:\nbefore %v\nafter  %v", what, before, after)
	}
}

func isCancel(err error) bool { return errors.As(err, new(*river.JobCancelError)) }

// fakeRemote is a hand-written remote server on the test network. It
// serves one actor (zed) whose published key the test can change, a
// WebFinger answering from a table, and an inbox that accepts anything;
// it counts the actor fetches and checks their signatures.
type fakeRemote struct {
	host string

	mu         sync.Mutex
	key        *rsa.PrivateKey   // the key the origin publishes now
	webfinger  map[string]string // "acct:u@d" -> self href
	actorGets  int
	hits       int // every request
	verifyWith *rsa.PublicKey
	fetchSigs  []fetchSignature
}

type fetchSignature struct {
	keyID   string
	headers []string
	err     error
}

func newFakeRemote(t *testing.T, network *coopoltest.Network, host string) *fakeRemote {
	t.Helper()
	key, err := httpsign.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	r := &fakeRemote{host: host, key: key, webfinger: map[string]string{}}
	r.webfinger["acct:zed@"+host] = r.actorURI()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/zed", func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.actorGets++
		if r.verifyWith != nil {
			fs := fetchSignature{}
			sig, err := httpsign.ParseRequest(req, httpsign.VerifyOptions{Now: time.Now(), Host: host})
			if err == nil {
				fs.keyID, fs.headers = sig.KeyID, sig.Headers
				err = httpsign.VerifyRequest(req, sig, r.verifyWith)
			}
			fs.err = err
			r.fetchSigs = append(r.fetchSigs, fs)
		}
		doc := r.actorDoc(&r.key.PublicKey, r.keyID())
		r.mu.Unlock()
		w.Header().Set("Content-Type", ap.ContentType)
		w.Write(doc)
	})
	mux.HandleFunc("GET /.well-known/webfinger", func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		href, ok := r.webfinger[req.URL.Query().Get("resource")]
		r.mu.Unlock()
		if !ok {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "application/jrd+json")
		fmt.Fprintf(w, `{"subject":%s,"links":[{"rel":"self","type":"application/activity+json","href":%s}]}`,
			jsonString(req.URL.Query().Get("resource")), jsonString(href))
	})
	mux.HandleFunc("POST /", func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		w.WriteHeader(http.StatusAccepted)
	})
	counted := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.hits++
		r.mu.Unlock()
		mux.ServeHTTP(w, req)
	})
	network.Serve(t, host, counted)
	return r
}

func (r *fakeRemote) actorURI() string { return "http://" + r.host + "/users/zed" }
func (r *fakeRemote) keyID() string    { return r.actorURI() + "#main-key" }

// actorDoc is zed's actor document publishing pub under keyID.
func (r *fakeRemote) actorDoc(pub *rsa.PublicKey, keyID string) []byte {
	pem, err := httpsign.EncodePublicKey(pub)
	if err != nil {
		panic(err)
	}
	doc, _ := json.Marshal(r.actorMap(pem, keyID))
	return doc
}

func (r *fakeRemote) actorMap(pem, keyID string) map[string]any {
	return map[string]any{
		"@context": []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":       r.actorURI(), "type": "Person", "preferredUsername": "zed",
		"inbox": r.actorURI() + "/inbox", "outbox": r.actorURI() + "/outbox", "followers": r.actorURI() + "/followers",
		"publicKey": map[string]any{"id": keyID, "owner": r.actorURI(), "publicKeyPem": pem},
	}
}

// finger sets (href != "") or removes what WebFinger answers for resource.
func (r *fakeRemote) finger(resource, href string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if href == "" {
		delete(r.webfinger, resource)
		return
	}
	r.webfinger[resource] = href
}

func (r *fakeRemote) publish(key *rsa.PrivateKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.key = key
}

func (r *fakeRemote) counts() (actorGets, hits int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.actorGets, r.hits
}

// post sends body to target's shared inbox, signed as zed with key.
func (r *fakeRemote) post(t *testing.T, target *coopoltest.Instance, key *rsa.PrivateKey, body map[string]any) int {
	t.Helper()
	return signedPost{keyID: r.keyID(), keyPEM: httpsign.EncodePrivateKey(key), body: mustJSON(t, body)}.send(t, target)
}

// unsolicitedNote is a Create from zed that A accepts (202) and drops:
// enough to see whether the signature was accepted.
func (r *fakeRemote) unsolicitedNote(n int) map[string]any {
	id := fmt.Sprintf("%s/statuses/%d", r.actorURI(), n)
	return act(fmt.Sprintf("http://%s/activities/%d", r.host, n), "Create", r.actorURI(), noteDoc(id, r.actorURI(), "<p>hi</p>", time.Time{}))
}

// ---------------------------------------------------------------------
// §1 Origin and authorship

// TestA04_RedirectToAnotherOrigin: victim.test redirects to evil.test,
// which serves a document claiming victim's id. The origin is where the
// content came from (the final URL), so the claim is refused.
func TestA04_RedirectToAnotherOrigin(t *testing.T) {
	network := coopoltest.NewNetwork()
	a := network.StartInstance(t, "sqlite", "section-a.test")
	ctx := context.Background()
	victim := http.NewServeMux()
	victim.HandleFunc("GET /users/v", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://evil.test/users/v", http.StatusFound)
	})
	network.Serve(t, "victim.test", victim)
	key, _ := httpsign.GenerateKey()
	pem, _ := httpsign.EncodePublicKey(&key.PublicKey)
	evil := http.NewServeMux()
	evil.HandleFunc("GET /users/v", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ap.ContentType)
		fmt.Fprintf(w, `{"@context":"https://www.w3.org/ns/activitystreams","id":"http://victim.test/users/v","type":"Person",
"preferredUsername":"v","inbox":"http://victim.test/users/v/inbox","publicKey":{"id":"http://victim.test/users/v#main-key",
"owner":"http://victim.test/users/v","publicKeyPem":%s}}`, jsonString(pem))
	})
	network.Serve(t, "evil.test", evil)

	before := rowCounts(t, a)
	if acc, err := a.Server.Federation.ResolveActor(ctx, "http://victim.test/users/v"); err == nil {
		t.Fatalf("a redirect to another origin was trusted: %s", acc.URI)
	}
	// The key path (keyId on victim.test) refuses it as well.
	post := signedPost{keyID: "http://victim.test/users/v#main-key", keyPEM: httpsign.EncodePrivateKey(key),
		body: createNote("http://victim.test/users/v", "http://victim.test/activities/1", "http://victim.test/users/v/statuses/1", "http://victim.test/users/v")}
	if got := post.send(t, a); got != http.StatusUnauthorized {
		t.Fatalf("signed by a key found through a cross-origin redirect: %d", got)
	}
	sameCounts(t, a, before, "a cross-origin redirect")
}

// TestA06_ActivitiesOnSomeoneElsesObjects: bob (validly signed) sends
// Update, Delete, Undo and Create activities touching carol's and alice's
// objects. Each is refused and nothing changes (CVE-2024-37903 included:
// a Create re-using an existing post id).
func TestA06_ActivitiesOnSomeoneElsesObjects(t *testing.T) {
	s := startSections(t)
	ctx := context.Background()
	// carol follows alice, likes and boosts alice's post; carol posts.
	aliceOnB := s.b.Resolve(t, "alice", "section-a.test")
	if _, err := s.b.Social.Follow(ctx, s.carol, aliceOnB); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "carol follows alice", func() bool { return followState(s.b, s.carol, aliceOnB) == model.FollowAccepted })
	carolsPost, err := s.b.Social.CreateStatus(ctx, s.carol, socialStatus("Le texte de Carol", model.VisibilityPublic))
	if err != nil {
		t.Fatal(err)
	}
	alicesPost, err := s.a.Social.CreateStatus(ctx, s.alice, socialStatus("Le texte d'Alice", model.VisibilityPublic))
	if err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "posts crossed", func() bool { return statusExists(s.a, carolsPost.URI) && statusExists(s.b, alicesPost.URI) })
	onB, _ := s.b.Store.StatusByURI(ctx, alicesPost.URI)
	if _, err := s.b.Social.Favourite(ctx, s.carol, onB.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.b.Social.Reblog(ctx, s.carol, onB.ID); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "carol's like and boost on A", func() bool {
		st, _ := s.a.Store.StatusByID(ctx, alicesPost.ID)
		return st.FavouritesCount == 1 && st.ReblogsCount == 1
	})
	like, err := s.a.Store.Favourite(ctx, s.carolOnA.ID, alicesPost.ID)
	if err != nil {
		t.Fatal(err)
	}
	boost, err := s.a.Store.Reblog(ctx, s.carolOnA.ID, alicesPost.ID)
	if err != nil {
		t.Fatal(err)
	}
	carolFollow, err := s.a.Store.Follow(ctx, s.carolOnA.ID, s.alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	carolsOnA, _ := s.a.Store.StatusByURI(ctx, carolsPost.URI)
	future := time.Now().Add(time.Hour)

	bob, carol := s.bob.URI, s.carol.URI
	cases := []struct {
		name string
		body map[string]any
	}{
		{"Update of carol's post, attributed to carol", act(s.activityID("f1"), "Update", bob, noteDoc(carolsPost.URI, carol, "<p>forged</p>", future))},
		{"Update of carol's post, attributed to bob", act(s.activityID("f2"), "Update", bob, noteDoc(carolsPost.URI, bob, "<p>forged</p>", future))},
		{"Update of alice's post", act(s.activityID("f3"), "Update", bob, noteDoc(alicesPost.URI, bob, "<p>forged</p>", future))},
		{"Delete of carol's post", act(s.activityID("f4"), "Delete", bob, carolsPost.URI)},
		{"Delete of carol's post as a Tombstone", act(s.activityID("f5"), "Delete", bob, map[string]any{"id": carolsPost.URI, "type": "Tombstone"})},
		{"Delete of alice's post", act(s.activityID("f6"), "Delete", bob, alicesPost.URI)},
		{"Undo of carol's like", act(s.activityID("f7"), "Undo", bob, map[string]any{"id": like.URI, "type": "Like", "actor": carol, "object": alicesPost.URI})},
		{"Undo of carol's boost", act(s.activityID("f8"), "Undo", bob, map[string]any{"id": boost.URI, "type": "Announce", "actor": carol, "object": alicesPost.URI})},
		{"Undo of carol's boost claimed as bob's", act(s.activityID("f9"), "Undo", bob, map[string]any{"id": boost.URI, "type": "Announce", "actor": bob, "object": alicesPost.URI})},
		{"Undo of carol's follow", act(s.activityID("f10"), "Undo", bob, map[string]any{"id": carolFollow.URI, "type": "Follow", "actor": carol, "object": s.alice.URI})},
		{"Create re-using carol's post id", act(s.activityID("f11"), "Create", bob, noteDoc(carolsPost.URI, bob, "<p>now addressed wider</p>", time.Time{}))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := rowCounts(t, s.a)
			if got := s.postAs(t, s.bob, tc.body); got != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", got)
			}
			sameCounts(t, s.a, before, "a refused activity")
		})
	}
	// A Block hides its author's posts from the target (the audience
	// rule): one in carol's name that bob signed is refused as not
	// carol's (401: the signer is not the actor) and blocks nothing.
	t.Run("Block of alice in carol's name", func(t *testing.T) {
		before := rowCounts(t, s.a)
		if got := s.postAs(t, s.bob, act(s.activityID("f12"), "Block", carol, s.alice.URI)); got != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", got)
		}
		sameCounts(t, s.a, before, "a forged Block")
	})
	st, err := s.a.Store.StatusByURI(ctx, carolsPost.URI)
	if err != nil || st.Content != carolsOnA.Content || st.EditedAt != nil || st.AccountID != s.carolOnA.ID {
		t.Fatalf("carol's post changed: %v %+v", err, st)
	}
	if gone, _ := s.a.Store.IsTombstoned(ctx, carolsPost.URI); gone {
		t.Fatal("carol's post was tombstoned by bob")
	}
	if st, _ := s.a.Store.StatusByID(ctx, alicesPost.ID); st.FavouritesCount != 1 || st.ReblogsCount != 1 || !strings.Contains(st.Content, "Alice") {
		t.Fatalf("alice's post changed: %+v", st)
	}
	if followState(s.a, s.carolOnA, s.alice) != model.FollowAccepted {
		t.Fatal("carol's follow was undone by bob")
	}
	if blocked, _ := s.a.Store.IsBlocking(ctx, s.carolOnA.ID, s.alice.ID); blocked {
		t.Fatal("bob made carol block alice")
	}
}

// TestA07_AcceptFromSomeoneOtherThanTheFollowee: alice asks to follow
// dave (locked); bob, on the same server as dave, forges the Accept. The
// follow stays pending until dave himself answers.
func TestA07_AcceptFromSomeoneOtherThanTheFollowee(t *testing.T) {
	s := startSections(t)
	ctx := context.Background()
	s.b.CreateUser(t, "dave", true)
	daveOnA := s.a.Resolve(t, "dave", "section-b.test")
	if _, err := s.a.Social.Follow(ctx, s.alice, daveOnA); err != nil {
		t.Fatal(err)
	}
	f, err := s.a.Store.Follow(ctx, s.alice.ID, daveOnA.ID)
	if err != nil || f.State != model.FollowPending {
		t.Fatalf("follow: %v %+v", err, f)
	}
	coopoltest.Eventually(t, "follow request on B", func() bool {
		_, err := s.b.Store.AccountByURI(ctx, s.alice.URI)
		return err == nil
	})
	embedded := map[string]any{"id": f.URI, "type": "Follow", "actor": s.alice.URI, "object": daveOnA.URI}
	for i, object := range []any{f.URI, embedded} {
		before := rowCounts(t, s.a)
		if got := s.postAs(t, s.bob, act(s.activityID(fmt.Sprintf("accept%d", i)), "Accept", s.bob.URI, object)); got != http.StatusBadRequest {
			t.Fatalf("forged Accept %d: status %d, want 400", i, got)
		}
		sameCounts(t, s.a, before, "a forged Accept")
		if st := followState(s.a, s.alice, daveOnA); st != model.FollowPending {
			t.Fatalf("forged Accept %d made the follow %s", i, st)
		}
	}
	// The genuine answer still works.
	dave, _ := s.b.Store.LocalAccount(ctx, "dave")
	aliceOnB, _ := s.b.Store.AccountByURI(ctx, s.alice.URI)
	coopoltest.Eventually(t, "request pending on B", func() bool { return followState(s.b, aliceOnB, dave) == model.FollowPending })
	if err := s.b.Social.AnswerFollowRequest(ctx, dave, aliceOnB, true); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "dave's own Accept", func() bool { return followState(s.a, s.alice, daveOnA) == model.FollowAccepted })
}

// TestA09_WebFingerRoundTrip: a handle on one host naming an actor on
// another is accepted only if the actor's own host confirms the handle.
func TestA09_WebFingerRoundTrip(t *testing.T) {
	network := coopoltest.NewNetwork()
	a := network.StartInstance(t, "sqlite", "section-a.test")
	b := network.StartInstance(t, "sqlite", "section-b.test")
	bob := b.CreateUser(t, "bob", false)
	ctx := context.Background()

	// social.test hosts zed, who is also known as zed@brand.test: both
	// WebFingers say so (the split-domain set-up Mastodon allows).
	home := newFakeRemote(t, network, "social.test")
	home.finger("acct:zed@brand.test", home.actorURI())
	brand := newFakeRemote(t, network, "brand.test")
	brand.finger("acct:zed@brand.test", home.actorURI())

	t.Run("confirmed by the actor's host", func(t *testing.T) {
		acc, err := a.Server.Federation.ResolveHandle(ctx, "zed", "brand.test")
		if err != nil || acc.URI != home.actorURI() {
			t.Fatalf("split-domain handle: %v %+v", err, acc)
		}
	})

	// liar.test says its ghost is an actor on other.test whose own host
	// does not know that name as its own.
	liar := newFakeRemote(t, network, "liar.test")
	other := newFakeRemote(t, network, "other.test")
	liar.finger("acct:ghost@liar.test", other.actorURI())
	other.finger("acct:zed@other.test", "")
	t.Run("actor's host disowns the name", func(t *testing.T) {
		if acc, err := a.Server.Federation.ResolveHandle(ctx, "ghost", "liar.test"); err == nil {
			t.Fatalf("ghost@liar.test resolved to %s", acc.URI)
		}
	})

	// liar.test says alice@liar.test is bob on section-b.test. B never
	// said so: the handle must not resolve to bob.
	liar.finger("acct:alice@liar.test", bob.URI)
	t.Run("lying host points at a real actor", func(t *testing.T) {
		acc, err := a.Server.Federation.ResolveHandle(ctx, "alice", "liar.test")
		if err == nil {
			// The actor's host is asked about the very handle looked up.
			t.Fatalf("A-09: alice@liar.test resolved to %s although section-b.test never confirmed that handle", acc.URI)
		}
	})
}

// ---------------------------------------------------------------------
// §2 HTTP signatures

// TestH10_BlockedKeyDomainRefusedBeforeAnyFetch: a keyId on a blocked
// domain gets 403 and we never contact that domain, whether its actor is
// new to us or was known before the block.
func TestH10_BlockedKeyDomainRefusedBeforeAnyFetch(t *testing.T) {
	s := startSections(t)
	ctx := context.Background()
	blocked := newFakeRemote(t, s.a.Network(), "blocked.test")
	if err := s.a.Store.SetDomainRule(ctx, "blocked.test", "block", "spam", time.Now()); err != nil {
		t.Fatal(err)
	}
	for i, keyID := range []string{blocked.keyID(), "http://BLOCKED.test/users/zed#main-key", "http://blocked.test:80/users/zed#main-key", "http://blocked.test./users/zed#main-key"} {
		before := rowCounts(t, s.a)
		post := signedPost{keyID: keyID, keyPEM: httpsign.EncodePrivateKey(blocked.key), body: mustJSON(t, blocked.unsolicitedNote(i))}
		if got := post.send(t, s.a); got != http.StatusForbidden {
			_, hits := blocked.counts()
			t.Errorf("keyId %s: status %d, want 403 (hits so far %d)", keyID, got, hits)
		}
		sameCounts(t, s.a, before, "a request signed from a blocked domain")
	}
	if _, hits := blocked.counts(); hits != 0 {
		t.Fatalf("the blocked domain was contacted %d times", hits)
	}
	// A known actor whose domain is blocked afterwards.
	if err := s.a.Store.SetDomainRule(ctx, "section-b.test", "block", "", time.Now()); err != nil {
		t.Fatal(err)
	}
	before := rowCounts(t, s.a)
	body := act(s.activityID("after-block"), "Create", s.bob.URI, noteDoc(s.b.Base()+"/users/bob/statuses/after-block", s.bob.URI, "<p>x</p>", time.Time{}))
	if got := s.postAs(t, s.bob, body); got != http.StatusForbidden {
		t.Fatalf("known actor of a blocked domain: %d, want 403", got)
	}
	sameCounts(t, s.a, before, "a request from a newly blocked domain")
}

// TestH11_KeyRotation: (a) the origin rotates zed's key: the cached key
// fails, one re-fetch finds the new one, the request is accepted; a key
// the origin does not publish costs one re-fetch and is refused. A signed
// Update(Person) carrying a new key is applied without any fetch, but only
// for a key on the actor's own origin.
func TestH11_KeyRotation(t *testing.T) {
	network := coopoltest.NewNetwork()
	a := network.StartInstance(t, "sqlite", "section-a.test")
	a.CreateUser(t, "alice", false)
	ctx := context.Background()
	zed := newFakeRemote(t, network, "remote.test")
	k1 := zed.key
	storedKey := func() string {
		acc, err := a.Store.AccountByURI(ctx, zed.actorURI())
		if err != nil {
			t.Fatal(err)
		}
		return acc.PublicKeyPEM
	}
	pemOf := func(k *rsa.PrivateKey) string {
		p, _ := httpsign.EncodePublicKey(&k.PublicKey)
		return p
	}
	expect := func(step string, got, want, wantGets int) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: status %d, want %d", step, got, want)
		}
		if gets, _ := zed.counts(); gets != wantGets {
			t.Fatalf("%s: %d actor fetches so far, want %d", step, gets, wantGets)
		}
	}

	expect("first contact", zed.post(t, a, k1, zed.unsolicitedNote(1)), http.StatusAccepted, 1)
	expect("cached key", zed.post(t, a, k1, zed.unsolicitedNote(2)), http.StatusAccepted, 1)

	k2, _ := httpsign.GenerateKey()
	zed.publish(k2)
	expect("rotated at origin", zed.post(t, a, k2, zed.unsolicitedNote(3)), http.StatusAccepted, 2)
	if storedKey() != pemOf(k2) {
		t.Fatal("the re-fetched key was not stored")
	}
	k3, _ := httpsign.GenerateKey()
	expect("key the origin does not publish", zed.post(t, a, k3, zed.unsolicitedNote(4)), http.StatusUnauthorized, 3)
	if storedKey() != pemOf(k2) {
		t.Fatal("a refused key replaced the stored one")
	}

	// Rotation announced by a signed Update(Person), signed with the old key.
	k4, _ := httpsign.GenerateKey()
	update := act("http://remote.test/activities/update-1", "Update", zed.actorURI(), zed.actorMap(pemOf(k4), zed.keyID()))
	expect("signed Update with a new key", zed.post(t, a, k2, update), http.StatusAccepted, 3)
	if storedKey() != pemOf(k4) {
		t.Fatal("the key from the signed Update was not applied")
	}
	zed.publish(k4)
	expect("new key after the Update", zed.post(t, a, k4, zed.unsolicitedNote(5)), http.StatusAccepted, 3)

	// An Update moving the key to another origin is refused.
	k5, _ := httpsign.GenerateKey()
	moved := act("http://remote.test/activities/update-2", "Update", zed.actorURI(), zed.actorMap(pemOf(k5), "http://elsewhere.test/keys/1"))
	expect("Update with a key on another origin", zed.post(t, a, k4, moved), http.StatusBadRequest, 3)
	if storedKey() != pemOf(k4) {
		t.Fatal("a key on another origin was bound to zed")
	}
}

// TestH13_FetchesAreSignedByTheInstanceActor: our GETs carry a valid
// signature over (request-target), host and date, made with the instance
// actor's key, never a member's.
func TestH13_FetchesAreSignedByTheInstanceActor(t *testing.T) {
	network := coopoltest.NewNetwork()
	a := network.StartInstance(t, "sqlite", "section-a.test")
	ctx := context.Background()
	instance, err := a.Social.InstanceActor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := httpsign.ParsePublicKey(instance.PublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	zed := newFakeRemote(t, network, "remote.test")
	zed.mu.Lock()
	zed.verifyWith = pub
	zed.mu.Unlock()
	a.Resolve(t, "zed", "remote.test")
	zed.mu.Lock()
	defer zed.mu.Unlock()
	if len(zed.fetchSigs) == 0 {
		t.Fatal("no signed fetch seen")
	}
	for _, fs := range zed.fetchSigs {
		if fs.err != nil || fs.keyID != instance.PublicKeyID {
			t.Fatalf("fetch signed by %q: %v", fs.keyID, fs.err)
		}
		if strings.Join(fs.headers, " ") != "(request-target) host date" {
			t.Fatalf("signed headers %v", fs.headers)
		}
	}
}

// ---------------------------------------------------------------------
// §6 Privacy

// TestP03_BoostsOfNonPublicPostsRefused: neither a member here nor a
// remote actor can boost a followers-only or direct post; public posts
// can be boosted.
func TestP03_BoostsOfNonPublicPostsRefused(t *testing.T) {
	s := startSections(t)
	ctx := context.Background()
	dave := s.a.CreateUser(t, "dave", false)
	if _, err := s.a.Social.Follow(ctx, dave, s.alice); err != nil {
		t.Fatal(err)
	}
	// bob follows alice, so B has her followers-only post.
	aliceOnB := s.b.Resolve(t, "alice", "section-a.test")
	if _, err := s.b.Social.Follow(ctx, s.bob, aliceOnB); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "follows accepted", func() bool {
		return followState(s.a, dave, s.alice) == model.FollowAccepted && followState(s.b, s.bob, aliceOnB) == model.FollowAccepted
	})
	private, err := s.a.Social.CreateStatus(ctx, s.alice, socialStatus("Pour mes abonnés", model.VisibilityPrivate))
	if err != nil {
		t.Fatal(err)
	}
	direct, err := s.a.Social.CreateStatus(ctx, s.alice, social.NewStatus{Text: "@dave rien que pour toi", Visibility: model.VisibilityDirect})
	if err != nil {
		t.Fatal(err)
	}
	public, err := s.a.Social.CreateStatus(ctx, s.alice, socialStatus("Pour tout le monde", model.VisibilityPublic))
	if err != nil {
		t.Fatal(err)
	}

	// Local: dave may see both, may boost neither.
	for _, st := range []*model.Status{private, direct} {
		before := rowCounts(t, s.a)
		if _, err := s.a.Social.Reblog(ctx, dave, st.ID); !errors.Is(err, social.ErrForbidden) {
			t.Fatalf("local boost of a %s post: %v", st.Visibility, err)
		}
		sameCounts(t, s.a, before, "a refused local boost")
	}

	// Inbound: bob's Announce of them is refused.
	for i, st := range []*model.Status{private, direct} {
		before := rowCounts(t, s.a)
		body := act(s.activityID(fmt.Sprintf("boost%d", i)), "Announce", s.bob.URI, st.URI)
		if got := s.postAs(t, s.bob, body); got != http.StatusBadRequest {
			t.Fatalf("Announce of a %s post: %d, want 400", st.Visibility, got)
		}
		sameCounts(t, s.a, before, "a refused Announce")
	}
	// Control: a public post can be boosted both ways.
	if _, err := s.a.Social.Reblog(ctx, dave, public.ID); err != nil {
		t.Fatal(err)
	}
	if got := s.postAs(t, s.bob, act(s.activityID("boost-public"), "Announce", s.bob.URI, public.URI)); got != http.StatusAccepted {
		t.Fatalf("Announce of a public post: %d", got)
	}
	if st, _ := s.a.Store.StatusByID(ctx, public.ID); st.ReblogsCount != 2 {
		t.Fatalf("public post boosts: %d, want 2", st.ReblogsCount)
	}
}

// TestP08_DeletedOrSuspendedSignersRefused: once an actor has deleted
// itself, or was suspended here, its valid signatures get 403 and nothing
// it sends is applied.
func TestP08_DeletedOrSuspendedSignersRefused(t *testing.T) {
	s := startSections(t)
	ctx := context.Background()
	dave := s.a.CreateUser(t, "dave", false)
	follow := func(actor *model.Account, n string) map[string]any {
		return act(s.activityID("follow-"+n), "Follow", actor.URI, dave.URI)
	}
	// bob deletes his account: A forgets his posts and follows.
	if got := s.postAs(t, s.bob, act(s.activityID("bye"), "Delete", s.bob.URI, s.bob.URI)); got != http.StatusAccepted {
		t.Fatalf("self-Delete: %d", got)
	}
	// carol is suspended by A's moderators.
	if _, err := s.a.Store.DB.NewUpdate().Model((*model.Account)(nil)).Set("suspended_at = ?", time.Now().UTC()).
		Where("id = ?", s.carolOnA.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for _, who := range []*model.Account{s.bob, s.carol} {
		before := rowCounts(t, s.a)
		if got := s.postAs(t, who, follow(who, who.Username)); got != http.StatusForbidden {
			t.Fatalf("%s's Follow: %d, want 403", who.Username, got)
		}
		body := act(s.activityID("post-"+who.Username), "Create", who.URI,
			noteDoc(s.b.Base()+"/users/"+who.Username+"/statuses/late", who.URI, "<p>still here</p>", time.Time{}))
		if got := s.postAs(t, who, body); got != http.StatusForbidden {
			t.Fatalf("%s's Create: %d, want 403", who.Username, got)
		}
		sameCounts(t, s.a, before, "a gone or suspended signer")
	}
}

// ---------------------------------------------------------------------
// §7 Reliability

// TestR01_RetryScheduleSpansTwoToThreeDays: count⁴+15 s plus up to 50 %
// jitter, 16 attempts: 15 waits between about 2.07 and 3.1 days.
func TestR01_RetryScheduleSpansTwoToThreeDays(t *testing.T) {
	if queue.MaxDeliveryAttempts != 16 || (queue.DeliverArgs{}).InsertOpts().MaxAttempts != 16 {
		t.Fatalf("delivery jobs get %d attempts, want 16", (queue.DeliverArgs{}).InsertOpts().MaxAttempts)
	}
	var minTotal, maxTotal time.Duration
	for attempt := 1; attempt < queue.MaxDeliveryAttempts; attempt++ {
		base := time.Duration(attempt*attempt*attempt*attempt)*time.Second + 15*time.Second
		minTotal += base
		maxTotal += base + base/2
		seen := map[time.Duration]bool{}
		for range 200 {
			d := federation.RetryDelay(attempt)
			if d < base || d > base+base/2 {
				t.Fatalf("attempt %d: delay %s outside [%s, %s]", attempt, d, base, base+base/2)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Fatalf("attempt %d: no jitter", attempt)
		}
	}
	day := 24 * time.Hour
	if minTotal < 2*day || minTotal > 2*day+12*time.Hour || maxTotal > 3*day+6*time.Hour || maxTotal < 3*day {
		t.Fatalf("retries span %s to %s", minTotal, maxTotal)
	}
}

// bareFederation is a Federation without a server around it, with a
// clock the test moves and one stored activity to deliver.
type bareFederation struct {
	fed        *federation.Federation
	store      *storage.Storage
	network    *coopoltest.Network
	activityID string
	clock      *coopoltest.Clock
}

func newBareFederation(t *testing.T, backend string) *bareFederation {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Host, cfg.Protocol = "section-a.test", "http"
	cfg.Federation.AllowPrivateIPs = []string{"127.0.0.0/8"}
	cfg.Federation.RequestTimeout = 5 * time.Second
	store := storagetest.Open(t, backend)
	log := slog.New(slog.DiscardHandler)
	svc := social.New(cfg, store, nil, log)
	clk := coopoltest.NewClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	svc.Now = clk.Now
	network := coopoltest.NewNetwork()
	fed := federation.New(cfg, store, svc, svc.Now, httpclient.Config{Resolver: network, PortOverride: network.Route}, log)
	svc.Resolver = fed
	u, err := svc.CreateUser(ctx, social.NewUser{Username: "alice", Email: "alice@example.org", Password: "password-alice", Role: model.RoleMember, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	id := model.NewID(clk.Now())
	if err := store.InsertOutboxActivity(ctx, store.DB, &model.OutboxActivity{ID: id, URI: cfg.BaseURL() + "/activities/" + id,
		AccountID: u.Account.ID, Type: "Create", Body: `{"type":"Create"}`, CreatedAt: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	return &bareFederation{fed: fed, store: store, network: network, activityID: id, clock: clk}
}

// receiver is a fake inbox answering a status the test sets.
type receiver struct {
	mu     sync.Mutex
	status int
	hits   int
	signed bool
}

func (bf *bareFederation) receiver(t *testing.T, host string, status int) *receiver {
	r := &receiver{status: status}
	bf.network.Serve(t, host, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.hits++
		r.signed = req.Header.Get("Signature") != "" && req.Header.Get("Digest") != ""
		w.WriteHeader(r.status)
	}))
	return r
}

func (r *receiver) set(status int) { r.mu.Lock(); r.status = status; r.mu.Unlock() }
func (r *receiver) count() int     { r.mu.Lock(); defer r.mu.Unlock(); return r.hits }

// TestR01_UnsalvageableAnswersAreNotRetried: 401, 408, 429 and 5xx (but
// 501) are retried; other 4xx and 501 cancel the job at once.
func TestR01_UnsalvageableAnswersAreNotRetried(t *testing.T) {
	bf := newBareFederation(t, "sqlite")
	ctx := context.Background()
	for _, tc := range []struct {
		status int
		want   string // ok, retry, cancel
	}{
		{200, "ok"}, {202, "ok"},
		{400, "cancel"}, {403, "cancel"}, {404, "cancel"}, {410, "cancel"}, {422, "cancel"}, {501, "cancel"},
		{401, "retry"}, {408, "retry"}, {429, "retry"}, {500, "retry"}, {502, "retry"}, {503, "retry"},
	} {
		host := fmt.Sprintf("r%d.test", tc.status)
		r := bf.receiver(t, host, tc.status)
		err := bf.fed.Deliver(ctx, bf.activityID, "http://"+host+"/inbox")
		got := "retry"
		switch {
		case err == nil:
			got = "ok"
		case isCancel(err):
			got = "cancel"
		}
		if got != tc.want || r.count() != 1 || !r.signed {
			t.Errorf("HTTP %d: %s (%v), want %s; %d signed=%v requests", tc.status, got, err, tc.want, r.count(), r.signed)
		}
	}
	// Nobody listening: retried.
	if err := bf.fed.Deliver(ctx, bf.activityID, "http://nobody.test/inbox"); err == nil || isCancel(err) {
		t.Errorf("unreachable host: %v, want a retryable error", err)
	}
}

func failureDays(t *testing.T, bf *bareFederation, host string) string {
	t.Helper()
	var days []string
	if err := bf.store.DB.NewSelect().TableExpr("unavailable_domains").Column("failure_days").Where("domain = ?", host).
		Scan(context.Background(), &days); err != nil {
		t.Fatal(err)
	}
	if len(days) == 0 {
		return "none"
	}
	return days[0]
}

// TestR02_DeadInstances: a host whose deliveries exhaust their attempts
// on seven distinct UTC days is skipped; one probe a day goes through;
// an answer clears the record and deliveries resume.
func TestR02_DeadInstances(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			bf := newBareFederation(t, backend)
			ctx := context.Background()
			worker := &federation.DeliveryWorker{Fed: bf.fed}
			work := func(host string, attempt int) error {
				return worker.Work(ctx, &river.Job[queue.DeliverArgs]{
					JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: queue.MaxDeliveryAttempts},
					Args:   queue.DeliverArgs{ActivityID: bf.activityID, Inbox: "http://" + host + "/inbox"},
				})
			}
			last := queue.MaxDeliveryAttempts
			dead := bf.receiver(t, "dead.test", http.StatusServiceUnavailable)

			// Failed attempts that are not the last record nothing.
			if err := work("dead.test", 3); err == nil || isCancel(err) {
				t.Fatalf("attempt 3: %v", err)
			}
			if d := failureDays(t, bf, "dead.test"); d != "none" {
				t.Fatalf("a non-final failure was recorded: %s", d)
			}
			// Exhausted jobs: several on the same day count once.
			for range 3 {
				if err := work("dead.test", last); err == nil || isCancel(err) {
					t.Fatalf("last attempt: %v", err)
				}
			}
			if d := failureDays(t, bf, "dead.test"); d != "2026-11-24" {
				t.Fatalf("failure days %s", d)
			}
			// Six more days: still tried each day, unavailable after the 7th.
			for day := 1; day <= 6; day++ {
				bf.clock.Advance(24 * time.Hour)
				hits := dead.count()
				work("dead.test", last)
				if dead.count() != hits+1 {
					t.Fatalf("day %d: delivery not attempted", day)
				}
			}
			if d := failureDays(t, bf, "dead.test"); strings.Count(d, ",") != 6 || !strings.HasSuffix(d, "2026-11-30") {
				t.Fatalf("failure days %s", d)
			}
			hits := dead.count()
			for attempt := 1; attempt <= last; attempt += 5 {
				if err := work("dead.test", attempt); !isCancel(err) {
					t.Fatalf("delivery to an unavailable host: %v, want cancelled", err)
				}
			}
			if dead.count() != hits {
				t.Fatal("an unavailable host was contacted")
			}
			// A failed probe a day later is not retried; the next
			// delivery, the same day, is skipped again.
			bf.clock.Advance(24*time.Hour + time.Minute)
			if err := work("dead.test", 1); !isCancel(err) || dead.count() != hits+1 {
				t.Fatalf("probe: %v, %d requests", err, dead.count()-hits)
			}
			if err := work("dead.test", 1); !isCancel(err) || dead.count() != hits+1 {
				t.Fatalf("after a failed probe: %v, %d requests", err, dead.count()-hits)
			}
			// The host comes back: skipped until the next probe, which
			// succeeds and clears the record; deliveries resume.
			dead.set(http.StatusAccepted)
			bf.clock.Advance(23 * time.Hour)
			if err := work("dead.test", 1); !isCancel(err) || dead.count() != hits+1 {
				t.Fatalf("before the next probe: %v", err)
			}
			bf.clock.Advance(time.Hour)
			if err := work("dead.test", 1); err != nil || dead.count() != hits+2 {
				t.Fatalf("successful probe: %v", err)
			}
			if d := failureDays(t, bf, "dead.test"); d != "none" {
				t.Fatalf("record kept after a success: %s", d)
			}
			if err := work("dead.test", 1); err != nil || dead.count() != hits+3 {
				t.Fatalf("after recovery: %v", err)
			}

			// A success before the threshold starts the count again, and
			// an unsalvageable answer counts as the host answering.
			flaky := bf.receiver(t, "flaky.test", http.StatusBadGateway)
			for range 6 {
				work("flaky.test", last)
				bf.clock.Advance(24 * time.Hour)
			}
			flaky.set(http.StatusGone)
			if err := work("flaky.test", last); !isCancel(err) {
				t.Fatalf("410: %v", err)
			}
			if d := failureDays(t, bf, "flaky.test"); d != "none" {
				t.Fatalf("record kept after an answer: %s", d)
			}
			flaky.set(http.StatusBadGateway)
			work("flaky.test", last)
			if d := failureDays(t, bf, "flaky.test"); strings.Contains(d, ",") {
				t.Fatalf("count did not start again: %s", d)
			}
		})
	}
}

// TestR05_CreateAfterDeleteIsDropped: a Delete arriving before its
// Create leaves a tombstone; the late Create is acknowledged, not stored.
func TestR05_CreateAfterDeleteIsDropped(t *testing.T) {
	s := startSections(t)
	ctx := context.Background()
	late := s.b.Base() + "/users/bob/statuses/late"
	if got := s.postAs(t, s.bob, act(s.activityID("del-late"), "Delete", s.bob.URI, map[string]any{"id": late, "type": "Tombstone"})); got != http.StatusAccepted {
		t.Fatalf("early Delete: %d", got)
	}
	if gone, _ := s.a.Store.IsTombstoned(ctx, late); !gone {
		t.Fatal("the early Delete was not remembered")
	}
	if got := s.postAs(t, s.bob, act(s.activityID("create-late"), "Create", s.bob.URI, noteDoc(late, s.bob.URI, "<p>late</p>", time.Time{}))); got != http.StatusAccepted {
		t.Fatalf("late Create: %d", got)
	}
	if statusExists(s.a, late) {
		t.Fatal("a Create arriving after its Delete was stored")
	}
	// Control: the same Create for another id is stored (bob is followed).
	other := s.b.Base() + "/users/bob/statuses/on-time"
	if got := s.postAs(t, s.bob, act(s.activityID("create-on-time"), "Create", s.bob.URI, noteDoc(other, s.bob.URI, "<p>on time</p>", time.Time{}))); got != http.StatusAccepted {
		t.Fatalf("Create: %d", got)
	}
	if !statusExists(s.a, other) {
		t.Fatal("control post not stored")
	}
}

// TestR06_StaleAndUnknownUpdates: an Update older than the stored edit,
// or repeating it, changes nothing; an Update of an object we never kept
// stores nothing.
func TestR06_StaleAndUnknownUpdates(t *testing.T) {
	s := startSections(t)
	ctx := context.Background()
	uri := s.b.Base() + "/users/bob/statuses/edited"
	if got := s.postAs(t, s.bob, act(s.activityID("c1"), "Create", s.bob.URI, noteDoc(uri, s.bob.URI, "<p>v1</p>", time.Time{}))); got != http.StatusAccepted {
		t.Fatalf("Create: %d", got)
	}
	t2 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	update := func(name, content string, at time.Time) {
		t.Helper()
		if got := s.postAs(t, s.bob, act(s.activityID(name), "Update", s.bob.URI, noteDoc(uri, s.bob.URI, content, at))); got != http.StatusAccepted {
			t.Fatalf("%s: %d", name, got)
		}
	}
	content := func() (string, *time.Time) {
		st, err := s.a.Store.StatusByURI(ctx, uri)
		if err != nil {
			t.Fatal(err)
		}
		return st.Content, st.EditedAt
	}
	update("u2", "<p>v2</p>", t2)
	if c, at := content(); !strings.Contains(c, "v2") || at == nil || !at.Equal(t2) {
		t.Fatalf("edit not applied: %q %v", c, at)
	}
	update("u-stale", "<p>stale</p>", t2.Add(-time.Hour))
	update("u-repeat", "<p>same time, other text</p>", t2)
	if c, at := content(); !strings.Contains(c, "v2") || !at.Equal(t2) {
		t.Fatalf("a stale Update was applied: %q %v", c, at)
	}
	// Unknown object: acknowledged, nothing stored (not even a stub).
	ghost := s.b.Base() + "/users/bob/statuses/never-seen"
	before := rowCounts(t, s.a)["statuses"]
	if got := s.postAs(t, s.bob, act(s.activityID("u-ghost2"), "Update", s.bob.URI, noteDoc(ghost, s.bob.URI, "<p>ghost</p>", t2))); got != http.StatusAccepted {
		t.Fatalf("Update of an unknown object: %d", got)
	}
	if statusExists(s.a, ghost) || rowCounts(t, s.a)["statuses"] != before {
		t.Fatal("an Update of an unknown object stored something")
	}
}

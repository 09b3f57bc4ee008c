package federation_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
)

// TestFetchOriginRules runs the A-0x and H-09 rules against a fake
// remote server (evil.test) that lies in various ways: nothing it says is
// stored.
func TestFetchOriginRules(t *testing.T) {
	network := coopoltest.NewNetwork()
	a := network.StartInstance(t, "sqlite", "section-a.test")
	b := network.StartInstance(t, "sqlite", "section-b.test")
	alice := a.CreateUser(t, "alice", false)
	bob := b.CreateUser(t, "bob", false)
	ctx := context.Background()

	actorJSON := func(id, keyID, pem string) string {
		return `{"@context":["https://www.w3.org/ns/activitystreams","https://w3id.org/security/v1"],"id":"` + id +
			`","type":"Person","preferredUsername":"x","inbox":"` + id + `/inbox","publicKey":{"id":"` + keyID +
			`","owner":"` + id + `","publicKeyPem":` + jsonString(pem) + `}}`
	}
	mux := http.NewServeMux()
	serve := func(path, ctype, body string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Write([]byte(body))
		})
	}
	// claims to be bob.
	serve("/users/impostor", "application/activity+json", actorJSON(bob.URI, bob.PublicKeyID, bob.PublicKeyPEM))
	// an uploaded JSON file served as plain JSON.
	serve("/uploads/actor.json", "application/json", actorJSON("http://evil.test/uploads/actor.json", "http://evil.test/uploads/actor.json#k", bob.PublicKeyPEM))
	// claims an id on section A itself.
	serve("/users/fake-alice", "application/activity+json", actorJSON(alice.URI, alice.PublicKeyID, alice.PublicKeyPEM))
	// H-09: a key document naming bob as owner, though bob never listed it.
	serve("/keys/1", "application/activity+json", `{"id":"http://evil.test/keys/1","type":"Key","owner":"`+bob.URI+`","publicKeyPem":`+jsonString(bob.PublicKeyPEM)+`}`)
	// A genuine evil.test actor whose key lives on another origin (H-09).
	serve("/users/keythief", "application/activity+json", actorJSON("http://evil.test/users/keythief", bob.PublicKeyID, bob.PublicKeyPEM))
	network.Serve(t, "evil.test", mux)

	countAccounts := func() int {
		n, _ := a.Store.DB.NewSelect().TableExpr("accounts").Count(ctx)
		return int(n)
	}
	before := countAccounts()
	for _, uri := range []string{"http://evil.test/users/impostor", "http://evil.test/uploads/actor.json", "http://evil.test/users/fake-alice", "http://evil.test/users/keythief"} {
		if acc, err := a.Server.Federation.ResolveActor(ctx, uri); err == nil {
			t.Errorf("%s resolved to %s", uri, acc.URI)
		}
	}
	if _, err := a.Server.Federation.ResolveActor(ctx, "http://section-a.test/users/alice"); err != nil {
		t.Errorf("a local actor resolves locally: %v", err)
	}
	if after := countAccounts(); after != before {
		t.Fatalf("lying documents were stored: %d accounts before, %d after", before, after)
	}
	if got, _ := a.Store.AccountByURI(ctx, bob.URI); got.ID != "" {
		t.Fatalf("bob was stored from an impostor's document: %+v", got)
	}
}

// TestFirstContactBothWays covers R-09: two sections that have never
// met follow each other at the same moment; neither deadlocks waiting
// for the other's key.
func TestFirstContactBothWays(t *testing.T) {
	insts := coopoltest.Start(t, "sqlite", []string{"section-a.test", "section-b.test"})
	a, b := insts[0], insts[1]
	ctx := context.Background()
	alice := a.CreateUser(t, "alice", false)
	bob := b.CreateUser(t, "bob", false)
	var bobOnA, aliceOnB *model.Account
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		bobOnA, _ = a.Server.Federation.ResolveHandle(ctx, "bob", "section-b.test")
		a.Social.Follow(ctx, alice, bobOnA)
	}()
	go func() {
		defer wg.Done()
		aliceOnB, _ = b.Server.Federation.ResolveHandle(ctx, "alice", "section-a.test")
		b.Social.Follow(ctx, bob, aliceOnB)
	}()
	wg.Wait()
	if bobOnA == nil || aliceOnB == nil {
		t.Fatal("first contact failed")
	}
	coopoltest.Eventually(t, "both follows accepted", func() bool {
		f1, e1 := a.Store.Follow(ctx, alice.ID, bobOnA.ID)
		f2, e2 := b.Store.Follow(ctx, bob.ID, aliceOnB.ID)
		return e1 == nil && e2 == nil && f1.State == model.FollowAccepted && f2.State == model.FollowAccepted
	})
}

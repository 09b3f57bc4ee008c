package federation_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestReplicasShareTheDeliveryQueue: two `coopol serve` processes on one
// PostgreSQL database (as behind a load balancer) both run delivery
// workers on the same River queue; every delivery happens exactly once.
func TestReplicasShareTheDeliveryQueue(t *testing.T) {
	if storagetest.PostgresDSN() == "" {
		t.Skip("replicas share a PostgreSQL database: set COOPOL_TEST_POSTGRES")
	}
	network := coopoltest.NewNetwork()
	a := network.StartInstance(t, "postgres", "section-a.test")
	replica := a.StartReplica(t)
	ctx := context.Background()
	alice := a.CreateUser(t, "alice", false)

	// A fake receiving server counts every POST per activity id.
	var mu sync.Mutex
	received := map[string]int{}
	network.Serve(t, "recv.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			var body struct {
				ID string `json:"id"`
			}
			decodeBody(r, &body)
			mu.Lock()
			received[body.ID]++
			mu.Unlock()
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	// 20 followers on recv.test, each with its own inbox (no shared inbox),
	// so one post makes 20 deliveries that both replicas compete for.
	now := time.Now().UTC()
	for i := 0; i < 20; i++ {
		uri := fmt.Sprintf("http://recv.test/users/u%d", i)
		f := &model.Account{ID: model.NewID(now), URI: uri, Username: fmt.Sprintf("u%d", i), Domain: "recv.test", ActorType: model.ActorPerson,
			InboxURI: uri + "/inbox", Fields: []model.Field{}, AlsoKnownAs: []string{}, CreatedAt: now, UpdatedAt: now}
		if err := a.Store.InsertAccount(ctx, nil, f); err != nil {
			t.Fatal(err)
		}
		if err := a.Store.UpsertFollow(ctx, a.Store.DB, &model.Follow{ID: model.NewID(now), AccountID: f.ID, TargetAccountID: alice.ID,
			URI: uri + "#follow", State: model.FollowAccepted, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	// Posts are made through both replicas.
	for i := 0; i < 5; i++ {
		inst := a
		if i%2 == 1 {
			inst = replica
		}
		if _, err := inst.Social.CreateStatus(ctx, alice, socialStatus(fmt.Sprintf("post %d", i), model.VisibilityPublic)); err != nil {
			t.Fatal(err)
		}
	}
	coopoltest.Eventually(t, "100 deliveries", func() bool {
		mu.Lock()
		defer mu.Unlock()
		total := 0
		for _, n := range received {
			total += n
		}
		return total >= 100
	})
	time.Sleep(500 * time.Millisecond) // room for a double delivery to show up
	mu.Lock()
	defer mu.Unlock()
	if len(received) != 5 {
		t.Fatalf("want 5 activities received, got %d", len(received))
	}
	for id, n := range received {
		if n != 20 {
			t.Errorf("activity %s delivered %d times, want 20 (one per inbox)", id, n)
		}
	}
	var workers []string
	a.Store.DB.NewSelect().TableExpr("river_job").ColumnExpr("DISTINCT attempted_by[1]").Where("kind = 'deliver'").Scan(ctx, &workers)
	t.Logf("deliveries were run by %d distinct River clients", len(workers))
}

package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestBenchSmoke runs each benchmark's machinery at a tiny size, so the
// suite keeps working between the (manual) benchmark runs: a few signed
// activities on the inbox, one post to 3 receivers, and a short API load
// on a few thousand seeded statuses. It takes a few seconds.
func TestBenchSmoke(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Run("inbox", func(t *testing.T) {
				e := newInboxEnv(t, backend)
				acts := e.sign(t, 12)
				before := e.stored(t)
				var wg sync.WaitGroup
				for w := range 4 {
					wg.Go(func() {
						for i := w; i < len(acts); i += 4 {
							if code, err := e.post(acts[i]); err != nil || code != http.StatusAccepted {
								t.Errorf("inbox answered %d, %v", code, err)
							}
						}
					})
				}
				wg.Wait()
				if got := e.stored(t) - before; got != len(acts) {
					t.Fatalf("%d posts kept, want %d", got, len(acts))
				}
			})
			t.Run("fanout", func(t *testing.T) {
				e := newFanoutEnv(t, backend, 3, 5, true, queueSettings{Workers: 4, Poll: 50 * time.Millisecond})
				if _, wall := e.publish(t); wall <= 0 {
					t.Fatalf("wall time %s", wall)
				}
				time.Sleep(200 * time.Millisecond) // a duplicate would show here
				if p, s := e.posts.Load(), e.signed.Load(); p != 3 || s != 3 {
					t.Fatalf("%d POSTs (%d signed), want 3 through the shared inboxes", p, s)
				}
			})
			t.Run("api", func(t *testing.T) {
				inst := coopoltest.Start(t, backend, []string{"api.test"})[0]
				ctx := context.Background()
				seeded, err := Seed(ctx, inst.Config, inst.Store, SeedOptions{Accounts: 40, Statuses: 2000, FollowEvery: 10, Viewer: "viewer"})
				if err != nil {
					t.Fatal(err)
				}
				if n, err := inst.Store.DB.NewSelect().TableExpr("statuses").Count(ctx); err != nil || n != 2000 {
					t.Fatalf("%d statuses seeded (%v)", n, err)
				}
				// Home holds the followed accounts' posts, rendered whole.
				req, _ := http.NewRequest(http.MethodGet, inst.URL("/api/v1/timelines/home"), nil)
				req.Header.Set("Authorization", "Bearer "+seeded.Token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var page []struct {
					ID      string `json:"id"`
					Account struct {
						Username string `json:"username"`
					} `json:"account"`
				}
				err = json.NewDecoder(resp.Body).Decode(&page)
				resp.Body.Close()
				if err != nil || len(page) != 20 {
					t.Fatalf("home: %d statuses, %v", len(page), err)
				}
				for _, path := range []string{"/api/v1/timelines/home", "/api/v1/timelines/public"} {
					res, err := RunLoad(ctx, LoadOptions{BaseURL: inst.URL(""), Path: path, Token: seeded.Token,
						Concurrency: 2, Duration: 10 * time.Second, MaxRequests: 30})
					if err != nil {
						t.Fatal(err)
					}
					if res.Requests != 30 || res.Errors != 0 || res.P99 <= 0 {
						t.Fatalf("load: %s (%s)", res, res.FirstError)
					}
				}
			})
		})
	}
}

func TestLoadRefusesOtherAddresses(t *testing.T) {
	for _, u := range []string{"http://10.0.0.1:8080", "http://192.168.1.2", "http://example.org", "ftp://127.0.0.1"} {
		if err := CheckLoopback(u); err == nil {
			t.Errorf("%s accepted as a load target", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8080", "http://127.3.4.5", "http://localhost:1", "http://[::1]:80"} {
		if err := CheckLoopback(u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	if _, err := RunLoad(context.Background(), LoadOptions{BaseURL: "http://127.0.0.1:1", Path: "/", Concurrency: 1, Duration: time.Second}); err == nil {
		t.Error("a run without a request bound was accepted")
	}
}

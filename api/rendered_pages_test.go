package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/api"
	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/server"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestRenderedPagesAreNeverStale (issue 17): replica A serves alice's
// pages again as it rendered them while nothing changed; replica B, on
// the same database, favourites, renames, votes, edits, boosts, blocks
// and deletes, and A's clock passes the end of a poll and of a filter
// (changes no row records). After each, every page A serves is byte for
// byte the page it renders afresh (the same request under a URL it never
// saw), the change shows, and a page asked twice with nothing changed is
// served again from what was rendered.
func TestRenderedPagesAreNeverStale(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			a, b := storagetest.Replicas(t, backend)
			clk := coopoltest.NewClock(time.Now().UTC().Truncate(time.Second))
			cfg := config.Default()
			cfg.Host, cfg.Protocol = "lyon.coopol.test", "https"
			log := slog.New(slog.DiscardHandler)
			svcA, svcB := social.New(cfg, a, nil, log), social.New(cfg, b, nil, log)
			svcA.Now, svcB.Now = clk.Now, clk.Now
			r := gin.New()
			r.Use(server.RowCacheScope)
			secret := &auth.ServerSecret{Load: func(context.Context) (string, error) { return strings.Repeat("s", 40), nil }}
			h := api.Register(r, api.Deps{Config: cfg, Store: a, Log: log, Now: clk.Now, Social: svcA, CSRFSecret: secret})

			account := func(name string) *model.Account {
				t.Helper()
				u, err := svcB.CreateUser(ctx, social.NewUser{Username: name, Email: name + "@example.org",
					Password: "password-" + name, Role: model.RoleMember, Approved: true})
				if err != nil {
					t.Fatal(err)
				}
				return u.Account
			}
			alice, bob, carol := account("alice"), account("bob"), account("carol")
			aliceToken := mintToken(t, b, alice, "read write follow")
			do := func(method, path, body string) (int, string) {
				t.Helper()
				req := httptest.NewRequest(method, path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+aliceToken)
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				w := httptest.NewRecorder()
				r.ServeHTTP(w, req)
				return w.Code, w.Body.String()
			}
			post := func(author *model.Account, in social.NewStatus) *model.Status {
				t.Helper()
				if in.Visibility == "" {
					in.Visibility = model.VisibilityPublic
				}
				st, err := svcB.CreateStatus(ctx, author, in)
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}

			_, err := svcB.Follow(ctx, alice, bob)
			must(err)
			first := post(bob, social.NewStatus{Text: "premier message #velo"})
			poll := post(bob, social.NewStatus{Text: "tract A ou B ?", Poll: &social.NewPoll{Options: []string{"A", "B"}, ExpiresIn: time.Hour}})
			post(bob, social.NewStatus{Text: "le plan secret"})
			post(bob, social.NewStatus{Text: "@alice tu viens samedi ?"})
			theirs := post(carol, social.NewStatus{Text: "de carol #velo"})
			if code, body := do("POST", "/api/v2/filters", `{"title":"secret","context":["home"],"filter_action":"hide","expires_in":7200,
				"keywords_attributes":[{"keyword":"secret"}]}`); code != http.StatusOK {
				t.Fatalf("filter: %d %s", code, body)
			}
			code, body := do("POST", "/api/v1/lists", `{"title":"amis"}`)
			if code != http.StatusOK {
				t.Fatalf("list: %d %s", code, body)
			}
			listID := strings.SplitN(strings.SplitN(body, `"id":"`, 2)[1], `"`, 2)[0]
			if code, body := do("POST", "/api/v1/lists/"+listID+"/accounts", `{"account_ids":["`+bob.ID+`"]}`); code != http.StatusOK {
				t.Fatalf("list members: %d %s", code, body)
			}

			pages := []string{
				"/api/v1/timelines/home?limit=20",
				"/api/v1/timelines/public?limit=20",
				"/api/v1/timelines/tag/velo?limit=20",
				"/api/v1/accounts/" + bob.ID + "/statuses?limit=20",
				"/api/v1/timelines/list/" + listID + "?limit=20",
				"/api/v1/notifications?limit=20",
			}
			fresh := 0
			// check asks every page twice and afresh, and returns them.
			check := func(step string) map[string]string {
				t.Helper()
				out := map[string]string{}
				for _, page := range pages {
					code, once := do("GET", page, "")
					if code != http.StatusOK {
						t.Fatalf("%s: %s: %d %s", step, page, code, once)
					}
					served := api.RenderedPagesServed(h)
					_, twice := do("GET", page, "")
					if api.RenderedPagesServed(h) != served+1 {
						t.Errorf("%s: %s asked twice with nothing changed was rendered again", step, page)
					}
					fresh++
					_, afresh := do("GET", fmt.Sprintf("%s&fresh=%d", page, fresh), "")
					if once != afresh || twice != afresh {
						t.Fatalf("%s: %s served stale:\n%s\nrendered afresh:\n%s", step, page, once, afresh)
					}
					out[page] = once
				}
				return out
			}
			home, notifications := pages[0], pages[5]
			shows := func(step, page, want string, yes bool) {
				t.Helper()
				if got := check(step)[page]; strings.Contains(got, want) != yes {
					t.Fatalf("%s: %s shows %q: %v, want %v\n%s", step, page, want, !yes, yes, got)
				}
			}
			shows("start", home, "le plan secret", false)
			shows("start", home, `"expired":false`, true)

			_, err = svcB.Favourite(ctx, alice, first.ID)
			must(err)
			shows("favourite", home, `"favourited":true`, true)

			name := "Bob le facteur"
			_, err = svcB.UpdateProfile(ctx, bob, social.ProfileUpdate{DisplayName: &name})
			must(err)
			shows("rename", notifications, name, true)

			_, err = svcB.Vote(ctx, carol, poll.ID, []int{1})
			must(err)
			shows("vote", home, `"votes_count":1`, true)

			_, err = svcB.EditStatus(ctx, bob, first.ID, social.NewStatus{Text: "premier message, corrigé #velo", Visibility: model.VisibilityPublic})
			must(err)
			shows("edit", pages[2], "corrigé", true)

			_, err = svcB.Reblog(ctx, bob, theirs.ID)
			must(err)
			shows("boost", home, "de carol", true)

			clk.Advance(61 * time.Minute) // the poll ends; no row changes
			shows("poll ends", home, `"expired":true`, true)

			clk.Advance(time.Hour) // the filter ends; no row changes
			shows("filter ends", home, "le plan secret", true)

			// A mute that ends changes no row either: the public page holds
			// other statuses then, and is rendered again.
			if code, body := do("POST", "/api/v1/accounts/"+carol.ID+"/mute", `{"duration":600}`); code != http.StatusOK {
				t.Fatalf("mute: %d %s", code, body)
			}
			shows("mute", pages[1], "de carol", false)
			clk.Advance(11 * time.Minute)
			shows("mute ends", pages[1], "de carol", true)

			must(svcB.Block(ctx, bob, alice))
			shows("block", home, "premier message", false)
			shows("block", pages[4], "premier message", false)

			must(svcB.DeleteStatus(ctx, carol, theirs.ID))
			shows("delete", pages[2], "de carol", false)
		})
	}
}

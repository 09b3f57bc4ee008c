package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/server"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
	"github.com/coopol/coopol/web"
)

// TestKeptWebPagesAreNeverStale (issue 17): replica A serves alice's web
// home page again as it rendered it while nothing changed; replica B, on
// the same database, changes one thing the page shows at a time: a
// favourite, a name, an event's sign-ups, a direct message and its
// reading, a notification read, a staff role and a report resolved, a
// group joined, a members-only post in it, a removal from the group, a
// vote, a block, a deletion; A's clock passes the end of
// a poll. After each, the page A serves is byte for byte the page it
// renders afresh, the change shows, and the page asked twice with nothing
// changed is served again from what was kept. Who asks is part of the
// page: another session (its own CSRF token), another language, a
// one-time message, a session ended elsewhere.
func TestKeptWebPagesAreNeverStale(t *testing.T) {
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
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(svcA.EnsureInstanceActors(ctx))
			r := gin.New()
			r.Use(server.RowCacheScope)
			h := web.Register(r, web.Deps{Config: cfg, Store: a, Social: svcA, Log: log, Now: clk.Now})

			user := func(name, role string) *model.User {
				t.Helper()
				u, err := svcB.CreateUser(ctx, social.NewUser{Username: name, Email: name + "@example.org",
					Password: "password-" + name, Role: role, Approved: true})
				must(err)
				return u
			}
			aliceUser := user("alice", model.RoleMember)
			alice, bob, carol := aliceUser.Account, user("bob", model.RoleMember).Account, user("carol", model.RoleMember).Account
			session := func() string {
				t.Helper()
				raw := auth.NewToken()
				now := clk.Now()
				must(b.CreateWebSession(ctx, &model.WebSession{ID: model.NewID(now), TokenHash: auth.HashToken(raw), UserID: aliceUser.ID,
					CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(24 * time.Hour)}))
				return raw
			}
			sessionA := session()
			get := func(cookies ...string) (int, string) {
				t.Helper()
				req := httptest.NewRequest(http.MethodGet, "/home", nil)
				req.Header.Set("Cookie", strings.Join(cookies, "; "))
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
				must(err)
				return st
			}

			_, err := svcB.Follow(ctx, alice, bob)
			must(err)
			first := post(bob, social.NewStatus{Text: "premier message"})
			poll := post(bob, social.NewStatus{Text: "tract A ou B ?", Poll: &social.NewPoll{Options: []string{"A", "B"}, ExpiresIn: 30 * time.Minute}})
			capacity := 10
			event, err := svcB.CreateEvent(ctx, bob, social.NewEvent{Title: "Tractage du marché", StartAt: clk.Now().Add(48 * time.Hour),
				EndAt: clk.Now().Add(50 * time.Hour), Kind: model.EventKindFieldAction, ActionKind: "leafleting", Capacity: &capacity,
				PlaceName: "Marché de la Croix-Rousse"})
			must(err)

			cookie := "coopol_session=" + sessionA
			last := ""
			// check asks the page twice and afresh, and returns it.
			check := func(step string) string {
				t.Helper()
				code, once := get(cookie)
				if code != http.StatusOK {
					t.Fatalf("%s: %d %s", step, code, once)
				}
				served := web.KeptPagesServed(h)
				_, twice := get(cookie)
				if web.KeptPagesServed(h) != served+1 {
					t.Errorf("%s: the page asked twice with nothing changed was rendered again", step)
				}
				web.ForgetKeptPages(h)
				_, afresh := get(cookie)
				if once != afresh || twice != afresh {
					t.Fatalf("%s: served stale:\n%s\nrendered afresh:\n%s", step, diffAround(once, afresh), diffAround(afresh, once))
				}
				return once
			}
			// changed checks the page and that it differs from the last.
			changed := func(step string) string {
				t.Helper()
				page := check(step)
				if page == last {
					t.Fatalf("%s: the page did not change", step)
				}
				last = page
				return page
			}
			shows := func(step, page string, want ...string) {
				t.Helper()
				for _, w := range want {
					if !strings.Contains(page, w) {
						t.Fatalf("%s: the page does not show %q", step, w)
					}
				}
			}

			page := changed("start")
			shows("start", page, "premier message", "Tractage du marché", `max="10" value="0"`, "/statuses/"+first.ID+"/favourite")
			if badge(page, "/messages") != "" || badge(page, "/notifications") != "" || strings.Contains(page, `href="/dashboard"`) {
				t.Fatalf("start: unexpected badges or staff link")
			}

			_, err = svcB.Favourite(ctx, alice, first.ID)
			must(err)
			shows("favourite", changed("favourite"), "/statuses/"+first.ID+"/unfavourite")

			name := "Bob le facteur"
			_, err = svcB.UpdateProfile(ctx, bob, social.ProfileUpdate{DisplayName: &name})
			must(err)
			shows("rename", changed("rename"), name)

			_, err = svcB.SignUp(ctx, carol, event.ID, "")
			must(err)
			shows("sign-up", changed("sign-up"), `max="10" value="1"`)
			// The event's row alone, as a count arriving from elsewhere
			// would change it: the events table logs for the pages only.
			_, err = b.DB.NewUpdate().Table("events").Set("participant_count = 2").Where("id = ?", event.ID).Exec(ctx)
			must(err)
			shows("event count", changed("event count"), `max="10" value="2"`)

			dm := post(carol, social.NewStatus{Text: "@alice un mot entre nous", Visibility: model.VisibilityDirect})
			page = changed("direct message")
			if badge(page, "/messages") != "1" || badge(page, "/notifications") != "1" {
				t.Fatalf("direct message: badges %q and %q", badge(page, "/messages"), badge(page, "/notifications"))
			}
			// Reading it writes conversation_states alone.
			must(b.MarkConversation(ctx, alice.ID, dm.ThreadID, dm.ID, false))
			if page = changed("conversation read"); badge(page, "/messages") != "" {
				t.Fatalf("conversation read: still %q unread", badge(page, "/messages"))
			}
			must(b.WebMarkNotificationsRead(ctx, alice.ID, "zzzzzzzzzzzzzzzzzzzzzzzzzz"))
			if page = changed("notifications read"); badge(page, "/notifications") != "" {
				t.Fatalf("notifications read: still %q unread", badge(page, "/notifications"))
			}

			// alice becomes staff; carol reports bob (staff are told); the
			// report is resolved, which only the reports table records.
			_, err = b.DB.NewUpdate().Table("users").Set("role = ?", model.RoleModerator).Where("id = ?", aliceUser.ID).Exec(ctx)
			must(err)
			shows("staff", changed("staff"), `href="/dashboard"`)
			report, err := svcB.Report(ctx, carol, bob, nil, "spam")
			must(err)
			must(b.WebMarkNotificationsRead(ctx, alice.ID, "zzzzzzzzzzzzzzzzzzzzzzzzzz"))
			if page = changed("report"); badge(page, "/dashboard") != "1" {
				t.Fatalf("report: %q waiting", badge(page, "/dashboard"))
			}
			_, err = b.DB.NewUpdate().Table("reports").Set("resolved_at = ?", clk.Now()).Where("id = ?", report.ID).Exec(ctx)
			must(err)
			if page = changed("report resolved"); badge(page, "/dashboard") != "" {
				t.Fatalf("report resolved: %q waiting", badge(page, "/dashboard"))
			}

			// Someone signs up and waits for approval.
			_, err = svcB.CreateUser(ctx, social.NewUser{Username: "dave", Email: "dave@example.org", Password: "password-dave",
				Role: model.RoleSympathisant})
			must(err)
			must(b.WebMarkNotificationsRead(ctx, alice.ID, "zzzzzzzzzzzzzzzzzzzzzzzzzz"))
			if page = changed("sign-up waiting"); badge(page, "/dashboard") != "1" {
				t.Fatalf("sign-up waiting: %q waiting", badge(page, "/dashboard"))
			}

			group, err := svcB.CreateGroup(ctx, carol, social.NewGroup{Username: "velo", DisplayName: "Vélo", Openness: social.OpennessOpen,
				Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
			must(err)
			_, err = svcB.JoinGroup(ctx, alice, group)
			must(err)
			shows("group joined", changed("group joined"), `value="`+group.ID+`"`)
			post(carol, social.NewStatus{Text: "réservé aux membres du groupe", Visibility: model.VisibilityMembers, GroupID: group.ID})
			shows("members-only post", changed("members-only post"), "réservé aux membres du groupe")
			must(svcB.RemoveMember(ctx, carol, group, alice, false))
			if page = changed("removed from the group"); strings.Contains(page, "réservé aux membres du groupe") || strings.Contains(page, `value="`+group.ID+`"`) {
				t.Fatal("removed from the group: its members-only post or the group is still on the page")
			}

			_, err = svcB.Vote(ctx, carol, poll.ID, []int{1})
			must(err)
			changed("vote")

			clk.Advance(31 * time.Minute) // the poll ends; no row changes (nor the session, touched hourly)
			changed("poll ends")

			// Who asks: another session of alice's has its own CSRF token;
			// another language, its own words; a one-time message is shown
			// once and never kept.
			other := "coopol_session=" + session()
			_, mine := get(cookie)
			_, theirs := get(other)
			if csrfOf(mine) == "" || csrfOf(mine) == csrfOf(theirs) {
				t.Fatalf("two sessions share a CSRF token %q", csrfOf(mine))
			}
			_, english := get(cookie, "lang=en")
			_, french := get(cookie, "lang=fr")
			if english == french {
				t.Fatal("the page is the same in English and in French")
			}
			served := web.KeptPagesServed(h)
			_, flashed := get(cookie, "lang=fr", "coopol_flash=flash.password_changed")
			if web.KeptPagesServed(h) != served || flashed == french || !strings.Contains(flashed, `class="flash"`) {
				t.Fatal("a page with a one-time message was served from what was kept")
			}
			if _, again := get(cookie, "lang=fr"); again != french {
				t.Fatal("the page with a one-time message was kept")
			}

			must(svcB.Block(ctx, bob, alice))
			page = changed("block")
			if strings.Contains(page, "premier message") || strings.Contains(page, "Tractage du marché") {
				t.Fatal("block: bob's posts still shown")
			}

			must(svcB.DeleteStatus(ctx, carol, dm.ID))
			changed("delete")

			// A session ended elsewhere is not served its page.
			must(b.DeleteWebSession(ctx, auth.HashToken(sessionA)))
			if code, body := get(cookie); code == http.StatusOK {
				t.Fatalf("session ended on B: A still served the page: %.200s", body)
			}
		})
	}
}

// badge returns the number on the navigation link to href ("" for none).
func badge(page, href string) string {
	m := regexp.MustCompile(`<a href="` + regexp.QuoteMeta(href) + `"[^>]*>.*?</a>`).FindString(page)
	if n := regexp.MustCompile(`class="badge">(\d+)`).FindStringSubmatch(m); n != nil {
		return n[1]
	}
	return ""
}

func csrfOf(page string) string {
	if m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

// diffAround shows a's text around its first difference with b.
func diffAround(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return a[max(0, i-200):min(len(a), i+200)]
}

package storage_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// stmtCounter counts the statements that go through bun on one replica,
// but for the pruning of old row_changes lines, which a look starts in
// the background every few minutes.
type stmtCounter struct {
	mu   sync.Mutex
	n    int
	last string // the last statement, as sent
}

func (c *stmtCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (c *stmtCounter) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	if strings.HasPrefix(ev.Query, "DELETE FROM row_changes ") {
		return
	}
	c.mu.Lock()
	c.n++
	c.last = ev.Query
	c.mu.Unlock()
}
func (c *stmtCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// TestTimelineCacheIsNeverStale (issue 17): two replicas on one
// database. Replica A serves alice's home and list pages from its
// timeline cache; replica B (another process, a CLI command, a trigger)
// posts, deletes, edits, blocks, mutes, unfollows, removes her from a
// group, suspends an author, changes her list. After every change A's
// next page is exactly what the uncached query reads on B, for several
// pages (first, short, max_id, since_id, min_id), and a page asked
// twice with nothing changed costs A no statement.
func TestTimelineCacheIsNeverStale(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			a, b := storagetest.Replicas(t, backend)
			counter := &stmtCounter{}
			a.DB.AddQueryHook(counter)
			if backend == "postgres" {
				// A transaction left open elsewhere holds the snapshot's
				// xmin back: every look at row_changes returns the lines
				// since then again, and must not drop the pages again.
				open, err := b.DB.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := open.ExecContext(ctx, "SELECT pg_current_xact_id()"); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { open.Rollback() })
			}
			r := &timelineRig{t: t, s: b, now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
			alice, bob, carol, dan := r.account("alice"), r.account("bob"), r.account("carol"), r.account("dan")
			group := r.account("velo")
			r.follow(alice, bob)
			r.follow(alice, dan)
			visible := storage.StatusFilter((&social.Service{Store: a}).VisibleFilter(alice))
			list := &storage.List{ID: model.NewID(r.now), AccountID: alice.ID, Title: "Amis", RepliesPolicy: "list", CreatedAt: r.now, UpdatedAt: r.now}
			if err := b.CreateList(ctx, list); err != nil {
				t.Fatal(err)
			}
			if err := b.AddListAccounts(ctx, list.ID, []string{bob.ID, carol.ID}, r.now); err != nil {
				t.Fatal(err)
			}
			exec := func(query string, args ...any) {
				t.Helper()
				if _, err := b.DB.ExecContext(ctx, query, args...); err != nil {
					t.Fatalf("%s: %v", query, err)
				}
			}
			var posted []string
			post := func(author *model.Account, visibility string, edit func(*model.Status), to ...*model.Account) string {
				id := r.status(author, visibility, edit, to...)
				posted = append(posted, id)
				return id
			}
			for i := range 6 {
				post(bob, model.VisibilityPublic, nil)
				post(dan, model.VisibilityPrivate, nil)
				post(carol, model.VisibilityPublic, nil)
				if i%2 == 0 {
					post(alice, model.VisibilityPublic, nil)
				}
			}

			pages := func() []storage.Page {
				ps := []storage.Page{{Limit: 20}, {Limit: 3}, {Limit: 40}}
				if len(posted) > 6 {
					mid := posted[len(posted)/2]
					ps = append(ps, storage.Page{Limit: 4, MaxID: mid}, storage.Page{Limit: 4, SinceID: mid},
						storage.Page{Limit: 4, MinID: mid}, storage.Page{Limit: 2, MinID: posted[0]})
				}
				return ps
			}
			anonymous := storage.StatusFilter((&social.Service{Store: a}).VisibleFilter(nil))
			// Each timeline twice: read uncached on B, and through A's cache.
			type timeline struct {
				name     string
				uncached func(p storage.Page) ([]storage.Entry, error)
				cached   func(ctx context.Context, p storage.Page) ([]storage.Entry, error)
			}
			byBob := storage.AccountTimelineOptions{}
			timelines := []timeline{
				{"home", func(p storage.Page) ([]storage.Entry, error) { return b.HomeTimeline(ctx, alice.ID, visible, r.now, p) },
					func(ctx context.Context, p storage.Page) ([]storage.Entry, error) {
						return a.HomeTimelineCached(ctx, alice.ID, visible, r.now, p)
					}},
				{"list", func(p storage.Page) ([]storage.Entry, error) {
					return b.ListTimeline(ctx, alice.ID, list.ID, list.RepliesPolicy, visible, r.now, p)
				}, func(ctx context.Context, p storage.Page) ([]storage.Entry, error) {
					return a.ListTimelineCached(ctx, alice.ID, list.ID, list.RepliesPolicy, visible, r.now, p)
				}},
				{"public", func(p storage.Page) ([]storage.Entry, error) {
					return b.PublicTimeline(ctx, alice.ID, visible, storage.PublicOptions{}, r.now, p)
				}, func(ctx context.Context, p storage.Page) ([]storage.Entry, error) {
					return a.PublicTimelineCached(ctx, alice.ID, visible, storage.PublicOptions{}, r.now, p)
				}},
				{"public, anonymous", func(p storage.Page) ([]storage.Entry, error) {
					return b.PublicTimeline(ctx, "", anonymous, storage.PublicOptions{Local: true}, r.now, p)
				}, func(ctx context.Context, p storage.Page) ([]storage.Entry, error) {
					return a.PublicTimelineCached(ctx, "", anonymous, storage.PublicOptions{Local: true}, r.now, p)
				}},
				{"#velo", func(p storage.Page) ([]storage.Entry, error) {
					return b.PublicTimeline(ctx, alice.ID, visible, storage.PublicOptions{Tag: "velo"}, r.now, p)
				}, func(ctx context.Context, p storage.Page) ([]storage.Entry, error) {
					return a.PublicTimelineCached(ctx, alice.ID, visible, storage.PublicOptions{Tag: "velo"}, r.now, p)
				}},
				{"bob's statuses", func(p storage.Page) ([]storage.Entry, error) {
					return b.AccountTimeline(ctx, bob.ID, visible, byBob, p)
				},
					func(ctx context.Context, p storage.Page) ([]storage.Entry, error) {
						return a.AccountTimelineCached(ctx, alice.ID, bob.ID, visible, byBob, r.now, p)
					}},
				{"dan's statuses", func(p storage.Page) ([]storage.Entry, error) {
					return b.AccountTimeline(ctx, dan.ID, visible, byBob, p)
				},
					func(ctx context.Context, p storage.Page) ([]storage.Entry, error) {
						return a.AccountTimelineCached(ctx, alice.ID, dan.ID, visible, byBob, r.now, p)
					}},
			}
			// Which statuses a reader may see (the originals of a page's
			// boosts), for alice and for an anonymous reader.
			checkVisible := func(step string) {
				t.Helper()
				for _, reader := range []struct {
					id     string
					filter storage.StatusFilter
				}{{alice.ID, visible}, {"", anonymous}} {
					want, err := b.VisibleStatusIDs(ctx, posted, reader.filter)
					if err != nil {
						t.Fatal(err)
					}
					for round := range 2 {
						before := counter.count()
						got, err := a.VisibleStatusIDsCached(storage.WithRequestScope(ctx), reader.id, posted, reader.filter)
						if err != nil {
							t.Fatal(err)
						}
						if !maps.Equal(got, want) {
							t.Fatalf("%s, visible to %q, round %d: on A %d statuses, want %d (B, uncached)", step, reader.id, round, len(got), len(want))
						}
						if cost := counter.count() - before; round == 1 && cost != 0 {
							t.Fatalf("%s, visible to %q: asked again with nothing changed cost %d statements", step, reader.id, cost)
						}
					}
				}
			}
			// check compares A's cached pages with B's uncached ones, asks
			// each twice, and counts what the second asking cost A.
			check := func(step string) {
				t.Helper()
				checkVisible(step)
				for _, p := range pages() {
					for _, tl := range timelines {
						want, err := tl.uncached(p)
						if err != nil {
							t.Fatal(err)
						}
						for round := range 2 {
							before := counter.count()
							got, err := tl.cached(storage.WithRequestScope(ctx), p)
							if err != nil {
								t.Fatal(err)
							}
							if !slices.Equal(got, want) {
								t.Fatalf("%s, %s, %+v, round %d: on A\n%v\nwant (B, uncached)\n%v", step, tl.name, p, round, storage.Items(got), storage.Items(want))
							}
							if cost := counter.count() - before; round == 1 && cost != 0 {
								t.Fatalf("%s, %s, %+v: a page asked again with nothing changed cost %d statements", step, tl.name, p, cost)
							}
						}
					}
					// Notifications, with the audience rule (API v1) and
					// without (v2 and the web inbox).
					for _, f := range []storage.NotificationFilter{{VisibleStatus: visible}, {ExcludePrefix: "coopol."}} {
						want, err := b.NotificationsPage(ctx, alice.ID, f, r.now, p)
						if err != nil {
							t.Fatal(err)
						}
						for round := range 2 {
							before := counter.count()
							got, err := a.NotificationsPageCached(storage.WithRequestScope(ctx), alice.ID, f, r.now, p)
							if err != nil {
								t.Fatal(err)
							}
							if fmt.Sprint(notificationsOf(got)) != fmt.Sprint(notificationsOf(want)) {
								t.Fatalf("%s, notifications (audience %t), %+v, round %d: on A\n%v\nwant (B, uncached)\n%v", step, f.VisibleStatus != nil, p, round, notificationsOf(got), notificationsOf(want))
							}
							if cost := counter.count() - before; round == 1 && cost != 0 {
								t.Fatalf("%s, notifications, %+v: a page asked again with nothing changed cost %d statements", step, p, cost)
							}
						}
					}
				}
			}
			notify := func(from *model.Account, kind, statusID string) string {
				t.Helper()
				r.now = r.now.Add(time.Second)
				id := model.NewID(r.now)
				exec("INSERT INTO notifications (id, account_id, from_account_id, type, status_id, read, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
					id, alice.ID, from.ID, kind, statusID, false, r.now)
				return id
			}
			for i, st := range posted[:8] {
				notify([]*model.Account{bob, carol, dan}[i%3], "favourite", st)
			}
			check("start")

			// Notifications: a new one, one read, one dismissed, a staff one
			// seen only while alice is staff.
			n1 := notify(carol, "mention", posted[2])
			check("a new notification")
			exec("UPDATE notifications SET read = ? WHERE id = ?", true, n1)
			check("a notification read")
			exec("DELETE FROM notifications WHERE id = ?", n1)
			check("a notification dismissed")
			notify(dan, "admin.sign_up", posted[1])
			check("a staff notification for alice, not staff")
			exec("UPDATE users SET role = ? WHERE account_id = ?", model.RoleAdmin, alice.ID)
			check("alice made admin")
			exec("UPDATE users SET role = ? WHERE account_id = ?", "sympathisant", alice.ID)
			check("alice no longer admin")
			ends0 := r.now.Add(time.Hour)
			if err := b.UpsertMute(ctx, &storage.Mute{ID: model.NewID(r.now), AccountID: alice.ID, TargetAccountID: carol.ID, HideNotifications: true, ExpiresAt: &ends0, CreatedAt: r.now}); err != nil {
				t.Fatal(err)
			}
			check("alice mutes carol's notifications for an hour")
			r.now = r.now.Add(2 * time.Hour)
			check("that mute has ended")

			// New statuses: a page read before them is topped up.
			post(bob, model.VisibilityPublic, nil)
			post(carol, model.VisibilityDirect, nil, alice)
			check("new statuses, one addressed to alice")
			dm := post(carol, model.VisibilityDirect, nil, dan)
			exec("INSERT INTO status_recipients (status_id, account_id, mentioned) VALUES (?, ?, ?)", dm, alice.ID, false)
			check("alice added to an older status's recipients")

			// Group: a members-only post in alice's group, then she leaves.
			m := &model.Membership{ID: model.NewID(r.now), GroupAccountID: group.ID, AccountID: alice.ID, Role: "member", State: "accepted", CreatedAt: r.now, UpdatedAt: r.now}
			if _, err := b.DB.NewInsert().Model(m).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			post(carol, model.VisibilityMembers, func(st *model.Status) { st.GroupID = &group.ID })
			check("a post in alice's group")
			exec("DELETE FROM memberships WHERE id = ?", m.ID)
			check("alice removed from the group")

			// Blocks, both ways.
			exec("INSERT INTO blocks (id, account_id, target_account_id, uri, created_at) VALUES (?, ?, ?, '', ?)", model.NewID(r.now), alice.ID, bob.ID, r.now)
			check("alice blocks bob")
			exec("DELETE FROM blocks WHERE account_id = ? AND target_account_id = ?", alice.ID, bob.ID)
			check("alice unblocks bob")
			exec("INSERT INTO blocks (id, account_id, target_account_id, uri, created_at) VALUES (?, ?, ?, '', ?)", model.NewID(r.now), dan.ID, alice.ID, r.now)
			check("dan blocks alice")
			exec("DELETE FROM blocks WHERE account_id = ? AND target_account_id = ?", dan.ID, alice.ID)
			check("dan unblocks alice")

			// A mute that ends: the page is read again once it has.
			ends := r.now.Add(time.Hour)
			if err := b.UpsertMute(ctx, &storage.Mute{ID: model.NewID(r.now), AccountID: alice.ID, TargetAccountID: bob.ID, ExpiresAt: &ends, CreatedAt: r.now}); err != nil {
				t.Fatal(err)
			}
			check("alice mutes bob for an hour")
			r.now = r.now.Add(2 * time.Hour)
			check("the mute has ended")

			// Follows.
			if _, err := b.DeleteFollow(ctx, b.DB, alice.ID, dan.ID); err != nil {
				t.Fatal(err)
			}
			check("alice unfollows dan")
			exec("UPDATE follows SET show_reblogs = ? WHERE account_id = ? AND target_account_id = ?", false, alice.ID, bob.ID)
			carolsPost := posted[2]
			post(bob, model.VisibilityPublic, func(st *model.Status) { st.ReblogOfID = &carolsPost })
			check("bob boosts carol, alice hides bob's boosts")
			exec("UPDATE follows SET show_reblogs = ? WHERE account_id = ? AND target_account_id = ?", true, alice.ID, bob.ID)
			check("alice shows bob's boosts again")

			// A followed hashtag brings carol's tagged post.
			r.now = r.now.Add(time.Second)
			tagged := &model.Status{ID: model.NewID(r.now), AccountID: carol.ID, Local: true, Visibility: model.VisibilityPublic, CreatedAt: r.now, UpdatedAt: r.now}
			tagged.URI, tagged.ThreadID = "http://x.test/s/"+tagged.ID, tagged.ID
			if err := b.InsertStatus(ctx, b.DB, tagged, nil, []string{"velo"}); err != nil {
				t.Fatal(err)
			}
			posted = append(posted, tagged.ID)
			check("carol posts #velo")
			exec("INSERT INTO followed_tags (id, account_id, tag_id, created_at) SELECT ?, ?, id, ? FROM tags WHERE name = 'velo'", model.NewID(r.now), alice.ID, r.now)
			check("alice follows #velo")
			exec("INSERT INTO status_tags (status_id, tag_id) SELECT ?, id FROM tags WHERE name = 'velo'", posted[3])
			check("bob's older post tagged #velo")

			// Edits, deletions, suspensions.
			exec("UPDATE statuses SET visibility = ? WHERE id = ?", model.VisibilityDirect, posted[1])
			check("dan's post made direct")
			exec("UPDATE statuses SET visibility = ? WHERE id = ?", model.VisibilityPrivate, posted[2])
			check("carol's post, which alice was notified of, made followers-only")
			exec("DELETE FROM statuses WHERE id = ?", posted[0])
			check("bob's first post deleted")
			exec("UPDATE accounts SET suspended_at = ? WHERE id = ?", r.now, bob.ID)
			check("bob suspended")
			exec("UPDATE accounts SET suspended_at = NULL WHERE id = ?", bob.ID)
			check("bob restored")

			// The list: members and replies policy.
			if err := b.RemoveListAccounts(ctx, list.ID, []string{carol.ID}); err != nil {
				t.Fatal(err)
			}
			check("carol taken off the list")
			if err := b.AddListAccounts(ctx, list.ID, []string{dan.ID}, r.now); err != nil {
				t.Fatal(err)
			}
			bobsPost := posted[len(posted)-4]
			post(dan, model.VisibilityPublic, func(st *model.Status) { st.InReplyToID, st.InReplyToAccountID = &bobsPost, &bob.ID })
			check("dan on the list, replying to bob")
			for range 2 { // the list row too is kept on A
				if l, err := a.ListByID(storage.WithRequestScope(ctx), alice.ID, list.ID); err != nil || l.RepliesPolicy != "list" {
					t.Fatalf("list on A: %+v, %v", l, err)
				}
			}
			list.RepliesPolicy = "none"
			if err := b.UpdateList(ctx, list); err != nil {
				t.Fatal(err)
			}
			if l, err := a.ListByID(storage.WithRequestScope(ctx), alice.ID, list.ID); err != nil || l.RepliesPolicy != "none" {
				t.Fatalf("list on A after its change on B: %+v, %v", l, err)
			}
			check("the list keeps no replies")

			// More new statuses than a page is topped up with: read again.
			for i := range 80 {
				post([]*model.Account{bob, carol, dan}[i%3], model.VisibilityPublic, nil)
			}
			check(fmt.Sprintf("%d statuses later", 80))
		})
	}
}

// notificationsOf summarises notifications for comparison: id, read.
func notificationsOf(ns []model.Notification) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = fmt.Sprintf("%s:%s:%t", n.ID, n.Type, n.Read)
	}
	return out
}

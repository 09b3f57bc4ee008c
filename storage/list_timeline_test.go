package storage_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestListTimelineWalksEachMember: a list's page is read one member at a
// time (issue 17: one walk over every status read thousands of rows per
// page on a large instance). It must give exactly what one walk over all
// statuses gives, for every reply policy and way of paging, with the
// audience rule, blocks and mutes applied.
func TestListTimelineWalksEachMember(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		r := &timelineRig{t: t, s: s, now: time.Now().UTC().Truncate(time.Second)}
		alice, bob, carol, dan, erin, fred := r.account("alice"), r.account("bob"), r.account("carol"), r.account("dan"), r.account("erin"), r.account("fred")
		for _, a := range []*model.Account{bob, carol, dan} {
			r.follow(alice, a)
		}
		visible := storage.StatusFilter((&social.Service{Store: s}).VisibleFilter(alice))

		var bobPosts, carolPosts []string
		var hidden []string // never on the list, whatever the policy
		for i := range 12 {
			bobPosts = append(bobPosts, r.status(bob, "public", nil))
			if i%3 == 0 {
				carolPosts = append(carolPosts, r.status(carol, "private", nil)) // alice follows carol
			}
			if i%4 == 0 {
				hidden = append(hidden, r.status(dan, "direct", nil, erin)) // not for alice
				hidden = append(hidden, r.status(erin, "public", nil))      // not a member
				hidden = append(hidden, r.status(fred, "public", nil))      // muted below, not a member anyway
			}
		}
		replyToErin := r.status(carol, "public", func(st *model.Status) { st.InReplyToID, st.InReplyToAccountID = &hidden[1], &erin.ID })
		replyToBob := r.status(carol, "public", func(st *model.Status) { st.InReplyToID, st.InReplyToAccountID = &bobPosts[0], &bob.ID })
		replyToAlice := r.status(dan, "public", func(st *model.Status) { st.InReplyToID, st.InReplyToAccountID = &bobPosts[1], &alice.ID })
		boost := r.status(bob, "public", func(st *model.Status) { st.ReblogOfID = &hidden[1] })
		danPublic := r.status(dan, "public", nil)

		list := &storage.List{ID: model.NewID(r.now), AccountID: alice.ID, Title: "Section", RepliesPolicy: "list", CreatedAt: r.now, UpdatedAt: r.now}
		if err := s.CreateList(ctx, list); err != nil {
			t.Fatal(err)
		}
		if err := s.AddListAccounts(ctx, list.ID, []string{bob.ID, carol.ID, dan.ID, fred.ID}, r.now); err != nil {
			t.Fatal(err)
		}
		if err := s.UpsertMute(ctx, &storage.Mute{ID: model.NewID(r.now), AccountID: alice.ID, TargetAccountID: fred.ID, CreatedAt: r.now}); err != nil {
			t.Fatal(err)
		}

		read := func(policy string, p storage.Page) []string {
			t.Helper()
			entries, err := s.ListTimeline(ctx, alice.ID, list.ID, policy, visible, r.now, p)
			if err != nil {
				t.Fatalf("%s %+v: %v", policy, p, err)
			}
			return storage.Items(entries)
		}
		// Every page, walking max_id down, min_id up and since_id.
		pages := func(policy string) [][]string {
			var out [][]string
			for _, limit := range []int{1, 3, 20} {
				p := storage.Page{Limit: limit}
				for {
					got := read(policy, p)
					out = append(out, got)
					if len(got) == 0 {
						break
					}
					p.MaxID = got[len(got)-1]
				}
				p = storage.Page{Limit: limit, MinID: "0"}
				for {
					got := read(policy, p)
					out = append(out, got)
					if len(got) == 0 {
						break
					}
					p.MinID = got[0]
				}
				out = append(out, read(policy, storage.Page{Limit: limit, SinceID: bobPosts[6]}))
			}
			return out
		}
		for _, policy := range []string{"list", "followed", "none"} {
			apart := pages(policy)
			restore := storage.SetListMembersWalkedApart(0)
			together := pages(policy)
			restore()
			if fmt.Sprint(apart) != fmt.Sprint(together) {
				t.Fatalf("%s: walked per member\n%v\none walk\n%v", policy, apart, together)
			}
			all := read(policy, storage.Page{Limit: 40})
			for _, id := range hidden {
				if slices.Contains(all, id) {
					t.Fatalf("%s: the list shows %s, which alice may not see or did not list", policy, id)
				}
			}
			for _, id := range append(append([]string{boost, danPublic}, bobPosts...), carolPosts...) {
				if !slices.Contains(all, id) {
					t.Fatalf("%s: the list misses %s", policy, id)
				}
			}
			if got := slices.Contains(all, replyToBob); got != (policy != "none") {
				t.Fatalf("%s: a reply to a member shown: %v", policy, got)
			}
			if got := slices.Contains(all, replyToAlice); got != (policy == "followed") {
				t.Fatalf("%s: a reply to the list's owner shown: %v", policy, got)
			}
			if slices.Contains(all, replyToErin) {
				t.Fatalf("%s: a reply to someone alice does not follow is shown", policy)
			}
		}
	})
}

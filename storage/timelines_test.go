package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

type timelineRig struct {
	t   *testing.T
	s   *storage.Storage
	now time.Time
}

func (r *timelineRig) account(name string) *model.Account {
	r.t.Helper()
	a, u := newLocal(name, name+"@example.org")
	if err := r.s.CreateLocalUser(context.Background(), a, u); err != nil {
		r.t.Fatal(err)
	}
	return a
}

// status stores a status; opts may set visibility, reply, boost.
func (r *timelineRig) status(author *model.Account, visibility string, edit func(st *model.Status), recipients ...*model.Account) string {
	r.t.Helper()
	r.now = r.now.Add(time.Second)
	id := model.NewID(r.now)
	st := &model.Status{ID: id, URI: "http://x.test/s/" + id, AccountID: author.ID, Local: true, Visibility: visibility,
		ThreadID: id, CreatedAt: r.now, UpdatedAt: r.now}
	if edit != nil {
		edit(st)
	}
	var rows []model.StatusRecipient
	for _, a := range recipients {
		rows = append(rows, model.StatusRecipient{AccountID: a.ID, Mentioned: true})
	}
	if err := r.s.InsertStatus(context.Background(), r.s.DB, st, rows, nil); err != nil {
		r.t.Fatal(err)
	}
	return id
}

func (r *timelineRig) follow(from, to *model.Account) {
	r.t.Helper()
	f := &model.Follow{ID: model.NewID(r.now), AccountID: from.ID, TargetAccountID: to.ID, URI: "http://x.test/f/" + from.ID + to.ID,
		State: model.FollowAccepted, ShowReblogs: true, CreatedAt: r.now, UpdatedAt: r.now}
	if err := r.s.UpsertFollow(context.Background(), r.s.DB, f); err != nil {
		r.t.Fatal(err)
	}
}

func TestHomeTimelineAndPaging(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		r := &timelineRig{t: t, s: s, now: time.Now().UTC().Truncate(time.Second)}
		alice, bob, carol, dan := r.account("alice"), r.account("bob"), r.account("carol"), r.account("dan")
		r.follow(alice, bob)
		visible := storage.StatusFilter((&social.Service{Store: s}).VisibleFilter(alice))

		own := r.status(alice, "public", nil)
		bobPublic := r.status(bob, "public", nil)
		bobPrivate := r.status(bob, "private", nil)
		carolPublic := r.status(carol, "public", nil)    // not followed
		carolDM := r.status(carol, "direct", nil, alice) // addressed to alice
		danDM := r.status(dan, "direct", nil, bob)       // not for alice
		danPrivate := r.status(dan, "private", nil)      // not for alice
		boost := r.status(bob, "public", func(st *model.Status) { st.ReblogOfID = &carolPublic })
		replyToCarol := r.status(bob, "public", func(st *model.Status) { st.InReplyToID, st.InReplyToAccountID = &carolPublic, &carol.ID })
		selfReply := r.status(bob, "public", func(st *model.Status) { st.InReplyToID, st.InReplyToAccountID = &bobPublic, &bob.ID })

		home := func(p storage.Page) []string {
			t.Helper()
			entries, err := s.HomeTimeline(ctx, alice.ID, visible, r.now, p)
			if err != nil {
				t.Fatal(err)
			}
			return storage.Items(entries)
		}
		want := []string{selfReply, boost, carolDM, bobPrivate, bobPublic, own}
		if got := home(storage.Page{Limit: 20}); !slices.Equal(got, want) {
			t.Fatalf("home = %v, want %v (not: %v %v %v %v)", got, want, carolPublic, danDM, danPrivate, replyToCarol)
		}
		// Paging: max_id, since_id, min_id (forward from the oldest).
		if got := home(storage.Page{Limit: 2, MaxID: carolDM}); !slices.Equal(got, []string{bobPrivate, bobPublic}) {
			t.Fatalf("max_id: %v", got)
		}
		if got := home(storage.Page{Limit: 2, MinID: own}); !slices.Equal(got, []string{bobPrivate, bobPublic}) {
			t.Fatalf("min_id: %v", got)
		}
		if got := home(storage.Page{Limit: 2, SinceID: own}); !slices.Equal(got, []string{selfReply, boost}) {
			t.Fatalf("since_id: %v", got)
		}

		// Muting carol hides her DM and bob's boost of her post.
		if err := s.UpsertMute(ctx, &storage.Mute{ID: model.NewID(r.now), AccountID: alice.ID, TargetAccountID: carol.ID, HideNotifications: true, CreatedAt: r.now}); err != nil {
			t.Fatal(err)
		}
		if got := home(storage.Page{Limit: 20}); !slices.Equal(got, []string{selfReply, bobPrivate, bobPublic, own}) {
			t.Fatalf("home with a mute: %v", got)
		}
		// An expired mute no longer applies.
		past := r.now.Add(-time.Minute)
		if err := s.UpsertMute(ctx, &storage.Mute{ID: model.NewID(r.now), AccountID: alice.ID, TargetAccountID: carol.ID, ExpiresAt: &past, CreatedAt: r.now}); err != nil {
			t.Fatal(err)
		}
		if got := home(storage.Page{Limit: 20}); !slices.Equal(got, want) {
			t.Fatalf("home after the mute expired: %v", got)
		}
		// Blocking carol hides her DM and bob's boost of her post too.
		block := &model.Block{ID: model.NewID(r.now), AccountID: alice.ID, TargetAccountID: carol.ID, URI: "http://x.test/b/1", CreatedAt: r.now}
		if _, err := s.DB.NewInsert().Model(block).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if got := home(storage.Page{Limit: 20}); !slices.Equal(got, []string{selfReply, bobPrivate, bobPublic, own}) {
			t.Fatalf("home with a block: %v", got)
		}
		if _, err := s.DB.NewDelete().Model(block).WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}

		// Public timeline: public, no boosts, no replies to others.
		entries, err := s.PublicTimeline(ctx, "", storage.StatusFilter((&social.Service{Store: s}).VisibleFilter(nil)), storage.PublicOptions{}, r.now, storage.Page{Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if got := storage.Items(entries); !slices.Equal(got, []string{selfReply, carolPublic, bobPublic, own}) {
			t.Fatalf("public = %v", got)
		}

		// Conversations: carol's DM thread for alice; dan's is bob's only.
		convs, err := s.ConversationsPage(ctx, alice.ID, visible, storage.Page{Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(convs) != 1 || convs[0].ID != carolDM || convs[0].Key != carolDM {
			t.Fatalf("conversations: %+v", convs)
		}
		if err := s.MarkConversation(ctx, alice.ID, carolDM, carolDM, true); err != nil {
			t.Fatal(err)
		}
		if convs, _ := s.ConversationsPage(ctx, alice.ID, visible, storage.Page{Limit: 20}); len(convs) != 0 {
			t.Fatalf("hidden conversation listed: %+v", convs)
		}
	})
}

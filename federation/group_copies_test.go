package federation_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestGroupPostChangesReachMemberAndFollowerCopies (issue 12, deletions
// reach every copy): alice posts on A in the group climat hosted on A;
// bob on B is a member, carol on C only follows the group. Posts are
// edited and deleted by alice, or removed by the group's moderator,
// members-only and public; every change must apply on B and, for public
// posts, on C. C also holds "old" copies, kept without their group link
// (as copies received through the group's boost were before they were
// filed in the group): the author's edit and deletion and the group's
// removal must apply to them too, and a hostile group (its own server,
// keys and Group actor) must not be able to remove them by claiming them.
func TestGroupPostChangesReachMemberAndFollowerCopies(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test", "section-c.test", "hostile.test"})
			a, b, c, evil := insts[0], insts[1], insts[2], insts[3]
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			bob := b.CreateUser(t, "bob", false)
			carol := c.CreateUser(t, "carol", false)
			mallory := evil.CreateUser(t, "mallory", false)
			group, err := a.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "climat", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
			if err != nil {
				t.Fatal(err)
			}
			pirates, err := evil.Social.CreateGroup(ctx, mallory, social.NewGroup{Username: "pirates", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
			if err != nil {
				t.Fatal(err)
			}
			if pirates, err = evil.Store.AccountByID(ctx, pirates.ID); err != nil {
				t.Fatal(err)
			}
			hostile := &hostileGroup{inst: evil, group: pirates}
			groupOnB := b.Resolve(t, "climat", "section-a.test")
			groupOnC := c.Resolve(t, "climat", "section-a.test")
			c.Resolve(t, "pirates", "hostile.test")
			if _, err := b.Social.JoinGroup(ctx, bob, groupOnB); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "bob is a member", func() bool { return membershipState(b, groupOnB, bob) == storage.MemberAccepted })
			if _, err := c.Social.Follow(ctx, carol, groupOnC); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "carol follows the group", func() bool { return followState(c, carol, groupOnC) == model.FollowAccepted })

			type post struct {
				name       string
				visibility string
				oldCopy    bool   // C's copy lost its group link
				change     string // "author" (edit, then delete) or "group" (a moderator removes it)
				st         *model.Status
			}
			posts := []*post{
				{name: "public, by the author", visibility: model.VisibilityPublic, change: "author"},
				{name: "members-only, by the author", visibility: model.VisibilityMembers, change: "author"},
				{name: "public, removed by the group", visibility: model.VisibilityPublic, change: "group"},
				{name: "members-only, removed by the group", visibility: model.VisibilityMembers, change: "group"},
				{name: "public, old copy, by the author", visibility: model.VisibilityPublic, oldCopy: true, change: "author"},
				{name: "public, old copy, removed by the group", visibility: model.VisibilityPublic, oldCopy: true, change: "group"},
			}
			copiesOf := func(p *post) []*coopoltest.Instance {
				if p.visibility == model.VisibilityMembers {
					return []*coopoltest.Instance{b}
				}
				return []*coopoltest.Instance{b, c}
			}
			content := func(inst *coopoltest.Instance, uri string) string {
				st, err := inst.Store.StatusByURI(ctx, uri)
				if err != nil {
					return "(none)"
				}
				return st.Content
			}
			for _, p := range posts {
				if p.st, err = a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Original: " + p.name, Visibility: p.visibility, GroupID: group.ID}); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range posts {
				for _, inst := range copiesOf(p) {
					coopoltest.Eventually(t, p.name+" reaches "+inst.Host, func() bool { return statusExists(inst, p.st.URI) })
				}
			}
			// Every delivery done (the group's boosts to C included), so
			// that the old copies keep the shape they are given here.
			coopoltest.Eventually(t, "A's deliveries are done", func() bool { return deliveriesDone(a) })
			for _, p := range posts {
				if p.oldCopy {
					if _, err := c.Store.DB.NewUpdate().TableExpr("statuses").Set("group_id = NULL").Where("uri = ?", p.st.URI).Exec(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, p := range posts[1:2] {
				if statusExists(c, p.st.URI) {
					t.Fatalf("%s reached a plain follower's server", p.name)
				}
			}

			// A hostile group claims the old copies and "removes" them from
			// C: refused, nothing changes.
			before := trustSnapshot(t, c)
			for _, p := range posts {
				if !p.oldCopy {
					continue
				}
				code := hostile.announce(t, c, map[string]any{"id": hostile.id("delete"), "type": "Delete", "actor": pirates.URI,
					"object": p.st.URI, "audience": pirates.URI})
				if code != http.StatusBadRequest && code != http.StatusAccepted {
					t.Fatalf("hostile removal of %s: %d", p.name, code)
				}
			}
			if after := trustSnapshot(t, c); after != before {
				t.Fatalf("a hostile group's removal changed the follower's server:\nbefore %s\nafter  %s", before, after)
			}

			for _, p := range posts {
				if p.change != "author" {
					continue
				}
				if _, err := a.Social.EditStatus(ctx, alice, p.st.ID, social.NewStatus{Text: "Modifié: " + p.name, Visibility: p.visibility, GroupID: group.ID}); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range posts {
				if p.change != "author" {
					continue
				}
				for _, inst := range copiesOf(p) {
					coopoltest.Eventually(t, "the edit of "+p.name+" on "+inst.Host, func() bool {
						return strings.Contains(content(inst, p.st.URI), "Modifié")
					})
				}
			}
			for _, p := range posts {
				switch p.change {
				case "author":
					err = a.Social.DeleteStatus(ctx, alice, p.st.ID)
				case "group":
					err = a.Social.ModerateGroupPost(ctx, alice, p.st.ID, social.ModRemove)
				}
				if err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
			}
			for _, p := range posts {
				for _, inst := range copiesOf(p) {
					coopoltest.Eventually(t, "the deletion of "+p.name+" on "+inst.Host, func() bool { return !statusExists(inst, p.st.URI) })
				}
			}
		})
	}
}

// deliveriesDone reports whether inst has no delivery left to make.
func deliveriesDone(inst *coopoltest.Instance) bool {
	n, err := inst.Store.DB.NewSelect().TableExpr("river_job").
		Where("kind = 'deliver' AND state NOT IN ('completed', 'discarded', 'cancelled')").Count(context.Background())
	return err == nil && n == 0
}

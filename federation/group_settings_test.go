package federation_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestSectionSettingsReachFollowersAsAnUpdate (issue 14, "the section is
// set up in the pages"): the staff rename the section and give it an
// avatar and a territory; a follower on another instance sees the new
// name, avatar and territory through the Update of the Group actor,
// without fetching it again. A member of a thematic group cannot do it.
func TestSectionSettingsReachFollowersAsAnUpdate(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test"})
			a, b := insts[0], insts[1]
			ctx := context.Background()
			u, err := a.Social.CreateUser(ctx, social.NewUser{Username: "sec", Email: "sec@example.org", Password: "password-sec", Role: model.RoleAdmin, Approved: true})
			if err != nil {
				t.Fatal(err)
			}
			sec := u.Account
			alice := a.CreateUser(t, "alice", false) // a member, not staff
			bob := b.CreateUser(t, "bob", false)
			remote := b.Resolve(t, "section", "section-a.test")
			if _, err := b.Social.Follow(ctx, bob, remote); err != nil {
				t.Fatal(err)
			}
			section, err := a.Store.LocalAccount(ctx, "section")
			if err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "bob follows the section", func() bool {
				inboxes, err := a.Store.FollowerInboxes(ctx, a.Store.DB, section.ID)
				return err == nil && len(inboxes) == 1
			})

			name, territory, note := "Section de Lyon 7e", "Lyon 7e arrondissement", "Nous militons dans le 7e."
			// A member who is not staff: refused, nothing changes.
			if _, err := a.Social.UpdateGroupProfile(ctx, alice, section, social.GroupProfile{DisplayName: &name}); err == nil {
				t.Fatal("a member who is not staff renamed the section")
			}
			if s, _ := a.Store.LocalAccount(ctx, "section"); s.DisplayName == name {
				t.Fatal("a refused change was stored")
			}

			avatar := &model.MediaAttachment{ID: model.NewID(a.Social.Now()), AccountID: section.ID, Type: model.MediaImage,
				ContentType: "image/png", FilePath: "test/section-avatar.png", Processed: true, CreatedAt: a.Social.Now()}
			if err := a.Store.InsertMedia(ctx, avatar); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Social.UpdateGroupProfile(ctx, sec, section, social.GroupProfile{DisplayName: &name, Note: &note, Territory: &territory, Avatar: avatar}); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "the follower's instance sees the new name and avatar", func() bool {
				got, err := b.Store.AccountByID(ctx, remote.ID)
				return err == nil && got.DisplayName == name && got.AvatarRemoteURL != "" && got.AvatarRemoteURL != remote.AvatarRemoteURL
			})
			got, _ := b.Store.AccountByID(ctx, remote.ID)
			if !contains(got.AvatarRemoteURL, "section-avatar.png") || !contains(got.Note, "Nous militons") {
				t.Fatalf("follower's copy: avatar %q note %q", got.AvatarRemoteURL, got.Note)
			}
			g, err := b.Store.GroupByAccountID(ctx, remote.ID)
			if err != nil || g.Territory != territory || g.Kind != "section" {
				t.Fatalf("follower's group info: %+v %v", g, err)
			}
			// The first instance's own pages use the stored name.
			if s, _ := a.Store.LocalAccount(ctx, "section"); s.DisplayName != name {
				t.Fatalf("stored name %q", s.DisplayName)
			}
		})
	}
}

// TestA06_SectionProfileUpdatesOnlyFromTheSectionItself: a hostile server,
// with its own keys and its own Group actor, sends section B signed
// Updates rewriting section A's profile and group info (name, territory,
// openness): as itself (A-06, an actor updates only itself) and claiming
// to be section A (H-08, signer ≠ actor). Nothing of section A's copy on B
// may change. Its own Update of itself is kept, with the markup in its
// territory and an impossible member count dropped (C-01).
func TestA06_SectionProfileUpdatesOnlyFromTheSectionItself(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test", "hostile.test"})
			a, b, evil := insts[0], insts[1], insts[2]
			ctx := context.Background()
			bob := b.CreateUser(t, "bob", false)
			sectionA := b.Resolve(t, "section", "section-a.test")
			if _, err := b.Social.Follow(ctx, bob, sectionA); err != nil {
				t.Fatal(err)
			}
			mallory := evil.CreateUser(t, "mallory", false)
			pirates, err := evil.Social.CreateGroup(ctx, mallory, social.NewGroup{Username: "pirates", Openness: social.OpennessOpen,
				Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
			if err != nil {
				t.Fatal(err)
			}
			if pirates, err = evil.Store.AccountByID(ctx, pirates.ID); err != nil {
				t.Fatal(err)
			}
			b.Resolve(t, "pirates", "hostile.test")
			h := &hostileGroup{inst: evil, group: pirates}

			snapshot := func() string {
				t.Helper()
				acc, err := b.Store.AccountByURI(ctx, sectionA.URI)
				if err != nil {
					t.Fatal(err)
				}
				g, err := b.Store.GroupByAccountID(ctx, acc.ID)
				if err != nil {
					t.Fatal(err)
				}
				return fmt.Sprintf("%q %q %q %q %q %q", acc.DisplayName, acc.Note, acc.PublicKeyPEM, g.Territory, g.Openness, g.Kind)
			}
			before := snapshot()
			forged := fetchDoc(t, a, sectionA.URI)
			delete(forged, "@context")
			forged["name"] = "Section dissoute"
			forged["territory"] = "Nulle part"
			forged["openness"] = "open"
			update := func(actor string) map[string]any {
				return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": h.id("update"), "type": "Update",
					"actor": actor, "to": []string{ap.Public}, "object": forged}
			}
			for what, body := range map[string]map[string]any{
				"as the hostile group":     update(pirates.URI),
				"claiming to be section A": update(sectionA.URI),
			} {
				code := h.send(t, b, body)
				t.Logf("Update of section A's profile %s: %d", what, code)
				if code < 400 {
					t.Errorf("Update of section A's profile %s answered %d", what, code)
				}
				if after := snapshot(); after != before {
					t.Fatalf("Update of section A's profile %s changed B's copy:\nbefore %s\nafter  %s", what, before, after)
				}
			}

			// The hostile group's Update of itself: kept, its markup dropped.
			own := fetchDoc(t, evil, pirates.URI)
			delete(own, "@context")
			own["name"] = "Pirates"
			own["territory"] = "<script>alert(1)</script>"
			own["memberCount"] = -5
			body := map[string]any{"@context": []any{"https://www.w3.org/ns/activitystreams", map[string]any{"coopol": ap.CoopolNS,
				"groupKind": "coopol:groupKind", "territory": "coopol:territory", "memberCount": "coopol:memberCount"}},
				"id": h.id("update"), "type": "Update", "actor": pirates.URI, "to": []string{ap.Public}, "object": own}
			if code := h.send(t, b, body); code >= 400 {
				t.Fatalf("the hostile group's Update of itself answered %d", code)
			}
			coopoltest.Eventually(t, "the hostile group's new name on B", func() bool {
				acc, err := b.Store.AccountByURI(ctx, pirates.URI)
				return err == nil && acc.DisplayName == "Pirates"
			})
			acc, _ := b.Store.AccountByURI(ctx, pirates.URI)
			g, err := b.Store.GroupByAccountID(ctx, acc.ID)
			if err != nil || g.Kind != "thematic" {
				t.Fatalf("the hostile group's own info was not kept: %+v %v", g, err)
			}
			if strings.Contains(g.Territory, "<") || (g.MemberCount != nil && *g.MemberCount < 0) {
				t.Fatalf("hostile group info kept as sent: territory %q, members %d", g.Territory, *g.MemberCount)
			}
			if after := snapshot(); after != before {
				t.Fatalf("section A's copy changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

package federation_test

import (
	"context"
	"testing"

	"github.com/coopol/coopol/coopoltest"
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

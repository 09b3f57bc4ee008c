package social_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// memberFixture is alice's life on section A: posts, a DM to bob@B, a
// follower on B, a group, an event sign-up with someone waiting behind
// her, a like, a list, an uploaded file and a client token.
type memberFixture struct {
	a, b              *coopoltest.Instance
	alice, bob, carol *model.Account
	dave              *model.Account
	aliceOnB          *model.Account
	public, private   *model.Status
	groupPost         *model.Status
	carolSecret       *model.Status
	event             *model.Event
	group             *model.Account
	mediaFile         string
}

func setUp(t *testing.T, backend string) *memberFixture {
	t.Helper()
	ctx := context.Background()
	insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test"})
	f := &memberFixture{a: insts[0], b: insts[1]}
	a, b := f.a, f.b
	f.alice = a.CreateUser(t, "alice", false)
	f.carol = a.CreateUser(t, "carol", false)
	f.dave = a.CreateUser(t, "dave", false)
	f.bob = b.CreateUser(t, "bob", false)

	// bob@B follows alice@A.
	aliceOnB := b.Resolve(t, "alice", "section-a.test")
	if _, err := b.Social.Follow(ctx, f.bob, aliceOnB); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "bob's follow accepted", func() bool {
		fl, err := b.Store.Follow(ctx, f.bob.ID, aliceOnB.ID)
		return err == nil && fl.State == model.FollowAccepted
	})
	f.aliceOnB = aliceOnB
	var err error
	if f.public, err = a.Social.CreateStatus(ctx, f.alice, social.NewStatus{Text: "Tractage samedi au marché #quartier", Visibility: model.VisibilityPublic}); err != nil {
		t.Fatal(err)
	}
	if f.private, err = a.Social.CreateStatus(ctx, f.alice, social.NewStatus{Text: "Pour mes abonnés seulement", Visibility: model.VisibilityPrivate}); err != nil {
		t.Fatal(err)
	}
	if _, err = a.Social.CreateStatus(ctx, f.alice, social.NewStatus{Text: "@bob@section-b.test on se voit jeudi ?", Visibility: model.VisibilityDirect}); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "alice's posts on B", func() bool {
		n, _ := b.Store.DB.NewSelect().TableExpr("statuses").Where("account_id = ?", aliceOnB.ID).Count(ctx)
		return n == 3
	})

	// A group led by carol, with a members-only post of hers and one of alice's.
	if f.group, err = a.Social.CreateGroup(ctx, f.carol, social.NewGroup{Username: "ecoles", DisplayName: "Écoles", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Social.JoinGroup(ctx, f.alice, f.group); err != nil {
		t.Fatal(err)
	}
	if f.carolSecret, err = a.Social.CreateStatus(ctx, f.carol, social.NewStatus{Text: "Liste des adhérents du groupe : confidentiel", Visibility: model.VisibilityMembers, GroupID: f.group.ID}); err != nil {
		t.Fatal(err)
	}
	if f.groupPost, err = a.Social.CreateStatus(ctx, f.alice, social.NewStatus{Text: "Je m'occupe de l'école Jaurès", Visibility: model.VisibilityMembers, GroupID: f.group.ID}); err != nil {
		t.Fatal(err)
	}

	// carol's field action needs one person: alice gets the place, dave waits.
	one := 1
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
	if f.event, err = a.Social.CreateEvent(ctx, f.carol, social.NewEvent{Title: "Tractage marché", Kind: "field_action", ActionKind: "leafleting",
		StartAt: start, EndAt: start.Add(2 * time.Hour), PlaceName: "Place du marché", Locality: "Lyon", Capacity: &one}); err != nil {
		t.Fatal(err)
	}
	if su, err := a.Social.SignUp(ctx, f.alice, f.event.ID, ""); err != nil || su.Participation.State != model.ParticipationGoing {
		t.Fatalf("alice signs up: %v %+v", err, su)
	}
	if su, err := a.Social.SignUp(ctx, f.dave, f.event.ID, ""); err != nil || su.Participation.State != model.ParticipationWaitlisted {
		t.Fatalf("dave signs up: %v %+v", err, su)
	}
	if _, err := a.Social.Favourite(ctx, f.alice, f.carolSecret.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Social.Follow(ctx, f.alice, f.carol); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Social.Follow(ctx, f.dave, f.alice); err != nil {
		t.Fatal(err)
	}

	// An uploaded file and a client token.
	now := time.Now().UTC().Truncate(time.Microsecond)
	f.mediaFile = filepath.Join(a.Config.Media.Path, "ab", "alice-photo.jpg")
	if err := os.MkdirAll(filepath.Dir(f.mediaFile), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.mediaFile, []byte("jpeg"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.DB.NewRaw(`INSERT INTO media_attachments (id, account_id, status_id, type, content_type, file_path, description, created_at)
		VALUES (?, ?, ?, 'image', 'image/jpeg', ?, 'Le marché', ?)`, model.NewID(now), f.alice.ID, f.public.ID, "ab/alice-photo.jpg", now).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	user, err := a.Store.UserByAccountID(ctx, f.alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	app := &model.OAuthApplication{ID: model.NewID(now), Name: "Tusky", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: "read write",
		ClientID: auth.NewToken(), ClientSecretHash: auth.HashToken(auth.NewToken()), CreatedAt: now}
	if err := a.Store.CreateOAuthApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.CreateOAuthToken(ctx, &model.OAuthToken{ID: model.NewID(now), TokenHash: auth.HashToken(auth.NewToken()), ApplicationID: app.ID,
		UserID: &user.ID, Scopes: "read write", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	// Her e-mail choices and the record of her digests go with her.
	if err := a.Store.SetMailFrequency(ctx, f.alice.ID, model.MailDaily, now); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.ClaimDigest(ctx, a.Store.DB, &model.MailDigest{AccountID: f.alice.ID, Period: "d:2026-12-05", SentAt: now}); err != nil {
		t.Fatal(err)
	}
	return f
}

// referencing counts the rows of each table that still name accountID.
func referencing(t *testing.T, s *storage.Storage, accountID, userID string) map[string]int {
	t.Helper()
	ctx := context.Background()
	checks := map[string]string{
		"statuses": "account_id = ?0", "status_recipients": "account_id = ?0", "favourites": "account_id = ?0",
		"bookmarks": "account_id = ?0", "status_pins": "account_id = ?0", "poll_votes": "account_id = ?0",
		"follows": "account_id = ?0 OR target_account_id = ?0", "blocks": "account_id = ?0 OR target_account_id = ?0",
		"mutes": "account_id = ?0 OR target_account_id = ?0", "memberships": "account_id = ?0", "participations": "account_id = ?0",
		"notifications": "account_id = ?0 OR from_account_id = ?0", "lists": "account_id = ?0", "list_accounts": "account_id = ?0",
		"markers": "account_id = ?0", "conversation_states": "account_id = ?0", "idempotency_keys": "account_id = ?0",
		"account_sources": "account_id = ?0", "calendar_tokens": "account_id = ?0", "mail_preferences": "account_id = ?0", "mail_digests": "account_id = ?0", "media_attachments": "account_id = ?0",
		"users": "account_id = ?0", "events": "account_id = ?0", "reports": "account_id = ?0",
		"groups":                    "created_by_account_id = ?0",
		"oauth_tokens":              "user_id = ?1",
		"oauth_authorization_codes": "user_id = ?1",
		"outbox_activities":         "account_id = ?0 AND type <> 'Delete'",
	}
	out := map[string]int{}
	for table, where := range checks {
		n, err := s.DB.NewSelect().TableExpr(table).Where(where, accountID, userID).Count(ctx)
		if err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		if n > 0 {
			out[table] = int(n)
		}
	}
	return out
}

// TestDeleteAccountFederates: alice deletes her account on A. B, where
// bob follows her, marks her gone and drops her posts; on A nothing of
// her remains but the tombstone; dave takes her place in the field
// action; her username cannot be taken again.
func TestDeleteAccountFederates(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			f := setUp(t, backend)
			ctx := context.Background()
			a, b := f.a, f.b
			user, err := a.Store.UserByAccountID(ctx, f.alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if refs := referencing(t, a.Store, f.alice.ID, user.ID); len(refs) < 10 || refs["oauth_tokens"] != 1 {
				t.Fatalf("fixture: alice has too little data: %v", refs)
			}

			sum, err := a.Social.DeleteAccount(ctx, f.alice)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Statuses != 4 || sum.Media != 1 || sum.Servers != 1 || sum.SignUps != 1 || sum.Memberships != 2 { // the group and the section (a verified adherent is its member)
				t.Fatalf("summary: %+v", sum)
			}

			// B: alice is gone, her posts and bob's follow with them.
			coopoltest.Eventually(t, "B marks alice gone", func() bool {
				acc, err := b.Store.AccountByID(ctx, f.aliceOnB.ID)
				return err == nil && acc.GoneAt != nil
			})
			if n, _ := b.Store.DB.NewSelect().TableExpr("statuses").Where("account_id = ?", f.aliceOnB.ID).Count(ctx); n != 0 {
				t.Fatalf("B keeps %d posts of alice", n)
			}
			if _, err := b.Store.Follow(ctx, f.bob.ID, f.aliceOnB.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("B keeps bob's follow of alice: %v", err)
			}

			// A: only the tombstone.
			if refs := referencing(t, a.Store, f.alice.ID, user.ID); len(refs) != 0 {
				t.Fatalf("A keeps alice's data: %v", refs)
			}
			tomb, err := a.Store.AccountByID(ctx, f.alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tomb.GoneAt == nil || tomb.SuspendedAt == nil || tomb.DisplayName != "" || tomb.Note != "" || len(tomb.Fields) != 0 {
				t.Fatalf("tombstone: %+v", tomb)
			}
			if gone, _ := a.Store.IsTombstoned(ctx, f.alice.URI); !gone {
				t.Fatal("no tombstone for alice's actor id")
			}
			if _, err := os.Stat(f.mediaFile); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("media file still there: %v", err)
			}
			var deletes []string
			if err := a.Store.DB.NewRaw(`SELECT body FROM outbox_activities WHERE account_id = ?`, f.alice.ID).Scan(ctx, &deletes); err != nil || len(deletes) != 1 {
				t.Fatalf("outbox after deletion: %v %v", err, deletes)
			}
			var del map[string]any
			if err := json.Unmarshal([]byte(deletes[0]), &del); err != nil || del["type"] != "Delete" || del["object"] != f.alice.URI || del["actor"] != f.alice.URI {
				t.Fatalf("Delete activity: %v %s", err, deletes[0])
			}
			if to := ap.IDs(del["to"]); len(to) != 1 || to[0] != ap.Public {
				t.Fatalf("Delete addressed to %v", del["to"])
			}
			for _, path := range []string{"/users/alice", "/.well-known/webfinger?resource=acct:alice@section-a.test"} {
				req, _ := http.NewRequest("GET", a.URL(path), nil)
				req.Header.Set("Accept", "application/activity+json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusGone {
					t.Fatalf("GET %s after deletion: %d", path, resp.StatusCode)
				}
			}

			// Dave got the place; carol's counters no longer count alice.
			p, err := a.Store.Participation(ctx, a.Store.DB, f.event.ID, "", f.dave.ID)
			if err != nil || p.State != model.ParticipationGoing {
				t.Fatalf("dave after alice left: %v %+v", err, p)
			}
			if ev, _ := a.Store.EventByID(ctx, f.event.ID); ev.ParticipantCount != 1 {
				t.Fatalf("gauge %d", ev.ParticipantCount)
			}
			if st, _ := a.Store.StatusByID(ctx, f.carolSecret.ID); st.FavouritesCount != 0 {
				t.Fatalf("carol's post still counts alice's like: %d", st.FavouritesCount)
			}
			// Others' data stays.
			if _, err := a.Store.StatusByID(ctx, f.carolSecret.ID); err != nil {
				t.Fatal("carol's post went with alice")
			}

			// The name cannot be reused, and a second deletion is refused.
			if _, err := a.Social.CreateUser(ctx, social.NewUser{Username: "alice", Email: "new-alice@example.org", Password: "another long password", Role: model.RoleMember}); err == nil {
				t.Fatal("username of a deleted account reused")
			}
			if _, err := a.Social.DeleteAccount(ctx, tomb); !errors.Is(err, social.ErrAccountGone) {
				t.Fatalf("second deletion: %v", err)
			}
			if _, err := a.Social.DeleteAccount(ctx, f.group); !errors.Is(err, social.ErrNotFound) {
				t.Fatalf("deleting a group as a person: %v", err)
			}
		})
	}
}

// TestExportHoldsOwnDataOnly: the archive has alice's profile, posts,
// follows, group membership and sign-up, and nothing private of anyone
// else (carol's members-only post, dave's sign-up) nor any secret of
// alice's (password hash, signing key, tokens).
func TestExportHoldsOwnDataOnly(t *testing.T) {
	f := setUp(t, "sqlite")
	ctx := context.Background()
	arch, err := f.a.Social.ExportAccount(ctx, f.alice)
	if err != nil {
		t.Fatal(err)
	}
	if arch.Format != social.ArchiveFormat || arch.Profile.URI != f.alice.URI || arch.Login == nil || arch.Login.Email != "alice@example.org" {
		t.Fatalf("archive head: %+v %+v", arch.Profile, arch.Login)
	}
	if len(arch.Statuses) != 4 {
		t.Fatalf("%d posts", len(arch.Statuses))
	}
	byText := map[string]social.ArchiveStatus{}
	for _, st := range arch.Statuses {
		byText[st.Text] = st
	}
	pub := byText["Tractage samedi au marché #quartier"]
	if pub.URI != f.public.URI || len(pub.Tags) != 1 || pub.Tags[0] != "quartier" || len(pub.Media) != 1 {
		t.Fatalf("public post: %+v", pub)
	}
	if dm := byText["@bob@section-b.test on se voit jeudi ?"]; dm.Visibility != model.VisibilityDirect || len(dm.Mentions) != 1 || dm.Mentions[0] != "http://section-b.test/users/bob" {
		t.Fatalf("DM: %+v", dm)
	}
	if gp := byText["Je m'occupe de l'école Jaurès"]; gp.Group != f.group.URI {
		t.Fatalf("group post: %+v", gp)
	}
	if len(arch.Followers) != 2 || len(arch.Following) != 1 || arch.Following[0].Account != f.carol.URI {
		t.Fatalf("follows: %+v / %+v", arch.Followers, arch.Following)
	}
	// A verified adherent is a member of the section too (one membership model).
	if len(arch.Groups) != 2 || arch.Groups[1].Group != f.group.URI || arch.Groups[1].State != "accepted" || arch.Groups[0].SectionStatus != "adherent" {
		t.Fatalf("groups: %+v", arch.Groups)
	}
	if len(arch.SignUps) != 1 || arch.SignUps[0].Title != "Tractage marché" || arch.SignUps[0].State != model.ParticipationGoing ||
		!arch.SignUps[0].StartAt.Equal(f.event.StartAt) || arch.SignUps[0].EndAt == nil || arch.SignUps[0].Place != "Place du marché" {
		t.Fatalf("sign-ups: %+v", arch.SignUps)
	}
	if len(arch.Favourites) != 1 || arch.Favourites[0] != f.carolSecret.URI || len(arch.Media) != 1 || arch.Media[0].Description != "Le marché" {
		t.Fatalf("likes / media: %v %+v", arch.Favourites, arch.Media)
	}
	raw, err := json.Marshal(arch)
	if err != nil {
		t.Fatal(err)
	}
	user, _ := f.a.Store.UserByAccountID(ctx, f.alice.ID)
	for what, secret := range map[string]string{
		"carol's members-only post": "confidentiel",
		"password hash":             user.PasswordHash,
		"private key":               "PRIVATE KEY",
		"bob's key":                 "PUBLIC KEY",
	} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("export leaks %s", what)
		}
	}
	// dave appears once, as a follower (an actor id), never through his
	// sign-up for the same field action.
	if n := strings.Count(string(raw), f.dave.URI); n != 1 {
		t.Errorf("dave's actor id appears %d times", n)
	}
}

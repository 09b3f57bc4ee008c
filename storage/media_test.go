package storage_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

func mediaAccount(t *testing.T, s *storage.Storage, username string) *model.Account {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := &model.Account{
		ID: model.NewID(now), URI: "https://lyon.test/users/" + username, Username: username,
		ActorType: model.ActorPerson, Fields: []model.Field{}, AlsoKnownAs: []string{}, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.InsertAccount(context.Background(), nil, a); err != nil {
		t.Fatal(err)
	}
	return a
}

func mediaStatus(t *testing.T, s *storage.Storage, a *model.Account, visibility string) *model.Status {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	id := model.NewID(now)
	st := &model.Status{ID: id, URI: "https://lyon.test/statuses/" + id, AccountID: a.ID, Local: true, APType: "Note",
		Visibility: visibility, ThreadID: id, CreatedAt: now, UpdatedAt: now}
	if err := s.InsertStatus(context.Background(), s.DB, st, nil, nil); err != nil {
		t.Fatal(err)
	}
	return st
}

func newMedia(t *testing.T, s *storage.Storage, a *model.Account, created time.Time) *model.MediaAttachment {
	t.Helper()
	id := model.NewID(created)
	m := &model.MediaAttachment{
		ID: id, AccountID: a.ID, Type: model.MediaImage, ContentType: "image/jpeg",
		FilePath: "ab/ab" + id + ".jpg", ThumbnailPath: "cd/cd" + id + "_small.jpg", FileSize: 1234,
		Width: 640, Height: 480, Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj", Description: "Affiche",
		FocusX: 0.5, FocusY: -0.25, Processed: true, CreatedAt: created.UTC().Truncate(time.Millisecond),
	}
	if err := s.InsertMedia(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestMediaRoundTrip(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		alice := mediaAccount(t, s, "alice")
		m := newMedia(t, s, alice, time.Now())
		got, err := s.MediaByID(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.FilePath != m.FilePath || got.ThumbnailPath != m.ThumbnailPath || got.FileSize != 1234 || got.Width != 640 ||
			got.Blurhash != m.Blurhash || !near(got.FocusX, 0.5) || !near(got.FocusY, -0.25) || !got.Processed ||
			got.StatusID != nil || got.Status != nil || !got.CreatedAt.Equal(m.CreatedAt) {
			t.Fatalf("round trip lost data: %+v", got)
		}
		if _, err := s.MediaByID(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}

		if err := s.UpdateMediaDescription(ctx, m.ID, alice.ID, "Nouvelle affiche", -1, 1); err != nil {
			t.Fatal(err)
		}
		got, _ = s.MediaByID(ctx, m.ID)
		if got.Description != "Nouvelle affiche" || !near(got.FocusX, -1) || !near(got.FocusY, 1) {
			t.Fatalf("update lost: %+v", got)
		}
		bob := mediaAccount(t, s, "bob")
		if err := s.UpdateMediaDescription(ctx, m.ID, bob.ID, "volé", 0, 0); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("someone else's media updated: %v", err)
		}
		if got, _ := s.MediaByID(ctx, m.ID); got.Description != "Nouvelle affiche" {
			t.Fatalf("description changed by another account: %q", got.Description)
		}
	})
}

func TestAttachMedia(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		alice, bob := mediaAccount(t, s, "alice"), mediaAccount(t, s, "bob")
		now := time.Now()
		first, second := newMedia(t, s, alice, now), newMedia(t, s, alice, now.Add(time.Second))
		bobs := newMedia(t, s, bob, now)
		st := mediaStatus(t, s, alice, model.VisibilityMembers)

		// Someone else's media among the ids: nothing attached.
		err := s.AttachMedia(ctx, nil, st.ID, []string{first.ID, bobs.ID}, alice.ID)
		if !errors.Is(err, storage.ErrMediaNotAttachable) {
			t.Fatalf("got %v", err)
		}
		if got, _ := s.MediaByID(ctx, first.ID); got.StatusID != nil {
			t.Fatal("partial attachment kept")
		}
		// Unknown id: same.
		if err := s.AttachMedia(ctx, nil, st.ID, []string{first.ID, "unknown"}, alice.ID); !errors.Is(err, storage.ErrMediaNotAttachable) {
			t.Fatalf("unknown id: %v", err)
		}

		// Own unattached media (duplicates ignored), in upload order.
		if err := s.AttachMedia(ctx, nil, st.ID, []string{second.ID, first.ID, first.ID}, alice.ID); err != nil {
			t.Fatal(err)
		}
		list, err := s.MediaForStatus(ctx, st.ID)
		if err != nil || len(list) != 2 || list[0].ID != first.ID || list[1].ID != second.ID {
			t.Fatalf("media of status: %v %+v", err, list)
		}
		got, _ := s.MediaByID(ctx, first.ID)
		if got.StatusID == nil || *got.StatusID != st.ID || got.Status == nil || got.Status.Visibility != model.VisibilityMembers {
			t.Fatalf("status not loaded with the media: %+v", got)
		}
		// Attaching again to the same status (an edit) is fine; to another one is not.
		if err := s.AttachMedia(ctx, nil, st.ID, []string{first.ID}, alice.ID); err != nil {
			t.Fatalf("re-attach to the same status: %v", err)
		}
		other := mediaStatus(t, s, alice, model.VisibilityPublic)
		if err := s.AttachMedia(ctx, nil, other.ID, []string{first.ID}, alice.ID); !errors.Is(err, storage.ErrMediaNotAttachable) {
			t.Fatalf("media moved to another status: %v", err)
		}
		if err := s.AttachMedia(ctx, nil, other.ID, nil, alice.ID); err != nil {
			t.Fatalf("no media: %v", err)
		}

		// In the caller's transaction: rolled back with it.
		third := newMedia(t, s, alice, now.Add(2*time.Second))
		rollback := errors.New("rollback")
		err = s.InTx(ctx, func(tx bun.Tx) error {
			if err := s.AttachMedia(ctx, tx, other.ID, []string{third.ID}, alice.ID); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if got, _ := s.MediaByID(ctx, third.ID); got.StatusID != nil {
			t.Fatal("attachment survived the rollback")
		}
		// A refused attachment inside a transaction leaves the transaction usable.
		err = s.InTx(ctx, func(tx bun.Tx) error {
			if err := s.AttachMedia(ctx, tx, other.ID, []string{third.ID, bobs.ID}, alice.ID); !errors.Is(err, storage.ErrMediaNotAttachable) {
				t.Errorf("in tx: %v", err)
			}
			return s.AttachMedia(ctx, tx, other.ID, []string{third.ID}, alice.ID)
		})
		if err != nil {
			t.Fatal(err)
		}

		byStatus, err := s.MediaForStatuses(ctx, []string{st.ID, other.ID, "none"})
		if err != nil || len(byStatus[st.ID]) != 2 || len(byStatus[other.ID]) != 1 || len(byStatus["none"]) != 0 {
			t.Fatalf("media for statuses: %v %v", err, byStatus)
		}
		if all, err := s.MediaByAccount(ctx, alice.ID); err != nil || len(all) != 3 {
			t.Fatalf("media by account: %v %d", err, len(all))
		}

		// Deleting the status detaches its media (they become orphans).
		if err := s.DeleteStatus(ctx, s.DB, st.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.MediaByID(ctx, first.ID); got.StatusID != nil || got.Status != nil {
			t.Fatalf("media still attached to a deleted status: %+v", got)
		}
	})
}

func TestDeleteOrphanMedia(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		alice := mediaAccount(t, s, "alice")
		old := time.Now().Add(-48 * time.Hour)
		orphan := newMedia(t, s, alice, old)
		recent := newMedia(t, s, alice, time.Now())
		posted := newMedia(t, s, alice, old)
		avatar := newMedia(t, s, alice, old)
		header := newMedia(t, s, alice, old)
		st := mediaStatus(t, s, alice, model.VisibilityPublic)
		if err := s.AttachMedia(ctx, nil, st.ID, []string{posted.ID}, alice.ID); err != nil {
			t.Fatal(err)
		}
		alice.AvatarMediaID, alice.HeaderMediaID = &avatar.ID, &header.ID
		if err := s.UpdateAccount(ctx, alice); err != nil {
			t.Fatal(err)
		}
		inHistory := newMedia(t, s, alice, old)
		edit := map[string]any{"id": model.NewID(time.Now()), "status_id": st.ID, "media_ids": `["` + inHistory.ID + `"]`, "created_at": time.Now().UTC()}
		if _, err := s.DB.NewInsert().Model(&edit).TableExpr("status_edits").Exec(ctx); err != nil {
			t.Fatal(err)
		}

		gone, err := s.DeleteOrphanMedia(ctx, time.Now().Add(-24*time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(gone) != 1 || gone[0].ID != orphan.ID || gone[0].FilePath != orphan.FilePath {
			t.Fatalf("deleted %+v", gone)
		}
		if _, err := s.MediaByID(ctx, orphan.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("orphan row kept: %v", err)
		}
		for _, m := range []*model.MediaAttachment{recent, posted, avatar, header, inHistory} {
			if _, err := s.MediaByID(ctx, m.ID); err != nil {
				t.Errorf("%s deleted: %v", m.ID, err)
			}
		}
		if gone, err := s.DeleteOrphanMedia(ctx, time.Now().Add(-24*time.Hour), 10); err != nil || len(gone) != 0 {
			t.Fatalf("second run: %v %v", err, gone)
		}
		if err := s.DeleteMedia(ctx, recent.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MediaByID(ctx, recent.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("DeleteMedia: %v", err)
		}
	})
}

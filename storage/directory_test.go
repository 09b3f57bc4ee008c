package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestDirectoryQueries runs the directory's queries on both databases:
// sections by name or territory, people under the visibility rule.
func TestDirectoryQueries(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		now := time.Now().UTC()
		section := &model.Account{ID: model.NewID(now), Username: "section", Domain: "villeneuve.test", URI: "https://villeneuve.test/users/section",
			ActorType: model.ActorGroup, DisplayName: "Section de Villeneuve", InboxURI: "https://villeneuve.test/inbox", CreatedAt: now, UpdatedAt: now}
		if err := s.InsertAccount(ctx, nil, section); err != nil {
			t.Fatal(err)
		}
		count := 12
		if err := s.UpsertRemoteGroup(ctx, &model.Group{AccountID: section.ID, Kind: "section", Openness: "moderated", Territory: "Villeneuve-sur-Lot 47300",
			MembersVisibility: "moderators", MemberCount: &count, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"villeneuve", "47300", "Lot"} {
			found, err := s.SearchGroups(ctx, q, 10)
			if err != nil || len(found) != 1 || found[0].Group.MemberCount == nil || *found[0].Group.MemberCount != 12 {
				t.Fatalf("search %q: %v %+v", q, err, found)
			}
		}
		if found, err := s.SearchGroups(ctx, "marseille", 10); err != nil || len(found) != 0 {
			t.Fatalf("search marseille: %v %+v", err, found)
		}
		sections, err := s.Sections(ctx)
		if err != nil || len(sections) != 1 {
			t.Fatalf("sections: %v %+v", err, sections)
		}
		if _, err := s.SearchEvents(ctx, "47300", now, func(q *bun.SelectQuery) *bun.SelectQuery { return q }, 10); err != nil {
			t.Fatal(err)
		}
	})
}

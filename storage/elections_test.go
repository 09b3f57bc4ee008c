package storage_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

func newSection(t *testing.T, s *storage.Storage, username string) string {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := &model.Account{
		ID: model.NewID(now), URI: "http://x.test/users/" + username, Username: username,
		ActorType: model.ActorGroup, Fields: []model.Field{}, AlsoKnownAs: []string{}, CreatedAt: now, UpdatedAt: now,
	}
	g := &model.Group{Kind: "section", Openness: "moderated", MembersVisibility: "moderators", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateGroup(context.Background(), a, g); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// results builds n stations of commune 99350; abstention grows with i.
func results(n int, geometry string) []model.StationResult {
	out := make([]model.StationResult, n)
	for i := range out {
		reg, abs := 1000, 100+10*i
		out[i] = model.StationResult{
			Registered: reg, Abstentions: abs, Voters: reg - abs, Blank: 5, Null: 5, Expressed: reg - abs - 10,
			Candidates: []model.CandidateResult{{Panel: "1", LastName: "DUPONT", Votes: reg - abs - 10}},
			Station:    &model.PollingStation{CommuneCode: "99350", CommuneName: "Villeneuve-Exemple", Code: fmt.Sprintf("%04d", i+1), Geometry: geometry},
		}
	}
	return out
}

func count(t *testing.T, s *storage.Storage, table string) int {
	t.Helper()
	n, err := s.DB.NewSelect().Table(table).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestImportElectionRoundTrip(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		section := newSection(t, s, "villeneuve")
		var calls []int
		e := &model.Election{SectionID: section, Label: "Présidentielle 2022 T1", Round: 1, SourceName: "t1.txt", Encoding: "Latin-1"}
		// 450 rows: more than one insert batch.
		err := s.ImportElection(ctx, storage.ElectionImport{Election: e, Results: results(450, `{"type":"Polygon","coordinates":[[[2,48],[2.1,48],[2.1,48.1],[2,48]]]}`),
			Progress: func(done, total int) { calls = append(calls, done) }})
		if err != nil {
			t.Fatal(err)
		}
		if e.ID == "" || e.StationCount != 450 || e.ImportedAt.IsZero() {
			t.Fatalf("election not filled in: %+v", e)
		}
		if len(calls) < 2 || calls[len(calls)-1] != 450 {
			t.Fatalf("progress calls: %v", calls)
		}
		got, err := s.ElectionResults(ctx, section, e.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 450 {
			t.Fatalf("%d results, want 450", len(got))
		}
		first := got[0]
		if first.Station == nil || first.Station.Code != "0001" || first.Station.Geometry == "" || first.Abstentions != 100 ||
			len(first.Candidates) != 1 || first.Candidates[0].LastName != "DUPONT" {
			t.Fatalf("round trip lost data: %+v %+v", first, first.Station)
		}
		if rs, _ := s.ElectionResults(ctx, section, e.ID, "75056"); len(rs) != 0 {
			t.Fatalf("commune filter: %d results", len(rs))
		}
		communes, err := s.ElectionCommunes(ctx, section, e.ID)
		if err != nil || len(communes) != 1 || communes[0].Code != "99350" || communes[0].Name != "Villeneuve-Exemple" {
			t.Fatalf("communes: %v %+v", err, communes)
		}
		if byLabel, err := s.ElectionByLabel(ctx, section, "Présidentielle 2022 T1"); err != nil || byLabel.ID != e.ID {
			t.Fatalf("by label: %v", err)
		}

		// A second election reuses the stations, and keeps their shapes
		// when it comes without contours.
		e2 := &model.Election{SectionID: section, Label: "Présidentielle 2022 T2", Round: 2}
		if err := s.ImportElection(ctx, storage.ElectionImport{Election: e2, Results: results(3, "")}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, "polling_stations"); n != 450 {
			t.Fatalf("%d stations after a second election, want 450", n)
		}
		st, err := s.PollingStation(ctx, section, got[0].StationID)
		if err != nil || st.Geometry == "" {
			t.Fatalf("shape lost by an import without contours: %v", err)
		}
		list, err := s.Elections(ctx, section)
		if err != nil || len(list) != 2 {
			t.Fatalf("elections: %v %d", err, len(list))
		}

		if err := s.DeleteElection(ctx, section, e2.ID); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, "station_results"); n != 450 {
			t.Fatalf("delete left %d results, want 450", n)
		}
		if err := s.DeleteElection(ctx, section, e2.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestImportElectionSameLabel(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		section := newSection(t, s, "villeneuve")
		e := &model.Election{SectionID: section, Label: "Européennes 2024"}
		if err := s.ImportElection(ctx, storage.ElectionImport{Election: e, Results: results(5, "")}); err != nil {
			t.Fatal(err)
		}
		again := &model.Election{SectionID: section, Label: "Européennes 2024"}
		err := s.ImportElection(ctx, storage.ElectionImport{Election: again, Results: results(2, "")})
		if !errors.Is(err, storage.ErrElectionExists) {
			t.Fatalf("same label: %v, want ErrElectionExists", err)
		}
		if again.ID != "" {
			t.Fatal("a refused import handed back an id")
		}
		if n := count(t, s, "station_results"); n != 5 {
			t.Fatalf("refused import changed the results: %d rows", n)
		}

		// Replace: same id, new figures.
		replaced := &model.Election{SectionID: section, Label: "Européennes 2024"}
		if err := s.ImportElection(ctx, storage.ElectionImport{Election: replaced, Results: results(2, ""), Replace: true}); err != nil {
			t.Fatal(err)
		}
		if replaced.ID != e.ID {
			t.Fatalf("replace changed the id: %s -> %s", e.ID, replaced.ID)
		}
		if n := count(t, s, "station_results"); n != 2 {
			t.Fatalf("%d results after replace, want 2", n)
		}
		if got, _ := s.Election(ctx, section, e.ID); got.StationCount != 2 {
			t.Fatalf("station count after replace: %d", got.StationCount)
		}
	})
}

// A failure halfway through the writes leaves nothing behind.
func TestImportElectionAllOrNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		section := newSection(t, s, "villeneuve")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		e := &model.Election{SectionID: section, Label: "Municipales 2026 T1"}
		err := s.ImportElection(ctx, storage.ElectionImport{Election: e, Results: results(450, ""),
			Progress: func(done, total int) { cancel() }}) // the database "fails" after the first batch
		if err == nil {
			t.Fatal("import survived a cancelled context")
		}
		for _, table := range []string{"elections", "polling_stations", "station_results"} {
			if n := count(t, s, table); n != 0 {
				t.Fatalf("%d rows left in %s after a failed import", n, table)
			}
		}

		// A station twice in one file is refused, and nothing stored.
		rs := results(3, "")
		rs[2].Station.Code = rs[0].Station.Code
		err = s.ImportElection(context.Background(), storage.ElectionImport{Election: &model.Election{SectionID: section, Label: "x"}, Results: rs})
		if err == nil {
			t.Fatal("duplicate station accepted")
		}
		if n := count(t, s, "elections"); n != 0 {
			t.Fatalf("%d elections left after a refused import", n)
		}
	})
}

// One section never sees another's data, even with the right ids.
func TestElectionsAreScopedBySection(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		mine, theirs := newSection(t, s, "villeneuve"), newSection(t, s, "autreville")
		e := &model.Election{SectionID: mine, Label: "Législatives 2024 T1"}
		if err := s.ImportElection(ctx, storage.ElectionImport{Election: e, Results: results(3, "")}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Election(ctx, theirs, e.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("other section reads the election: %v", err)
		}
		if rs, err := s.ElectionResults(ctx, theirs, e.ID, ""); err != nil || len(rs) != 0 {
			t.Fatalf("other section reads results: %v %d", err, len(rs))
		}
		if list, _ := s.Elections(ctx, theirs); len(list) != 0 {
			t.Fatal("other section lists the election")
		}
		if err := s.DeleteElection(ctx, theirs, e.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("other section deletes the election: %v", err)
		}
		// The same label is free for another section; its stations are its own.
		other := &model.Election{SectionID: theirs, Label: "Législatives 2024 T1"}
		if err := s.ImportElection(ctx, storage.ElectionImport{Election: other, Results: results(3, "")}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, "polling_stations"); n != 6 {
			t.Fatalf("%d stations, want 3 per section", n)
		}
		matched, err := s.SetStationShapes(ctx, theirs, []model.PollingStation{{CommuneCode: "99350", Code: "0001", Geometry: `{"type":"Polygon","coordinates":[]}`}, {CommuneCode: "99350", Code: "9999", Geometry: "x"}})
		if err != nil || matched != 1 {
			t.Fatalf("set shapes: %v, %d matched", err, matched)
		}
		rs, _ := s.ElectionResults(ctx, mine, e.ID, "")
		if rs[0].Station.Geometry != "" {
			t.Fatal("a section's contours changed another section's station")
		}
	})
}

package elections

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
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

func rowCounts(t *testing.T, s *storage.Storage) map[string]int {
	t.Helper()
	out := make(map[string]int)
	for _, table := range []string{"elections", "polling_stations", "station_results"} {
		n, err := s.DB.NewSelect().Table(table).Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out[table] = int(n)
	}
	return out
}

// expected is the independent computation: the UTF-8 file read with
// encoding/csv, columns looked up by their exact names, rates divided
// out, sorted with the standard library.
type expected struct {
	code        string
	registered  int
	abstentions int
	rate        float64
	filePercent string // the file's own "% Abs/Ins"
}

func expectedFrom(t *testing.T, data []byte) map[string]expected {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = ';'
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int {
		i := slices.Index(records[0], name)
		if i < 0 {
			t.Fatalf("no column %q", name)
		}
		return i
	}
	code, ins, abs, pct := col("Code du b.vote"), col("Inscrits"), col("Abstentions"), col("% Abs/Ins")
	out := make(map[string]expected)
	for _, rec := range records[1:] {
		e := expected{code: rec[code], filePercent: rec[pct]}
		e.registered, _ = strconv.Atoi(rec[ins])
		e.abstentions, _ = strconv.Atoi(rec[abs])
		e.rate = float64(e.abstentions) / float64(e.registered)
		out[e.code] = e
	}
	return out
}

func TestImportAndRankSample(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		section := newSection(t, s, "villeneuve")
		var last [2]int
		report, err := Import(ctx, s, bytes.NewReader(readSample(t, sampleLatin1)), bytes.NewReader(readSample(t, sampleContours)),
			ImportOptions{SectionID: section, Label: "Présidentielle 2022 T1", Round: 1, SourceName: sampleLatin1,
				Progress: func(done, total int) { last = [2]int{done, total} }})
		if err != nil {
			t.Fatal(err)
		}
		if report.Encoding != EncodingLatin1 || report.Stations != 24 || report.Communes != 1 || report.Shaped != 24 ||
			len(report.Unshaped) != 0 || len(report.UnmatchedContours) != 0 || report.Election.ID == "" || report.Election.Round != 1 {
			t.Fatalf("report: %+v", report)
		}
		if last != [2]int{24, 24} {
			t.Fatalf("last progress call: %v", last)
		}

		got, err := Rank(ctx, s, RankQuery{SectionID: section, ElectionID: report.Election.ID})
		if err != nil {
			t.Fatal(err)
		}
		want := expectedFrom(t, readSample(t, sampleUTF8))
		order := make([]expected, 0, len(want))
		for _, e := range want {
			order = append(order, e)
		}
		slices.SortFunc(order, func(a, b expected) int {
			if a.rate != b.rate {
				if a.rate > b.rate {
					return -1
				}
				return 1
			}
			return strings.Compare(a.code, b.code)
		})
		if len(got) != len(order) {
			t.Fatalf("%d stations ranked, want %d", len(got), len(order))
		}
		for i, f := range got {
			e := order[i]
			if f.Code != e.code || f.Rank != i+1 || f.Registered != e.registered || f.Abstentions != e.abstentions || math.Abs(f.AbstentionRate-e.rate) > 1e-12 {
				t.Fatalf("rank %d: got %s %.6f (%d/%d), want %s %.6f (%d/%d)", i+1, f.Code, f.AbstentionRate, f.Abstentions, f.Registered, e.code, e.rate, e.abstentions, e.registered)
			}
			// And the rate agrees with the one the Ministry printed.
			if printed := strings.Replace(strconv.FormatFloat(f.AbstentionRate*100, 'f', 2, 64), ".", ",", 1); printed != e.filePercent {
				t.Errorf("station %s: %s %% computed, the file says %s", f.Code, printed, e.filePercent)
			}
			if math.Abs(f.Turnout+f.AbstentionRate-1) > 1e-12 || f.Geometry == "" || f.CommuneName != "Villeneuve-Exemple" {
				t.Fatalf("station %s: turnout %.4f, geometry %d bytes", f.Code, f.Turnout, len(f.Geometry))
			}
			if f.BlankRate != float64(f.Blank)/float64(f.Voters) || f.NullRate != float64(f.Null)/float64(f.Voters) {
				t.Fatalf("station %s: blank/null rates", f.Code)
			}
		}
		for i := range 3 {
			t.Logf("top %d: station %s, abstention %.2f %% (%d/%d)", i+1, got[i].Code, got[i].AbstentionRate*100, got[i].Abstentions, got[i].Registered)
		}

		// Filter by commune.
		if fs, err := Rank(ctx, s, RankQuery{SectionID: section, ElectionID: report.Election.ID, Commune: "99350"}); err != nil || len(fs) != 24 {
			t.Fatalf("commune 99350: %v, %d stations", err, len(fs))
		}
		if fs, err := Rank(ctx, s, RankQuery{SectionID: section, ElectionID: report.Election.ID, Commune: "75056"}); err != nil || len(fs) != 0 {
			t.Fatalf("another commune: %v, %d stations", err, len(fs))
		}
		sumIns, sumAbs := 0, 0
		for _, e := range want {
			sumIns, sumAbs = sumIns+e.registered, sumAbs+e.abstentions
		}
		if total := Total(got); total.Registered != sumIns || total.Abstentions != sumAbs || total.AbstentionRate != float64(sumAbs)/float64(sumIns) {
			t.Fatalf("total: %+v, want %d/%d", total, sumAbs, sumIns)
		}

		// Another section cannot rank this election.
		other := newSection(t, s, "autreville")
		if _, err := Rank(ctx, s, RankQuery{SectionID: other, ElectionID: report.Election.ID}); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("other section: %v, want ErrNotFound", err)
		}
		if _, err := Rank(ctx, s, RankQuery{SectionID: section, ElectionID: report.Election.ID, By: ByChange}); err == nil {
			t.Fatal("ranking by change without a comparison accepted")
		}
	})
}

// secondRound makes a plausible second election from the sample: in each
// station some abstainers of the first round vote (or voters abstain), and
// their ballots go to the station's leading candidate.
func secondRound(t *testing.T) []byte {
	data := readSample(t, sampleUTF8)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for i := 1; i < len(lines); i++ {
		f := strings.Split(lines[i], ";")
		shift := (i*37)%61 - 30 // from -30 to +30 voters
		add := func(j, d int) {
			n, _ := strconv.Atoi(f[j])
			f[j] = strconv.Itoa(n + d)
		}
		add(8, -shift) // Abstentions
		add(10, shift) // Votants
		add(18, shift) // Exprimés
		lead := 25     // the Voix column of the candidate with the most votes
		for j := 25; j < len(f); j += 7 {
			if atoi(f[j]) > atoi(f[lead]) {
				lead = j
			}
		}
		add(lead, shift)
		lines[i] = strings.Join(f, ";")
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func TestCompareElections(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		section := newSection(t, s, "villeneuve")
		t1, err := Import(ctx, s, bytes.NewReader(readSample(t, sampleUTF8)), nil, ImportOptions{SectionID: section, Label: "T1"})
		if err != nil {
			t.Fatal(err)
		}
		t2data := secondRound(t)
		t2, err := Import(ctx, s, bytes.NewReader(t2data), nil, ImportOptions{SectionID: section, Label: "T2"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Rank(ctx, s, RankQuery{SectionID: section, ElectionID: t2.Election.ID, CompareTo: t1.Election.ID, By: ByChange})
		if err != nil {
			t.Fatal(err)
		}

		before, after := expectedFrom(t, readSample(t, sampleUTF8)), expectedFrom(t, t2data)
		type change struct {
			code  string
			delta float64
			rate  float64
		}
		var want []change
		for code, a := range after {
			want = append(want, change{code, a.rate - before[code].rate, a.rate})
		}
		slices.SortFunc(want, func(a, b change) int {
			switch {
			case a.delta > b.delta:
				return -1
			case a.delta < b.delta:
				return 1
			case a.rate > b.rate:
				return -1
			case a.rate < b.rate:
				return 1
			}
			return strings.Compare(a.code, b.code)
		})
		if len(got) != 24 {
			t.Fatalf("%d stations", len(got))
		}
		for i, f := range got {
			if !f.Compared || f.Code != want[i].code || math.Abs(f.AbstentionChange-want[i].delta) > 1e-12 ||
				math.Abs(f.PreviousAbstentionRate-before[f.Code].rate) > 1e-12 || f.Rank != i+1 {
				t.Fatalf("rank %d: got %s %+.5f, want %s %+.5f", i+1, f.Code, f.AbstentionChange, want[i].code, want[i].delta)
			}
		}
		if got[0].AbstentionChange <= 0 || got[23].AbstentionChange >= 0 {
			t.Fatalf("changes not spread: %+.4f .. %+.4f", got[0].AbstentionChange, got[23].AbstentionChange)
		}

		// Ranked by abstention with a comparison: same order as without.
		byRate, err := Rank(ctx, s, RankQuery{SectionID: section, ElectionID: t2.Election.ID, CompareTo: t1.Election.ID})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(byRate); i++ {
			if byRate[i].AbstentionRate > byRate[i-1].AbstentionRate || !byRate[i].Compared {
				t.Fatalf("by abstention: not sorted at %d", i)
			}
		}
	})
}

// A bad file, in the results or in the contours, leaves the database as
// it was.
func TestImportBrokenFilesStoresNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		section := newSection(t, s, "villeneuve")
		for _, bf := range brokenFiles(t) {
			_, err := Import(ctx, s, bytes.NewReader(bf.data), bytes.NewReader(readSample(t, sampleContours)), ImportOptions{SectionID: section, Label: bf.name})
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != bf.line {
				t.Fatalf("%s: %v", bf.name, err)
			}
			for table, n := range rowCounts(t, s) {
				if n != 0 {
					t.Fatalf("%s: %d rows in %s after a refused import", bf.name, n, table)
				}
			}
		}

		badContours := strings.Replace(string(readSample(t, sampleContours)), `"type": "Polygon"`, `"type": "LineString"`, 1)
		_, err := Import(ctx, s, bytes.NewReader(readSample(t, sampleUTF8)), strings.NewReader(badContours), ImportOptions{SectionID: section, Label: "x"})
		if err == nil || !strings.Contains(err.Error(), "feature 1") {
			t.Fatalf("bad contours: %v", err)
		}
		for table, n := range rowCounts(t, s) {
			if n != 0 {
				t.Fatalf("bad contours: %d rows in %s", n, table)
			}
		}
	})
}

func TestImportSameLabel(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		section := newSection(t, s, "villeneuve")
		opts := ImportOptions{SectionID: section, Label: "Présidentielle 2022 T1"}
		first, err := Import(ctx, s, bytes.NewReader(readSample(t, sampleUTF8)), nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		before := rowCounts(t, s)
		_, err = Import(ctx, s, bytes.NewReader(secondRound(t)), nil, opts)
		if !errors.Is(err, ErrElectionExists) || !strings.Contains(err.Error(), "Présidentielle 2022 T1") {
			t.Fatalf("same label: %v", err)
		}
		figs, _ := Rank(ctx, s, RankQuery{SectionID: section, ElectionID: first.Election.ID})
		if after := rowCounts(t, s); fmt.Sprint(after) != fmt.Sprint(before) || figs[0].Code != "0015" {
			t.Fatalf("a refused import changed the data: %v -> %v", before, after)
		}

		opts.Replace = true
		again, err := Import(ctx, s, bytes.NewReader(secondRound(t)), bytes.NewReader(readSample(t, sampleContours)), opts)
		if err != nil {
			t.Fatal(err)
		}
		if again.Election.ID != first.Election.ID {
			t.Fatal("replace changed the election id")
		}
		figs, _ = Rank(ctx, s, RankQuery{SectionID: section, ElectionID: first.Election.ID})
		want := expectedFrom(t, secondRound(t))
		for _, f := range figs {
			if f.Abstentions != want[f.Code].abstentions || f.Geometry == "" {
				t.Fatalf("station %s not replaced: %d, want %d", f.Code, f.Abstentions, want[f.Code].abstentions)
			}
		}
	})
}

// A national file imported for one commune keeps that commune only.
func TestImportCommuneFilterAndContoursLater(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		section := newSection(t, s, "villeneuve")
		data := string(readSample(t, sampleUTF8))
		header, rows, _ := strings.Cut(data, "\n")
		other := strings.ReplaceAll(rows, ";99350;Villeneuve-Exemple;", ";99351;Autre-Exemple;")
		twoCommunes := header + "\n" + rows + other

		report, err := Import(ctx, s, strings.NewReader(twoCommunes), nil, ImportOptions{SectionID: section, Label: "filtered", Communes: []string{"99351"}})
		if err != nil {
			t.Fatal(err)
		}
		if report.Stations != 24 || report.Skipped != 24 {
			t.Fatalf("filter: %+v", report)
		}
		figs, _ := Rank(ctx, s, RankQuery{SectionID: section, ElectionID: report.Election.ID})
		for _, f := range figs {
			if f.CommuneCode != "99351" || f.CommuneName != "Autre-Exemple" {
				t.Fatalf("kept %s %s", f.CommuneCode, f.CommuneName)
			}
		}
		if _, err := Import(ctx, s, strings.NewReader(twoCommunes), nil, ImportOptions{SectionID: section, Label: "none", Communes: []string{"75056"}}); err == nil {
			t.Fatal("a file without the requested commune imported")
		}

		all, err := Import(ctx, s, strings.NewReader(twoCommunes), bytes.NewReader(readSample(t, sampleContours)), ImportOptions{SectionID: section, Label: "all"})
		if err != nil {
			t.Fatal(err)
		}
		if all.Communes != 2 || all.Shaped != 24 || len(all.Unshaped) != 24 || all.Unshaped[0] != "99351_0001" {
			t.Fatalf("two communes: %+v", all)
		}
		communes, err := s.ElectionCommunes(ctx, section, all.Election.ID)
		if err != nil || len(communes) != 2 || communes[0].Name != "Autre-Exemple" {
			t.Fatalf("communes: %v %+v", err, communes)
		}

		// Contours for the second commune, later, on their own.
		contours := strings.ReplaceAll(string(readSample(t, sampleContours)), "99350", "99351")
		matched, total, err := ImportContours(ctx, s, section, strings.NewReader(contours))
		if err != nil || matched != 24 || total != 24 {
			t.Fatalf("contours later: %v, %d of %d", err, matched, total)
		}
		figs, _ = Rank(ctx, s, RankQuery{SectionID: section, ElectionID: all.Election.ID, Commune: "99351"})
		if len(figs) != 24 || figs[0].Geometry == "" {
			t.Fatal("contours imported later are not on the stations")
		}
	})
}

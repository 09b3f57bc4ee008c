package elections

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

func doorCounts(t *testing.T, s *storage.Storage) map[string]int {
	t.Helper()
	out := make(map[string]int)
	for _, table := range []string{"addresses", "polling_stations", "turfs", "turf_doors"} {
		n, err := s.DB.NewSelect().Table(table).Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out[table] = int(n)
	}
	return out
}

func sampleAddresses(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/adresses-bureaux-reu-exemple.csv")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The sample file's electors add up, per station, to the Inscrits of the
// results file (its README says so): an independent check of the parse.
func TestImportAddressesSampleMatchesRegistered(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		sec := newSection(t, s, "section")
		results, err := os.ReadFile("testdata/resultats-burvot-t1-exemple-utf8.csv")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Import(ctx, s, bytes.NewReader(results), nil, ImportOptions{SectionID: sec, Label: "T1"}); err != nil {
			t.Fatal(err)
		}
		var progressed int
		rep, err := ImportAddresses(ctx, s, bytes.NewReader(sampleAddresses(t)), AddressImportOptions{
			SectionID: sec, Communes: []string{"99350"}, Progress: func(n int) { progressed = n },
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Addresses != 2542 || rep.Stations != 24 || rep.Communes != 1 || rep.Encoding != EncodingUTF8 || progressed != 2542 {
			t.Fatalf("report %+v, progress %d", rep, progressed)
		}
		totals, err := s.DoorTotals(ctx, sec)
		if err != nil {
			t.Fatal(err)
		}
		want := expectedFrom(t, results)
		if len(totals) != len(want) {
			t.Fatalf("%d stations with doors, %d in the results", len(totals), len(want))
		}
		stations, err := s.ElectionResults(ctx, sec, mustElection(t, s, sec, "T1"), "")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range stations {
			got := totals[r.Station.ID]
			if got.Electors != r.Registered {
				t.Errorf("station %s: %d electors at its addresses, %d registered", r.Station.Code, got.Electors, r.Registered)
			}
		}
		if c := doorCounts(t, s); c["polling_stations"] != 24 {
			t.Fatalf("stations were duplicated: %v", c)
		}
	})
}

func mustElection(t *testing.T, s *storage.Storage, sec, label string) string {
	t.Helper()
	e, err := s.ElectionByLabel(context.Background(), sec, label)
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// A Latin-1 file (as a spreadsheet on Windows saves it) reads the same.
func TestImportAddressesLatin1(t *testing.T) {
	utf := strings.Replace(string(sampleAddresses(t)), "rue Danton", "rue de l'Église", -1)
	latin, err := charmap.Windows1252.NewEncoder().String(utf)
	if err != nil {
		t.Fatal(err)
	}
	var streets []string
	scan, err := ScanAddresses(strings.NewReader(latin), nil, func(r AddressRow) error {
		if strings.Contains(r.Street, "glise") {
			streets = append(streets, r.Street)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if scan.Encoding != EncodingLatin1 || scan.Kept != 2542 || len(streets) == 0 || streets[0] != "rue de l'Église" {
		t.Fatalf("%+v %q", scan, streets[:min(1, len(streets))])
	}
}

func TestSplitAddress(t *testing.T) {
	for _, c := range []struct{ geo, typ, number, street string }{
		{"151 rue Danton 99350 Villeneuve-Exemple", "housenumber", "151", "rue Danton"},
		{"12 bis avenue Jean Jaurès 69007 Lyon", "housenumber", "12 bis", "avenue Jean Jaurès"},
		{"Rue du Moulin 99350 Villeneuve-Exemple", "street", "", "Rue du Moulin"},
		{"8 Rue du 8 Mai 1945 99350 Villeneuve", "housenumber", "8", "Rue du 8 Mai 1945"},
	} {
		n, s := splitAddress(c.geo, "", c.typ)
		if n != c.number || s != c.street {
			t.Errorf("%q: %q %q, want %q %q", c.geo, n, s, c.number, c.street)
		}
	}
}

// A bad row stops the import with its line and column, and nothing is
// stored, not even the rows before it; an earlier import stays whole.
func TestImportAddressesBadRowStoresNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		sec := newSection(t, s, "section")
		good := sampleAddresses(t)
		if _, err := ImportAddresses(ctx, s, bytes.NewReader(good), AddressImportOptions{SectionID: sec}); err != nil {
			t.Fatal(err)
		}
		before := doorCounts(t, s)
		lines := strings.Split(string(good), "\n")
		for _, c := range []struct {
			line       int
			from, to   string
			wantColumn string
		}{
			{1500, ",", ",deux", "nb_adresses"}, // the last field
			{2000, "99350_00", "12345_00", "id_brut_bv_reu"},
			{2400, ",48.", ",448.", "latitude"},
		} {
			bad := append([]string(nil), lines...)
			i := c.line - 1
			if c.wantColumn == "nb_adresses" {
				bad[i] = bad[i][:strings.LastIndex(bad[i], c.from)] + c.to
			} else if !strings.Contains(bad[i], c.from) {
				t.Fatalf("line %d has no %q: %s", c.line, c.from, bad[i])
			} else {
				bad[i] = strings.Replace(bad[i], c.from, c.to, 1)
			}
			_, err := ImportAddresses(ctx, s, strings.NewReader(strings.Join(bad, "\n")), AddressImportOptions{SectionID: sec})
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != c.line || pe.Column != c.wantColumn {
				t.Errorf("line %d %q→%q: %v, want line %d column %s", c.line, c.from, c.to, err, c.line, c.wantColumn)
			}
			if after := doorCounts(t, s); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("a refused import changed the tables: %v → %v", before, after)
			}
		}
		_, err := ImportAddresses(ctx, s, strings.NewReader("a,b\n1,2\n"), AddressImportOptions{SectionID: sec})
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 1 || pe.Column != "code_commune_ref" {
			t.Fatalf("missing columns: %v", err)
		}
	})
}

// Walk list order, turfs of about N electors, and ticks that survive a
// re-import of the address file.
func TestWalkListAndTurfs(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		sec := newSection(t, s, "section")
		if _, err := ImportAddresses(ctx, s, bytes.NewReader(sampleAddresses(t)), AddressImportOptions{SectionID: sec}); err != nil {
			t.Fatal(err)
		}
		var station model.PollingStation
		if err := s.DB.NewSelect().Model(&station).Where("section_id = ? AND code = '0015'", sec).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		walk, err := s.WalkList(ctx, sec, station.ID)
		if err != nil || len(walk) == 0 {
			t.Fatal(err, len(walk))
		}
		total := 0
		for i, a := range walk {
			total += a.Electors
			if i > 0 {
				p := walk[i-1]
				if p.Street > a.Street || (p.Street == a.Street && p.NumberOrder > a.NumberOrder) {
					t.Fatalf("walk list out of order at %d: %+v then %+v", i, p, a)
				}
			}
		}
		pieces := SplitTurfs(walk, 100, false)
		sum := 0
		for _, p := range pieces {
			n := 0
			for _, a := range p {
				n += a.Electors
			}
			sum += n
			if n > 250 {
				t.Errorf("a turf of %d electors for a target of 100", n)
			}
		}
		if sum != total || len(pieces) < 2 {
			t.Fatalf("%d turfs with %d electors, walk list has %d", len(pieces), sum, total)
		}
		byStreet := SplitTurfs(walk, 0, true)
		for _, p := range byStreet {
			for _, a := range p {
				if a.Street != p[0].Street {
					t.Fatalf("a street turf mixes %q and %q", p[0].Street, a.Street)
				}
			}
		}

		event := newAction(t, s, sec, station.ID, now)
		section := &model.Account{ID: sec}
		turfs, err := MakeTurfs(ctx, s, section, event, station.ID, 100, false, now)
		if err != nil {
			t.Fatal(err)
		}
		door := turfs[0].Doors[0]
		if err := s.TickDoor(ctx, turfs[0].ID, door.ID, model.DoorTalked, "someone", now); err != nil {
			t.Fatal(err)
		}
		// A door of another turf cannot be ticked through this one.
		if err := s.TickDoor(ctx, turfs[0].ID, turfs[1].Doors[0].ID, model.DoorTalked, "someone", now); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("tick through another turf: %v", err)
		}
		if _, err := MakeTurfs(ctx, s, section, event, station.ID, 50, false, now); !errors.Is(err, storage.ErrTurfsStarted) {
			t.Fatalf("re-split after ticks: %v", err)
		}
		// A newer address file does not touch what was ticked.
		if _, err := ImportAddresses(ctx, s, bytes.NewReader(sampleAddresses(t)), AddressImportOptions{SectionID: sec}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Turf(ctx, turfs[0].ID)
		if err != nil || got.Doors[0].Outcome != model.DoorTalked {
			t.Fatalf("%v %+v", err, got)
		}
		efforts, err := s.Efforts(ctx, sec, now.Add(time.Hour))
		if err != nil || efforts[station.ID].Knocked != 1 || efforts[station.ID].Done != 1 {
			t.Fatalf("%v %+v", err, efforts)
		}
		// Retention: the action's turfs go, the address file stays.
		if n, err := s.DeleteTurfsBefore(ctx, now.Add(48*time.Hour)); err != nil || n != len(turfs) {
			t.Fatalf("retention: %d, %v", n, err)
		}
		if c := doorCounts(t, s); c["turf_doors"] != 0 || c["addresses"] != 2542 {
			t.Fatalf("after retention: %v", c)
		}
	})
}

// newAction stores a field action targeting a station, with its status.
func newAction(t *testing.T, s *storage.Storage, sectionID, stationID string, now time.Time) *model.Event {
	t.Helper()
	ctx := context.Background()
	st := &model.Status{ID: model.NewID(now), URI: "http://x.test/statuses/" + model.NewID(now), AccountID: sectionID,
		Visibility: "public", Content: "porte-à-porte", Local: true, CreatedAt: now, UpdatedAt: now}
	if _, err := s.DB.NewInsert().Model(st).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	e := &model.Event{ID: model.NewID(now), StatusID: st.ID, URI: st.URI, AccountID: sectionID, Kind: "action", Title: "Porte-à-porte",
		StartAt: now.Add(time.Hour), PollingStationID: &stationID, CreatedAt: now, UpdatedAt: now}
	if _, err := s.DB.NewInsert().Model(e).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// The national file is streamed: 2 million rows filtered to one commune.
// Run with -bench ImportAddressesNational -benchtime 1x; it reports rows
// per second and the heap in use at the end (bounded by the batch, not
// the file).
func BenchmarkImportAddressesNational(b *testing.B) {
	const rows = 2_000_000
	for b.Loop() {
		pr, pw := io.Pipe()
		go func() {
			fmt.Fprintln(pw, "code_commune_ref,reconstitution_code_commune,id_brut_bv_reu,id,geo_adresse,geo_type,geo_score,longitude,latitude,api_line,nb_bv_commune,nb_adresses")
			for i := range rows {
				commune := fmt.Sprintf("%05d", 1000+i%30000)
				if i%1000 == 0 {
					commune = "99350"
				}
				fmt.Fprintf(pw, "%s,,%s_%04d,%s_%06d,%d rue de la Paix %s Ville,housenumber,0.9,2.37,48.85,%d RUE DE LA PAIX,3,%d\n",
					commune, commune, i%7+1, commune, i, i%300+1, commune, i%300+1, i%40+1)
			}
			pw.Close()
		}()
		kept := 0
		start := time.Now()
		scan, err := ScanAddresses(pr, []string{"99350"}, func(AddressRow) error { kept++; return nil })
		if err != nil {
			b.Fatal(err)
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		b.ReportMetric(float64(scan.Kept+scan.Skipped)/time.Since(start).Seconds(), "rows/s")
		b.ReportMetric(float64(m.HeapInuse)/(1<<20), "heap-MiB")
		if kept != rows/1000 {
			b.Fatalf("kept %d", kept)
		}
	}
}

package elections

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// AddressImportOptions describes one import of the address file.
type AddressImportOptions struct {
	SectionID string
	// Communes keeps only these communes (INSEE codes): the national file
	// is filtered while it is read. Empty keeps every row.
	Communes []string
	// Progress, if set, is called every few thousand rows with the number
	// of rows read so far (kept or skipped).
	Progress func(rows int)
}

// AddressImportReport says what an import read and stored.
type AddressImportReport struct {
	Encoding string
	Skipped  int // rows of other communes
	storage.AddressImportReport
}

// ImportAddresses streams an address file into the section's storage, in
// one transaction: a bad row (a *ParseError naming its line and column)
// leaves nothing stored. Memory does not grow with the file's size: rows
// are written in batches as they are read.
func ImportAddresses(ctx context.Context, store *storage.Storage, file io.Reader, opts AddressImportOptions) (*AddressImportReport, error) {
	if opts.SectionID == "" {
		return nil, errors.New("import addresses: no section")
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(int) {}
	}
	counted := &countingRows{}
	var scan *AddressScan
	stored, err := store.ImportAddresses(ctx, opts.SectionID, func(add func(storage.AddressInput) error) error {
		var err error
		scan, err = ScanAddresses(file, opts.Communes, func(r AddressRow) error {
			in := storage.AddressInput{
				CommuneCode: r.CommuneCode, StationCode: r.StationCode, Street: r.Street, Number: r.Number,
				NumberOrder: HouseNumberOrder(r.Number), Electors: r.Electors,
			}
			if r.Located {
				lon, lat := r.Longitude, r.Latitude
				in.Longitude, in.Latitude = &lon, &lat
			}
			if counted.tick(r.Line) {
				progress(r.Line - 1)
			}
			return add(in)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	progress(scan.Kept + scan.Skipped)
	return &AddressImportReport{Encoding: scan.Encoding, Skipped: scan.Skipped, AddressImportReport: *stored}, nil
}

// countingRows calls for a progress report every 5,000 lines.
type countingRows struct{ last int }

func (c *countingRows) tick(line int) bool {
	if line-c.last < 5000 {
		return false
	}
	c.last = line
	return true
}

// SplitTurfs cuts a walk list into turfs: with byStreet, one turf per
// street; otherwise consecutive pieces of about target electors, cut
// where a street ends when that keeps the turf within half the target of
// its size, so that a volunteer rarely shares a street with another.
func SplitTurfs(walk []model.Address, target int, byStreet bool) [][]model.Address {
	var turfs [][]model.Address
	var cur []model.Address
	electors := 0
	cut := func() {
		if len(cur) > 0 {
			turfs = append(turfs, cur)
		}
		cur, electors = nil, 0
	}
	for i, a := range walk {
		newStreet := i > 0 && walk[i-1].Street != a.Street
		switch {
		case byStreet && newStreet:
			cut()
		case !byStreet && target > 0 && newStreet && electors >= target/2 && electors+streetElectors(walk[i:]) > target+target/2:
			cut() // the next street would make this turf too large
		case !byStreet && target > 0 && electors >= target:
			cut()
		}
		cur = append(cur, a)
		electors += a.Electors
	}
	cut()
	return turfs
}

// streetElectors counts the electors of the street that walk starts with.
func streetElectors(walk []model.Address) int {
	n := 0
	for _, a := range walk {
		if a.Street != walk[0].Street {
			break
		}
		n += a.Electors
	}
	return n
}

// ErrNoAddresses: the station has no address to split into turfs.
var ErrNoAddresses = errors.New("no address for this polling station: import the address file first")

// MakeTurfs splits a station's walk list for a field action and stores
// the turfs, named after their streets.
func MakeTurfs(ctx context.Context, store *storage.Storage, section *model.Account, event *model.Event, stationID string, target int, byStreet bool, now time.Time) ([]model.Turf, error) {
	walk, err := store.WalkList(ctx, section.ID, stationID)
	if err != nil {
		return nil, err
	}
	if len(walk) == 0 {
		return nil, ErrNoAddresses
	}
	pieces := SplitTurfs(walk, target, byStreet)
	turfs := make([]model.Turf, len(pieces))
	for i, piece := range pieces {
		t := model.Turf{ID: model.NewID(now), SectionID: section.ID, EventID: event.ID, StationID: stationID,
			Name: turfName(i, piece), Position: i, CreatedAt: now}
		for j, a := range piece {
			t.Doors = append(t.Doors, model.TurfDoor{ID: model.NewID(now), TurfID: t.ID, Position: j,
				Street: a.Street, Number: a.Number, Electors: a.Electors})
		}
		turfs[i] = t
	}
	if err := store.ReplaceTurfs(ctx, event.ID, stationID, turfs); err != nil {
		return nil, err
	}
	return turfs, nil
}

func turfName(i int, piece []model.Address) string {
	var streets []string
	for _, a := range piece {
		if len(streets) == 0 || streets[len(streets)-1] != a.Street {
			streets = append(streets, a.Street)
		}
	}
	name := strings.Join(streets, ", ")
	if len(streets) > 3 {
		name = strings.Join(streets[:3], ", ") + "…"
	}
	return fmt.Sprintf("%d. %s", i+1, name)
}

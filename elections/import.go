package elections

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// ErrElectionExists is returned by Import when the section already has an
// election with this label and Replace was not asked.
var ErrElectionExists = storage.ErrElectionExists

// ImportOptions describes one import.
type ImportOptions struct {
	SectionID  string // the section's Group account id
	Label      string // "Présidentielle 2022 T1", unique per section
	Round      int    // 1, 2, or 0 for unknown; see GuessRound
	SourceName string // the file's name, kept for the record
	// Communes keeps only these communes (INSEE codes) from the file, so a
	// section can import the national file for its own territory. Empty
	// keeps every row.
	Communes []string
	// Replace re-imports a label the section already has: the election
	// keeps its id, its figures are replaced. Without it such an import is
	// refused with ErrElectionExists and nothing changes.
	Replace bool
	// Progress, if set, is called as rows are written to the database.
	Progress func(done, total int)
}

// ImportReport says what an import did.
type ImportReport struct {
	Election *model.Election
	Encoding string // EncodingUTF8 or EncodingLatin1
	Stations int
	Communes int
	Skipped  int // rows of other communes left out (Communes option)
	// With contours only: how many stations got a shape, the stations the
	// contours file has no shape for, and the contours of the imported
	// communes that matched no station (keys like "99350_0007"). Contours
	// of other communes are ignored silently: contours files are often
	// national.
	Shaped            int
	Unshaped          []string
	UnmatchedContours []string
}

// Import reads a results file (and, if contours is not nil, a contours
// GeoJSON file) and stores them for the section in one transaction: any
// error, in either file or in the database, leaves nothing stored.
// Parse errors are *ParseError values, naming the line and the column.
func Import(ctx context.Context, store *storage.Storage, results io.Reader, contours io.Reader, opts ImportOptions) (*ImportReport, error) {
	label := strings.TrimSpace(opts.Label)
	switch {
	case opts.SectionID == "":
		return nil, errors.New("import elections: no section")
	case label == "":
		return nil, errors.New("import elections: a label is required (for example \"Présidentielle 2022 T1\")")
	case utf8.RuneCountInString(label) > 200:
		return nil, errors.New("import elections: the label is longer than 200 characters")
	case opts.Round < 0 || opts.Round > 2:
		return nil, fmt.Errorf("import elections: round %d: 1, 2, or 0 when unknown", opts.Round)
	}

	var filter map[string]bool
	if len(opts.Communes) > 0 {
		filter = make(map[string]bool, len(opts.Communes))
		for _, c := range opts.Communes {
			filter[strings.TrimSpace(c)] = true
		}
	}
	// Everything is read and checked before the database is touched.
	parsed, err := parse(results, filter)
	if err != nil {
		return nil, err
	}
	var shapes []Contour
	if contours != nil {
		if shapes, err = ParseContours(contours); err != nil {
			return nil, err
		}
	}

	report := &ImportReport{Encoding: parsed.Encoding, Stations: len(parsed.Rows), Skipped: parsed.Skipped}
	rows := make([]model.StationResult, len(parsed.Rows))
	byKey := make(map[string]*model.PollingStation, len(parsed.Rows))
	communes := make(map[string]bool)
	for i, r := range parsed.Rows {
		st := &model.PollingStation{CommuneCode: r.CommuneCode, CommuneName: r.CommuneName, Code: r.StationCode}
		byKey[r.CommuneCode+"_"+r.StationCode] = st
		communes[r.CommuneCode] = true
		rows[i] = model.StationResult{
			Registered: r.Registered, Abstentions: r.Abstentions, Voters: r.Voters,
			Blank: r.Blank, Null: r.Null, Expressed: r.Expressed,
			Candidates: r.Candidates, Station: st,
		}
	}
	report.Communes = len(communes)
	if contours != nil {
		for _, c := range shapes {
			st, ok := byKey[c.Key()]
			if !ok {
				if communes[c.CommuneCode] {
					report.UnmatchedContours = append(report.UnmatchedContours, c.Key())
				}
				continue
			}
			if st.Geometry, err = c.GeoJSON(); err != nil {
				return nil, fmt.Errorf("contours, feature %d: %w", c.Feature, err)
			}
			report.Shaped++
		}
		for key, st := range byKey {
			if st.Geometry == "" {
				report.Unshaped = append(report.Unshaped, key)
			}
		}
		sort.Strings(report.Unshaped)
	}

	e := &model.Election{
		SectionID: opts.SectionID, Label: label, Round: opts.Round,
		SourceName: opts.SourceName, Encoding: parsed.Encoding,
	}
	err = store.ImportElection(ctx, storage.ElectionImport{Election: e, Results: rows, Replace: opts.Replace, Progress: opts.Progress})
	if err != nil {
		return nil, err
	}
	report.Election = e
	return report, nil
}

// ImportContours gives shapes to the section's known polling stations
// (matched on commune and station code), in one transaction. It returns
// how many contours matched a station; the others are ignored.
func ImportContours(ctx context.Context, store *storage.Storage, sectionID string, r io.Reader) (matched, total int, err error) {
	shapes, err := ParseContours(r)
	if err != nil {
		return 0, 0, err
	}
	stations := make([]model.PollingStation, len(shapes))
	for i, c := range shapes {
		geometry, err := c.GeoJSON()
		if err != nil {
			return 0, 0, fmt.Errorf("contours, feature %d: %w", c.Feature, err)
		}
		stations[i] = model.PollingStation{CommuneCode: c.CommuneCode, Code: c.StationCode, Geometry: geometry}
	}
	matched, err = store.SetStationShapes(ctx, sectionID, stations)
	return matched, len(shapes), err
}

var roundPattern = regexp.MustCompile(`(?i)(?:\bT([12])\b|\b([12])(?:er|e|ème|eme|nd)?\s+tour\b|\b(premier|second|deuxième|deuxieme)\s+tour\b)`)

// GuessRound reads the round from a label: "Présidentielle 2022 T1",
// "Législatives 2024 2e tour", "second tour". 0 when it does not say.
func GuessRound(label string) int {
	m := roundPattern.FindStringSubmatch(label)
	switch {
	case m == nil:
		return 0
	case m[1] != "":
		n, _ := strconv.Atoi(m[1])
		return n
	case m[2] != "":
		n, _ := strconv.Atoi(m[2])
		return n
	case strings.EqualFold(m[3], "premier"):
		return 1
	}
	return 2
}

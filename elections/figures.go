package elections

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// Ranking orders for Rank.
const (
	ByAbstention = "abstention" // highest abstention rate first
	ByChange     = "change"     // largest rise in abstention first
)

// StationFigures are one polling station's figures in one election.
// Rates are fractions (0.2633 is 26.33 %).
type StationFigures struct {
	StationID   string
	CommuneCode string
	CommuneName string
	Code        string // "0001"
	Geometry    string // GeoJSON, "" without contours

	Registered  int // inscrits
	Abstentions int
	Voters      int // votants
	Blank       int
	Null        int
	Expressed   int
	Candidates  []model.CandidateResult

	AbstentionRate float64 // abstentions / registered
	Turnout        float64 // voters / registered
	// Blank and null ballots are given as shares of the ballots cast
	// (% Blancs/Vot, % Nuls/Vot): what the section wants to know is how
	// many of those who came did not choose.
	BlankRate float64 // blank / voters
	NullRate  float64 // null / voters

	// With a comparison election: Compared is true when the station is in
	// both, and AbstentionChange is this rate minus the other one (+0.05
	// is five points more abstention than in the other election).
	Compared               bool
	PreviousAbstentionRate float64
	AbstentionChange       float64

	// Rank is the 1-based position in Rank's order; 0 for a station that
	// cannot be ranked by change (not in the comparison election).
	Rank int
}

// Figures computes a stored result's rates.
func Figures(r model.StationResult) StationFigures {
	f := StationFigures{
		StationID: r.StationID, Registered: r.Registered, Abstentions: r.Abstentions,
		Voters: r.Voters, Blank: r.Blank, Null: r.Null, Expressed: r.Expressed, Candidates: r.Candidates,
	}
	if r.Station != nil {
		f.CommuneCode, f.CommuneName, f.Code, f.Geometry = r.Station.CommuneCode, r.Station.CommuneName, r.Station.Code, r.Station.Geometry
	}
	f.AbstentionRate = ratio(f.Abstentions, f.Registered)
	f.Turnout = ratio(f.Voters, f.Registered)
	f.BlankRate = ratio(f.Blank, f.Voters)
	f.NullRate = ratio(f.Null, f.Voters)
	return f
}

// ratio is 0 for an empty station rather than NaN, which would break
// sorting and the map.
func ratio(n, d int) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// RankQuery selects and orders a section's stations.
type RankQuery struct {
	SectionID  string
	ElectionID string
	CompareTo  string // another election of the section, "" for none
	Commune    string // INSEE code, "" for every commune
	By         string // ByAbstention (the default) or ByChange, which needs CompareTo
}

// Rank returns the stations of an election, ranked. An election that is
// not the section's is storage.ErrNotFound.
func Rank(ctx context.Context, store *storage.Storage, q RankQuery) ([]StationFigures, error) {
	if q.By == "" {
		q.By = ByAbstention
	}
	if q.By != ByAbstention && q.By != ByChange {
		return nil, fmt.Errorf("rank stations: unknown order %q (%s or %s)", q.By, ByAbstention, ByChange)
	}
	if q.By == ByChange && q.CompareTo == "" {
		return nil, fmt.Errorf("rank stations by change: choose an election to compare with")
	}
	current, err := load(ctx, store, q.SectionID, q.ElectionID, q.Commune)
	if err != nil {
		return nil, err
	}
	if q.CompareTo != "" {
		previous, err := load(ctx, store, q.SectionID, q.CompareTo, q.Commune)
		if err != nil {
			return nil, err
		}
		Compare(current, previous)
	}
	Sort(current, q.By)
	return current, nil
}

func load(ctx context.Context, store *storage.Storage, sectionID, electionID, commune string) ([]StationFigures, error) {
	// Looked up first so that another section's election is "not found",
	// not an empty list.
	if _, err := store.Election(ctx, sectionID, electionID); err != nil {
		return nil, fmt.Errorf("election %s: %w", electionID, err)
	}
	results, err := store.ElectionResults(ctx, sectionID, electionID, commune)
	if err != nil {
		return nil, err
	}
	figures := make([]StationFigures, len(results))
	for i, r := range results {
		figures[i] = Figures(r)
	}
	return figures, nil
}

// Compare fills the comparison fields of current from previous, matching
// stations by id (the same commune and station code).
func Compare(current, previous []StationFigures) {
	before := make(map[string]float64, len(previous))
	for _, p := range previous {
		before[p.StationID] = p.AbstentionRate
	}
	for i := range current {
		rate, ok := before[current[i].StationID]
		current[i].Compared = ok
		current[i].PreviousAbstentionRate, current[i].AbstentionChange = 0, 0
		if ok {
			current[i].PreviousAbstentionRate = rate
			current[i].AbstentionChange = current[i].AbstentionRate - rate
		}
	}
}

// Sort orders stations by ByAbstention or ByChange (stations without a
// comparison go last, unranked) and numbers them. Ties go by commune and
// station code, so the order is the same on every page load.
func Sort(stations []StationFigures, by string) {
	byCode := func(a, b StationFigures) int {
		return cmp.Or(cmp.Compare(a.CommuneCode, b.CommuneCode), cmp.Compare(a.Code, b.Code))
	}
	slices.SortStableFunc(stations, func(a, b StationFigures) int {
		if by == ByChange {
			if a.Compared != b.Compared {
				if a.Compared {
					return -1
				}
				return 1
			}
			if c := cmp.Compare(b.AbstentionChange, a.AbstentionChange); a.Compared && c != 0 {
				return c
			}
		}
		return cmp.Or(cmp.Compare(b.AbstentionRate, a.AbstentionRate), byCode(a, b))
	})
	for i := range stations {
		stations[i].Rank = i + 1
		if by == ByChange && !stations[i].Compared {
			stations[i].Rank = 0
		}
	}
}

// Total adds stations up into one line (the commune, or the whole
// territory), with its rates; StationID and Code are empty.
func Total(stations []StationFigures) StationFigures {
	var t StationFigures
	for _, s := range stations {
		t.Registered += s.Registered
		t.Abstentions += s.Abstentions
		t.Voters += s.Voters
		t.Blank += s.Blank
		t.Null += s.Null
		t.Expressed += s.Expressed
	}
	t.AbstentionRate = ratio(t.Abstentions, t.Registered)
	t.Turnout = ratio(t.Voters, t.Registered)
	t.BlankRate = ratio(t.Blank, t.Voters)
	t.NullRate = ratio(t.Null, t.Voters)
	return t
}

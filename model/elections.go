package model

import (
	"time"

	"github.com/uptrace/bun"
)

// Territorial targeting (issue 8): official election results per polling
// station, imported by a section for its own canvassing decisions. All of
// it belongs to the section (SectionID): only its secretaries and
// moderators see it, and it is never federated nor shown on public pages.

// Election is one imported results file ("Présidentielle 2022 T1").
type Election struct {
	bun.BaseModel `bun:"table:elections,alias:e"`

	ID        string `bun:"id,pk"`
	SectionID string `bun:"section_id"` // the section's Group account
	Label     string `bun:"label"`      // unique per section
	// Round is 1 or 2 for two-round elections, 0 when unknown or
	// single-round (européennes).
	Round        int       `bun:"round"`
	SourceName   string    `bun:"source_name"` // file name, for the secretary's memory
	Encoding     string    `bun:"encoding"`    // "UTF-8" or "Latin-1", as detected
	StationCount int       `bun:"station_count"`
	ImportedAt   time.Time `bun:"imported_at"`
	CreatedAt    time.Time `bun:"created_at"`
}

// PollingStation is a bureau de vote of the section's territory. The same
// (commune, code) across elections is the same row, so two elections can
// be compared station by station.
type PollingStation struct {
	bun.BaseModel `bun:"table:polling_stations,alias:ps"`

	ID          string `bun:"id,pk"`
	SectionID   string `bun:"section_id"`
	CommuneCode string `bun:"commune_code"` // INSEE code, 5 characters ("99350", "2A004")
	CommuneName string `bun:"commune_name"`
	Code        string `bun:"code"` // station code within the commune, "0001"
	// Geometry is a GeoJSON Polygon or MultiPolygon (WGS84), "" until
	// contours are imported.
	Geometry  string    `bun:"geometry"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// StationResult is one row of an official results file.
type StationResult struct {
	bun.BaseModel `bun:"table:station_results,alias:sr"`

	ElectionID  string `bun:"election_id,pk"`
	StationID   string `bun:"station_id,pk"`
	Registered  int    `bun:"registered"`  // inscrits
	Abstentions int    `bun:"abstentions"` // abstentions
	Voters      int    `bun:"voters"`      // votants
	Blank       int    `bun:"blank_ballots"`
	// Null holds the nuls; before 2014 blank ballots were counted as nuls,
	// and older files have one "Blancs et nuls" column that lands here.
	Null       int               `bun:"null_ballots"`
	Expressed  int               `bun:"expressed"` // exprimés
	Candidates []CandidateResult `bun:"candidates,type:text"`

	Station *PollingStation `bun:"rel:belongs-to,join:station_id=id"`
}

// CandidateResult is a candidate's (or list's) votes in one station.
type CandidateResult struct {
	Panel     string `json:"panel,omitempty"` // numéro de panneau / de liste
	Sex       string `json:"sex,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	Nuance    string `json:"nuance,omitempty"`
	List      string `json:"list,omitempty"` // list label (européennes, municipales)
	Votes     int    `json:"votes"`
}

// Commune is a commune present in an election's results.
type Commune struct {
	Code string `bun:"commune_code"`
	Name string `bun:"commune_name"`
}

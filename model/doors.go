package model

import (
	"time"

	"github.com/uptrace/bun"
)

// Address is a door of the official address file: the electors registered
// there vote in one polling station. Section working data, never federated.
type Address struct {
	bun.BaseModel `bun:"table:addresses,alias:ad"`

	ID          string    `bun:"id,pk"`
	SectionID   string    `bun:"section_id"`
	StationID   string    `bun:"station_id"`
	Street      string    `bun:"street"`
	Number      string    `bun:"number"`       // "12", "12 bis", "" at street level
	NumberOrder int       `bun:"number_order"` // 12 for "12 bis": the walk order
	Electors    int       `bun:"electors"`
	Longitude   *float64  `bun:"longitude"`
	Latitude    *float64  `bun:"latitude"`
	CreatedAt   time.Time `bun:"created_at"`
}

// Door outcomes a volunteer ticks on their turf.
const (
	DoorKnocked = "knocked" // knocked, nothing more to say
	DoorAbsent  = "absent"  // nobody home
	DoorTalked  = "talked"  // talked with someone
	DoorLater   = "later"   // come back later
)

// DoorOutcomes lists the outcomes in the order the turf page offers them.
var DoorOutcomes = []string{DoorKnocked, DoorAbsent, DoorTalked, DoorLater}

// Turf is a piece of a polling station's walk list, for one field action,
// assigned to at most one volunteer.
type Turf struct {
	bun.BaseModel `bun:"table:turfs,alias:tu"`

	ID         string    `bun:"id,pk"`
	SectionID  string    `bun:"section_id"`
	EventID    string    `bun:"event_id"`
	StationID  string    `bun:"station_id"`
	Name       string    `bun:"name"`
	Position   int       `bun:"position"`
	AssigneeID *string   `bun:"assignee_id"`
	CreatedAt  time.Time `bun:"created_at"`

	Doors []TurfDoor `bun:"-"`
}

// TurfDoor is one address of a turf, copied from the address file when the
// turf was made, with what the volunteer recorded there.
type TurfDoor struct {
	bun.BaseModel `bun:"table:turf_doors,alias:td"`

	ID        string     `bun:"id,pk"`
	TurfID    string     `bun:"turf_id"`
	Position  int        `bun:"position"`
	Street    string     `bun:"street"`
	Number    string     `bun:"number"`
	Electors  int        `bun:"electors"`
	Outcome   string     `bun:"outcome"`
	UpdatedAt *time.Time `bun:"updated_at"`
	UpdatedBy *string    `bun:"updated_by"`
}

// ActionReport is what the organisers of a field action recorded after it.
type ActionReport struct {
	bun.BaseModel `bun:"table:action_reports,alias:ar"`

	EventID      string    `bun:"event_id,pk"`
	DoorsKnocked int       `bun:"doors_knocked"`
	PeopleMet    int       `bun:"people_met"`
	Leaflets     int       `bun:"leaflets"`
	Notes        string    `bun:"notes"`
	UpdatedBy    string    `bun:"updated_by"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

// Attendance is one participant who came to a field action.
type Attendance struct {
	bun.BaseModel `bun:"table:action_attendance,alias:aa"`

	EventID   string `bun:"event_id,pk"`
	AccountID string `bun:"account_id,pk"`
}

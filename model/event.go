package model

import (
	"time"

	"github.com/uptrace/bun"
)

// Event kinds and field-action kinds.
const (
	EventKindEvent       = "event"
	EventKindFieldAction = "field_action"
)

// ActionKinds are the kinds of field action a section organises.
var ActionKinds = []string{"leafleting", "door_to_door", "stand", "phoning", "posters"}

// Participation states.
const (
	ParticipationGoing      = "going"
	ParticipationInterested = "interested"
	ParticipationWaitlisted = "waitlisted"
	ParticipationPending    = "pending" // sent to a remote organiser, no answer yet
	ParticipationRejected   = "rejected"
	// ParticipationHeld is a guest's place, kept until the guest confirms
	// it by the e-mailed link or the hold ends (EventGuest.HoldUntil). It
	// counts in the gauge like going.
	ParticipationHeld = "held"
)

// Event is a meeting, debate, rally or field action. It has a status
// (StatusID) so that it shows in timelines and federates like a post.
type Event struct {
	bun.BaseModel `bun:"table:events,alias:e"`

	ID               string     `bun:"id,pk"`
	StatusID         string     `bun:"status_id"`
	URI              string     `bun:"uri"`
	AccountID        string     `bun:"account_id"`
	GroupID          *string    `bun:"group_id"`
	Kind             string     `bun:"kind"`
	ActionKind       string     `bun:"action_kind"`
	Title            string     `bun:"title"`
	StartAt          time.Time  `bun:"start_at"`
	EndAt            *time.Time `bun:"end_at"`
	Timezone         string     `bun:"timezone"`
	PlaceName        string     `bun:"place_name"`
	StreetAddress    string     `bun:"street_address"`
	PostalCode       string     `bun:"postal_code"`
	Locality         string     `bun:"locality"`
	Region           string     `bun:"region"`
	Country          string     `bun:"country"`
	Latitude         *float64   `bun:"latitude"`
	Longitude        *float64   `bun:"longitude"`
	OnlineURL        string     `bun:"online_url"`
	Category         string     `bun:"category"`
	EventStatus      string     `bun:"event_status"`
	JoinMode         string     `bun:"join_mode"`
	Capacity         *int       `bun:"capacity"`
	ParticipantCount int        `bun:"participant_count"`
	PollingStationID *string    `bun:"polling_station_id"`
	ReminderSentAt   *time.Time `bun:"reminder_sent_at"`
	CreatedAt        time.Time  `bun:"created_at"`
	UpdatedAt        time.Time  `bun:"updated_at"`

	Status *Status      `bun:"rel:belongs-to,join:status_id=id"`
	Slots  []*EventSlot `bun:"rel:has-many,join:id=event_id"`
}

// Remaining is the number of places left, or -1 when unlimited.
func (e *Event) Remaining() int {
	if e.Capacity == nil {
		return -1
	}
	return max(*e.Capacity-e.ParticipantCount, 0)
}

type EventSlot struct {
	bun.BaseModel `bun:"table:event_slots"`

	ID               string    `bun:"id,pk"`
	EventID          string    `bun:"event_id"`
	StartAt          time.Time `bun:"start_at"`
	EndAt            time.Time `bun:"end_at"`
	Need             int       `bun:"need"`
	ParticipantCount int       `bun:"participant_count"`
}

type Participation struct {
	bun.BaseModel `bun:"table:participations,alias:p"`

	ID      string `bun:"id,pk"`
	EventID string `bun:"event_id"`
	SlotID  string `bun:"slot_id"`
	// AccountID is the member signed up; a guest's participation has
	// GuestID instead (exactly one of the two is set).
	AccountID string    `bun:"account_id,nullzero"`
	GuestID   string    `bun:"guest_id,nullzero"`
	State     string    `bun:"state"`
	URI       string    `bun:"uri"`
	AcceptURI string    `bun:"accept_uri"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`

	Account *Account    `bun:"rel:belongs-to,join:account_id=id"`
	Guest   *EventGuest `bun:"rel:belongs-to,join:guest_id=id"`
}

// EventGuest is someone without an account signed up for a public event
// by e-mail. Name, Email and Phone never leave this server and are erased
// 30 days after the event (Email nil, ErasedAt set).
type EventGuest struct {
	bun.BaseModel `bun:"table:event_guests,alias:g"`

	ID          string     `bun:"id,pk"`
	EventID     string     `bun:"event_id"`
	Name        string     `bun:"name"`
	Email       *string    `bun:"email"`
	Phone       string     `bun:"phone"`
	Lang        string     `bun:"lang"`
	ConfirmHash *string    `bun:"confirm_hash"`
	CancelHash  *string    `bun:"cancel_hash"`
	HoldUntil   time.Time  `bun:"hold_until"`
	ConfirmedAt *time.Time `bun:"confirmed_at"`
	ConsentAt   time.Time  `bun:"consent_at"`
	ErasedAt    *time.Time `bun:"erased_at"`
	CreatedAt   time.Time  `bun:"created_at"`
}

// ParticipantPhone is the phone number a participant gave an action's
// organisers, with their consent. Never federated, never logged.
type ParticipantPhone struct {
	bun.BaseModel `bun:"table:participant_phones"`

	EventID     string    `bun:"event_id,pk"`
	AccountID   string    `bun:"account_id,pk"`
	Phone       string    `bun:"phone"`
	ConsentedAt time.Time `bun:"consented_at"`
}

package model

import (
	"time"

	"github.com/uptrace/bun"
)

// Follow states.
const (
	FollowPending  = "pending"
	FollowAccepted = "accepted"
)

type Follow struct {
	bun.BaseModel `bun:"table:follows"`

	ID              string    `bun:"id,pk"`
	AccountID       string    `bun:"account_id"`
	TargetAccountID string    `bun:"target_account_id"`
	URI             string    `bun:"uri"`
	State           string    `bun:"state"`
	ShowReblogs     bool      `bun:"show_reblogs"`
	Notify          bool      `bun:"notify"`
	CreatedAt       time.Time `bun:"created_at"`
	UpdatedAt       time.Time `bun:"updated_at"`
}

type Block struct {
	bun.BaseModel `bun:"table:blocks"`

	ID              string    `bun:"id,pk"`
	AccountID       string    `bun:"account_id"`
	TargetAccountID string    `bun:"target_account_id"`
	URI             string    `bun:"uri"`
	CreatedAt       time.Time `bun:"created_at"`
}

// Visibility classes. Members is Coopol's own: group members only.
const (
	VisibilityPublic   = "public"
	VisibilityUnlisted = "unlisted"
	VisibilityPrivate  = "private"
	VisibilityDirect   = "direct"
	VisibilityMembers  = "members"
)

type Status struct {
	bun.BaseModel `bun:"table:statuses,alias:s"`

	ID                 string     `bun:"id,pk"`
	URI                string     `bun:"uri"`
	URL                string     `bun:"url"`
	AccountID          string     `bun:"account_id"`
	Local              bool       `bun:"local"`
	APType             string     `bun:"ap_type"`
	Title              string     `bun:"title"`
	Content            string     `bun:"content"`
	SourceText         string     `bun:"source_text"`
	SpoilerText        string     `bun:"spoiler_text"`
	Sensitive          bool       `bun:"sensitive"`
	Language           string     `bun:"language"`
	Visibility         string     `bun:"visibility"`
	GroupID            *string    `bun:"group_id"`
	InReplyToID        *string    `bun:"in_reply_to_id"`
	InReplyToURI       string     `bun:"in_reply_to_uri"`
	InReplyToAccountID *string    `bun:"in_reply_to_account_id"`
	ReblogOfID         *string    `bun:"reblog_of_id"`
	ThreadID           string     `bun:"thread_id"`
	ApplicationID      *string    `bun:"application_id"`
	PinnedInGroup      bool       `bun:"pinned_in_group"`
	ThreadLocked       bool       `bun:"thread_locked"`
	RepliesCount       int        `bun:"replies_count"`
	ReblogsCount       int        `bun:"reblogs_count"`
	FavouritesCount    int        `bun:"favourites_count"`
	CreatedAt          time.Time  `bun:"created_at"`
	UpdatedAt          time.Time  `bun:"updated_at"`
	EditedAt           *time.Time `bun:"edited_at"`

	Account *Account `bun:"rel:belongs-to,join:account_id=id"`
}

// StatusRecipient names an account a status is addressed to beyond its
// visibility class (mentions, DM recipients).
type StatusRecipient struct {
	bun.BaseModel `bun:"table:status_recipients"`

	StatusID  string `bun:"status_id,pk"`
	AccountID string `bun:"account_id,pk"`
	Mentioned bool   `bun:"mentioned"`
}

type Favourite struct {
	bun.BaseModel `bun:"table:favourites"`

	ID        string    `bun:"id,pk"`
	AccountID string    `bun:"account_id"`
	StatusID  string    `bun:"status_id"`
	URI       string    `bun:"uri"`
	CreatedAt time.Time `bun:"created_at"`
}

type Tag struct {
	bun.BaseModel `bun:"table:tags"`

	ID        string    `bun:"id,pk"`
	Name      string    `bun:"name"`
	CreatedAt time.Time `bun:"created_at"`
}

type StatusTag struct {
	bun.BaseModel `bun:"table:status_tags"`

	StatusID string `bun:"status_id,pk"`
	TagID    string `bun:"tag_id,pk"`
}

type Notification struct {
	bun.BaseModel `bun:"table:notifications"`

	ID            string  `bun:"id,pk"`
	AccountID     string  `bun:"account_id"`
	FromAccountID *string `bun:"from_account_id"`
	Type          string  `bun:"type"`
	StatusID      *string `bun:"status_id"`
	EventID       *string `bun:"event_id"`
	GroupID       *string `bun:"group_id"`
	// ReportID names the report of an "admin.report" notification.
	ReportID *string `bun:"report_id"`
	Read     bool    `bun:"read"`
	// Detail says what changed, for coopol.event_changed: "time,place,status".
	Detail string `bun:"detail"`
	// GaugeGoing and GaugeCapacity are an event's gauge when the
	// notification was made (sign-ups, cancellations): a notification
	// tells what happened then, not what the gauge says now.
	GaugeGoing    *int      `bun:"gauge_going"`
	GaugeCapacity *int      `bun:"gauge_capacity"`
	CreatedAt     time.Time `bun:"created_at"`
}

// OutboxActivity is an activity we emitted, kept so its id dereferences
// and delivery jobs can refer to it.
type OutboxActivity struct {
	bun.BaseModel `bun:"table:outbox_activities"`

	ID        string    `bun:"id,pk"`
	URI       string    `bun:"uri"`
	AccountID string    `bun:"account_id"`
	Type      string    `bun:"type"`
	ObjectURI string    `bun:"object_uri"`
	Public    bool      `bun:"public"`
	Body      string    `bun:"body"`
	CreatedAt time.Time `bun:"created_at"`
}

type Group struct {
	bun.BaseModel `bun:"table:groups"`

	AccountID         string `bun:"account_id,pk"`
	Kind              string `bun:"kind"`
	Openness          string `bun:"openness"`
	MembersVisibility string `bun:"members_visibility"`
	Territory         string `bun:"territory"`
	PostingRestricted bool   `bun:"posting_restricted"`
	// MemberCount and CalendarURL: what a remote group says of itself
	// (nil / "" for local groups, which count their own members).
	MemberCount        *int      `bun:"member_count"`
	CalendarURL        string    `bun:"calendar_url"`
	CreatedByAccountID *string   `bun:"created_by_account_id"`
	CreatedAt          time.Time `bun:"created_at"`
	UpdatedAt          time.Time `bun:"updated_at"`

	// Admission: who an open group admits without approval (section,
	// party or anyone); SympathisantsMayJoin: whether people who are not
	// verified adherents may join at all (social/admission.go).
	Admission            string `bun:"admission"`
	SympathisantsMayJoin bool   `bun:"sympathisants_may_join"`
}

type Membership struct {
	bun.BaseModel `bun:"table:memberships"`

	ID             string    `bun:"id,pk"`
	GroupAccountID string    `bun:"group_account_id"`
	AccountID      string    `bun:"account_id"`
	Role           string    `bun:"role"`
	State          string    `bun:"state"`
	SectionStatus  string    `bun:"section_status"`
	URI            string    `bun:"uri"`
	AcceptURI      string    `bun:"accept_uri"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

type Report struct {
	bun.BaseModel `bun:"table:reports"`

	ID              string     `bun:"id,pk"`
	AccountID       *string    `bun:"account_id"`
	TargetAccountID string     `bun:"target_account_id"`
	StatusIDs       []string   `bun:"status_ids,type:text"`
	Comment         string     `bun:"comment"`
	URI             string     `bun:"uri"`
	Forwarded       bool       `bun:"forwarded"`
	ResolvedAt      *time.Time `bun:"resolved_at"`
	CreatedAt       time.Time  `bun:"created_at"`
}

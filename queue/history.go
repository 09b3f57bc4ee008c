package queue

import (
	"time"

	"github.com/riverqueue/river"
)

// HistoryArgs asks for the recent public history of a remote section or
// group (its outbox) when someone here follows or joins it, or first
// finds it in search.
type HistoryArgs struct {
	GroupURI string `json:"group_uri"`
	// Cause is what asked: "follow:<account id>", "join:<account id>",
	// "search" or "directory". The same cause asks at most once a minute
	// (a search typed again, a follow repeated); a new follower always
	// gets the history, whatever a search fetched a moment before.
	Cause string `json:"cause"`
	// MemberID, for a join, is the local member whose key signs the
	// fetch, so that the group serves its members-only items too.
	MemberID string `json:"member_id,omitempty"`
}

func (HistoryArgs) Kind() string { return "group_history" }

func (HistoryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 3,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}
}

// DirectoryArgs asks for the sections of federation.sections to be
// looked up (directory of sections).
type DirectoryArgs struct{}

func (DirectoryArgs) Kind() string { return "section_directory" }

// Directory schedules DirectoryArgs every interval, at start too.
func Directory(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		return DirectoryArgs{}, &river.InsertOpts{MaxAttempts: 1}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

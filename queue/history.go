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
}

func (HistoryArgs) Kind() string { return "group_history" }

// InsertOpts: one fetch per group and hour is enough, however many
// people follow it at once.
func (HistoryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 3,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
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

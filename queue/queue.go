// Package queue is the durable job queue: River over the same database as
// everything else, so a job is written in the same transaction as the
// post that causes it, survives a crash, and is shared without
// double delivery by several replicas on PostgreSQL (SKIP LOCKED).
package queue

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/uptrace/bun"

	"github.com/coopol/coopol/storage"
)

// Queue names.
const (
	QueueDelivery = "delivery"
	QueueDefault  = river.QueueDefault
)

// DeliverArgs asks for one activity to be POSTed to one inbox. The job
// carries ids only: the body is read from outbox_activities at send time.
type DeliverArgs struct {
	ActivityID string `json:"activity_id"`
	Inbox      string `json:"inbox"`
}

func (DeliverArgs) Kind() string { return "deliver" }

// Remind schedules RemindArgs every interval.
func Remind(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		return RemindArgs{}, &river.InsertOpts{MaxAttempts: 1}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// EraseOldTurfs schedules EraseTurfsArgs every interval.
func EraseOldTurfs(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		return EraseTurfsArgs{}, &river.InsertOpts{MaxAttempts: 3}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// EraseTurfsArgs asks for the door-to-door records past their retention
// to be erased.
type EraseTurfsArgs struct{}

func (EraseTurfsArgs) Kind() string { return "erase_turfs" }

// Guests schedules GuestsArgs every interval.
func Guests(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		return GuestsArgs{}, &river.InsertOpts{MaxAttempts: 3}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// GuestsArgs asks for the places of guests who did not confirm in time to
// be given back, and for guests' personal data past its retention to be
// erased.
type GuestsArgs struct{}

func (GuestsArgs) Kind() string { return "guests" }

// MaxDeliveryAttempts with the worker's count⁴+15 s backoff spreads
// retries over about three days.
const MaxDeliveryAttempts = 16

func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDelivery, MaxAttempts: MaxDeliveryAttempts}
}

// RemindArgs asks for reminders of events starting soon. It runs every
// few minutes; with several replicas, River's leader inserts it once.
type RemindArgs struct{}

func (RemindArgs) Kind() string { return "remind" }

// Options tune the queue; zero values give production defaults.
type Options struct {
	// PeriodicJobs run on a schedule (reminders).
	PeriodicJobs    []*river.PeriodicJob
	DeliveryWorkers int
	PollInterval    time.Duration // how often idle workers look for jobs
	Logger          *slog.Logger
	// RescueStuckJobsAfter: a job still "running" this long after it
	// started was left by a crashed process (kill -9, power cut) and is
	// retried. Zero means DefaultRescueStuckJobsAfter; tests use seconds
	// (JobTimeout is lowered to match, as River requires).
	RescueStuckJobsAfter time.Duration
}

// DefaultRescueStuckJobsAfter replaces River's one hour: deliveries time
// out after 30 s and other jobs after JobTimeout (2 min), so a job
// running longer than that was abandoned by a crash. River also waits
// for each job's own timeout before rescuing it, so a slow job is never
// run twice at once.
const DefaultRescueStuckJobsAfter = 2 * time.Minute

// Queue inserts jobs and, when started with workers, runs them.
type Queue struct {
	client *river.Client[*sql.Tx]
}

func driverFor(store *storage.Storage) riverdriver.Driver[*sql.Tx] {
	if store.Type == "sqlite" {
		return riversqlite.New(store.QueueDB)
	}
	return riverdatabasesql.New(store.QueueDB)
}

// New builds a queue. workers may be nil for an insert-only queue (the
// admin commands).
func New(store *storage.Storage, workers *river.Workers, opts Options) (*Queue, error) {
	cfg := &river.Config{Logger: opts.Logger, JobTimeout: 2 * time.Minute, RescueStuckJobsAfter: DefaultRescueStuckJobsAfter,
		// Jobs carry working secrets (a mail's reset or confirmation
		// link) and personal data (a guest's name): finished rows go
		// within the hour, failed ones within a day, rather than River's
		// 24 hours and 7 days.
		CompletedJobRetentionPeriod: time.Hour,
		CancelledJobRetentionPeriod: 24 * time.Hour,
		DiscardedJobRetentionPeriod: 24 * time.Hour,
	}
	if opts.RescueStuckJobsAfter > 0 {
		cfg.RescueStuckJobsAfter = opts.RescueStuckJobsAfter
		cfg.JobTimeout = min(cfg.JobTimeout, opts.RescueStuckJobsAfter)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if workers != nil {
		n := opts.DeliveryWorkers
		if n < 1 {
			n = 8
		}
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{
			QueueDelivery: {MaxWorkers: n},
			QueueDefault:  {MaxWorkers: 4},
		}
		poll := opts.PollInterval
		if poll <= 0 {
			poll = time.Second
		}
		cfg.FetchPollInterval = poll
		// Deliveries mostly wait on the network: fetch new jobs soon after
		// workers free up (River's default 100 ms capped us near 80/s with
		// 8 workers, see README Performance).
		cfg.FetchCooldown = min(poll, 20*time.Millisecond)
		cfg.PeriodicJobs = opts.PeriodicJobs
	}
	client, err := river.NewClient(driverFor(store), cfg)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	return &Queue{client: client}, nil
}

// Start runs the workers until Stop.
func (q *Queue) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop lets running jobs finish (up to ctx's deadline).
func (q *Queue) Stop(ctx context.Context) error { return q.client.Stop(ctx) }

// EnqueueTx inserts jobs in the caller's transaction: they exist if and
// only if the transaction commits.
func (q *Queue) EnqueueTx(ctx context.Context, tx bun.Tx, jobs ...river.JobArgs) error {
	if len(jobs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j}
	}
	if _, err := q.client.InsertManyTx(ctx, tx.Tx, params); err != nil {
		return fmt.Errorf("queue: enqueue: %w", err)
	}
	return nil
}

// Enqueue inserts jobs outside any transaction.
func (q *Queue) Enqueue(ctx context.Context, jobs ...river.JobArgs) error {
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j}
	}
	if len(params) == 0 {
		return nil
	}
	_, err := q.client.InsertMany(ctx, params)
	return err
}

// Client exposes River for workers that need it (e.g. to enqueue from a job).
func (q *Queue) Client() *river.Client[*sql.Tx] { return q.client }

package federation

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"
)

// Dead instances, after Mastodon's DeliveryFailureTracker: every
// UTC day on which a delivery to a host used up all its attempts is
// recorded; from the seventh distinct day the host is unavailable and
// deliveries to it are dropped at once instead of each waiting out three
// days of retries. Any answer from the host (a 2xx, or a 4xx saying the
// request itself was wrong) clears the record. While a host is
// unavailable, one delivery a day goes out as a probe, so a host that
// comes back is delivered to again without an operator.
const (
	unavailableAfterDays = 7
	probeEvery           = 24 * time.Hour
	maxFailureDays       = 31 // the list is only ever compared with 7
)

// unavailableDomain is a row of unavailable_domains.
type unavailableDomain struct {
	bun.BaseModel `bun:"table:unavailable_domains"`

	Domain        string    `bun:"domain,pk"`
	FailureDays   string    `bun:"failure_days"` // comma-separated YYYY-MM-DD, oldest first
	LastFailureAt time.Time `bun:"last_failure_at"`
}

func (d *unavailableDomain) days() []string {
	if d.FailureDays == "" {
		return nil
	}
	return strings.Split(d.FailureDays, ",")
}

// hostGate is what Deliver learnt about the target host before sending.
type hostGate struct {
	host  string
	known bool // the host has a failure record, to clear when it answers
	probe bool // the host is unavailable and this delivery is the day's probe
}

// failed adapts a retryable delivery error: a failed probe is not retried
// (the next probe is tomorrow's delivery).
func (g hostGate) failed(err error) error {
	if g.probe {
		return permanent(err)
	}
	return err
}

// deliveryHost is the host an inbox URL's failures are counted under.
func deliveryHost(u *url.URL) string {
	return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
}

func (f *Federation) clock() time.Time { return f.now().UTC().Truncate(time.Microsecond) }

// openHost reports whether a delivery to u may be sent. A host with fewer
// than seven failure days is open; an unavailable one is open only to the
// first delivery a day after its last failure or probe (the claim is an
// atomic UPDATE, so replicas do not probe together).
func (f *Federation) openHost(ctx context.Context, u *url.URL) (hostGate, bool, error) {
	gate := hostGate{host: deliveryHost(u)}
	var row unavailableDomain
	err := f.store.DB.NewSelect().Model(&row).Where("domain = ?", gate.host).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return gate, true, nil
	} else if err != nil {
		return gate, false, err
	}
	gate.known = true
	if len(row.days()) < unavailableAfterDays {
		return gate, true, nil
	}
	now := f.clock()
	res, err := f.store.DB.NewUpdate().Model((*unavailableDomain)(nil)).Set("last_failure_at = ?", now).
		Where("domain = ? AND last_failure_at <= ?", gate.host, now.Add(-probeEvery)).Exec(ctx)
	if err != nil {
		return gate, false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gate, false, nil
	}
	gate.probe = true
	return gate, true, nil
}

// hostAnswered clears the failure record of a host that answered.
func (f *Federation) hostAnswered(ctx context.Context, gate hostGate) {
	if !gate.known {
		return
	}
	if _, err := f.store.DB.NewDelete().Model((*unavailableDomain)(nil)).Where("domain = ?", gate.host).Exec(ctx); err != nil {
		f.log.Warn("delivery: cannot clear the failure record", "host", gate.host, "err", err)
		return
	}
	if gate.probe {
		f.log.Info("delivery: host is reachable again", "host", gate.host)
	}
}

// deliveryExhausted is called by the worker when a job's last attempt
// failed. Cancelled jobs (unsalvageable answers, skipped or failed
// probes) do not count: the host answered, or is already unavailable.
func (f *Federation) deliveryExhausted(ctx context.Context, inbox string, err error) {
	if errors.As(err, new(*river.JobCancelError)) || errors.Is(err, context.Canceled) {
		return
	}
	u, perr := url.Parse(inbox)
	if perr != nil || u.Host == "" {
		return
	}
	// The job's own context may have timed out: recording must not.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := f.recordFailureDay(ctx, deliveryHost(u)); err != nil {
		f.log.Warn("delivery: cannot record the failure", "host", u.Host, "err", err)
	}
}

// recordFailureDay adds today (UTC) to host's failure days.
func (f *Federation) recordFailureDay(ctx context.Context, host string) error {
	now := f.clock()
	today := now.Format(time.DateOnly)
	return f.store.InTx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&unavailableDomain{Domain: host, LastFailureAt: now}).
			On("CONFLICT (domain) DO NOTHING").Exec(ctx); err != nil {
			return err
		}
		var row unavailableDomain
		q := tx.NewSelect().Model(&row).Where("domain = ?", host)
		if f.store.Type == "postgres" {
			q = q.For("UPDATE") // SQLite transactions are exclusive already
		}
		if err := q.Scan(ctx); err != nil {
			return err
		}
		days := row.days()
		if !slices.Contains(days, today) {
			days = append(days, today)
			slices.Sort(days)
			if len(days) > maxFailureDays {
				days = days[len(days)-maxFailureDays:]
			}
			if len(days) == unavailableAfterDays {
				f.log.Warn("delivery: host unavailable, deliveries to it are skipped (one probe a day)", "host", host)
			}
		}
		_, err := tx.NewUpdate().Model((*unavailableDomain)(nil)).
			Set("failure_days = ?", strings.Join(days, ",")).Set("last_failure_at = ?", now).
			Where("domain = ?", host).Exec(ctx)
		return err
	})
}

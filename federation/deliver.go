package federation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/queue"
	"github.com/coopol/coopol/storage"
)

// DeliveryWorker POSTs one stored activity to one inbox, signed by the
// activity's actor.
type DeliveryWorker struct {
	river.WorkerDefaults[queue.DeliverArgs]
	Fed *Federation
	// Backoff replaces RetryDelay (tests use short delays).
	Backoff func(attempt int) time.Duration
}

// NextRetry follows Mastodon's schedule, count⁴+15 s with up to 50 %
// jitter: 16 attempts span about three days.
func (w *DeliveryWorker) NextRetry(job *river.Job[queue.DeliverArgs]) time.Time {
	if w.Backoff != nil {
		return time.Now().Add(w.Backoff(job.Attempt))
	}
	return time.Now().Add(RetryDelay(job.Attempt))
}

// RetryDelay is the wait after the given (1-based) failed attempt.
func RetryDelay(attempt int) time.Duration {
	base := time.Duration(attempt*attempt*attempt*attempt)*time.Second + 15*time.Second
	return base + time.Duration(rand.Int64N(int64(base/2)+1))
}

func (w *DeliveryWorker) Timeout(*river.Job[queue.DeliverArgs]) time.Duration {
	return 30 * time.Second
}

func (w *DeliveryWorker) Work(ctx context.Context, job *river.Job[queue.DeliverArgs]) error {
	// A slow or hanging server must not take every worker: past a few
	// deliveries in flight to one host, later ones wait their turn
	// (snoozed, which costs no attempt) and other hosts go first.
	host := hostOf(job.Args.Inbox)
	if !w.Fed.inflight.wait(ctx, host, inflightWait) {
		return river.JobSnooze(inflightSnooze)
	}
	defer w.Fed.inflight.release(host)
	err := w.Fed.Deliver(ctx, job.Args.ActivityID, job.Args.Inbox)
	if err != nil && job.Attempt >= job.MaxAttempts {
		w.Fed.deliveryExhausted(ctx, job.Args.Inbox, err)
	}
	return err
}

// permanent marks a delivery failure that retrying cannot fix.
func permanent(err error) error { return river.JobCancel(err) }

// Deliver sends one activity to one inbox.
func (f *Federation) Deliver(ctx context.Context, activityID, inbox string) error {
	act, err := f.store.OutboxActivity(ctx, activityID)
	if errors.Is(err, storage.ErrNotFound) {
		return permanent(fmt.Errorf("activity %s no longer exists", activityID))
	} else if err != nil {
		return err
	}
	u, err := url.Parse(inbox)
	if err != nil {
		return permanent(fmt.Errorf("bad inbox %q", inbox))
	}
	if ok, err := f.domainAllowed(ctx, u.Host); err != nil {
		return err
	} else if !ok {
		f.deliveryFailed(u.Host, "domain_blocked", 0)
		return permanent(fmt.Errorf("domain %s is not federated with", u.Host))
	}
	gate, open, err := f.openHost(ctx, u) // dead instances
	if err != nil {
		return err
	} else if !open {
		f.deliveryFailed(u.Host, "host_unavailable", 0)
		return permanent(fmt.Errorf("%s is unavailable: delivery skipped", u.Host))
	}
	actor, err := f.store.AccountByID(ctx, act.AccountID)
	if err != nil {
		return permanent(fmt.Errorf("actor of activity %s: %w", activityID, err))
	}
	key, err := f.keys.privateKey(actor.PrivateKeyPEM)
	if err != nil {
		return permanent(fmt.Errorf("actor %s has no usable key: %w", actor.Username, err))
	}
	body := []byte(act.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		return permanent(err)
	}
	req.Header.Set("Content-Type", ap.ContentType)
	if err := httpsign.SignRequest(req, actor.PublicKeyID, key, body, f.now()); err != nil {
		return permanent(err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		f.deliveryFailed(u.Host, "network", 0)
		return gate.failed(fmt.Errorf("deliver to %s: %w", u.Host, err))
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		f.hostAnswered(ctx, gate)
		return nil
	case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusRequestTimeout,
		resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		f.deliveryFailed(u.Host, statusReason(resp.StatusCode), resp.StatusCode)
		return gate.failed(fmt.Errorf("deliver to %s: HTTP %d", u.Host, resp.StatusCode))
	default:
		// Other 4xx (and 501) are "unsalvageable", as Mastodon says; the
		// host is up, though.
		f.hostAnswered(ctx, gate)
		f.deliveryFailed(u.Host, statusReason(resp.StatusCode), resp.StatusCode)
		return permanent(fmt.Errorf("deliver to %s: HTTP %d", u.Host, resp.StatusCode))
	}
}

// maxInflightPerHost bounds concurrent deliveries to one server.
const (
	maxInflightPerHost = 2
	inflightWait       = 100 * time.Millisecond // a fast server frees a slot well within it
	inflightSnooze     = time.Second
)

// inflight counts deliveries in progress per host (per process: with
// several replicas each keeps its own count, which only loosens the cap).
type inflight struct {
	mu sync.Mutex
	n  map[string]int
}

func (f *inflight) acquire(host string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == nil {
		f.n = map[string]int{}
	}
	if f.n[host] >= maxInflightPerHost {
		return false
	}
	f.n[host]++
	return true
}

// wait tries to take a slot for host for up to max.
func (f *inflight) wait(ctx context.Context, host string, max time.Duration) bool {
	deadline := time.Now().Add(max)
	for {
		if f.acquire(host) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (f *inflight) release(host string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[host]--; f.n[host] <= 0 {
		delete(f.n, host)
	}
}

func hostOf(inbox string) string {
	if u, err := url.Parse(inbox); err == nil {
		return strings.ToLower(u.Host)
	}
	return inbox
}

// statusReason is the metrics label of an inbox's HTTP answer.
func statusReason(status int) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "refused_signature"
	case status >= 500:
		return "server_error"
	default:
		return "client_error"
	}
}

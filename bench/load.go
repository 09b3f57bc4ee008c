package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LoadOptions drive one load run: Concurrency clients each send GET Path
// back to back until Duration has passed or MaxRequests were sent, which
// ever comes first. Both bounds are required: a run always stops by itself.
type LoadOptions struct {
	BaseURL     string // http://127.0.0.1:PORT — loopback only
	Path        string // e.g. /api/v1/timelines/home
	Token       string // bearer token, "" for anonymous
	Concurrency int
	Duration    time.Duration
	MaxRequests int
	Timeout     time.Duration // per request (default 10 s)
	// Gzip asks for compressed answers. Off by default: a server that
	// compresses (GoToSocial does, Coopol leaves it to the reverse proxy)
	// would make the load generator decompress, on the same cores.
	Gzip bool
	// Cookie is sent as the Cookie header, for web pages behind a sign-in
	// (Coopol's /home takes its session: coopol_session=…).
	Cookie string
}

// LoadResult summarises a run. Latencies are of successful (2xx) requests.
type LoadResult struct {
	Path          string
	Concurrency   int
	Requests      int
	Errors        int // transport errors and non-2xx answers
	Elapsed       time.Duration
	RPS           float64 // successful requests per second
	P50, P90, P99 time.Duration
	Max           time.Duration
	BytesPerReply int
	FirstError    string
}

func (r LoadResult) String() string {
	return fmt.Sprintf("%s c=%d: %d req in %s = %.0f req/s, p50 %s p90 %s p99 %s max %s, %d errors, %d B/reply",
		r.Path, r.Concurrency, r.Requests, r.Elapsed.Round(time.Millisecond), r.RPS,
		ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max), r.Errors, r.BytesPerReply)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

// CheckLoopback refuses any target that is not a loopback address
// (127.0.0.0/8, ::1 or localhost): the load generator is for this
// machine's own servers only.
func CheckLoopback(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("load target %q: want an http(s) URL", rawURL)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("load target %q: only loopback addresses (127.0.0.0/8, ::1, localhost) may be loaded", rawURL)
	}
	return nil
}

// RunLoad runs the load described by opts.
func RunLoad(ctx context.Context, opts LoadOptions) (LoadResult, error) {
	res := LoadResult{Path: opts.Path, Concurrency: opts.Concurrency}
	if err := CheckLoopback(opts.BaseURL); err != nil {
		return res, err
	}
	if opts.Concurrency < 1 || opts.Duration <= 0 || opts.MaxRequests < 1 {
		return res, errors.New("load: concurrency, duration and max requests must all be positive")
	}
	if opts.Duration > 10*time.Minute {
		return res, errors.New("load: duration is capped at 10 minutes")
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{
		MaxIdleConns: opts.Concurrency, MaxIdleConnsPerHost: opts.Concurrency,
		DisableCompression: !opts.Gzip,
		DialContext:        (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, opts.Duration)
	defer cancel()
	target := strings.TrimRight(opts.BaseURL, "/") + opts.Path

	var (
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, 4096)
		sent      int
		errs      int
		bytes     int64
		firstErr  string
	)
	take := func() bool { // reserve one request within MaxRequests
		mu.Lock()
		defer mu.Unlock()
		if sent >= opts.MaxRequests {
			return false
		}
		sent++
		return true
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range opts.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil && take() {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
				if err != nil {
					panic(err)
				}
				if opts.Token != "" {
					req.Header.Set("Authorization", "Bearer "+opts.Token)
				}
				if opts.Cookie != "" {
					req.Header.Set("Cookie", opts.Cookie)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				var n int64
				if err == nil {
					n, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
						err = fmt.Errorf("HTTP %d", resp.StatusCode)
					}
				}
				d := time.Since(t0)
				mu.Lock()
				switch {
				case err != nil && ctx.Err() != nil:
					sent-- // cut short by the end of the run: not counted
				case err != nil:
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
				default:
					latencies = append(latencies, d)
					bytes += n
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Requests, res.Errors, res.FirstError = sent, errs, firstErr
	if len(latencies) > 0 {
		slices.Sort(latencies)
		pct := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))] }
		res.P50, res.P90, res.P99, res.Max = pct(0.50), pct(0.90), pct(0.99), latencies[len(latencies)-1]
		res.RPS = float64(len(latencies)) / res.Elapsed.Seconds()
		res.BytesPerReply = int(bytes / int64(len(latencies)))
	}
	return res, nil
}

// ProcMemory is a process's resident set size now and at its peak (kB
// from /proc/PID/status: VmRSS and VmHWM).
type ProcMemory struct{ RSS, HWM int64 }

// ReadProcMemory reads /proc/PID/status; pid 0 means this process.
func ReadProcMemory(pid int) (ProcMemory, error) {
	path := "/proc/self/status"
	if pid > 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/status"
	}
	f, err := os.Open(path)
	if err != nil {
		return ProcMemory{}, err
	}
	defer f.Close()
	var m ProcMemory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(val)
		if len(fields) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(fields[0], 10, 64)
		switch key {
		case "VmRSS":
			m.RSS = n
		case "VmHWM":
			m.HWM = n
		}
	}
	return m, sc.Err()
}

// SampleRSS reads pid's VmRSS every interval until ctx ends and returns
// the largest value seen (kB).
func SampleRSS(ctx context.Context, pid int, interval time.Duration) int64 {
	var peak int64
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if m, err := ReadProcMemory(pid); err == nil && m.RSS > peak {
			peak = m.RSS
		}
		select {
		case <-ctx.Done():
			return peak
		case <-t.C:
		}
	}
}

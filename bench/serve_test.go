package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// envInt reads a positive integer from the environment.
func envInt(t *testing.T, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive integer", name, v)
		}
		return n
	}
	return def
}

// TestServeUnderLoad is the API and memory benchmark. It builds the
// coopol binary and, per backend:
//  1. starts `coopol serve` on embedded defaults in an empty temp dir
//     (SQLite) or an empty PostgreSQL database: start-up time (process
//     start → /livez 200, migrations included) and idle RSS;
//  2. stops it, seeds 1,000,000 statuses (bench.Seed), starts it again:
//     start-up time and idle RSS on the full database;
//  3. drives GET /api/v1/timelines/home and /public with N concurrent
//     clients for T seconds each: requests/s, p50/p90/p99, and the
//     server's peak RSS under load.
//
// It is skipped unless COOPOL_BENCH=1. COOPOL_BENCH_STATUSES,
// COOPOL_BENCH_SECONDS (20) and COOPOL_BENCH_CLIENTS (16, or a list such
// as 1,16,64) change the size; COOPOL_BENCH_BINARY uses a prebuilt binary.
func TestServeUnderLoad(t *testing.T) {
	if os.Getenv("COOPOL_BENCH") == "" {
		t.Skip("benchmark: set COOPOL_BENCH=1 (see README, Performance)")
	}
	statuses := envInt(t, "COOPOL_BENCH_STATUSES", DefaultSeed.Statuses)
	seconds := envInt(t, "COOPOL_BENCH_SECONDS", 20)
	var clients []int
	for _, c := range strings.Split(cmp(os.Getenv("COOPOL_BENCH_CLIENTS"), "16"), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 || n > 256 {
			t.Fatalf("COOPOL_BENCH_CLIENTS=%q: want numbers from 1 to 256", c)
		}
		clients = append(clients, n)
	}
	bin := os.Getenv("COOPOL_BENCH_BINARY")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "coopol")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/coopol/coopol/cmd/coopol").CombinedOutput()
		if err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	var report []string
	row := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		report = append(report, line)
		t.Log(line)
	}
	defer func() {
		fmt.Printf("\n=== TestServeUnderLoad (%d statuses, %d s per run)\n%s\n", statuses, seconds, strings.Join(report, "\n"))
	}()
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			// The load comes from loopback with one token: without the
			// operator's exception the API limit answers 429 past its
			// budget and the run measures the limiter.
			srvEnv := []string{"COOPOL_LOG_LEVEL=warn", "COOPOL_HTTP_RATE_LIMIT_EXCEPTIONS=127.0.0.0/8,::1/128"}
			cfg := config.Default()
			if backend == "postgres" {
				cfg.Database = storagetest.DatabaseConfig(t, backend)
				srvEnv = append(srvEnv, "COOPOL_DATABASE_TYPE=postgres", "COOPOL_DATABASE_ADDRESS="+cfg.Database.Address)
			} else {
				cfg.Database.Address = filepath.Join(dir, cfg.Database.Address) // ./coopol-data/coopol.db, as serve sees it
			}

			srv := startServe(t, bin, dir, srvEnv)
			time.Sleep(3 * time.Second)
			idle, _ := ReadProcMemory(srv.pid())
			row("| %s | empty database | start-up %s | idle RSS %d MiB |", backend, srv.startup.Round(time.Millisecond), idle.RSS/1024)
			srv.stop(t)

			ctx := context.Background()
			cfg.Host = srv.host // links in the seeded data point to the served host
			store, err := storage.Open(ctx, cfg.Database)
			if err != nil {
				t.Fatal(err)
			}
			seedStart := time.Now()
			seeded, err := Seed(ctx, cfg, store, SeedOptions{Accounts: DefaultSeed.Accounts, Statuses: statuses, FollowEvery: DefaultSeed.FollowEvery, Viewer: DefaultSeed.Viewer})
			store.Close()
			if err != nil {
				t.Fatal(err)
			}
			row("| %s | seed %d statuses | %s | statuses %s, analyze %s |", backend, statuses, time.Since(seedStart).Round(time.Second),
				seeded.Took["statuses"].Round(time.Second), seeded.Took["analyze"].Round(time.Second))
			if backend == "sqlite" {
				if fi, err := os.Stat(cfg.Database.Address); err == nil {
					row("| %s | database file | %d MiB | |", backend, fi.Size()>>20)
				}
			}

			srv = startServeOn(t, bin, dir, srvEnv, srv.port)
			time.Sleep(3 * time.Second)
			idle, _ = ReadProcMemory(srv.pid())
			row("| %s | %d statuses | start-up %s | idle RSS %d MiB |", backend, statuses, srv.startup.Round(time.Millisecond), idle.RSS/1024)
			for _, path := range []string{"/api/v1/timelines/home", "/api/v1/timelines/public"} {
				// Warm-up: caches, connections, the planner's statistics.
				if _, err := RunLoad(ctx, LoadOptions{BaseURL: srv.url, Path: path, Token: seeded.Token, Concurrency: 4, Duration: 10 * time.Second, MaxRequests: 200}); err != nil {
					t.Fatal(err)
				}
				for _, c := range clients {
					sampleCtx, stopSampling := context.WithCancel(ctx)
					peak := make(chan int64, 1)
					go func() { peak <- SampleRSS(sampleCtx, srv.pid(), 100*time.Millisecond) }()
					res, err := RunLoad(ctx, LoadOptions{BaseURL: srv.url, Path: path, Token: seeded.Token, Concurrency: c,
						Duration: time.Duration(seconds) * time.Second, MaxRequests: 1_000_000})
					stopSampling()
					if err != nil {
						t.Fatal(err)
					}
					if res.Errors > 0 {
						t.Errorf("%s: %d errors, first: %s", path, res.Errors, res.FirstError)
					}
					row("| %s | %s | %d clients | %.0f req/s | p50 %s | p90 %s | p99 %s | peak RSS %d MiB | %d B/reply |", backend, path, c,
						res.RPS, ms(res.P50), ms(res.P90), ms(res.P99), <-peak/1024, res.BytesPerReply)
				}
			}
			mem, _ := ReadProcMemory(srv.pid())
			row("| %s | after the runs | | RSS %d MiB, high-water mark %d MiB |", backend, mem.RSS/1024, mem.HWM/1024)
			srv.stop(t)
		})
	}
}

func cmp(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// served is a `coopol serve` subprocess.
type served struct {
	cmd     *exec.Cmd
	port    int
	host    string
	url     string
	startup time.Duration
	done    chan error
}

func (s *served) pid() int { return s.cmd.Process.Pid }

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func startServe(t *testing.T, bin, dir string, env []string) *served {
	return startServeOn(t, bin, dir, env, freePort(t))
}

// startServeOn runs `coopol serve` in dir on 127.0.0.1:port and waits
// (at most two minutes) for /livez to answer 200.
func startServeOn(t *testing.T, bin, dir string, env []string, port int) *served {
	t.Helper()
	s := &served{port: port, host: fmt.Sprintf("127.0.0.1:%d", port), done: make(chan error, 1)}
	s.url = "http://" + s.host
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "COOPOL_") {
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Env = append(s.cmd.Env, "COOPOL_BIND="+s.host, "COOPOL_HOST="+s.host)
	logf, err := os.OpenFile(filepath.Join(dir, "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	client := &http.Client{Timeout: time.Second}
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.stop(t) })
	deadline := start.Add(2 * time.Minute)
	for {
		resp, err := client.Get(s.url + "/livez")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.startup = time.Since(start)
				return s
			}
		}
		select {
		case err := <-s.done:
			log, _ := os.ReadFile(filepath.Join(dir, "serve.log"))
			t.Fatalf("coopol serve exited before answering: %v\n%s", err, log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("coopol serve did not answer /livez within 2 minutes")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for the graceful shutdown (killed after
// 30 s). Idempotent.
func (s *served) stop(t *testing.T) {
	if s.cmd == nil || s.cmd.ProcessState != nil || s.done == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Errorf("coopol serve (pid %d) did not stop in 30 s: killed", s.pid())
		s.cmd.Process.Kill() //nolint:errcheck
		<-s.done
	}
	s.done = nil
}

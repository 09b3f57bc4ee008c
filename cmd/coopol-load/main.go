// Command coopol-load seeds a Coopol database with a realistic volume of
// statuses and drives the client API of a running server on loopback,
// reporting requests per second and latency percentiles.
//
//	coopol-load seed [-statuses 1000000] [-accounts 2000]   # database from COOPOL_* / -config, as coopol serve
//	coopol-load run -url http://127.0.0.1:8080 -token TOKEN [-path /api/v1/timelines/home] [-c 16] [-d 20s] [-n 200000] [-pid PID]
//
// It only ever sends traffic to loopback addresses, and every run is
// bounded both in time (-d, at most 10 minutes) and in requests (-n).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/coopol/coopol/bench"
	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/storage"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "coopol-load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: coopol-load seed|run [flags] (-h for each)")
	}
	switch args[0] {
	case "seed":
		return seed(ctx, args[1:], stdout)
	case "run":
		return load(ctx, args[1:], stdout)
	}
	return fmt.Errorf("unknown command %q: want seed or run", args[0])
}

func seed(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	configPath := fs.String("config", "", "YAML configuration file, as for coopol serve (COOPOL_* variables override)")
	opts := bench.DefaultSeed
	fs.IntVar(&opts.Statuses, "statuses", opts.Statuses, "statuses to insert")
	fs.IntVar(&opts.Accounts, "accounts", opts.Accounts, "accounts posting them")
	fs.IntVar(&opts.FollowEvery, "follow-every", opts.FollowEvery, "the viewer follows one account in this many")
	fs.StringVar(&opts.Viewer, "viewer", opts.Viewer, "username of the local viewer whose token is printed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath, os.Environ())
	if err != nil {
		return err
	}
	store, err := storage.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	start := time.Now()
	seeded, err := bench.Seed(ctx, cfg, store, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "seeded %d statuses by %d accounts on %s in %s (%v)\n", opts.Statuses, opts.Accounts,
		cfg.Database.Type, time.Since(start).Round(time.Millisecond), seeded.Took)
	fmt.Fprintln(stdout, seeded.Token)
	return nil
}

func load(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var o bench.LoadOptions
	fs.StringVar(&o.BaseURL, "url", "http://127.0.0.1:8080", "server base URL (loopback only)")
	fs.StringVar(&o.Token, "token", os.Getenv("COOPOL_LOAD_TOKEN"), "bearer token (default $COOPOL_LOAD_TOKEN)")
	fs.StringVar(&o.Cookie, "cookie", "", "Cookie header to send, for web pages behind a sign-in (e.g. coopol_session=…)")
	paths := fs.String("path", "/api/v1/timelines/home,/api/v1/timelines/public", "comma-separated paths, loaded one after the other")
	conc := fs.String("c", "16", "concurrent clients; a comma-separated list (1,16) runs each path once per value")
	fs.DurationVar(&o.Duration, "d", 20*time.Second, "duration of each path's run (at most 10m)")
	fs.IntVar(&o.MaxRequests, "n", 200_000, "at most this many requests per path")
	fs.BoolVar(&o.Gzip, "gzip", false, "ask for gzip-compressed answers (Accept-Encoding: gzip), decompressed by the load generator")
	pid := fs.Int("pid", 0, "server process id (Coopol or any other server): report its resident memory (VmRSS) before and at peak, and the CPU it used, during each run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var levels []int
	for _, c := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return fmt.Errorf("-c: %q is not a number of clients", c)
		}
		levels = append(levels, n)
	}
	for _, o.Concurrency = range levels {
		for _, p := range strings.Split(*paths, ",") {
			o.Path = strings.TrimSpace(p)
			if err := loadOne(ctx, o, *pid, stdout); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadOne loads one path at one concurrency and prints the figures.
func loadOne(ctx context.Context, o bench.LoadOptions, pid int, stdout io.Writer) error {
	var before bench.ProcMemory
	var cpuBefore time.Duration
	// The load generator's own CPU: on a small machine it shares the
	// cores with the server, and what it takes bounds what any server
	// can reach at many clients.
	selfBefore, selfErr := bench.ReadProcCPU(os.Getpid())
	if pid > 0 {
		before, _ = bench.ReadProcMemory(pid)
		cpuBefore, _ = bench.ReadProcCPU(pid)
	}
	sampleCtx, stopSampling := context.WithCancel(ctx)
	peak := make(chan int64, 1)
	if pid > 0 {
		go func() { peak <- bench.SampleRSS(sampleCtx, pid, 100*time.Millisecond) }()
	}
	res, err := bench.RunLoad(ctx, o)
	stopSampling()
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, res)
	if res.FirstError != "" {
		fmt.Fprintln(stdout, "  first error:", res.FirstError)
	}
	if self, err := bench.ReadProcCPU(os.Getpid()); selfErr == nil && err == nil && res.Requests > 0 {
		used := self - selfBefore
		fmt.Fprintf(stdout, "  load generator CPU: %.1f s (%.0f%% of one core), %.2f ms per request\n", used.Seconds(),
			100*used.Seconds()/res.Elapsed.Seconds(), float64(used.Microseconds())/1000/float64(res.Requests))
	}
	if pid > 0 {
		fmt.Fprintf(stdout, "  server RSS: %d MiB before, %d MiB peak during the run\n", before.RSS/1024, <-peak/1024)
		if cpu, err := bench.ReadProcCPU(pid); err == nil && res.Requests > 0 {
			used := cpu - cpuBefore
			fmt.Fprintf(stdout, "  server CPU: %.1f s (%.0f%% of one core), %.2f ms per request\n", used.Seconds(),
				100*used.Seconds()/res.Elapsed.Seconds(), float64(used.Microseconds())/1000/float64(res.Requests))
		}
	}
	return nil
}

// Command coopol-testnet runs two Coopol instances on loopback for
// client-library tests (tests/compat): each listens on 127.0.0.1 on a
// free port and uses "127.0.0.1:PORT" as its host name, so handles are
// @alice@127.0.0.1:PORTA and @bob@127.0.0.1:PORTB, and the instances
// federate with each other over plain HTTP (loopback is allowed with
// federation.allow_private_ips). It creates alice and carol on the first
// and bob on the second, prints one line of JSON on standard output:
//
//	{"a":{"url":"http://127.0.0.1:PORTA","host":"127.0.0.1:PORTA"},
//	 "b":{"url":"http://127.0.0.1:PORTB","host":"127.0.0.1:PORTB"},
//	 "users":[{"username":"alice","password":"...","instance":"a"},
//	          {"username":"carol","password":"...","instance":"a"},
//	          {"username":"bob","password":"...","instance":"b"}]}
//
// and serves until it is interrupted (SIGINT, SIGTERM), its standard
// input is closed (the test that started it has gone), or -max-lifetime
// has passed. It is a test tool: data live in a temporary folder
// removed on exit.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/server"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

type instanceInfo struct {
	URL  string `json:"url"`
	Host string `json:"host"`
}

type userInfo struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Instance string `json:"instance"`
}

type ready struct {
	A     instanceInfo `json:"a"`
	B     instanceInfo `json:"b"`
	Users []userInfo   `json:"users"`
}

func main() {
	maxLifetime := flag.Duration("max-lifetime", 15*time.Minute, "stop by itself after this long")
	verbose := flag.Bool("v", false, "log the instances' activity on standard error")
	watchStdin := flag.Bool("watch-stdin", true, "stop when standard input is closed")
	flag.Parse()
	if err := run(*maxLifetime, *verbose, *watchStdin); err != nil {
		fmt.Fprintln(os.Stderr, "coopol-testnet:", err)
		os.Exit(1)
	}
}

func run(maxLifetime time.Duration, verbose, watchStdin bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, maxLifetime)
	defer cancel()
	if watchStdin {
		go func() {
			io.Copy(io.Discard, os.Stdin) //nolint:errcheck
			cancel()
		}()
	}
	dir, err := os.MkdirTemp("", "coopol-testnet-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	var out ready
	var instances []*instance
	defer func() {
		for _, inst := range instances {
			inst.stop()
		}
	}()
	for i, name := range []string{"a", "b"} {
		inst, err := startInstance(ctx, filepath.Join(dir, name), verbose)
		if err != nil {
			return fmt.Errorf("instance %s: %w", name, err)
		}
		instances = append(instances, inst)
		info := instanceInfo{URL: inst.cfg.BaseURL(), Host: inst.cfg.Host}
		// carol, a second person on a, is who toot follows by bare name.
		for _, user := range [][]string{{"alice", "carol"}, {"bob"}}[i] {
			password := "password-" + user + "-compat"
			if _, err := inst.srv.Social.CreateUser(ctx, social.NewUser{Username: user, Email: user + "@example.org",
				Password: password, Role: model.RoleMember, Approved: true, DisplayName: user}); err != nil {
				return fmt.Errorf("create %s: %w", user, err)
			}
			out.Users = append(out.Users, userInfo{Username: user, Password: password, Instance: name})
		}
		if name == "a" {
			out.A = info
		} else {
			out.B = info
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

type instance struct {
	cfg   config.Config
	srv   *server.Server
	store *storage.Storage
	done  chan error
	halt  context.CancelFunc
}

func startInstance(ctx context.Context, dir string, verbose bool) (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cfg := config.Default()
	cfg.Host = ln.Addr().String()
	cfg.Bind = cfg.Host
	cfg.Protocol = "http"
	cfg.Database = config.Database{Type: "sqlite", Address: filepath.Join(dir, "coopol.db"), MaxOpenConns: 10}
	cfg.Media.Path = filepath.Join(dir, "media")
	cfg.Federation.AllowPrivateIPs = []string{"127.0.0.0/8"}
	cfg.Federation.RequestTimeout = 5 * time.Second
	cfg.HTTP.ShutdownTimeout = 5 * time.Second
	cfg.Instance.Name = "Coopol " + cfg.Host
	if err := cfg.Validate(); err != nil {
		ln.Close()
		return nil, err
	}
	log := slog.New(slog.DiscardHandler)
	if verbose {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("host", cfg.Host)
	}
	store, err := storage.Open(ctx, cfg.Database)
	if err != nil {
		ln.Close()
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		ln.Close()
		store.Close()
		return nil, err
	}
	srv, err := server.New(ctx, cfg, store, log, server.Options{
		QueuePollInterval: 50 * time.Millisecond,
		DeliveryBackoff:   func(int) time.Duration { return 200 * time.Millisecond },
	})
	if err != nil {
		ln.Close()
		store.Close()
		return nil, err
	}
	runCtx, halt := context.WithCancel(context.WithoutCancel(ctx))
	inst := &instance{cfg: cfg, srv: srv, store: store, done: make(chan error, 1), halt: halt}
	go func() { inst.done <- srv.Serve(runCtx, ln) }()
	return inst, nil
}

func (inst *instance) stop() {
	inst.halt()
	select {
	case err := <-inst.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "coopol-testnet:", inst.cfg.Host, err)
		}
	case <-time.After(15 * time.Second):
		fmt.Fprintln(os.Stderr, "coopol-testnet:", inst.cfg.Host, "did not stop in time")
	}
	inst.store.Close()
}

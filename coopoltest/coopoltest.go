// Package coopoltest starts real Coopol instances inside a test: each has
// its own database, HTTP listener on loopback and host name (such as
// section-a.test), and they reach each other over real HTTP with real
// signatures through an injected resolver that maps *.test to loopback.
package coopoltest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/server"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// Instance is one running Coopol server.
type Instance struct {
	Host   string
	Addr   string // 127.0.0.1:port actually listened on
	Config config.Config
	Server *server.Server
	Store  *storage.Storage
	Social *social.Service

	ln     net.Listener
	cancel context.CancelFunc
	done   chan error
	net    *Network
}

// Network maps test host names to the listeners of running instances.
type Network struct {
	mu    sync.Mutex
	addrs map[string]string // "section-a.test:80" -> "127.0.0.1:port"
	logTo io.Writer         // see SetLogWriter
}

// SetLogWriter sends the logs (info and above) of instances started
// afterwards on this network to w, for tests that check what is logged.
func (n *Network) SetLogWriter(w io.Writer) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.logTo = w
}

func NewNetwork() *Network { return &Network{addrs: map[string]string{}} }

func (n *Network) set(hostport, addr string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.addrs[hostport] = addr
}

// Route is the PortOverride seam: *.test names go to their listener;
// anything else is left alone (and then refused by the SSRF rules).
func (n *Network) Route(hostport string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.addrs[hostport]
}

// LookupIPAddr resolves *.test to loopback only: tests never leave it.
func (n *Network) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	if strings.HasSuffix(host, ".test") {
		return []net.IPAddr{{IP: net.IPv4(127, 0, 0, 1)}}, nil
	}
	return nil, &net.DNSError{Err: "no such host (tests resolve only *.test)", Name: host, IsNotFound: true}
}

// Option changes an instance's configuration before it starts.
type Option func(*config.Config)

// Start runs instances named hosts on backend ("sqlite" or "postgres").
func Start(t testing.TB, backend string, hosts []string, opts ...Option) []*Instance {
	t.Helper()
	network := NewNetwork()
	out := make([]*Instance, 0, len(hosts))
	for _, host := range hosts {
		out = append(out, network.StartInstance(t, backend, host, opts...))
	}
	return out
}

// Logger returns a logger writing to the test log when COOPOL_TEST_LOG is set.
func Logger(t testing.TB, host string) *slog.Logger {
	if os.Getenv("COOPOL_TEST_LOG") == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})).With("host", host)
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// StartInstance starts one instance on this network.
func (n *Network) StartInstance(t testing.TB, backend, host string, opts ...Option) *Instance {
	t.Helper()
	cfg := config.Default()
	cfg.Host = host
	cfg.Protocol = "http"
	cfg.Database = storagetest.DatabaseConfig(t, backend)
	cfg.Media.Path = filepath.Join(t.TempDir(), "media")
	cfg.Federation.AllowPrivateIPs = []string{"127.0.0.0/8"}
	cfg.Federation.DeliveryWorkers = 4
	cfg.Federation.RequestTimeout = 5 * time.Second
	cfg.HTTP.ShutdownTimeout = 5 * time.Second
	cfg.Instance.Name = host
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	inst := &Instance{Host: host, Config: cfg, net: n}
	inst.start(t)
	t.Cleanup(func() { inst.Stop(t) })
	return inst
}

func (inst *Instance) start(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	store, err := storage.Open(ctx, inst.Config.Database)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	log := Logger(t, inst.Host)
	inst.net.mu.Lock()
	if inst.net.logTo != nil {
		log = slog.New(slog.NewTextHandler(inst.net.logTo, &slog.HandlerOptions{Level: slog.LevelInfo})).With("host", inst.Host)
	}
	inst.net.mu.Unlock()
	srv, err := server.New(ctx, inst.Config, store, log, server.Options{
		Resolver: inst.net, PortOverride: inst.net.Route, QueuePollInterval: 50 * time.Millisecond,
		DeliveryBackoff: func(int) time.Duration { return 200 * time.Millisecond },
	})
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:0"
	if inst.Addr != "" {
		addr = inst.Addr // restart on the same port
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	inst.Addr = ln.Addr().String()
	inst.net.set(inst.Host+":80", inst.Addr)
	inst.ln, inst.Server, inst.Store, inst.Social = ln, srv, store, srv.Social
	runCtx, cancel := context.WithCancel(ctx)
	inst.cancel, inst.done = cancel, make(chan error, 1)
	go func() { inst.done <- srv.Serve(runCtx, ln) }()
}

// Stop shuts the instance down gracefully (idempotent).
func (inst *Instance) Stop(t testing.TB) {
	if inst.cancel == nil {
		return
	}
	inst.cancel()
	select {
	case <-inst.done:
	case <-time.After(15 * time.Second):
		t.Errorf("%s did not stop", inst.Host)
	}
	inst.cancel = nil
	inst.Store.Close()
}

// Restart stops and starts the instance on the same port and database.
func (inst *Instance) Restart(t testing.TB) {
	t.Helper()
	inst.Stop(t)
	inst.start(t)
}

// Base is the instance's public base URL.
func (inst *Instance) Base() string { return "http://" + inst.Host }

// URL is where a test client reaches the instance directly.
func (inst *Instance) URL(path string) string { return "http://" + inst.Addr + path }

// CreateUser makes a local person; locked accounts approve followers.
func (inst *Instance) CreateUser(t testing.TB, username string, locked bool) *model.Account {
	t.Helper()
	ctx := context.Background()
	u, err := inst.Social.CreateUser(ctx, social.NewUser{Username: username, Email: username + "@example.org", Password: "password-" + username, Role: model.RoleMember, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	if locked {
		u.Account.Locked = true
		if err := inst.Store.UpdateAccount(ctx, u.Account); err != nil {
			t.Fatal(err)
		}
	}
	return u.Account
}

// Resolve finds user@host from this instance (through WebFinger).
func (inst *Instance) Resolve(t testing.TB, username, host string) *model.Account {
	t.Helper()
	a, err := inst.Federation().ResolveHandle(context.Background(), username, host)
	if err != nil {
		t.Fatalf("%s: resolve %s@%s: %v", inst.Host, username, host, err)
	}
	return a
}

// Federation exposes the instance's federation transport.
func (inst *Instance) Federation() interface {
	ResolveHandle(ctx context.Context, username, domain string) (*model.Account, error)
} {
	return inst.Server.Federation
}

// Eventually polls cond until it holds or the deadline passes.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for: %s", what)
}

// Client is an HTTP client that reaches instances by their test names.
func (n *Network) Client() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if to := n.Route(addr); to != "" {
				addr = to
			}
			if !strings.HasPrefix(addr, "127.") {
				return nil, fmt.Errorf("test client refuses non-loopback address %s", addr)
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}}
}

// Network returns the network an instance belongs to.
func (inst *Instance) Network() *Network { return inst.net }

// Serve runs handler as a fake remote server reachable as host (port 80)
// from every instance of this network.
func (n *Network) Serve(t testing.TB, host string, handler http.Handler) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck
	t.Cleanup(func() { srv.Close() })
	n.set(host+":80", ln.Addr().String())
}

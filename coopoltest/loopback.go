package coopoltest

import (
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/storage/storagetest"
)

// StartLoopback runs one instance whose host name is its own loopback
// address and port ("127.0.0.1:PORT"), for peers that cannot use the
// network's *.test names (software we did not write, such as the Fedify
// peer of tests/fedify). Outbound requests may reach loopback, as in the
// *.test network.
func StartLoopback(t testing.TB, backend string, opts ...Option) *Instance {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // start listens again on the same address
	cfg := config.Default()
	cfg.Host = addr
	cfg.Protocol = "http"
	cfg.Database = storagetest.DatabaseConfig(t, backend)
	cfg.Media.Path = filepath.Join(t.TempDir(), "media")
	cfg.Federation.AllowPrivateIPs = []string{"127.0.0.0/8"}
	cfg.Federation.DeliveryWorkers = 4
	cfg.Federation.RequestTimeout = 5 * time.Second
	cfg.HTTP.ShutdownTimeout = 5 * time.Second
	cfg.Instance.Name = addr
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	inst := &Instance{Host: addr, Addr: addr, Config: cfg, net: NewNetwork()}
	inst.start(t)
	t.Cleanup(func() { inst.Stop(t) })
	return inst
}

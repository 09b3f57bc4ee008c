package coopoltest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/coopol/coopol/server"
	"github.com/coopol/coopol/storage"
)

// StartReplica starts a second server for inst: the same configuration,
// host name and database (PostgreSQL: replicas share one database, as
// behind a load balancer), its own process state (pools, queue workers,
// streaming listener) and its own loopback listener. Other instances of
// the network keep reaching inst itself; tests talk to the replica
// through its URL. It stops at cleanup, before inst.
func (inst *Instance) StartReplica(t testing.TB) *Instance {
	t.Helper()
	if inst.Config.Database.Type != "postgres" {
		t.Fatal("replicas share a PostgreSQL database: start the instance on postgres")
	}
	ctx := context.Background()
	store, err := storage.Open(ctx, inst.Config.Database)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil { // a no-op, safe beside the other replica
		store.Close()
		t.Fatal(err)
	}
	srv, err := server.New(ctx, inst.Config, store, Logger(t, inst.Host+"#replica"), server.Options{
		Resolver: inst.net, PortOverride: inst.net.Route, QueuePollInterval: 50 * time.Millisecond,
		DeliveryBackoff: func(int) time.Duration { return 200 * time.Millisecond },
	})
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	r := &Instance{Host: inst.Host, Addr: ln.Addr().String(), Config: inst.Config, Server: srv, Store: store, Social: srv.Social,
		ln: ln, net: inst.net}
	runCtx, cancel := context.WithCancel(ctx)
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- srv.Serve(runCtx, ln) }()
	t.Cleanup(func() { r.Stop(t) })
	return r
}

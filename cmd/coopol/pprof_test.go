package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// debug.pprof_address serves the profiler on its own loopback listener;
// the public listener does not answer /debug/pprof/, and an address
// outside loopback is refused (issue 17).
func TestPprofListenerIsOptInAndApart(t *testing.T) {
	useDatabase(t, "sqlite")
	addr, debugAddr := freePort(t), freePort(t)
	t.Setenv("COOPOL_BIND", addr)
	t.Setenv("COOPOL_DEBUG_PPROF_ADDRESS", debugAddr)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := run(t, ctx, "serve")
		done <- err
	}()
	var resp *http.Response
	var err error
	for i := 0; i < 200; i++ {
		if resp, err = http.Get("http://" + debugAddr + "/debug/pprof/"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("pprof never answered: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("pprof index: %d", resp.StatusCode)
	}
	resp, err = http.Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("the public listener serves pprof")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}

	t.Setenv("COOPOL_DEBUG_PPROF_ADDRESS", "0.0.0.0:6060")
	if out, err := run(t, context.Background(), "serve"); err == nil || !strings.Contains(out+err.Error(), "loopback") {
		t.Fatalf("a public pprof address was accepted: %v\n%s", err, out)
	}
}

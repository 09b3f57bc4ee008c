package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/storage/storagetest"
)

func run(t *testing.T, ctx context.Context, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := newRootCommand(&out, &out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return out.String(), err
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func useDatabase(t *testing.T, backend string) {
	cfg := storagetest.DatabaseConfig(t, backend)
	t.Setenv("COOPOL_DATABASE_TYPE", cfg.Type)
	t.Setenv("COOPOL_DATABASE_ADDRESS", cfg.Address)
	t.Setenv("COOPOL_MEDIA_PATH", filepath.Join(t.TempDir(), "media"))
}

// The account survives a restart: each command opens the database anew.
func TestAccountCreateThenList(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			useDatabase(t, backend)
			ctx := context.Background()
			out, err := run(t, ctx, "admin", "account", "create", "--username", "sec", "--email", "sec@example.org", "--password", "long enough pw", "--role", "admin")
			if err != nil {
				t.Fatalf("create: %v\n%s", err, out)
			}
			out, err = run(t, ctx, "admin", "account", "list")
			if err != nil || !strings.Contains(out, "sec") || !strings.Contains(out, "admin") {
				t.Fatalf("list: %v\n%s", err, out)
			}
			if strings.Contains(out, "long enough pw") || strings.Contains(out, "sec@example.org") {
				t.Fatal("list prints secrets or e-mails")
			}
			if out, err := run(t, ctx, "admin", "account", "create", "--username", "sec", "--email", "x@example.org", "--password", "long enough pw"); err == nil {
				t.Fatalf("duplicate username accepted: %s", out)
			}
			if out, err := run(t, ctx, "admin", "account", "create", "--username", "bob", "--email", "bob@example.org", "--password", "long enough pw", "--role", "king"); err == nil {
				t.Fatalf("bad role accepted: %s", out)
			}
			out, _ = run(t, ctx, "admin", "account", "list")
			if strings.Contains(out, "bob") {
				t.Fatal("refused account was stored")
			}
		})
	}
}

func TestBadConfigIsRefusedAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "data", "coopol.db")
	cfgPath := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfgPath, []byte("database:\n  address: "+dbPath+"\n  max_open_conns: lots\n"), 0o600)
	out, err := run(t, context.Background(), "--config", cfgPath, "migrate")
	if err == nil || !strings.Contains(out, "database.max_open_conns") {
		t.Fatalf("want an error naming database.max_open_conns, got %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Fatal("a refused configuration still wrote to disk")
	}
}

func TestServeAnswersLivezAndStopsGracefully(t *testing.T) {
	useDatabase(t, "sqlite")
	addr := freePort(t)
	t.Setenv("COOPOL_BIND", addr)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := run(t, ctx, "serve")
		done <- err
	}()
	var resp *http.Response
	var err error
	for i := 0; i < 100; i++ {
		resp, err = http.Get("http://" + addr + "/livez")
		if err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server never answered: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("livez: %d", resp.StatusCode)
	}
	resp, err = http.Get("http://" + addr + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v", err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestVersionAndHelp(t *testing.T) {
	out, err := run(t, context.Background(), "version")
	if err != nil || !strings.HasPrefix(out, "coopol ") {
		t.Fatalf("%v %s", err, out)
	}
	out, err = run(t, context.Background(), "admin", "account", "create", "--help")
	if err != nil || !strings.Contains(out, "--username") {
		t.Fatalf("%v %s", err, out)
	}
}

// A typo in a nested command must not pass for success in a script: every
// parent command fails on an unknown or missing subcommand, as the root does.
func TestUnknownSubcommandFails(t *testing.T) {
	for _, args := range [][]string{
		{"bogus"},
		{"admin", "bogus"},
		{"admin", "account", "bogus"},
		{"import", "bogus"},
		{"admin"},
		{"admin", "account"},
	} {
		out, err := run(t, context.Background(), args...)
		if err == nil {
			t.Errorf("coopol %s: exit 0, want an error; output:\n%s", strings.Join(args, " "), out)
		}
	}
	if out, err := run(t, context.Background(), "admin", "--help"); err != nil || !strings.Contains(out, "account") {
		t.Fatalf("admin --help: %v %s", err, out)
	}
}

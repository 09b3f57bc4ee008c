package server_test

//

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// crashReceiver is a follower's server on loopback: it takes a little
// time per delivery (so that a kill lands mid-burst) and counts every
// Create it is sent, by object id.
type crashReceiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string]int
}

func newCrashReceiver(t *testing.T) *crashReceiver {
	r := &crashReceiver{got: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var doc struct {
			Type   string `json:"type"`
			Object struct {
				ID string `json:"id"`
			} `json:"object"`
		}
		body, _ := io.ReadAll(req.Body)
		time.Sleep(30 * time.Millisecond)
		if json.Unmarshal(body, &doc) == nil && doc.Type == "Create" {
			r.mu.Lock()
			r.got[doc.Object.ID]++
			r.mu.Unlock()
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *crashReceiver) host() string { return strings.TrimPrefix(r.srv.URL, "http://") }

func (r *crashReceiver) total() (deliveries, distinct int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.got {
		deliveries += n
	}
	return deliveries, len(r.got)
}

// TestKillDuringDeliveryBurst is R-03 with a real process: `coopol
// serve` on SQLite delivers 50 posts to three followers' servers, is
// killed with SIGKILL mid-burst, and started again. Every server must get
// every post at least once; duplicates are allowed (receivers are
// idempotent, R-04) and counted.
//
// Jobs the killed process had started stay "running" until River's
// rescuer retries them, queue.DefaultRescueStuckJobsAfter (2 min) after
// they started. A subprocess takes only a config file, so rather than
// wait, the test moves those jobs' start time an hour back while the
// process is dead (what a clock that moved on would show) and lets the
// restarted binary's own rescuer find them.
func TestKillDuringDeliveryBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the coopol binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "coopol")
	build := exec.Command("go", "build", "-o", bin, "github.com/coopol/coopol/cmd/coopol")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	receivers := []*crashReceiver{newCrashReceiver(t), newCrashReceiver(t), newCrashReceiver(t)}
	addr := freeAddr(t)
	dbPath := filepath.Join(dir, "coopol.db")
	cfgPath := filepath.Join(dir, "coopol.yaml")
	cfgYAML := fmt.Sprintf(`host: %q
protocol: "http"
bind: %q
log:
  level: "info"
database:
  type: "sqlite"
  address: %q
media:
  path: %q
federation:
  allow_private_ips: ["127.0.0.0/8"]
  delivery_workers: 4
  request_timeout: "5s"
`, addr, addr, dbPath, filepath.Join(dir, "media"))
	if err := os.WriteFile(cfgPath, []byte(cfgYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	coopol := func(args ...string) {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"--config", cfgPath}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("coopol %v: %v\n%s", args, err, out)
		}
	}
	coopol("migrate")
	coopol("admin", "account", "create", "--username", "alice", "--email", "alice@example.org", "--password", "long enough password", "--role", "member")
	token := seedFollowersAndToken(t, dbPath, receivers)

	logPath := filepath.Join(dir, "serve.log")
	serve := func() *exec.Cmd {
		t.Helper()
		logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "--config", cfgPath, "serve")
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		logFile.Close()
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() }) //nolint:errcheck
		waitReady(t, "http://"+addr, logPath)
		return cmd
	}
	first := serve()

	// 50 posts through the client API.
	var uris []string
	client := &http.Client{Timeout: 10 * time.Second}
	for i := range 50 {
		form := url.Values{"status": {fmt.Sprintf("Tract n°%d : marché samedi", i)}, "visibility": {"public"}}
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/statuses", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			URI string `json:"uri"`
		}
		json.NewDecoder(resp.Body).Decode(&st) //nolint:errcheck
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || st.URI == "" {
			t.Fatalf("post %d: HTTP %d", i, resp.StatusCode)
		}
		uris = append(uris, st.URI)
	}

	// Kill -9 once deliveries are well under way, not finished.
	want := len(uris) * len(receivers)
	deadline := time.Now().Add(30 * time.Second)
	for sum(receivers) < want/5 {
		if time.Now().After(deadline) {
			t.Fatalf("deliveries did not start: %d of %d\n%s", sum(receivers), want, readLog(logPath))
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait() //nolint:errcheck
	atKill := sum(receivers)
	if atKill >= want {
		t.Fatalf("every delivery was done before the kill (%d): the test proves nothing", atKill)
	}
	stuck := ageRunningJobs(t, dbPath)
	t.Logf("killed after %d of %d deliveries; %d jobs left running", atKill, want, stuck)

	restarted := time.Now()
	serve()
	deadline = time.Now().Add(2 * time.Minute)
	for {
		missing := 0
		for _, r := range receivers {
			r.mu.Lock()
			for _, u := range uris {
				if r.got[u] == 0 {
					missing++
				}
			}
			r.mu.Unlock()
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries never arrived after the restart\n%s", missing, readLog(logPath))
		}
		time.Sleep(100 * time.Millisecond)
	}
	allArrived := time.Since(restarted)
	// The jobs that were running at the kill are rescued and run again
	// (their POST may or may not have arrived the first time): wait until
	// no delivery is left unfinished.
	for left := unfinishedDeliveries(t, dbPath); left > 0; left = unfinishedDeliveries(t, dbPath) {
		if time.Now().After(deadline) {
			t.Fatalf("%d delivery jobs still unfinished\n%s", left, readLog(logPath))
		}
		time.Sleep(250 * time.Millisecond)
	}
	total := sum(receivers)
	t.Logf("all %d posts reached all %d servers %v after the restart; queue drained after %v: %d deliveries for %d, %d duplicates",
		len(uris), len(receivers), allArrived.Round(100*time.Millisecond), time.Since(restarted).Round(100*time.Millisecond), total, want, total-want)
	for i, r := range receivers {
		if _, distinct := r.total(); distinct != len(uris) {
			t.Fatalf("receiver %d got %d distinct posts, want %d", i, distinct, len(uris))
		}
	}
}

func sum(rs []*crashReceiver) int {
	n := 0
	for _, r := range rs {
		d, _ := r.total()
		n += d
	}
	return n
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func readLog(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func waitReady(t *testing.T, base, logPath string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("coopol serve did not become ready\n%s", readLog(logPath))
}

// seedFollowersAndToken writes, while no server runs, one follower of
// alice on each receiver and a client token for alice.
func seedFollowersAndToken(t *testing.T, dbPath string, receivers []*crashReceiver) string {
	t.Helper()
	ctx := context.Background()
	store, err := storage.Open(ctx, config.Database{Type: "sqlite", Address: dbPath, MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	alice, err := store.LocalAccount(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, r := range receivers {
		base := r.srv.URL
		a := &model.Account{ID: model.NewID(now), URI: base + "/users/reader", URL: base + "/@reader", Username: "reader", Domain: r.host(),
			ActorType: model.ActorPerson, Fields: []model.Field{}, AlsoKnownAs: []string{}, InboxURI: base + "/users/reader/inbox",
			SharedInboxURI: base + "/inbox", CreatedAt: now, UpdatedAt: now}
		if err := store.InsertAccount(ctx, nil, a); err != nil {
			t.Fatal(err)
		}
		f := &model.Follow{ID: model.NewID(now), AccountID: a.ID, TargetAccountID: alice.ID, URI: base + "/follows/1",
			State: model.FollowAccepted, ShowReblogs: true, CreatedAt: now, UpdatedAt: now}
		if err := store.UpsertFollow(ctx, store.DB, f); err != nil {
			t.Fatal(err)
		}
	}
	u, err := store.UserByAccountID(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	app := &model.OAuthApplication{ID: model.NewID(now), Name: "crash test", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"},
		Scopes: "read write", ClientID: auth.NewToken(), ClientSecretHash: auth.HashToken(auth.NewToken()), CreatedAt: now}
	if err := store.CreateOAuthApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	raw := auth.NewToken()
	if err := store.CreateOAuthToken(ctx, &model.OAuthToken{ID: model.NewID(now), TokenHash: auth.HashToken(raw), ApplicationID: app.ID,
		UserID: &u.ID, Scopes: "read write", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	return raw
}

// unfinishedDeliveries counts delivery jobs not yet completed (nor
// given up), reading the database beside the running server (WAL).
func unfinishedDeliveries(t *testing.T, dbPath string) int {
	t.Helper()
	ctx := context.Background()
	store, err := storage.Open(ctx, config.Database{Type: "sqlite", Address: dbPath, MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var n int
	if err := store.DB.QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE kind = 'deliver' AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// ageRunningJobs moves the start of the jobs the killed process left
// "running" an hour back (River's SQLite time format), so that the
// restarted process's rescuer retries them at once. It returns how many
// there were.
func ageRunningJobs(t *testing.T, dbPath string) int {
	t.Helper()
	ctx := context.Background()
	store, err := storage.Open(ctx, config.Database{Type: "sqlite", Address: dbPath, MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	res, err := store.DB.ExecContext(ctx, `UPDATE river_job SET attempted_at = datetime('now', '-1 hour', 'subsec') WHERE state = 'running'`)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := res.RowsAffected()
	var states bytes.Buffer
	rows, err := store.DB.QueryContext(ctx, `SELECT state, count(*) FROM river_job WHERE kind = 'deliver' GROUP BY state ORDER BY state`)
	if err == nil {
		for rows.Next() {
			var s string
			var c int
			rows.Scan(&s, &c) //nolint:errcheck
			fmt.Fprintf(&states, "%s=%d ", s, c)
		}
		rows.Close()
	}
	t.Logf("delivery jobs at the kill: %s", states.String())
	return int(n)
}

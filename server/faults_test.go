package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// mintToken stores an application and a "read write" user token, as the
// OAuth flow would.
func mintToken(t *testing.T, inst *coopoltest.Instance, account *model.Account) string {
	t.Helper()
	ctx := context.Background()
	u, err := inst.Store.UserByAccountID(ctx, account.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	app := &model.OAuthApplication{ID: model.NewID(now), Name: "Test client", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"},
		Scopes: "read write", ClientID: auth.NewToken(), ClientSecretHash: auth.HashToken(auth.NewToken()), CreatedAt: now}
	if err := inst.Store.CreateOAuthApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	raw := auth.NewToken()
	tok := &model.OAuthToken{ID: model.NewID(now), TokenHash: auth.HashToken(raw), ApplicationID: app.ID, UserID: &u.ID, Scopes: "read write", CreatedAt: now}
	if err := inst.Store.CreateOAuthToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	return raw
}

type answer struct {
	code   int
	header http.Header
	body   string
}

func call(t *testing.T, method, u, token string, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(body)}
}

// TestDatabaseOutageAnswers503AndRecovers cuts a PostgreSQL instance off
// its database (ALLOW_CONNECTIONS false binds superusers too, unlike
// CONNECTION LIMIT, then every backend is terminated): /readyz, the API
// and federation answer 503 with Retry-After, never 500; when the
// database accepts connections again the instance serves again by itself.
func TestDatabaseOutageAnswers503AndRecovers(t *testing.T) {
	admin := storagetest.PostgresDSN()
	if admin == "" {
		t.Skip("COOPOL_TEST_POSTGRES not set")
	}
	inst := coopoltest.Start(t, "postgres", []string{"section-a.test"})[0]
	alice := inst.CreateUser(t, "alice", false)
	token := mintToken(t, inst, alice)
	u, err := url.Parse(inst.Config.Database.Address)
	if err != nil {
		t.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	adminDB, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer adminDB.Close()
	restore := sync.OnceFunc(func() {
		if _, err := adminDB.Exec("ALTER DATABASE " + dbName + " ALLOW_CONNECTIONS true"); err != nil {
			t.Errorf("restore connections: %v", err)
		}
	})
	t.Cleanup(restore)

	as2 := map[string]string{"Accept": "application/activity+json"}
	probes := []struct {
		name, method, path, token string
		header                    map[string]string
	}{
		{"readyz", "GET", "/readyz", "", nil},
		{"api (token lookup)", "GET", "/api/v1/timelines/home", token, nil},
		{"api (anonymous)", "GET", "/api/v1/timelines/public", "", nil},
		{"federation actor", "GET", "/users/alice", "", as2},
		{"webfinger", "GET", "/.well-known/webfinger?resource=acct:alice@section-a.test", "", nil},
	}
	for _, p := range probes {
		if a := call(t, p.method, inst.URL(p.path), p.token, p.header); a.code != http.StatusOK {
			t.Fatalf("before the outage, %s: %d %s", p.name, a.code, a.body)
		}
	}

	if _, err := adminDB.Exec("ALTER DATABASE " + dbName + " ALLOW_CONNECTIONS false"); err != nil {
		t.Fatal(err)
	}
	if _, err := adminDB.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", dbName); err != nil {
		t.Fatal(err)
	}
	for _, p := range probes {
		a := call(t, p.method, inst.URL(p.path), p.token, p.header)
		if a.code != http.StatusServiceUnavailable {
			t.Fatalf("during the outage, %s: %d %s", p.name, a.code, a.body)
		}
		if p.name != "readyz" && a.header.Get("Retry-After") == "" {
			t.Fatalf("during the outage, %s: no Retry-After", p.name)
		}
	}
	// An inbox delivery is asked to come back later too.
	req, _ := http.NewRequest("POST", inst.URL("/inbox"), strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/activity+json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("inbox during the outage: %v %v", err, resp)
	}

	restore()
	start := time.Now()
	deadline := start.Add(30 * time.Second)
	for _, p := range probes {
		for {
			a := call(t, p.method, inst.URL(p.path), p.token, p.header)
			if a.code == http.StatusOK {
				break
			}
			if a.code != http.StatusServiceUnavailable {
				t.Fatalf("recovering, %s: %d %s", p.name, a.code, a.body)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still 503 30 s after the database came back", p.name)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	t.Logf("recovered %v after the database came back", time.Since(start).Round(10*time.Millisecond))
	// Writes work again, including the job queue (a post enqueues nothing
	// without followers, so follow the queue through a delivery).
	if _, err := inst.Social.CreateStatus(context.Background(), alice, social.NewStatus{Text: "de retour", Visibility: model.VisibilityPublic}); err != nil {
		t.Fatalf("post after recovery: %v", err)
	}
}

// receiver is a fake remote server's shared inbox that records what it
// is sent.
type receiver struct {
	mu       sync.Mutex
	arrivals []time.Time
	bodies   []string
}

func (r *receiver) record(body string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.arrivals = append(r.arrivals, time.Now())
	r.bodies = append(r.bodies, body)
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.arrivals)
}

func (r *receiver) containing(s string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, b := range r.bodies {
		if strings.Contains(b, s) {
			n++
		}
	}
	return n
}

// serveReceiver mounts a fake remote server: healthy (202), failing
// (500) or hanging (answers nothing until the sender gives up).
func serveReceiver(t *testing.T, network *coopoltest.Network, host, behaviour string) *receiver {
	rec := &receiver{}
	network.Serve(t, host, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.record(string(body))
		switch behaviour {
		case "hang":
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
		case "fail":
			http.Error(w, "boom", http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	return rec
}

// remoteFollower stores a remote account on host following target, as
// if it had followed over federation.
func remoteFollower(t *testing.T, inst *coopoltest.Instance, host string, target *model.Account) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	base := "http://" + host
	a := &model.Account{ID: model.NewID(now), URI: base + "/users/reader", URL: base + "/@reader", Username: "reader", Domain: host,
		ActorType: model.ActorPerson, Fields: []model.Field{}, AlsoKnownAs: []string{}, InboxURI: base + "/users/reader/inbox",
		SharedInboxURI: base + "/inbox", CreatedAt: now, UpdatedAt: now}
	if err := inst.Store.InsertAccount(ctx, nil, a); err != nil {
		t.Fatal(err)
	}
	f := &model.Follow{ID: model.NewID(now), AccountID: a.ID, TargetAccountID: target.ID, URI: base + "/follows/1",
		State: model.FollowAccepted, ShowReblogs: true, CreatedAt: now, UpdatedAt: now}
	if err := inst.Store.UpsertFollow(ctx, inst.Store.DB, f); err != nil {
		t.Fatal(err)
	}
}

// TestSlowAndFailingServersDoNotDelayOthers: one follower's server hangs
// past the client timeout, another answers 500, a third is healthy. A
// post reaches the healthy one at once (each delivery is its own job on
// its own worker), the failing one is retried, and the hanging one is
// cut off at federation.request_timeout.
func TestSlowAndFailingServersDoNotDelayOthers(t *testing.T) {
	const timeout = 3 * time.Second
	inst := coopoltest.Start(t, "sqlite", []string{"section-a.test"}, func(c *config.Config) {
		c.Federation.RequestTimeout = timeout
	})[0]
	network := inst.Network()
	hang := serveReceiver(t, network, "hang.test", "hang")
	fail := serveReceiver(t, network, "fail.test", "fail")
	ok := serveReceiver(t, network, "ok.test", "ok")
	alice := inst.CreateUser(t, "alice", false)
	for _, host := range []string{"hang.test", "fail.test", "ok.test"} {
		remoteFollower(t, inst, host, alice)
	}

	start := time.Now()
	st, err := inst.Social.CreateStatus(context.Background(), alice, social.NewStatus{Text: "Réunion ce soir", Visibility: model.VisibilityPublic})
	if err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "the healthy server receives the post", func() bool { return ok.containing(st.URI) > 0 })
	healthy := time.Since(start)
	if healthy > timeout/3 {
		t.Fatalf("healthy server got the post after %v: slowed down by the others (timeout %v)", healthy, timeout)
	}
	coopoltest.Eventually(t, "the failing server is retried", func() bool { return fail.containing(st.URI) >= 3 })
	coopoltest.Eventually(t, "the hanging server was tried", func() bool { return hang.containing(st.URI) >= 1 })
	if ok.containing(st.URI) != 1 {
		t.Fatalf("healthy server got the post %d times", ok.containing(st.URI))
	}
	t.Logf("healthy delivery after %v; failing server tried %d times in %v", healthy.Round(time.Millisecond), fail.containing(st.URI), time.Since(start).Round(time.Millisecond))
}

// TestBurstBehindAHangingServer measures (it does not assert) what one
// hanging follower server does to a burst: each of its deliveries holds a
// delivery worker until federation.request_timeout, so once there are
// more of them than workers, deliveries to healthy servers queue behind
// them. Run with COOPOL_TEST_MEASURE=1; a per-host limit on deliveries in
// flight (or a breaker for hosts that time out) would make this bounded.
func TestBurstBehindAHangingServer(t *testing.T) {
	if os.Getenv("COOPOL_TEST_MEASURE") == "" {
		t.Skip("measurement: set COOPOL_TEST_MEASURE=1")
	}
	const timeout, posts = 3 * time.Second, 20
	inst := coopoltest.Start(t, "sqlite", []string{"section-a.test"}, func(c *config.Config) {
		c.Federation.RequestTimeout = timeout
	})[0]
	network := inst.Network()
	serveReceiver(t, network, "hang.test", "hang")
	ok := serveReceiver(t, network, "ok.test", "ok")
	alice := inst.CreateUser(t, "alice", false)
	remoteFollower(t, inst, "hang.test", alice)
	remoteFollower(t, inst, "ok.test", alice)
	start := time.Now()
	for i := range posts {
		if _, err := inst.Social.CreateStatus(context.Background(), alice, social.NewStatus{Text: fmt.Sprint("post ", i), Visibility: model.VisibilityPublic}); err != nil {
			t.Fatal(err)
		}
	}
	for ok.count() < posts && time.Since(start) < 2*time.Minute {
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("%d posts, %d delivery workers, request_timeout %v: the healthy server had them all after %v",
		posts, inst.Config.Federation.DeliveryWorkers, timeout, time.Since(start).Round(100*time.Millisecond))
}

package bench

import (
	"bytes"
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/server"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// loopbackClient reaches the *.test names of network on loopback only,
// keeping up to conns connections open.
func loopbackClient(network *coopoltest.Network, conns int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns,
		DialContext: func(ctx context.Context, nw, addr string) (net.Conn, error) {
			if to := network.Route(addr); to != "" {
				addr = to
			}
			if !strings.HasPrefix(addr, "127.") {
				return nil, fmt.Errorf("bench client refuses non-loopback address %s", addr)
			}
			return dialer.DialContext(ctx, nw, addr)
		},
	}}
}

// ---- Inbound: signed Create(Note) on the shared inbox ----

// inboxEnv is a receiving instance (home.test) whose local user alice
// follows bob on a second real instance (remote.test): bob's posts are
// wanted and kept. Activities are signed with bob's real key, which home
// fetched and cached when the follow was made.
type inboxEnv struct {
	home, remote *coopoltest.Instance
	bob          *model.Account
	bobOnHome    *model.Account
	key          *rsa.PrivateKey
	client       *http.Client
	seq          atomic.Int64
}

type signedActivity struct {
	body   []byte
	header http.Header
}

func newInboxEnv(tb testing.TB, backend string) *inboxEnv {
	tb.Helper()
	// Every request comes from loopback: without the operator's exception
	// (http.rate_limit_exceptions) the inbox limit answers 429 past its
	// budget and the benchmark measures the limiter.
	insts := coopoltest.Start(tb, backend, []string{"home.test", "remote.test"},
		func(c *config.Config) { c.HTTP.RateLimitExceptions = []string{"127.0.0.0/8"} })
	e := &inboxEnv{home: insts[0], remote: insts[1]}
	ctx := context.Background()
	alice := e.home.CreateUser(tb, "alice", false)
	e.bob = e.remote.CreateUser(tb, "bob", false)
	e.bobOnHome = e.home.Resolve(tb, "bob", "remote.test")
	if _, err := e.home.Social.Follow(ctx, alice, e.bobOnHome); err != nil {
		tb.Fatal(err)
	}
	coopoltest.Eventually(tb, "alice's follow of bob accepted", func() bool {
		f, err := e.home.Store.Follow(ctx, alice.ID, e.bobOnHome.ID)
		return err == nil && f.State == model.FollowAccepted
	})
	key, err := httpsign.ParsePrivateKey(e.bob.PrivateKeyPEM)
	if err != nil {
		tb.Fatal(err)
	}
	e.key = key
	e.client = loopbackClient(e.home.Network(), 64)
	tb.Cleanup(e.client.CloseIdleConnections)
	return e
}

// sign prepares n distinct Create(Note) activities by bob, signed for
// home's shared inbox (signing is not part of what is measured).
func (e *inboxEnv) sign(tb testing.TB, n int) []signedActivity {
	tb.Helper()
	out := make([]signedActivity, n)
	base := e.remote.Base() + "/users/bob/statuses/bench-"
	now := time.Now().UTC()
	for i := range out {
		k := e.seq.Add(1)
		obj := fmt.Sprintf("%s%d", base, k)
		body := fmt.Appendf(nil, `{"@context":"https://www.w3.org/ns/activitystreams","id":%q,"type":"Create","actor":%q,`+
			`"to":["https://www.w3.org/ns/activitystreams#Public"],"cc":[%q],"published":%q,`+
			`"object":{"id":%q,"type":"Note","attributedTo":%q,"to":["https://www.w3.org/ns/activitystreams#Public"],"cc":[%q],`+
			`"content":"<p>Bench post %d: on se retrouve samedi au marché pour distribuer les tracts. <a href=\"http://remote.test/tags/tractage\">#tractage</a></p>",`+
			`"published":%q,"tag":[{"type":"Hashtag","name":"#tractage","href":"http://remote.test/tags/tractage"}]}}`,
			obj+"/activity", e.bob.URI, e.bob.FollowersURI, now.Format(time.RFC3339), obj, e.bob.URI, e.bob.FollowersURI, k, now.Format(time.RFC3339))
		req, err := http.NewRequest(http.MethodPost, e.home.Base()+"/inbox", bytes.NewReader(body))
		if err != nil {
			tb.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/activity+json")
		if err := httpsign.SignRequest(req, e.bob.PublicKeyID, e.key, body, now); err != nil {
			tb.Fatal(err)
		}
		out[i] = signedActivity{body: body, header: req.Header}
	}
	return out
}

// post delivers one prepared activity and returns the status code.
func (e *inboxEnv) post(a signedActivity) (int, error) {
	req, err := http.NewRequest(http.MethodPost, e.home.Base()+"/inbox", bytes.NewReader(a.body))
	if err != nil {
		return 0, err
	}
	req.Header = a.header.Clone()
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body) //nolint:errcheck
	resp.Body.Close()
	return resp.StatusCode, nil
}

// stored counts bob's statuses kept on home.
func (e *inboxEnv) stored(tb testing.TB) int {
	tb.Helper()
	n, err := e.home.Store.DB.NewSelect().TableExpr("statuses").Where("account_id = ?", e.bobOnHome.ID).Count(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return int(n)
}

// ---- Outbound: one post to many followers on many servers ----

// fanoutEnv is an instance (origin.test) whose user author is followed by
// perHost accounts on each of hosts fake receivers recv-NN.test. The
// receivers count POSTs and signed POSTs and verify nothing else; with
// shared inboxes the post should cost one POST per host.
type fanoutEnv struct {
	origin    *origin
	author    *model.Account
	hosts     int
	perHost   int
	shared    bool
	posts     atomic.Int64
	signed    atomic.Int64
	lastNanos atomic.Int64 // time of the latest POST received
}

// seedAccount is the part of an account a delivery needs.
type seedAccount struct {
	bun.BaseModel `bun:"table:accounts"`

	ID             string    `bun:"id,pk"`
	URI            string    `bun:"uri"`
	Username       string    `bun:"username"`
	Domain         string    `bun:"domain"`
	InboxURI       string    `bun:"inbox_uri"`
	SharedInboxURI string    `bun:"shared_inbox_uri"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

// queueSettings choose how the sending instance runs its delivery queue.
type queueSettings struct {
	Workers int           // federation.delivery_workers (production: 8)
	Poll    time.Duration // River's poll interval (production: 1 s; coopoltest: 50 ms)
}

var productionQueue = queueSettings{Workers: config.Default().Federation.DeliveryWorkers, Poll: 0}

// origin is a sending instance started like coopoltest's, but with the
// delivery queue's production settings unless told otherwise (coopoltest
// polls every 50 ms with 4 workers).
type origin struct {
	Network *coopoltest.Network
	Server  *server.Server
	Store   *storage.Storage
	Social  *social.Service
}

func startOrigin(tb testing.TB, backend string, q queueSettings) *origin {
	tb.Helper()
	ctx := context.Background()
	network := coopoltest.NewNetwork()
	cfg := config.Default()
	cfg.Host, cfg.Protocol, cfg.Instance.Name = "origin.test", "http", "origin.test"
	cfg.Database = storagetest.DatabaseConfig(tb, backend)
	cfg.Media.Path = filepath.Join(tb.TempDir(), "media")
	cfg.Federation.AllowPrivateIPs = []string{"127.0.0.0/8"}
	cfg.Federation.DeliveryWorkers = q.Workers
	cfg.Federation.RequestTimeout = 5 * time.Second
	cfg.HTTP.ShutdownTimeout = 5 * time.Second
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	store, err := storage.Open(ctx, cfg.Database)
	if err != nil {
		tb.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	srv, err := server.New(ctx, cfg, store, coopoltest.Logger(tb, cfg.Host), server.Options{
		Resolver: network, PortOverride: network.Route, QueuePollInterval: q.Poll,
	})
	if err != nil {
		tb.Fatal(err)
	}
	network.Serve(tb, cfg.Host, srv.Handler)
	if err := srv.Queue.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		srv.Queue.Stop(stopCtx) //nolint:errcheck
		store.Close()
	})
	return &origin{Network: network, Server: srv, Store: store, Social: srv.Social}
}

func newFanoutEnv(tb testing.TB, backend string, hosts, perHost int, shared bool, q queueSettings) *fanoutEnv {
	tb.Helper()
	e := &fanoutEnv{hosts: hosts, perHost: perHost, shared: shared}
	e.origin = startOrigin(tb, backend, q)
	u, err := e.origin.Social.CreateUser(context.Background(), social.NewUser{Username: "author", Email: "author@example.org",
		Password: "password-author", Role: model.RoleMember, Approved: true})
	if err != nil {
		tb.Fatal(err)
	}
	e.author = u.Account
	receiver := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		io.Copy(io.Discard, r.Body) //nolint:errcheck
		e.posts.Add(1)
		if r.Header.Get("Signature") != "" {
			e.signed.Add(1)
		}
		now := time.Now().UnixNano()
		for {
			last := e.lastNanos.Load()
			if now <= last || e.lastNanos.CompareAndSwap(last, now) {
				break
			}
		}
		w.WriteHeader(http.StatusAccepted)
	})
	for h := range hosts {
		e.origin.Network.Serve(tb, fmt.Sprintf("recv-%02d.test", h), receiver)
	}
	// Followers and accepted follows go straight into the database.
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	accounts := make([]seedAccount, 0, hosts*perHost)
	follows := make([]model.Follow, 0, hosts*perHost)
	for h := range hosts {
		host := fmt.Sprintf("recv-%02d.test", h)
		for u := range perHost {
			uri := fmt.Sprintf("http://%s/users/u%d", host, u)
			a := seedAccount{ID: model.NewID(now), URI: uri, Username: fmt.Sprintf("u%d", u), Domain: host,
				InboxURI: uri + "/inbox", CreatedAt: now, UpdatedAt: now}
			if shared {
				a.SharedInboxURI = "http://" + host + "/inbox"
			}
			accounts = append(accounts, a)
			follows = append(follows, model.Follow{ID: model.NewID(now), AccountID: a.ID, TargetAccountID: e.author.ID,
				URI: uri + "/follows/1", State: model.FollowAccepted, ShowReblogs: true, CreatedAt: now, UpdatedAt: now})
		}
	}
	db := e.origin.Store.DB
	for i := 0; i < len(accounts); i += 1000 {
		chunk := accounts[i:min(i+1000, len(accounts))]
		if _, err := db.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			tb.Fatal(err)
		}
	}
	for i := 0; i < len(follows); i += 1000 {
		chunk := follows[i:min(i+1000, len(follows))]
		if _, err := db.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		tb.Fatal(err)
	}
	return e
}

// expected is the number of POSTs one public post should cause.
func (e *fanoutEnv) expected() int {
	if e.shared {
		return e.hosts
	}
	return e.hosts * e.perHost
}

// publish posts one public status and waits (at most five minutes) for
// the receivers to get it. enqueue is CreateStatus's own time (the status
// and its delivery jobs written in one transaction); wall runs from
// calling CreateStatus to the last POST received.
func (e *fanoutEnv) publish(tb testing.TB) (enqueue, wall time.Duration) {
	tb.Helper()
	before := e.posts.Load()
	start := time.Now()
	if _, err := e.origin.Social.CreateStatus(context.Background(), e.author,
		social.NewStatus{Text: "Réunion publique jeudi à 19 h à la Bourse du travail.", Visibility: model.VisibilityPublic}); err != nil {
		tb.Fatal(err)
	}
	enqueue = time.Since(start)
	want := before + int64(e.expected())
	deadline := start.Add(5 * time.Minute)
	for e.posts.Load() < want {
		if time.Now().After(deadline) {
			tb.Fatalf("after 5 minutes the receivers got %d of %d POSTs", e.posts.Load()-before, e.expected())
		}
		time.Sleep(time.Millisecond)
	}
	return enqueue, time.Unix(0, e.lastNanos.Load()).Sub(start)
}

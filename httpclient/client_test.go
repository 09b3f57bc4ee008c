package httpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loopbackOnly is the allow-list tests use to reach httptest servers.
var loopbackOnly = mustPrefixes("127.0.0.0/8", "::1/128")

// fakeResolver maps test host names to fixed answers. Unknown names fail
// like NXDOMAIN, so no test ever reaches real DNS.
type fakeResolver struct {
	hosts map[string][]string

	mu    sync.Mutex
	calls []string
}

func (r *fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	r.mu.Lock()
	r.calls = append(r.calls, host)
	r.mu.Unlock()

	answers, ok := r.hosts[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	out := make([]net.IPAddr, 0, len(answers))
	for _, a := range answers {
		out = append(out, net.IPAddr{IP: net.ParseIP(a)})
	}
	return out, nil
}

func (r *fakeResolver) lookups() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// testClient is a Client whose low-level dial is guarded: dialling anything
// but loopback fails the test (and is not attempted), and every dial is
// counted so tests can assert "refused before any connection".
type testClient struct {
	*Client
	dials atomic.Int64
}

func newTestClient(t *testing.T, cfg Config) *testClient {
	t.Helper()
	if cfg.Resolver == nil {
		cfg.Resolver = &fakeResolver{}
	}
	tc := &testClient{Client: New(cfg)}
	realDial := tc.dial
	tc.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		ap, err := netip.ParseAddrPort(addr)
		if err != nil || !ap.Addr().Unmap().IsLoopback() {
			t.Errorf("test tried to dial non-loopback address %q", addr)
			return nil, errors.New("test guard: non-loopback dial refused")
		}
		tc.dials.Add(1)
		return realDial(ctx, network, addr)
	}
	t.Cleanup(tc.HTTPClient().CloseIdleConnections)
	return tc
}

// countingServer is an httptest server on loopback that counts requests.
type countingServer struct {
	*httptest.Server
	hits atomic.Int64
}

func newServer(t *testing.T, h http.HandlerFunc) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *countingServer) addr() string { return s.Listener.Addr().String() }

// overridePorts sends "host:80" for each named host to the given listener.
func overridePorts(m map[string]string) func(string) string {
	return func(hostport string) string { return m[hostport] }
}

func get(t *testing.T, c interface {
	Do(*http.Request) (*http.Response, error)
}, rawURL string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	requireNoError(t, err)
	return c.Do(req)
}

func ok(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }

// covers N-01: loopback works only when the operator allows it.
func TestClient_N01_LoopbackAllowed(t *testing.T) {
	var gotUA atomic.Value
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		gotUA.Store(r.UserAgent())
		ok(w, r)
	})
	c := newTestClient(t, Config{AllowedPrivate: loopbackOnly, UserAgent: "Coopol/0.1 (+https://coopol.test/)"})

	resp, err := get(t, c, srv.URL+"/x")
	requireNoError(t, err)
	defer resp.Body.Close()
	body, err := ReadLimited(resp, LimitJSON)
	requireNoError(t, err)
	if string(body) != "ok" || resp.StatusCode != http.StatusOK {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	if ua := gotUA.Load(); ua != "Coopol/0.1 (+https://coopol.test/)" {
		t.Errorf("User-Agent = %v", ua)
	}
}

// covers N-01
func TestClient_N01_LoopbackRefused(t *testing.T) {
	srv := newServer(t, ok)
	c := newTestClient(t, Config{})

	_, err := get(t, c, srv.URL+"/x")
	requireErrorIs(t, err, ErrForbiddenAddress)
	if n := srv.hits.Load(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
	if n := c.dials.Load(); n != 0 {
		t.Errorf("%d dials attempted, want 0", n)
	}
}

// covers N-01, N-07: libraries using HTTPClient() get the same checks.
func TestClient_N07_HTTPClientEnforcesChecks(t *testing.T) {
	srv := newServer(t, ok)
	c := newTestClient(t, Config{})

	_, err := get(t, c.HTTPClient(), srv.URL+"/x")
	requireErrorIs(t, err, ErrForbiddenAddress)
	if n := srv.hits.Load(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

// covers N-01: forbidden literals, including the N-01 bypass spellings, are
// refused without dialling.
func TestClient_N01_ForbiddenLiterals(t *testing.T) {
	c := newTestClient(t, Config{})
	for _, u := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://0.0.0.0/",
		"http://[::]/",
		"http://[::1]/",
		"http://[::ffff:127.0.0.1]/",
		"http://10.0.0.1/",
		"http://[2002:7f00:1::1]/",
		"http://[fe80::1]/",
	} {
		_, err := get(t, c, u)
		requireErrorIs(t, err, ErrForbiddenAddress, u)
	}
	if n := c.dials.Load(); n != 0 {
		t.Errorf("%d dials attempted, want 0", n)
	}
}

// covers N-01: test host names reach loopback through the resolver and
// PortOverride, with the Host header still naming the host.
func TestClient_N01_HostnameViaResolver(t *testing.T) {
	var gotHost atomic.Value
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		gotHost.Store(r.Host)
		ok(w, r)
	})
	res := &fakeResolver{hosts: map[string][]string{"section-a.test": {"127.0.0.1"}}}
	c := newTestClient(t, Config{
		AllowedPrivate: loopbackOnly,
		Resolver:       res,
		PortOverride:   overridePorts(map[string]string{"section-a.test:80": "section-a.test:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:]}),
	})

	resp, err := get(t, c, "http://Section-A.test./users/alice")
	requireNoError(t, err)
	resp.Body.Close()
	if h := gotHost.Load(); h != "section-a.test" {
		t.Errorf("Host = %v, want section-a.test", h)
	}
	if got := resp.Request.URL.String(); got != "http://section-a.test/users/alice" {
		t.Errorf("final URL = %s", got)
	}
}

// covers N-02: PortOverride cannot bypass the check; the IP actually
// dialled is what counts.
func TestDial_N02_PortOverrideIsChecked(t *testing.T) {
	srv := newServer(t, ok)
	c := newTestClient(t, Config{
		Resolver:     &fakeResolver{hosts: map[string][]string{"public.test": {"127.0.0.1"}}},
		PortOverride: func(string) string { return srv.addr() },
	})
	_, err := get(t, c, "http://public.test/")
	requireErrorIs(t, err, ErrForbiddenAddress)
	if srv.hits.Load() != 0 || c.dials.Load() != 0 {
		t.Errorf("hits=%d dials=%d, want 0", srv.hits.Load(), c.dials.Load())
	}
}

// covers N-02: a name that resolves to a private address at dial time is
// refused before any connection.
func TestDial_N02_Rebinding(t *testing.T) {
	res := &fakeResolver{hosts: map[string][]string{"rebind.test": {"10.0.0.1"}}}
	c := newTestClient(t, Config{AllowedPrivate: loopbackOnly, Resolver: res})

	_, err := get(t, c, "http://rebind.test/users/bob")
	requireErrorIs(t, err, ErrForbiddenAddress)
	if got := res.lookups(); len(got) != 1 || got[0] != "rebind.test" {
		t.Errorf("lookups = %v, want [rebind.test]", got)
	}
	if n := c.dials.Load(); n != 0 {
		t.Errorf("%d dials attempted, want 0", n)
	}
	if strings.Contains(err.Error(), "10.0.0.1") {
		t.Errorf("error reveals the internal address: %v", err)
	}
}

// covers N-02: with mixed answers, forbidden addresses are skipped without
// dialling and an allowed one is used.
func TestDial_N02_MixedAnswersSkipForbidden(t *testing.T) {
	srv := newServer(t, ok)
	_, port, _ := net.SplitHostPort(srv.addr())
	res := &fakeResolver{hosts: map[string][]string{
		"mixed.test": {"10.0.0.1", "169.254.169.254", "::ffff:192.168.0.1", "127.0.0.1"},
	}}
	c := newTestClient(t, Config{
		AllowedPrivate: loopbackOnly,
		Resolver:       res,
		PortOverride:   overridePorts(map[string]string{"mixed.test:80": "mixed.test:" + port}),
	})

	resp, err := get(t, c, "http://mixed.test/")
	requireNoError(t, err)
	resp.Body.Close()
	if n := c.dials.Load(); n != 1 {
		t.Errorf("%d dials, want exactly 1 (the loopback answer)", n)
	}
}

// covers N-02: the net.Dialer Control hook refuses forbidden addresses right
// before connect(2), independent of the resolver-level check.
func TestDial_N02_ControlHook(t *testing.T) {
	srv := newServer(t, ok)
	var accepted atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			accepted.Add(1)
		}
	}

	refusing := New(Config{})
	for _, addr := range []string{"127.0.0.1:80", "10.0.0.1:443", "[::1]:80", "[::ffff:169.254.169.254]:80", "not-an-address"} {
		requireErrorIs(t, refusing.control("tcp4", addr, nil), ErrForbiddenAddress, addr)
	}
	requireNoError(t, New(Config{AllowedPrivate: loopbackOnly}).control("tcp4", "127.0.0.1:80", nil))

	// Going straight to the dialer (skipping dialContext) still hits the
	// hook: the loopback listener never sees a connection.
	_, err := refusing.dialer.DialContext(context.Background(), "tcp", srv.addr())
	requireErrorIs(t, err, ErrForbiddenAddress)
	time.Sleep(20 * time.Millisecond) // give a (wrongly) accepted conn time to show up
	if n := accepted.Load(); n != 0 {
		t.Errorf("listener accepted %d connections, want 0", n)
	}
}

// covers N-03: each redirect hop is checked again.
func TestRedirect_N03_ToForbiddenHost(t *testing.T) {
	for _, target := range []string{
		"http://internal.test/admin",              // resolves to 10.0.0.1
		"http://169.254.169.254/latest/meta-data", // metadata literal
		"http://[::ffff:10.1.2.3]/",
	} {
		t.Run(target, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target, http.StatusFound)
			})
			c := newTestClient(t, Config{
				AllowedPrivate: loopbackOnly,
				Resolver:       &fakeResolver{hosts: map[string][]string{"internal.test": {"10.0.0.1"}}},
			})
			_, err := get(t, c, srv.URL+"/start")
			requireErrorIs(t, err, ErrForbiddenAddress)
			if srv.hits.Load() != 1 || c.dials.Load() != 1 {
				t.Errorf("hits=%d dials=%d, want 1 and 1 (first hop only)", srv.hits.Load(), c.dials.Load())
			}
		})
	}
}

// covers N-03, N-06: a redirect to a URL we would not fetch directly is
// refused.
func TestRedirect_N03_InvalidTarget(t *testing.T) {
	for _, target := range []string{
		"http://user:pass@section-b.test/",
		"ftp://section-b.test/",
		"http://2130706433/",
	} {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", target)
			w.WriteHeader(http.StatusFound)
		})
		c := newTestClient(t, Config{AllowedPrivate: loopbackOnly})
		_, err := get(t, c, srv.URL+"/start")
		requireErrorIs(t, err, ErrInvalidURL, target)
	}
}

// redirectChain redirects /hop/N to /hop/N+1 forever.
func redirectChain(w http.ResponseWriter, r *http.Request) {
	var n int
	fmt.Sscanf(r.URL.Path, "/hop/%d", &n)
	http.Redirect(w, r, fmt.Sprintf("/hop/%d", n+1), http.StatusFound)
}

// covers N-03
func TestRedirect_N03_TooMany(t *testing.T) {
	srv := newServer(t, redirectChain)
	c := newTestClient(t, Config{AllowedPrivate: loopbackOnly, MaxRedirects: 2})

	resp, err := get(t, c, srv.URL+"/hop/0")
	requireErrorIs(t, err, ErrTooManyRedirects)
	if resp != nil {
		t.Error("Do returned a response together with an error")
	}
	if n := srv.hits.Load(); n != 3 {
		t.Errorf("server saw %d requests, want 3 (original + 2 redirects)", n)
	}
}

// covers N-03: the default cap is 2, and a negative MaxRedirects follows none.
func TestRedirect_N03_Limits(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hop/2" {
			ok(w, r)
			return
		}
		redirectChain(w, r)
	})

	c := newTestClient(t, Config{AllowedPrivate: loopbackOnly})
	if c.maxRedirects != DefaultMaxRedirects {
		t.Fatalf("default maxRedirects = %d", c.maxRedirects)
	}
	resp, err := get(t, c, srv.URL+"/hop/0")
	requireNoError(t, err, "two redirects are within the default cap")
	resp.Body.Close()
	if !strings.HasSuffix(resp.Request.URL.Path, "/hop/2") {
		t.Errorf("final URL = %s", resp.Request.URL)
	}

	none := newTestClient(t, Config{AllowedPrivate: loopbackOnly, MaxRedirects: -1})
	_, err = get(t, none, srv.URL+"/hop/0")
	requireErrorIs(t, err, ErrTooManyRedirects)
}

// covers A-04: the final URL is reported, stale signatures are not
// forwarded, and OnRedirect can re-sign each hop.
func TestRedirect_A04_FinalURLAndSignature(t *testing.T) {
	var sigAtB atomic.Value
	b := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sigAtB.Store(r.Header.Get("Signature"))
		ok(w, r)
	})
	a := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://section-b.test/objects/1", http.StatusFound)
	})
	res := &fakeResolver{hosts: map[string][]string{
		"section-a.test": {"127.0.0.1"},
		"section-b.test": {"127.0.0.1"},
	}}
	ports := overridePorts(map[string]string{"section-a.test:80": a.addr(), "section-b.test:80": b.addr()})

	for _, resign := range []bool{false, true} {
		cfg := Config{AllowedPrivate: loopbackOnly, Resolver: res, PortOverride: ports}
		if resign {
			cfg.OnRedirect = func(req *http.Request, _ []*http.Request) error {
				req.Header.Set("Signature", "signed-for-"+req.URL.Host)
				return nil
			}
		}
		c := newTestClient(t, cfg)
		req, err := http.NewRequest(http.MethodGet, "http://section-a.test/objects/1", nil)
		requireNoError(t, err)
		req.Header.Set("Signature", "signed-for-section-a.test")

		resp, err := c.Do(req)
		requireNoError(t, err)
		resp.Body.Close()
		if got := resp.Request.URL.String(); got != "http://section-b.test/objects/1" {
			t.Errorf("resp.Request.URL = %s, want the final URL", got)
		}
		want := ""
		if resign {
			want = "signed-for-section-b.test"
		}
		if got := sigAtB.Load(); got != want {
			t.Errorf("resign=%v: Signature at B = %q, want %q", resign, got, want)
		}
		if req.Header.Get("Signature") != "signed-for-section-a.test" {
			t.Error("Do modified the caller's request")
		}
	}
}

// covers N-05: a body trickled slower than the deadline is cut off.
func TestTimeout_N05_SlowBody(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		w.WriteHeader(http.StatusOK)
		for i := 0; i < 100; i++ {
			if _, err := io.WriteString(w, " "); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	c := newTestClient(t, Config{AllowedPrivate: loopbackOnly, Timeout: 300 * time.Millisecond})

	start := time.Now()
	resp, err := get(t, c, srv.URL+"/slow")
	if err == nil {
		_, err = ReadLimited(resp, LimitJSON)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("slow body was read to the end; want a deadline error")
	}
	// Generous bound: the server would need 5 s to finish.
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %v; the deadline did not cover the body", elapsed)
	}
}

// covers N-05: a server that never sends headers is cut off too.
func TestTimeout_N05_SlowHeaders(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	c := newTestClient(t, Config{AllowedPrivate: loopbackOnly, Timeout: 300 * time.Millisecond})

	start := time.Now()
	if _, err := get(t, c, srv.URL+"/hang"); err == nil {
		t.Fatal("want a deadline error")
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %v", elapsed)
	}
}

// covers N-08: HTTP(S)_PROXY is ignored, so the destination checks see the
// real destination and no proxy ever gets the request.
func TestProxy_N08_EnvironmentIgnored(t *testing.T) {
	proxy := newServer(t, ok)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("https_proxy", proxy.URL)
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")

	target := newServer(t, ok)
	res := &fakeResolver{hosts: map[string][]string{
		"section-a.test": {"127.0.0.1"},
		"internal.test":  {"10.0.0.1"},
	}}
	c := newTestClient(t, Config{
		AllowedPrivate: loopbackOnly,
		Resolver:       res,
		PortOverride:   overridePorts(map[string]string{"section-a.test:80": target.addr()}),
	})
	if tr := c.HTTPClient().Transport.(*userAgentTransport).base; tr.Proxy != nil {
		t.Fatal("Transport.Proxy is set")
	}

	resp, err := get(t, c, "http://section-a.test/")
	requireNoError(t, err)
	resp.Body.Close()

	_, err = get(t, c, "http://internal.test/")
	requireErrorIs(t, err, ErrForbiddenAddress)

	if n := proxy.hits.Load(); n != 0 {
		t.Errorf("proxy saw %d requests, want 0", n)
	}
	if n := target.hits.Load(); n != 1 {
		t.Errorf("target saw %d requests, want 1", n)
	}
}

// covers N-06: Do validates URLs, including hand-built ones that never went
// through url.Parse.
func TestDo_N06_RejectsBadURL(t *testing.T) {
	c := newTestClient(t, Config{AllowedPrivate: loopbackOnly})
	bad := []*http.Request{
		{Method: http.MethodGet, URL: &url.URL{Scheme: "http", Host: "127.0.0.1", Path: "/", RawQuery: "a\r\nX-Injected: 1"}, Header: http.Header{}},
		{Method: http.MethodGet, URL: &url.URL{Scheme: "file", Path: "/etc/passwd"}},
		{Method: http.MethodGet, URL: &url.URL{Scheme: "http", Host: "127.0.0.1", User: url.UserPassword("u", "p")}},
		{Method: http.MethodGet},
	}
	for _, req := range bad {
		_, err := c.Do(req)
		requireErrorIs(t, err, ErrInvalidURL, req.URL)
	}
	if _, err := c.Do(nil); !errors.Is(err, ErrInvalidURL) {
		t.Errorf("Do(nil) = %v", err)
	}
	if n := c.dials.Load(); n != 0 {
		t.Errorf("%d dials attempted, want 0", n)
	}
}

// A caller-supplied User-Agent wins; libraries going through HTTPClient()
// get ours.
func TestClient_UserAgent(t *testing.T) {
	var gotUA atomic.Value
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		gotUA.Store(r.UserAgent())
		ok(w, r)
	})
	c := newTestClient(t, Config{AllowedPrivate: loopbackOnly})

	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	requireNoError(t, err)
	req.Header.Set("User-Agent", "custom")
	resp, err := c.Do(req)
	requireNoError(t, err)
	resp.Body.Close()
	if gotUA.Load() != "custom" {
		t.Errorf("User-Agent = %v, want custom", gotUA.Load())
	}

	resp, err = get(t, c.HTTPClient(), srv.URL)
	requireNoError(t, err)
	resp.Body.Close()
	if gotUA.Load() != DefaultUserAgent {
		t.Errorf("User-Agent = %v, want %s", gotUA.Load(), DefaultUserAgent)
	}
}

func TestNew_Defaults(t *testing.T) {
	c := New(Config{})
	hc := c.HTTPClient()
	if hc.Timeout != DefaultTimeout {
		t.Errorf("Timeout = %v", hc.Timeout)
	}
	if c.maxRedirects != DefaultMaxRedirects {
		t.Errorf("maxRedirects = %d", c.maxRedirects)
	}
	tr := hc.Transport.(*userAgentTransport).base
	if tr.Proxy != nil {
		t.Error("Proxy must be nil (N-08)")
	}
	if tr.TLSHandshakeTimeout != 10*time.Second || c.dialer.Timeout != 10*time.Second {
		t.Errorf("TLS handshake %v, dial %v", tr.TLSHandshakeTimeout, c.dialer.Timeout)
	}
	if tr.ResponseHeaderTimeout <= 0 || tr.MaxIdleConnsPerHost <= 0 {
		t.Error("response header timeout and idle connections per host must be set")
	}
	if c.dialer.Control == nil {
		t.Error("dialer has no Control hook")
	}
}

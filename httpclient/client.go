package httpclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Defaults applied by New when the corresponding Config field is zero.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxRedirects = 2
	DefaultUserAgent    = "Coopol"
)

const (
	dialTimeout         = 10 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
	keepAlive           = 30 * time.Second
	idleConnTimeout     = 90 * time.Second
	// Delivery fans out to many hosts, each getting a burst of requests;
	// keep a few warm connections per host and plenty overall.
	maxIdleConns        = 512
	maxIdleConnsPerHost = 4
	// Go's transport default is 10 MiB of response headers; no honest
	// ActivityPub server needs more than a fraction of this.
	maxResponseHeaderBytes = 256 << 10
)

// ErrTooManyRedirects is returned (wrapped) when a response would need more
// than Config.MaxRedirects redirects.
var ErrTooManyRedirects = errors.New("httpclient: too many redirects")

// Resolver is the seam tests use to map hostnames like "section-a.test" to
// loopback. *net.Resolver satisfies it.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// Config configures a Client. The zero value is usable and secure.
type Config struct {
	// AllowedPrivate is the operator allow-list (config
	// federation.allow_private_ips), e.g. 127.0.0.0/8 in tests. It is
	// checked before the default-deny list.
	AllowedPrivate []netip.Prefix

	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver Resolver

	// PortOverride lets tests map host:port to a loopback listener: if
	// non-nil it is called with the "host:port" being dialled and may return
	// another "ip:port" (or "host:port") to dial instead; an empty result
	// keeps the original. The IP actually dialled is still checked against
	// the rules, so tests must allow 127.0.0.0/8. TLS still verifies the
	// certificate for the original host name.
	PortOverride func(hostport string) string

	// Timeout is the deadline for the whole exchange, including redirects
	// and reading the body (N-05). Zero or negative means DefaultTimeout.
	Timeout time.Duration

	// MaxRedirects caps the redirects followed per request (N-03). Zero
	// means DefaultMaxRedirects; a negative value follows no redirects.
	MaxRedirects int

	// UserAgent is sent when the request has none, e.g.
	// "Coopol/0.1 (+https://host/)". Empty means DefaultUserAgent.
	UserAgent string

	// OnRedirect, if non-nil, is called for every redirect hop after the
	// built-in checks passed, with the request about to be sent. Callers
	// that sign requests use it to sign the hop for its new URL.
	// Returning an error stops the redirect.
	OnRedirect func(req *http.Request, via []*http.Request) error

	// TLSConfig overrides the TLS settings (for example a test root CA).
	// It is cloned; nil means system roots and TLS 1.2 or newer.
	TLSConfig *tls.Config
}

// Client is the outbound HTTP client. It is safe for concurrent use and
// should be shared: it keeps idle connections to the hosts it talks to.
type Client struct {
	client       *http.Client
	resolver     Resolver
	allowed      []netip.Prefix
	portOverride func(string) string
	userAgent    string
	maxRedirects int
	onRedirect   func(*http.Request, []*http.Request) error

	// dialer connects to addresses that dialContext already checked; its
	// Control hook checks them again right before connect(2).
	dialer *net.Dialer
	// dial is dialer.DialContext. It is a field so tests can wrap it and
	// prove that nothing but loopback is ever dialled.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// New builds a Client from cfg, filling in defaults.
func New(cfg Config) *Client {
	c := &Client{
		resolver:     cfg.Resolver,
		portOverride: cfg.PortOverride,
		userAgent:    cfg.UserAgent,
		maxRedirects: cfg.MaxRedirects,
		onRedirect:   cfg.OnRedirect,
	}
	if c.resolver == nil {
		c.resolver = net.DefaultResolver
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	switch {
	case c.maxRedirects == 0:
		c.maxRedirects = DefaultMaxRedirects
	case c.maxRedirects < 0:
		c.maxRedirects = 0
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	// Copy the allow-list so later changes by the caller cannot widen it
	// behind our back.
	for _, p := range cfg.AllowedPrivate {
		if p.IsValid() {
			c.allowed = append(c.allowed, p.Masked())
		}
	}

	c.dialer = &net.Dialer{
		Timeout:   dialTimeout,
		KeepAlive: keepAlive,
		Control:   c.control,
	}
	c.dial = c.dialer.DialContext

	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	}

	transport := &http.Transport{
		// N-08: we never use HTTP(S)_PROXY. With a proxy, our dial checks
		// would only ever see the proxy's address and the proxy would
		// happily connect to 169.254.169.254 for us. Leaving Proxy nil
		// (instead of http.ProxyFromEnvironment) means every connection
		// goes straight to the checked destination.
		Proxy:                  nil,
		DialContext:            c.dialContext,
		TLSClientConfig:        tlsConfig,
		ForceAttemptHTTP2:      true, // needed for HTTP/2 with a custom DialContext
		TLSHandshakeTimeout:    tlsHandshakeTimeout,
		ResponseHeaderTimeout:  timeout,
		ExpectContinueTimeout:  time.Second,
		MaxIdleConns:           maxIdleConns,
		MaxIdleConnsPerHost:    maxIdleConnsPerHost,
		IdleConnTimeout:        idleConnTimeout,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
	}

	c.client = &http.Client{
		Transport:     &userAgentTransport{base: transport, userAgent: c.userAgent},
		CheckRedirect: c.checkRedirect,
		// N-05: http.Client.Timeout covers dialling, redirects and reading
		// the body, so a peer that trickles one byte at a time is cut off
		// when the whole exchange is over time, not per read.
		Timeout: timeout,
	}
	return c
}

// Do sends req after validating its URL (ValidateURL), with the User-Agent,
// whole-request deadline and redirect policy applied. req is not modified.
//
// Unlike http.Client.Do, Do returns either a response or an error, never
// both. The caller must close resp.Body, read it with ReadLimited, and treat
// resp.Request.URL (the final URL after redirects) as the document's origin,
// not the URL it asked for.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if req == nil || req.URL == nil {
		return nil, fmt.Errorf("%w: request without URL", ErrInvalidURL)
	}
	// Re-validating the string form also catches URLs built by hand as a
	// url.URL, which never went through url.Parse's checks.
	u, err := ValidateURL(req.URL.String())
	if err != nil {
		return nil, err
	}

	req = req.Clone(req.Context())
	// http.NewRequest copies the URL's host into req.Host; keep the Host
	// header in step with the normalised URL unless the caller set a
	// different one on purpose.
	if req.Host == "" || req.Host == req.URL.Host {
		req.Host = u.Host
	}
	req.URL = u
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.userAgent)
	}

	resp, err := c.client.Do(req)
	if err != nil {
		// After a refused redirect http.Client returns the previous
		// response (body already closed) together with the error.
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		return nil, err
	}
	return resp, nil
}

// HTTPClient returns the underlying *http.Client for libraries that need
// one. It enforces the same address checks, redirect policy, deadline and
// User-Agent; only Do's up-front URL validation is missing, so prefer Do.
func (c *Client) HTTPClient() *http.Client {
	return c.client
}

// dialContext resolves the host itself and dials only addresses that pass
// IsForbidden. Resolving here, instead of letting net.Dialer do it, means the
// address we check is the address we connect to: a second DNS answer cannot
// sneak in between check and connect (N-02). Redirect hops open new
// connections through here as well.
func (c *Client) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("dial %s: unsupported network %q", addr, network)
	}

	target := addr
	if c.portOverride != nil {
		if override := c.portOverride(addr); override != "" {
			target = override
		}
	}
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}

	ips, err := c.resolve(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}

	// Try each address in the order the resolver gave them, skipping the
	// forbidden ones without ever connecting to them. The errors do not
	// name the forbidden IPs: they may be shown to whoever supplied the
	// URL, and must not turn us into an oracle for internal DNS.
	var (
		forbidden bool
		dialErrs  []error
	)
	for _, ip := range ips {
		if IsForbidden(ip, c.allowed) {
			forbidden = true
			continue
		}
		conn, err := c.dial(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		dialErrs = append(dialErrs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if forbidden {
		dialErrs = append([]error{ErrForbiddenAddress}, dialErrs...)
	}
	return nil, fmt.Errorf("dial %s: %w", addr, errors.Join(dialErrs...))
}

// resolve returns the addresses for host: the host itself if it is an IP
// literal, otherwise the resolver's answer. IPv4-mapped answers are unmapped
// so they are dialled (and judged) as the IPv4 addresses they are.
func (c *Client) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	answers, err := c.resolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("resolve: %w", err)
	}
	ips := make([]netip.Addr, 0, len(answers))
	for _, a := range answers {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue // malformed answer: skip it rather than guess
		}
		ips = append(ips, ip.Unmap().WithZone(a.Zone))
	}
	if len(ips) == 0 {
		return nil, errors.New("resolve: no addresses")
	}
	return ips, nil
}

// control runs inside net.Dialer right before connect(2), with the literal
// "ip:port" being connected to. dialContext has already checked the address;
// this is defence in depth in case a future change lets an unchecked address
// reach the dialer.
func (c *Client) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("connect: unparseable address: %w", ErrForbiddenAddress)
	}
	if IsForbidden(ap.Addr(), c.allowed) {
		return fmt.Errorf("connect: %w", ErrForbiddenAddress)
	}
	return nil
}

// checkRedirect is the http.Client redirect policy (N-03, A-04): a small hop
// cap, the same URL rules as the first request, and no stale signature
// forwarded. The address of every hop is checked when it is dialled.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	// via holds the requests already sent, so len(via) is the number of
	// redirects followed once this one is.
	if len(via) > c.maxRedirects {
		return fmt.Errorf("%w: limit is %d", ErrTooManyRedirects, c.maxRedirects)
	}
	u, err := ValidateURL(req.URL.String())
	if err != nil {
		return fmt.Errorf("redirect refused: %w", err)
	}
	req.URL = u

	// An HTTP signature covers the previous hop's host and path, so it is
	// never valid for the new URL; forwarding it would only hand a signed
	// header to whoever redirected us. OnRedirect may sign the hop afresh.
	req.Header.Del("Signature")

	if c.onRedirect != nil {
		if err := c.onRedirect(req, via); err != nil {
			return fmt.Errorf("redirect refused: %w", err)
		}
	}
	return nil
}

// userAgentTransport sets our User-Agent on requests that have none, so that
// libraries using HTTPClient() identify us too.
type userAgentTransport struct {
	base      *http.Transport
	userAgent string
}

func (t *userAgentTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		// A RoundTripper must not modify the caller's request.
		req = req.Clone(req.Context())
		if req.Header == nil {
			req.Header = make(http.Header)
		}
		req.Header.Set("User-Agent", t.userAgent)
	}
	return t.base.RoundTrip(req)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// wrapped transport.
func (t *userAgentTransport) CloseIdleConnections() {
	t.base.CloseIdleConnections()
}

package httpsign

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
)

var activity = []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow","actor":"https://remote.test/users/bob","object":"https://example.org/users/alice"}`)

func TestRoundTrip_GET(t *testing.T) {
	key, _ := keys(t)
	for _, rawURL := range []string{
		"https://example.org/users/alice",
		"https://example.org/users/alice/outbox?page=true&min_id=0",
		"https://example.org/users/caf%C3%A9",   // percent-encoded path: signed as sent, not decoded
		"https://example.org/tags/%7Efoo%2Fbar", // non-canonical escaping survives too
		"https://example.org",                   // empty path is "/" on the wire
	} {
		t.Run(rawURL, func(t *testing.T) {
			req := signedGET(t, rawURL, key, t0)
			sig, err := ParseRequest(req, opts(t0, nil))
			noErr(t, err)
			if sig.KeyID != "https://remote.test/users/bob#main-key" {
				t.Fatalf("keyId = %q", sig.KeyID)
			}
			if got := strings.Join(sig.Headers, " "); got != "(request-target) host date" {
				t.Fatalf("headers = %q", got)
			}
			noErr(t, VerifyRequest(req, sig, &key.PublicKey))
		})
	}
}

func TestRoundTrip_POST(t *testing.T) {
	key, _ := keys(t)
	req, body := signedPOST(t, "https://example.org/inbox", key, activity, t0)
	sig, err := ParseRequest(req, opts(t0, body))
	noErr(t, err)
	if got := strings.Join(sig.Headers, " "); got != "(request-target) host date digest" {
		t.Fatalf("headers = %q", got)
	}
	noErr(t, VerifyRequest(req, sig, &key.PublicKey))
}

// The client-side request object (Host in the header map, as SignRequest
// leaves it) verifies too, not only its server-side reading.
func TestRoundTrip_ClientSideRequest(t *testing.T) {
	key, _ := keys(t)
	req, err := http.NewRequest(http.MethodPost, "https://example.org/inbox", bytes.NewReader(activity))
	noErr(t, err)
	noErr(t, SignRequest(req, "https://remote.test/users/bob#main-key", key, activity, t0))
	noErr(t, parseAndVerify(req, opts(t0, activity), &key.PublicKey))
}

// A real HTTP round trip through net/http's client and server.
func TestRoundTrip_RealServer(t *testing.T) {
	key, _ := keys(t)
	results := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			results <- err
			return
		}
		if r.Method == http.MethodGet {
			body = nil
		}
		// Our "configured host" is the address the listener serves on.
		host := r.Context().Value(http.LocalAddrContextKey).(net.Addr).String()
		results <- parseAndVerify(r, VerifyOptions{Now: t0, Host: host, Body: body}, &key.PublicKey)
	}))
	defer srv.Close()

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		var body []byte
		if method == http.MethodPost {
			body = activity
		}
		req, err := http.NewRequest(method, srv.URL+"/users/caf%C3%A9/inbox?x=1", bytes.NewReader(body))
		noErr(t, err)
		noErr(t, SignRequest(req, "https://remote.test/users/bob#main-key", key, body, t0))
		resp, err := srv.Client().Do(req)
		noErr(t, err)
		resp.Body.Close()
		if err := <-results; err != nil {
			t.Fatalf("%s: server-side verification: %v", method, err)
		}
	}
}

func TestSignRequest_HeadersAndDate(t *testing.T) {
	key, _ := keys(t)
	req, err := http.NewRequest(http.MethodPost, "https://example.org/inbox", bytes.NewReader(activity))
	noErr(t, err)
	noErr(t, SignRequest(req, "https://remote.test/users/bob#main-key", key, activity, t0.In(time.FixedZone("CET", 3600))))

	if got, want := req.Header.Get("Date"), "Sun, 01 Mar 2026 12:00:00 GMT"; got != want {
		t.Fatalf("Date = %q, want %q", got, want)
	}
	if got, want := req.Header.Get("Digest"), digestOf(activity); got != want {
		t.Fatalf("Digest = %q, want %q", got, want)
	}
	if got := req.Header.Get("Host"); got != "example.org" {
		t.Fatalf("Host = %q", got)
	}
	sig, err := ParseSignatureHeader(req.Header.Get("Signature"))
	noErr(t, err)
	if got := strings.Join(sig.Headers, " "); got != "(request-target) host date digest" {
		t.Fatalf("headers = %q", got)
	}
}

// A nil body on POST still gets a digest: Mastodon rejects a POST without one.
func TestSignRequest_POSTWithNilBodySignsDigest(t *testing.T) {
	key, _ := keys(t)
	req, err := http.NewRequest(http.MethodPost, "https://example.org/inbox", nil)
	noErr(t, err)
	noErr(t, SignRequest(req, "https://remote.test/users/bob#main-key", key, nil, t0))
	if got, want := req.Header.Get("Digest"), digestOf(nil); got != want {
		t.Fatalf("Digest = %q, want %q", got, want)
	}
	noErr(t, parseAndVerify(req, opts(t0, nil), &key.PublicKey))
}

// Delivery retries re-sign the same request: exactly one Signature and Digest.
func TestSignRequest_Resign(t *testing.T) {
	key, _ := keys(t)
	req, err := http.NewRequest(http.MethodPost, "https://example.org/inbox", bytes.NewReader(activity))
	noErr(t, err)
	noErr(t, SignRequest(req, "https://remote.test/users/bob#main-key", key, activity, t0))
	later := t0.Add(10 * time.Minute)
	noErr(t, SignRequest(req, "https://remote.test/users/bob#main-key", key, activity, later))
	if n := len(req.Header.Values("Signature")); n != 1 {
		t.Fatalf("%d Signature headers", n)
	}
	if n := len(req.Header.Values("Digest")); n != 1 {
		t.Fatalf("%d Digest headers", n)
	}
	noErr(t, parseAndVerify(req, opts(later, activity), &key.PublicKey))
}

// req.Host wins over URL.Host: that is what net/http puts on the wire.
func TestSignRequest_ExplicitHost(t *testing.T) {
	key, _ := keys(t)
	req, err := http.NewRequest(http.MethodGet, "https://10.0.0.1/users/alice", nil)
	noErr(t, err)
	req.Host = ourHost
	noErr(t, SignRequest(req, "https://remote.test/users/bob#main-key", key, nil, t0))
	in, _ := overWire(t, req, nil)
	noErr(t, parseAndVerify(in, opts(t0, nil), &key.PublicKey))
}

func TestSignRequest_BadInput(t *testing.T) {
	key, _ := keys(t)
	good, _ := http.NewRequest(http.MethodGet, "https://example.org/", nil)
	noHost := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/x"}}
	cases := map[string]func() error{
		"nil request": func() error { return SignRequest(nil, "k", key, nil, t0) },
		"nil URL":     func() error { return SignRequest(&http.Request{}, "k", key, nil, t0) },
		"empty keyId": func() error { return SignRequest(good, "", key, nil, t0) },
		"nil key":     func() error { return SignRequest(good, "k", nil, nil, t0) },
		"no host":     func() error { return SignRequest(noHost, "k", key, nil, t0) },
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) {
			if err := fn(); err == nil {
				t.Fatal("expected an error")
			}
		})
	}
}

func TestVerify_H01_Unsigned(t *testing.T) {
	cases := map[string]*http.Request{
		"no header":     serverGET("https://example.org/users/alice", t0),
		"bearer only":   serverGET("https://example.org/users/alice", t0),
		"blank header":  serverGET("https://example.org/users/alice", t0),
		"unsigned POST": serverPOST("https://example.org/inbox", activity, t0),
	}
	cases["bearer only"].Header.Set("Authorization", "Bearer abc.signature.headers")
	cases["blank header"].Header.Set("Signature", "  ")
	for name, req := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseRequest(req, opts(t0, nil))
			isErr(t, err, ErrUnsigned)
		})
	}
}

func TestVerify_H01_AuthorizationScheme(t *testing.T) {
	key, _ := keys(t)
	req := signedGET(t, "https://example.org/users/alice", key, t0)
	req.Header.Set("Authorization", "Signature "+req.Header.Get("Signature"))
	req.Header.Del("Signature")
	noErr(t, parseAndVerify(req, opts(t0, nil), &key.PublicKey))

	// Both headers at once is ambiguous.
	req.Header.Set("Signature", strings.TrimPrefix(req.Header.Get("Authorization"), "Signature "))
	_, err := ParseRequest(req, opts(t0, nil))
	isErr(t, err, ErrMalformed)
}

func TestVerify_TwoSignatureHeaders(t *testing.T) {
	key, _ := keys(t)
	req := signedGET(t, "https://example.org/users/alice", key, t0)
	req.Header.Add("Signature", req.Header.Get("Signature"))
	_, err := ParseRequest(req, opts(t0, nil))
	isErr(t, err, ErrMalformed)
}

func TestVerify_H02_H04_RequiredHeaders(t *testing.T) {
	key, _ := keys(t)
	cases := []struct {
		name    string
		post    bool
		headers []string
	}{
		{"H-02 POST digest not signed", true, []string{"(request-target)", "host", "date"}},
		{"H-04 POST only date", true, []string{"date"}},
		{"H-04 GET only date", false, []string{"date"}},
		{"H-04 headers absent (default (created))", false, nil},
		{"H-04 no request-target", false, []string{"host", "date"}},
		{"H-04 no host", true, []string{"(request-target)", "date", "digest"}},
		{"H-04 no date nor created", false, []string{"(request-target)", "host"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var req *http.Request
			var body []byte
			if tc.post {
				body = activity
				req = serverPOST("https://example.org/inbox", body, t0)
			} else {
				req = serverGET("https://example.org/users/alice", t0)
			}
			manualSign(t, req, key, manual{headers: tc.headers, created: t0.Unix()})
			_, err := ParseRequest(req, opts(t0, body))
			isErr(t, err, ErrMissingHeaders)
		})
	}
}

// A GET that somehow has a body must sign digest too.
func TestVerify_H04_BodyRequiresDigest(t *testing.T) {
	key, _ := keys(t)
	req := serverGET("https://example.org/users/alice", t0)
	manualSign(t, req, key, manual{headers: []string{"(request-target)", "host", "date"}})
	_, err := ParseRequest(req, opts(t0, []byte("x")))
	isErr(t, err, ErrMissingHeaders)

	// ...while an empty (non-nil) body on GET is fine.
	_, err = ParseRequest(req, opts(t0, []byte{}))
	noErr(t, err)
}

// (created) may stand in for date, as with hs2019 peers.
func TestVerify_H04_CreatedInsteadOfDate(t *testing.T) {
	key, _ := keys(t)
	req := serverPOST("https://example.org/inbox", activity, t0)
	req.Header.Del("Date")
	manualSign(t, req, key, manual{
		headers:   []string{"(request-target)", "host", "(created)", "digest"},
		algorithm: "hs2019",
		created:   t0.Unix(),
	})
	noErr(t, parseAndVerify(req, opts(t0, activity), &key.PublicKey))
}

func TestVerify_H03_BodySwapped(t *testing.T) {
	key, _ := keys(t)
	req, _ := signedPOST(t, "https://example.org/inbox", key, activity, t0)
	swapped := bytes.Replace(activity, []byte("Follow"), []byte("Delete"), 1)
	_, err := ParseRequest(req, opts(t0, swapped))
	isErr(t, err, ErrDigestMismatch)

	// The signature itself is still valid: only the digest check catches this.
	sig, err := ParseSignatureHeader(req.Header.Get("Signature"))
	noErr(t, err)
	noErr(t, VerifyRequest(req, sig, &key.PublicKey))
}

func TestVerify_H03_DigestHeaderForms(t *testing.T) {
	key, _ := keys(t)
	sha256Value := strings.TrimPrefix(digestOf(activity), "SHA-256=")
	sum512 := sha512.Sum512(activity)
	sha512Entry := "SHA-512=" + base64.StdEncoding.EncodeToString(sum512[:])
	wrong := strings.TrimPrefix(digestOf([]byte("other")), "SHA-256=")

	cases := []struct {
		name    string
		digest  []string // one entry per Digest header line
		wantErr error
	}{
		{"single", []string{"SHA-256=" + sha256Value}, nil},
		{"lower-case algorithm", []string{"sha-256=" + sha256Value}, nil},
		{"multi-valued with sha-256", []string{sha512Entry + ", SHA-256=" + sha256Value}, nil},
		{"multi-valued, no space", []string{sha512Entry + ",SHA-256=" + sha256Value}, nil},
		{"two header lines", []string{sha512Entry, "SHA-256=" + sha256Value}, nil},
		{"SHA-512 only", []string{sha512Entry}, ErrDigestMismatch},
		{"wrong sha-256", []string{"SHA-256=" + wrong}, ErrDigestMismatch},
		{"two sha-256, one wrong", []string{"SHA-256=" + sha256Value + ",SHA-256=" + wrong}, ErrDigestMismatch},
		{"garbage", []string{"not a digest"}, ErrDigestMismatch},
		{"empty value", []string{"SHA-256="}, ErrDigestMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := serverPOST("https://example.org/inbox", activity, t0)
			req.Header.Del("Digest")
			for _, d := range tc.digest {
				req.Header.Add("Digest", d)
			}
			// Sign with go-fed (nil body so it does not add its own Digest).
			signWithHTTPSig(t, req, key, httpsig.RSA_SHA256, []string{"(request-target)", "host", "date", "digest"})
			err := parseAndVerify(req, opts(t0, activity), &key.PublicKey)
			if tc.wantErr == nil {
				noErr(t, err)
			} else {
				isErr(t, err, tc.wantErr)
			}
		})
	}
}

// signWithHTTPSig signs a server-side request with go-fed/httpsig directly.
func signWithHTTPSig(t testing.TB, req *http.Request, key any, algo httpsig.Algorithm, headers []string) {
	t.Helper()
	signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{algo}, httpsig.DigestSha256, headers, httpsig.Signature, 0)
	noErr(t, err)
	// httpsig reads host from the header map only.
	req.Header.Set("Host", req.Host)
	defer req.Header.Del("Host")
	noErr(t, signer.SignRequest(key, "https://remote.test/users/bob#main-key", req, nil))
}

func TestVerify_H03_DigestSignedButMissing(t *testing.T) {
	key, _ := keys(t)
	req := serverPOST("https://example.org/inbox", activity, t0)
	manualSign(t, req, key, manual{headers: []string{"(request-target)", "host", "date", "digest"}})
	req.Header.Del("Digest")
	_, err := ParseRequest(req, opts(t0, activity))
	isErr(t, err, ErrMissingHeaders)
}

func TestVerify_H05_Host(t *testing.T) {
	key, _ := keys(t)
	cases := []struct {
		name       string
		url        string
		configured string
		wantErr    error
	}{
		{"replayed from another server", "https://other.test/users/alice", ourHost, ErrWrongHost},
		{"same host", "https://example.org/users/alice", ourHost, nil},
		{"case-insensitive", "https://EXAMPLE.org/users/alice", ourHost, nil},
		{"with port", "https://example.org:8443/users/alice", "example.org:8443", nil},
		{"port missing", "https://example.org/users/alice", "example.org:8443", ErrWrongHost},
		{"other port", "https://example.org:9443/users/alice", "example.org:8443", ErrWrongHost},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := signedGET(t, tc.url, key, t0)
			o := opts(t0, nil)
			o.Host = tc.configured
			err := parseAndVerify(req, o, &key.PublicKey)
			if tc.wantErr == nil {
				noErr(t, err)
			} else {
				isErr(t, err, tc.wantErr)
			}
		})
	}
}

// A proxy rewriting Host to something else must not let a foreign signature in:
// the signed value is what we compare, and it is also what the signature covers.
func TestVerify_H05_HostRewritten(t *testing.T) {
	key, _ := keys(t)
	req := signedGET(t, "https://other.test/users/alice", key, t0)
	req.Host = ourHost // as if a proxy rewrote it
	_, err := ParseRequest(req, opts(t0, nil))
	noErr(t, err) // host now matches...
	sig, _ := ParseSignatureHeader(req.Header.Get("Signature"))
	isErr(t, VerifyRequest(req, sig, &key.PublicKey), ErrBadSignature) // ...but the signature does not
}

func TestVerify_H06_DateWindow(t *testing.T) {
	key, _ := keys(t)
	// age = now - Date. expiry = Date+5min; reject when now > expiry+1h.
	cases := []struct {
		name    string
		age     time.Duration
		wantErr error
	}{
		{"fresh", 0, nil},
		{"64m59s old", 64*time.Minute + 59*time.Second, nil},
		{"exactly 65m old", 65 * time.Minute, nil},
		{"65m01s old", 65*time.Minute + time.Second, ErrStale},
		{"a day old", 24 * time.Hour, ErrStale},
		{"59m in the future", -59 * time.Minute, nil},
		{"exactly 1h in the future", -time.Hour, nil},
		{"61m in the future", -61 * time.Minute, ErrStale},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, body := signedPOST(t, "https://example.org/inbox", key, activity, t0)
			err := parseAndVerify(req, opts(t0.Add(tc.age), body), &key.PublicKey)
			if tc.wantErr == nil {
				noErr(t, err)
			} else {
				isErr(t, err, tc.wantErr)
			}
		})
	}
}

func TestVerify_H06_UnparsableDate(t *testing.T) {
	key, _ := keys(t)
	for _, date := range []string{"yesterday", "2026-03-01T12:00:00Z", ""} {
		t.Run(date, func(t *testing.T) {
			req := serverGET("https://example.org/users/alice", t0)
			req.Header.Set("Date", date)
			manualSign(t, req, key, manual{headers: []string{"(request-target)", "host", "date"}})
			_, err := ParseRequest(req, opts(t0, nil))
			isErr(t, err, ErrMalformed)
			isErr(t, err, ErrStale)
		})
	}
}

func TestVerify_H06_CreatedExpiresWindow(t *testing.T) {
	key, _ := keys(t)
	created := t0
	withExpires := []string{"(request-target)", "host", "(created)", "(expires)"}
	createdOnly := []string{"(request-target)", "host", "(created)"}
	cases := []struct {
		name    string
		headers []string
		expires time.Duration // relative to created; 0 = no expires param
		age     time.Duration // now - created
		wantErr error
	}{
		{"created 64m59s old", createdOnly, 0, 64*time.Minute + 59*time.Second, nil},
		{"created 65m01s old", createdOnly, 0, 65*time.Minute + time.Second, ErrStale},
		{"created 59m in the future", createdOnly, 0, -59 * time.Minute, nil},
		{"created 61m in the future", createdOnly, 0, -61 * time.Minute, ErrStale},
		{"expires +2h, now +2h59m", withExpires, 2 * time.Hour, 2*time.Hour + 59*time.Minute, nil},
		{"expires +2h, now +3h01m", withExpires, 2 * time.Hour, 3*time.Hour + time.Minute, ErrStale},
		{"expires +1m, now +1h00m59s", withExpires, time.Minute, time.Hour + 59*time.Second, nil},
		{"expires +1m, now +1h01m01s", withExpires, time.Minute, time.Hour + time.Minute + time.Second, ErrStale},
		{"expires +24h capped at 12h, now +12h59m", withExpires, 24 * time.Hour, 12*time.Hour + 59*time.Minute, nil},
		{"expires +24h capped at 12h, now +13h01m", withExpires, 24 * time.Hour, 13*time.Hour + time.Minute, ErrStale},
		// An unsigned expires parameter could be rewritten by a replayer: ignored.
		{"unsigned expires +24h, now +2h", createdOnly, 24 * time.Hour, 2 * time.Hour, ErrStale},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := serverGET("https://example.org/users/alice", t0)
			req.Header.Del("Date")
			m := manual{headers: tc.headers, algorithm: "hs2019", created: created.Unix()}
			if tc.expires != 0 {
				m.expires = created.Add(tc.expires).Unix()
			}
			manualSign(t, req, key, m)
			err := parseAndVerify(req, opts(created.Add(tc.age), nil), &key.PublicKey)
			if tc.wantErr == nil {
				noErr(t, err)
			} else {
				isErr(t, err, tc.wantErr)
			}
		})
	}
}

// Mastodon prefers an hs2019 created parameter over Date even when (created) is
// not signed. We only trust signed values, so a replayer cannot refresh an old
// request by adding created=now.
func TestVerify_H06_UnsignedCreatedIgnored(t *testing.T) {
	key, _ := keys(t)
	old := t0.Add(-2 * time.Hour)
	req := serverGET("https://example.org/users/alice", old)
	manualSign(t, req, key, manual{headers: []string{"(request-target)", "host", "date"}, algorithm: "hs2019", created: t0.Unix()})
	_, err := ParseRequest(req, opts(t0, nil))
	isErr(t, err, ErrStale)
}

// When both date and (created) are signed, both must be in the window.
func TestVerify_H06_DateAndCreatedBothChecked(t *testing.T) {
	key, _ := keys(t)
	req := serverGET("https://example.org/users/alice", t0.Add(-2*time.Hour))
	manualSign(t, req, key, manual{headers: []string{"(request-target)", "host", "date", "(created)"}, created: t0.Unix()})
	_, err := ParseRequest(req, opts(t0, nil))
	isErr(t, err, ErrStale)
}

func TestVerify_H06_CreatedSignedButAbsent(t *testing.T) {
	key, _ := keys(t)
	req := serverGET("https://example.org/users/alice", t0)
	manualSign(t, req, key, manual{headers: []string{"(request-target)", "host", "date", "(created)"}})
	_, err := ParseRequest(req, opts(t0, nil))
	isErr(t, err, ErrMalformed)
}

func TestVerify_H07_AlgorithmParameter(t *testing.T) {
	key, _ := keys(t)
	cases := []struct {
		algorithm string
		wantErr   error
	}{
		{"", nil},
		{"rsa-sha256", nil},
		{"hs2019", nil},
		{"RSA-SHA256", nil},
		{"hmac-sha256", ErrBadAlgorithm},
		{"ed25519", ErrBadAlgorithm},
		{"rsa-sha512", ErrBadAlgorithm},
		{"ecdsa-sha256", ErrBadAlgorithm},
	}
	for _, tc := range cases {
		t.Run("algorithm="+tc.algorithm, func(t *testing.T) {
			req := serverGET("https://example.org/users/alice", t0)
			manualSign(t, req, key, manual{headers: []string{"(request-target)", "host", "date"}, algorithm: tc.algorithm})
			err := parseAndVerify(req, opts(t0, nil), &key.PublicKey)
			if tc.wantErr == nil {
				noErr(t, err)
			} else {
				isErr(t, err, tc.wantErr)
			}
		})
	}
}

// H-07 classic confusion: the attacker HMACs the request with the victim's
// public PEM as the secret. go-fed writes algorithm="hs2019" even for HMAC, so
// the header passes the allow-list; the RSA-only verifier must reject it.
func TestVerify_H07_HMACSignedRequest(t *testing.T) {
	key, _ := keys(t)
	pemKey, err := EncodePublicKey(&key.PublicKey)
	noErr(t, err)

	req := serverGET("https://example.org/users/alice", t0)
	signWithHTTPSig(t, req, []byte(pemKey), httpsig.HMAC_SHA256, []string{"(request-target)", "host", "date"})

	sig, err := ParseRequest(req, opts(t0, nil))
	noErr(t, err)
	if sig.Algorithm != "hs2019" {
		t.Fatalf("go-fed wrote algorithm %q; this test assumes hs2019", sig.Algorithm)
	}
	isErr(t, VerifyRequest(req, sig, &key.PublicKey), ErrBadSignature)

	// Why this matters: httpsig's own verifier lets the caller pick the MAC path
	// and then accepts the forgery.
	req.Header.Set("Host", req.Host)
	v, err := httpsig.NewVerifier(req)
	noErr(t, err)
	if err := v.Verify([]byte(pemKey), httpsig.HMAC_SHA256); err != nil {
		t.Fatalf("expected httpsig's MAC path to accept the forgery, got %v", err)
	}
}

// H-07: we always verify RSA-SHA256, so an RSA-SHA512 signature (same key)
// does not pass even though algorithm says hs2019.
func TestVerify_H07_OnlyRSASHA256(t *testing.T) {
	key, _ := keys(t)
	req := serverGET("https://example.org/users/alice", t0)
	signWithHTTPSig(t, req, key, httpsig.RSA_SHA512, []string{"(request-target)", "host", "date"})
	isErr(t, parseAndVerify(req, opts(t0, nil), &key.PublicKey), ErrBadSignature)
}

func TestVerify_H12_QueryString(t *testing.T) {
	key, _ := keys(t)
	cases := []struct {
		name      string
		signedURL string
		sentQuery string // replaces the query on the received request; "-" keeps it
		wantErr   error
	}{
		{"signed with query", "https://example.org/users/alice/outbox?page=true", "-", nil},
		{"signed without query, sent with query", "https://example.org/users/alice/outbox", "page=true", nil},
		{"signed with a different query", "https://example.org/users/alice/outbox?page=true", "page=false", ErrBadSignature},
		{"signed with query, sent without", "https://example.org/users/alice/outbox?page=true", "", ErrBadSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := signedGET(t, tc.signedURL, key, t0)
			if tc.sentQuery != "-" {
				req.URL.RawQuery = tc.sentQuery
			}
			err := parseAndVerify(req, opts(t0, nil), &key.PublicKey)
			if tc.wantErr == nil {
				noErr(t, err)
			} else {
				isErr(t, err, tc.wantErr)
			}
		})
	}
}

func TestVerify_WrongKey(t *testing.T) {
	key, other := keys(t)
	req, body := signedPOST(t, "https://example.org/inbox", key, activity, t0)
	isErr(t, parseAndVerify(req, opts(t0, body), &other.PublicKey), ErrBadSignature)
}

func TestVerify_TamperedSignedHeader(t *testing.T) {
	key, _ := keys(t)
	req, body := signedPOST(t, "https://example.org/inbox", key, activity, t0)
	req.Header.Set("Date", t0.Add(time.Minute).Format(http.TimeFormat)) // still in the window
	isErr(t, parseAndVerify(req, opts(t0, body), &key.PublicKey), ErrBadSignature)

	req, body = signedPOST(t, "https://example.org/inbox", key, activity, t0)
	req.URL.Path = "/users/alice/inbox" // different target
	req.URL.RawPath = ""
	isErr(t, parseAndVerify(req, opts(t0, body), &key.PublicKey), ErrBadSignature)

	req, body = signedPOST(t, "https://example.org/inbox", key, activity, t0)
	req.Method = http.MethodPut
	isErr(t, parseAndVerify(req, opts(t0, body), &key.PublicKey), ErrBadSignature)
}

// A signed header that is absent at verification time cannot verify.
func TestVerify_SignedHeaderMissing(t *testing.T) {
	key, _ := keys(t)
	req, err := http.NewRequest(http.MethodGet, "https://example.org/users/alice", nil)
	noErr(t, err)
	req.Header.Set("Accept", "application/activity+json")
	req.Header.Set("Date", t0.Format(http.TimeFormat))
	req.Header.Set("Host", ourHost)
	signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256,
		[]string{"(request-target)", "host", "date", "accept"}, httpsig.Signature, 0)
	noErr(t, err)
	noErr(t, signer.SignRequest(key, "https://remote.test/users/bob#main-key", req, nil))
	noErr(t, parseAndVerify(req, opts(t0, nil), &key.PublicKey))

	req.Header.Del("Accept")
	isErr(t, parseAndVerify(req, opts(t0, nil), &key.PublicKey), ErrBadSignature)
}

func TestParseRequest_Misconfigured(t *testing.T) {
	key, _ := keys(t)
	req := signedGET(t, "https://example.org/users/alice", key, t0)
	cases := map[string]VerifyOptions{
		"zero clock": {Host: ourHost},
		"no host":    {Now: t0},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseRequest(req, o)
			if err == nil {
				t.Fatal("expected an error")
			}
		})
	}
	if _, err := ParseRequest(nil, opts(t0, nil)); err == nil {
		t.Fatal("nil request: expected an error")
	}
}

func TestVerifyRequest_NilInputs(t *testing.T) {
	key, _ := keys(t)
	req := signedGET(t, "https://example.org/users/alice", key, t0)
	sig, err := ParseRequest(req, opts(t0, nil))
	noErr(t, err)
	isErr(t, VerifyRequest(nil, sig, &key.PublicKey), ErrBadSignature)
	isErr(t, VerifyRequest(req, nil, &key.PublicKey), ErrBadSignature)
	isErr(t, VerifyRequest(req, sig, nil), ErrBadSignature)
	isErr(t, VerifyRequest(req, &Signature{KeyID: "k", Signature: []byte{1}}, &key.PublicKey), ErrBadSignature)
}

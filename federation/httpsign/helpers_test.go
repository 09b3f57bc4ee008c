package httpsign

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testify is not usable here: go.sum lacks go.yaml.in/yaml/v3, which
// testify v1.12.1 needs, and go.sum is not ours to change. Plain helpers instead.

const ourHost = "example.org"

// t0 is the fixed clock used by the tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var (
	keysOnce           sync.Once
	testKey, otherKey  *rsa.PrivateKey
	errKeysUnavailable error
)

// keys generates the two test keys once; 2048-bit generation is slow.
func keys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		testKey, errKeysUnavailable = GenerateKey()
		if errKeysUnavailable == nil {
			otherKey, errKeysUnavailable = GenerateKey()
		}
	})
	if errKeysUnavailable != nil {
		t.Fatalf("generate keys: %v", errKeysUnavailable)
	}
	return testKey, otherKey
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func isErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

func digestOf(body []byte) string {
	sum := sha256.Sum256(body)
	return "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
}

// overWire serialises a client request and reads it back as a Go server would:
// Host moves from the header map to req.Host, the URL is parsed from the
// request line. It returns the server-side request and the body it received.
func overWire(t testing.TB, req *http.Request, body []byte) (*http.Request, []byte) {
	t.Helper()
	out := req.Clone(req.Context())
	out.Body = nil
	out.ContentLength = 0
	if body != nil {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
	}
	var buf bytes.Buffer
	noErr(t, out.Write(&buf))
	in, err := http.ReadRequest(bufio.NewReader(&buf))
	noErr(t, err)
	got, err := io.ReadAll(in.Body)
	noErr(t, err)
	if body == nil && len(got) == 0 {
		got = nil
	}
	return in, got
}

// signedGET returns a server-side GET for rawURL signed by SignRequest at date.
func signedGET(t testing.TB, rawURL string, key *rsa.PrivateKey, date time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	noErr(t, err)
	noErr(t, SignRequest(req, "https://remote.test/users/bob#main-key", key, nil, date))
	in, _ := overWire(t, req, nil)
	return in
}

// signedPOST returns a server-side POST to rawURL signed by SignRequest at date.
func signedPOST(t testing.TB, rawURL string, key *rsa.PrivateKey, body []byte, date time.Time) (*http.Request, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, bytes.NewReader(body))
	noErr(t, err)
	req.Header.Set("Content-Type", "application/activity+json")
	noErr(t, SignRequest(req, "https://remote.test/users/bob#main-key", key, body, date))
	return overWire(t, req, body)
}

// manual describes a hand-built signature, for cases SignRequest never
// produces (missing headers, created/expires, odd algorithms).
type manual struct {
	headers   []string // nil: omit the headers parameter
	algorithm string   // "": omit
	created   int64    // 0: omit
	expires   int64    // 0: omit
}

// manualSign signs req with a signing string built here, independently of the
// package's own builder, and sets the Signature header.
func manualSign(t testing.TB, req *http.Request, key *rsa.PrivateKey, m manual) {
	t.Helper()
	var lines []string
	for _, h := range m.headers {
		switch h {
		case "(request-target)":
			lines = append(lines, "(request-target): "+strings.ToLower(req.Method)+" "+req.URL.RequestURI())
		case "(created)":
			lines = append(lines, "(created): "+strconv.FormatInt(m.created, 10))
		case "(expires)":
			lines = append(lines, "(expires): "+strconv.FormatInt(m.expires, 10))
		case "host":
			lines = append(lines, "host: "+req.Host)
		default:
			lines = append(lines, h+": "+req.Header.Get(h))
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	raw, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	noErr(t, err)

	params := []string{`keyId="https://remote.test/users/bob#main-key"`}
	if m.algorithm != "" {
		params = append(params, `algorithm="`+m.algorithm+`"`)
	}
	if m.created != 0 {
		params = append(params, "created="+strconv.FormatInt(m.created, 10))
	}
	if m.expires != 0 {
		params = append(params, "expires="+strconv.FormatInt(m.expires, 10))
	}
	if m.headers != nil {
		params = append(params, `headers="`+strings.Join(m.headers, " ")+`"`)
	}
	params = append(params, `signature="`+base64.StdEncoding.EncodeToString(raw)+`"`)
	req.Header.Set("Signature", strings.Join(params, ","))
}

// serverGET is a server-side GET with a Date header, ready for manualSign.
func serverGET(rawURL string, date time.Time) *http.Request {
	req := httptest.NewRequest(http.MethodGet, rawURL, nil)
	req.Header.Set("Date", date.Format(http.TimeFormat))
	return req
}

// serverPOST is a server-side POST with Date and Digest, ready for manualSign.
func serverPOST(rawURL string, body []byte, date time.Time) *http.Request {
	req := httptest.NewRequest(http.MethodPost, rawURL, bytes.NewReader(body))
	req.Header.Set("Date", date.Format(http.TimeFormat))
	req.Header.Set("Digest", digestOf(body))
	return req
}

func opts(now time.Time, body []byte) VerifyOptions {
	return VerifyOptions{Now: now, Host: ourHost, Body: body}
}

// parseAndVerify runs the full inbound pipeline.
func parseAndVerify(req *http.Request, o VerifyOptions, pub *rsa.PublicKey) error {
	sig, err := ParseRequest(req, o)
	if err != nil {
		return err
	}
	return VerifyRequest(req, sig, pub)
}

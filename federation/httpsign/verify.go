package httpsign

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Mastodon's time window (SignatureVerification#matches_time_window?).
const (
	clockSkewMargin       = time.Hour
	defaultValidity       = 5 * time.Minute
	expirationWindowLimit = 12 * time.Hour
)

// VerifyOptions carries what ParseRequest needs besides the request.
type VerifyOptions struct {
	// Now is the injected clock; verification never calls time.Now.
	Now time.Time
	// Host is our configured public host ("example.org" or "example.org:8443").
	// The signed host must equal it (case-insensitively). Compare to config,
	// not to a header a proxy may have rewritten.
	Host string
	// Body is the raw body, already read (and bounded) by the caller; nil for GET.
	Body []byte
}

// ParseRequest extracts the signature of req and runs every check that does not
// need the key: presence (H-01), algorithm allow-list (H-07), required signed
// headers (H-02/H-04), host (H-05), time window (H-06) and Digest over
// opts.Body (H-03). On success the caller fetches the key for sig.KeyID and
// calls VerifyRequest.
func ParseRequest(req *http.Request, opts VerifyOptions) (*Signature, error) {
	if req == nil || req.URL == nil {
		return nil, errors.New("httpsign: parse: nil request or URL")
	}
	// Fail closed on misconfiguration rather than skipping a check.
	if opts.Now.IsZero() {
		return nil, errors.New("httpsign: parse: VerifyOptions.Now is zero")
	}
	if opts.Host == "" {
		return nil, errors.New("httpsign: parse: VerifyOptions.Host is empty")
	}

	raw, err := signatureHeaderValue(req.Header)
	if err != nil {
		return nil, err
	}
	sig, err := ParseSignatureHeader(raw)
	if err != nil {
		return nil, err
	}
	if err := checkAlgorithm(sig.Algorithm); err != nil {
		return nil, err
	}
	signed := make(map[string]bool, len(sig.Headers))
	for _, h := range sig.Headers {
		signed[h] = true
	}
	if err := checkRequiredHeaders(req, signed, opts.Body); err != nil {
		return nil, err
	}
	if err := checkHost(req, opts.Host); err != nil {
		return nil, err
	}
	if err := checkTimeWindow(req, sig, signed, opts.Now); err != nil {
		return nil, err
	}
	if signed["digest"] {
		if err := checkDigest(req.Header, opts.Body); err != nil {
			return nil, err
		}
	}
	return sig, nil
}

// signatureHeaderValue returns the single signature found in the Signature
// header or in an Authorization header using the Signature scheme.
func signatureHeaderValue(h http.Header) (string, error) {
	var found []string
	for _, v := range h.Values("Signature") {
		if strings.TrimSpace(v) != "" { // blank counts as absent, like Mastodon
			found = append(found, v)
		}
	}
	for _, v := range h.Values("Authorization") {
		// Other schemes (Bearer for the client API) are not ours to judge.
		scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		if strings.EqualFold(scheme, "Signature") {
			found = append(found, v)
		}
	}
	switch len(found) {
	case 0:
		return "", ErrUnsigned
	case 1:
		return found[0], nil
	default:
		// Two signatures are ambiguous: which one did the sender mean to vouch for?
		return "", fmt.Errorf("%w: %d signature headers", ErrMalformed, len(found))
	}
}

// checkAlgorithm accepts only what Mastodon accepts (H-07). The value never
// selects the verification algorithm; this only turns away peers that claim
// something we will not honour (hmac-*, ed25519, ...).
func checkAlgorithm(algo string) error {
	if algo == "" || strings.EqualFold(algo, "rsa-sha256") || strings.EqualFold(algo, "hs2019") {
		return nil
	}
	return fmt.Errorf("%w: %q", ErrBadAlgorithm, excerpt(algo))
}

// checkRequiredHeaders enforces H-02/H-04: (request-target), host, date or
// (created), and digest whenever there is a body. This is stricter than
// Mastodon (which lets POSTs skip host), as H-05 needs a signed host.
func checkRequiredHeaders(req *http.Request, signed map[string]bool, body []byte) error {
	var missing []string
	if !signed[headerRequestTarget] {
		missing = append(missing, headerRequestTarget)
	}
	if !signed["host"] {
		missing = append(missing, "host")
	}
	if !signed["date"] && !signed[headerCreated] {
		missing = append(missing, "date or (created)")
	}
	// Keyed on body length rather than nil-ness, so a caller that reads an empty
	// body for every GET does not start rejecting Mastodon's GETs.
	if (len(body) > 0 || hasBodyMethod(req.Method)) && !signed["digest"] {
		missing = append(missing, "digest")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s", ErrMissingHeaders, strings.Join(missing, ", "))
	}
	return nil
}

// requestHost returns the Host value the signature covers. Go servers move the
// Host header into req.Host; client-side requests (and tests) may carry it in
// the header map, as SignRequest does.
func requestHost(req *http.Request) (string, error) {
	if vals, ok := req.Header["Host"]; ok {
		if len(vals) != 1 {
			return "", fmt.Errorf("%w: %d Host headers", ErrMalformed, len(vals))
		}
		return vals[0], nil
	}
	if req.Host != "" {
		return req.Host, nil
	}
	return "", fmt.Errorf("%w: request has no host", ErrMissingHeaders)
}

// checkHost enforces H-05: a request signed for another server must not be
// replayable against us.
func checkHost(req *http.Request, want string) error {
	host, err := requestHost(req)
	if err != nil {
		return err
	}
	if !strings.EqualFold(strings.TrimSpace(host), want) {
		return fmt.Errorf("%w: got %q, want %q", ErrWrongHost, excerpt(host), want)
	}
	return nil
}

// checkTimeWindow applies Mastodon's window (H-06) to every signed time value:
// reject if it is more than 1h in the future, or if now is more than 1h past
// its expiry, where expiry is expires or time+5min, capped at time+12h.
//
// Unlike Mastodon, only values covered by the signature count: an unsigned
// created or expires parameter could be rewritten by whoever replays the
// request (Mastodon prefers an unsigned created over a signed Date for hs2019).
func checkTimeWindow(req *http.Request, sig *Signature, signed map[string]bool, now time.Time) error {
	var expires *time.Time
	if signed[headerExpires] {
		if sig.Expires == nil {
			return fmt.Errorf("%w: (expires) signed without an expires parameter", ErrMalformed)
		}
		expires = sig.Expires
	}

	if signed[headerCreated] {
		if sig.Created == nil {
			return fmt.Errorf("%w: (created) signed without a created parameter", ErrMalformed)
		}
		if err := inTimeWindow("created", *sig.Created, expires, now); err != nil {
			return err
		}
	}

	if signed["date"] {
		vals := req.Header.Values("Date")
		if len(vals) == 0 {
			return fmt.Errorf("%w: date signed but no Date header", ErrMissingHeaders)
		}
		if len(vals) > 1 {
			return fmt.Errorf("%w: %d Date headers", ErrMalformed, len(vals))
		}
		date, err := http.ParseTime(strings.TrimSpace(vals[0]))
		if err != nil {
			// Both sentinels: the value is malformed, and a request whose age
			// cannot be established must be treated like a stale one.
			return fmt.Errorf("%w: %w: unparsable Date %q", ErrMalformed, ErrStale, excerpt(vals[0]))
		}
		if err := inTimeWindow("Date", date, expires, now); err != nil {
			return err
		}
	}
	return nil
}

func inTimeWindow(what string, t time.Time, expires *time.Time, now time.Time) error {
	expiry := t.Add(defaultValidity)
	if expires != nil {
		expiry = *expires
	}
	if limit := t.Add(expirationWindowLimit); expiry.After(limit) {
		expiry = limit
	}
	if t.After(now.Add(clockSkewMargin)) {
		return fmt.Errorf("%w: %s %s is in the future (now %s)", ErrStale, what,
			t.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if now.After(expiry.Add(clockSkewMargin)) {
		return fmt.Errorf("%w: %s %s expired at %s (now %s)", ErrStale, what,
			t.UTC().Format(time.RFC3339), expiry.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkDigest enforces H-03: recompute SHA-256 over the body we actually read.
// The Digest header may list several algorithms (RFC 3230); we need a sha-256
// entry (name matched case-insensitively), and every sha-256 entry must match
// so that an ambiguous header cannot pass.
func checkDigest(h http.Header, body []byte) error {
	lines := h.Values("Digest")
	if len(lines) == 0 {
		return fmt.Errorf("%w: digest signed but no Digest header", ErrMissingHeaders)
	}
	sum := sha256.Sum256(body)
	want := base64.StdEncoding.EncodeToString(sum[:])

	found := false
	for _, line := range lines {
		for _, entry := range strings.Split(line, ",") {
			// Split at the first '=' only: base64 values end in '=' padding.
			name, value, ok := strings.Cut(strings.TrimSpace(entry), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(name), "sha-256") {
				continue // other algorithms are not needed to bind the body
			}
			found = true
			if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(value)), []byte(want)) != 1 {
				return fmt.Errorf("%w: SHA-256 entry does not match the body", ErrDigestMismatch)
			}
		}
	}
	if !found {
		return fmt.Errorf("%w: Digest has no SHA-256 entry", ErrDigestMismatch)
	}
	return nil
}

// VerifyRequest checks the signature of req with pub. It always verifies
// RSA-SHA256 (PKCS #1 v1.5), whatever the algorithm parameter says (H-07): the
// key type decides the algorithm, and there is no MAC path at all.
//
// H-12: the request target is tried with the query string first, then, if the
// request has a query, without it, for peers that sign only the path. A
// signature over a different query fails both attempts.
//
// It does not repeat ParseRequest's checks; call ParseRequest first.
func VerifyRequest(req *http.Request, sig *Signature, pub *rsa.PublicKey) error {
	if req == nil || req.URL == nil || sig == nil || pub == nil {
		return fmt.Errorf("%w: nil request, signature or key", ErrBadSignature)
	}

	err := verifyTarget(req, sig, pub, requestTarget(req, true))
	if err == nil {
		return nil
	}
	if req.URL.RawQuery != "" {
		if verifyTarget(req, sig, pub, requestTarget(req, false)) == nil {
			return nil
		}
	}
	// %v, not %w: the cause is detail, ErrBadSignature is the one verdict.
	return fmt.Errorf("%w: %v", ErrBadSignature, err)
}

func verifyTarget(req *http.Request, sig *Signature, pub *rsa.PublicKey, target string) error {
	s, err := signingString(req, sig, target)
	if err != nil {
		return err
	}
	hashed := sha256.Sum256([]byte(s))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, hashed[:], sig.Signature); err != nil {
		return fmt.Errorf("keyId %q: %w", excerpt(sig.KeyID), err)
	}
	return nil
}

// requestTarget is the (request-target) value: lower-case method, a space, and
// the path as sent on the wire, optionally followed by the query.
func requestTarget(req *http.Request, withQuery bool) string {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	target := strings.ToLower(method) + " " + wirePath(req.URL)
	if withQuery && req.URL.RawQuery != "" {
		target += "?" + req.URL.RawQuery
	}
	return target
}

// signingString builds the draft-cavage signing string. We build it ourselves
// rather than use httpsig.NewVerifier, which checks created/expires against the
// real clock, inserts Host into the request's header map, and re-parses the
// header with a laxer parser than ours.
func signingString(req *http.Request, sig *Signature, target string) (string, error) {
	if len(sig.Headers) == 0 {
		return "", errors.New("no signed headers")
	}
	lines := make([]string, 0, len(sig.Headers))
	for _, name := range sig.Headers {
		var value string
		switch name {
		case headerRequestTarget:
			value = target
		case headerCreated:
			if sig.Created == nil {
				return "", errors.New("(created) signed without a created parameter")
			}
			value = strconv.FormatInt(sig.Created.Unix(), 10)
		case headerExpires:
			if sig.Expires == nil {
				return "", errors.New("(expires) signed without an expires parameter")
			}
			value = strconv.FormatInt(sig.Expires.Unix(), 10)
		case "host":
			host, err := requestHost(req)
			if err != nil {
				return "", err
			}
			value = strings.TrimSpace(host)
		default:
			vals := req.Header.Values(name)
			if len(vals) == 0 {
				return "", fmt.Errorf("signed header %q is missing", excerpt(name))
			}
			// draft-cavage: multiple values are trimmed and joined with ", ".
			trimmed := make([]string, len(vals))
			for i, v := range vals {
				trimmed[i] = strings.TrimSpace(v)
			}
			value = strings.Join(trimmed, ", ")
		}
		lines = append(lines, name+": "+value)
	}
	return strings.Join(lines, "\n"), nil
}

package httpsign

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/go-fed/httpsig"
)

// SignRequest signs an outgoing request the way Mastodon expects.
//
// GET (body == nil) signs "(request-target) host date"; with a body it signs
// "(request-target) host date digest" and sets "Digest: SHA-256=<base64>". A
// POST, PUT or PATCH with a nil body is treated as having an empty body, since
// Mastodon rejects a POST whose signature lacks digest.
//
// Date is set from now, and the Host header from req.Host (or req.URL.Host when
// req.Host is empty), because httpsig reads "host" from the header map only.
// Signature and Digest left over from an earlier attempt are replaced, so a
// request can be re-signed for a retry.
func SignRequest(req *http.Request, keyID string, key *rsa.PrivateKey, body []byte, now time.Time) error {
	if req == nil || req.URL == nil {
		return errors.New("httpsign: sign: nil request or URL")
	}
	if keyID == "" {
		return errors.New("httpsign: sign: empty keyId")
	}
	if key == nil {
		return errors.New("httpsign: sign: nil private key")
	}

	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if host == "" {
		return errors.New("httpsign: sign: request has no host")
	}

	method := req.Method
	if method == "" {
		method = http.MethodGet // net/http's meaning of an empty method
	}
	if body == nil && hasBodyMethod(method) {
		body = []byte{}
	}

	headers := []string{httpsig.RequestTarget, "host", "date"}
	if body != nil {
		headers = append(headers, "digest")
	}

	// A fresh signer per call: httpsig signers are not goroutine-safe.
	signer, algo, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256},
		httpsig.DigestSha256, headers, httpsig.Signature, 0)
	if err != nil {
		return fmt.Errorf("httpsign: sign: create signer: %w", err)
	}
	if algo != httpsig.RSA_SHA256 {
		// NewSigner silently falls back to a default when a preference is
		// unavailable; refuse anything but what we asked for.
		return fmt.Errorf("httpsign: sign: signer chose %q instead of rsa-sha256", algo)
	}

	if req.Header == nil {
		req.Header = make(http.Header)
	}
	// httpsig refuses to overwrite Digest and appends (not replaces) Signature.
	req.Header.Del("Signature")
	req.Header.Del("Digest")
	req.Header.Set("Host", host) // ignored by net/http when sending; req.Host/URL.Host is used, which is the same value
	req.Header.Set("Date", now.UTC().Format(http.TimeFormat))

	// httpsig builds (request-target) from URL.Path, the *decoded* path, while
	// peers (and our verifier) use the path as sent on the wire. Hand it a view
	// of the request whose Path is the escaped path. The Header map is shared, so
	// Digest and Signature land on req.
	u := *req.URL
	u.Path = wirePath(req.URL)
	u.RawPath = ""
	view := &http.Request{Method: method, URL: &u, Host: host, Header: req.Header}

	if err := signer.SignRequest(key, keyID, view, body); err != nil {
		return fmt.Errorf("httpsign: sign: %w", err)
	}
	return nil
}

// hasBodyMethod reports methods whose requests carry a body in ActivityPub.
func hasBodyMethod(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// wirePath is the path as it appears in the request line: escaped, and "/"
// for an empty path (net/http sends "/" for "https://host").
func wirePath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

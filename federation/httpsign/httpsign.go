// Package httpsign signs and verifies draft-cavage HTTP signatures the way
// Mastodon and GoToSocial use them for ActivityPub.
//
// Signing delegates the cryptography to github.com/go-fed/httpsig. Verification
// is done here, because httpsig's verifier leaves the important checks to the
// caller: it ignores the algorithm parameter, never checks the Date header or the
// Digest, and uses the real clock for created/expires (see
// docs/security-reliability.md §2, IDs H-01..H-12).
//
// Inbound flow:
//
//	sig, err := httpsign.ParseRequest(req, httpsign.VerifyOptions{Now: clock(), Host: cfg.Host, Body: body})
//	// fetch the key for sig.KeyID (domain blocks, SSRF rules, owner check...)
//	err = httpsign.VerifyRequest(req, sig, pub)
//
// Errors matching one of the sentinels below describe a bad request (map them to
// 401/403); any other error means the caller misused the API (map it to 500).
package httpsign

import "errors"

// Sentinel errors. Functions wrap them with context, so test with errors.Is.
var (
	// ErrUnsigned: the request carries no signature at all (H-01).
	ErrUnsigned = errors.New("httpsign: request is not signed")
	// ErrMalformed: the signature header or a signed value cannot be parsed.
	ErrMalformed = errors.New("httpsign: malformed signature")
	// ErrMissingHeaders: a header we require is not covered by the signature,
	// or a signed header is absent from the request (H-02, H-04).
	ErrMissingHeaders = errors.New("httpsign: required headers not signed")
	// ErrDigestMismatch: the Digest header does not match the body (H-03).
	ErrDigestMismatch = errors.New("httpsign: digest does not match body")
	// ErrStale: the signature is outside the accepted time window (H-06).
	ErrStale = errors.New("httpsign: signature outside time window")
	// ErrWrongHost: the signed host is not ours (H-05).
	ErrWrongHost = errors.New("httpsign: signed host does not match")
	// ErrBadAlgorithm: the algorithm parameter is not one we accept (H-07).
	ErrBadAlgorithm = errors.New("httpsign: unsupported signature algorithm")
	// ErrBadSignature: the cryptographic check failed.
	ErrBadSignature = errors.New("httpsign: signature verification failed")
)

package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/model"
)

// authError carries the status code a refused request gets.
type authError struct {
	status int
	msg    string
	reason string // a metrics label: unsigned, bad_signature, ...
}

func (e *authError) Error() string { return e.msg }

func refuse(status int, format string, args ...any) error {
	return &authError{status: status, msg: fmt.Sprintf(format, args...), reason: "refused"}
}

// refuseFor is refuse with the reason counted in the metrics.
func refuseFor(reason string, status int, format string, args ...any) error {
	return &authError{status: status, msg: fmt.Sprintf(format, args...), reason: reason}
}

// authenticate verifies a request's HTTP signature and returns the
// signing account. Every check that httpsig leaves to us runs here:
// H-01…H-07 and H-12 in httpsign, then domain blocks before any fetch
// (H-10), key lookup with owner checks (H-09) and one re-fetch on a
// failed verification (H-11).
func (f *Federation) authenticate(ctx context.Context, r *http.Request, body []byte) (*model.Account, error) {
	sig, err := httpsign.ParseRequest(r, httpsign.VerifyOptions{Now: f.now(), Host: f.cfg.Host, Body: body})
	if err != nil {
		switch {
		case errors.Is(err, httpsign.ErrUnsigned):
			return nil, refuseFor("unsigned", http.StatusUnauthorized, "request is not signed")
		case errors.Is(err, httpsign.ErrDigestMismatch):
			return nil, refuseFor("digest", http.StatusUnauthorized, "digest does not match the body")
		default:
			return nil, refuseFor("bad_signature", http.StatusUnauthorized, "signature refused: %v", err)
		}
	}
	keyHost := ap.Host(sig.KeyID)
	if keyHost == "" {
		return nil, refuseFor("bad_signature", http.StatusUnauthorized, "keyId is not an http(s) IRI")
	}
	if ok, err := f.domainAllowed(ctx, keyHost); err != nil {
		return nil, err
	} else if !ok {
		return nil, refuseFor("domain_blocked", http.StatusForbidden, "domain is not federated with")
	}
	if f.isLocal(sig.KeyID) {
		return nil, refuseFor("bad_signature", http.StatusUnauthorized, "keyId claims to be local")
	}
	signer, err := f.keyOwner(ctx, sig.KeyID, false)
	if err != nil {
		return nil, refuseFor("key_unavailable", http.StatusUnauthorized, "cannot find the signing key: %v", err)
	}
	if f.verifyWith(r, sig, signer) == nil {
		return f.checkSigner(signer)
	}
	// The key may have been rotated since we cached it: fetch once more.
	signer, err = f.keyOwner(ctx, sig.KeyID, true)
	if err != nil {
		return nil, refuseFor("key_unavailable", http.StatusUnauthorized, "cannot refresh the signing key: %v", err)
	}
	if err := f.verifyWith(r, sig, signer); err != nil {
		return nil, refuseFor("bad_signature", http.StatusUnauthorized, "bad signature")
	}
	return f.checkSigner(signer)
}

func (f *Federation) verifyWith(r *http.Request, sig *httpsign.Signature, signer *model.Account) error {
	pub, err := f.keys.publicKey(signer.PublicKeyPEM)
	if err != nil {
		return err
	}
	return httpsign.VerifyRequest(r, sig, pub)
}

// checkSigner refuses deleted or suspended actors (P-08).
func (f *Federation) checkSigner(signer *model.Account) (*model.Account, error) {
	if signer.SuspendedAt != nil || signer.GoneAt != nil {
		return nil, refuseFor("actor_suspended", http.StatusForbidden, "actor is suspended or gone")
	}
	return signer, nil
}

// viewer authenticates an optional signature on a GET: nil for an
// unsigned request (allowed unless authorized fetch is on).
func (f *Federation) viewer(r *http.Request) (*model.Account, error) {
	if r.Header.Get("Signature") == "" && r.Header.Get("Authorization") == "" {
		if f.cfg.Federation.AuthorizedFetch {
			return nil, refuse(http.StatusUnauthorized, "this instance requires signed fetches")
		}
		return nil, nil
	}
	return f.authenticate(r.Context(), r, nil)
}

package federation

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/httpclient"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// maxJSONDepth bounds nesting of documents we decode (C-08): Go's own
// limit is 10000, far more than any real activity needs.
const maxJSONDepth = 32

// refreshAfter is how long a fetched actor is trusted before re-fetching.
const refreshAfter = 24 * time.Hour

var errForeignDocument = errors.New("document is not what was asked for")

// get performs a signed GET of an ActivityPub document and applies the
// origin rules: AS2 content type, id equal to the final URL
// never a document claiming to be ours.
func (f *Federation) get(ctx context.Context, rawURL string) (map[string]any, error) {
	doc, err := f.getDocument(ctx, rawURL)
	if err != nil {
		reason := "network"
		var fe *fetchError
		switch {
		case errors.As(err, &fe):
			reason = fe.reason
		case errors.Is(err, errForeignDocument):
			reason = "foreign_document"
		case errors.Is(err, context.Canceled):
			return nil, err
		}
		f.fetchFailed(ap.Host(rawURL), reason)
	}
	return doc, err
}

// fetchError says why a fetch failed, for the logs and metrics.
type fetchError struct {
	reason string
	err    error
}

func (e *fetchError) Error() string { return e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }

func fetchFailure(reason string, err error) error { return &fetchError{reason: reason, err: err} }

func (f *Federation) getDocument(ctx context.Context, rawURL string) (map[string]any, error) {
	u, err := httpclient.ValidateURL(rawURL)
	if err != nil {
		return nil, fetchFailure("bad_url", err)
	}
	if f.isLocal(u.String()) {
		return nil, fetchFailure("bad_url", fmt.Errorf("refusing to fetch %s: it is on this instance", u.Redacted()))
	}
	if ok, err := f.domainAllowed(ctx, u.Host); err != nil || !ok {
		return nil, fetchFailure("domain_blocked", fmt.Errorf("domain %s is not federated with", u.Host))
	}
	doc, final, err := f.getOnce(ctx, u)
	if err != nil {
		return nil, err
	}
	id := ap.Str(doc, "id")
	if id != final.String() {
		// a document may only speak for its own URL. If it names
		// another id on the same host, fetch that id and compare again.
		if id == "" || ap.Host(id) != strings.ToLower(final.Host) {
			return nil, fmt.Errorf("%w: id %q fetched from %s", errForeignDocument, id, final.Redacted())
		}
		idURL, err := httpclient.ValidateURL(id)
		if err != nil {
			return nil, err
		}
		doc, final, err = f.getOnce(ctx, idURL)
		if err != nil {
			return nil, err
		}
		if ap.Str(doc, "id") != final.String() {
			return nil, fmt.Errorf("%w: id does not match its URL", errForeignDocument)
		}
	}
	if f.isLocal(ap.Str(doc, "id")) {
		return nil, fmt.Errorf("%w: remote document claims a local id", errForeignDocument)
	}
	return doc, nil
}

func (f *Federation) getOnce(ctx context.Context, u *url.URL) (map[string]any, *url.URL, error) {
	key, keyID, err := f.fetchKey(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	sign := func(req *http.Request) error {
		req.Header.Set("Accept", ap.ContentType+", "+ap.LDContentType)
		return httpsign.SignRequest(req, keyID, key, nil, f.now())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, err
	}
	if err := sign(req); err != nil {
		return nil, nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	final := resp.Request.URL // the origin is where the content came from
	if resp.StatusCode == http.StatusGone {
		return nil, final, fetchFailure("gone", fmt.Errorf("%s is gone", final.Redacted()))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, final, fetchFailure("http_status", fmt.Errorf("fetching %s: HTTP %d", final.Redacted(), resp.StatusCode))
	}
	if !httpclient.IsActivityPubContentType(resp.Header.Get("Content-Type")) {
		return nil, final, fetchFailure("content_type", fmt.Errorf("fetching %s: content type %q is not ActivityPub", final.Redacted(), resp.Header.Get("Content-Type")))
	}
	body, err := httpclient.ReadLimited(resp, httpclient.LimitJSON)
	if err != nil {
		return nil, final, err
	}
	doc, err := decodeJSON(body)
	if err != nil {
		return nil, final, fetchFailure("malformed", err)
	}
	return doc, final, nil
}

// decodeJSON decodes an object with a depth limit (C-08).
func decodeJSON(body []byte) (map[string]any, error) {
	if err := checkDepth(body, maxJSONDepth); err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if m == nil {
		return nil, errors.New("malformed JSON: not an object")
	}
	return m, nil
}

// checkDepth scans for nesting deeper than limit without decoding.
func checkDepth(body []byte, limit int) error {
	depth := 0
	inString, escaped := false, false
	for _, b := range body {
		switch {
		case escaped:
			escaped = false
		case inString && b == '\\':
			escaped = true
		case b == '"':
			inString = !inString
		case inString:
		case b == '{' || b == '[':
			depth++
			if depth > limit {
				return fmt.Errorf("JSON nested deeper than %d levels", limit)
			}
		case b == '}' || b == ']':
			depth--
		}
	}
	return nil
}

// FetchObject fetches a remote object (for social's boosts of unknown posts).
func (f *Federation) FetchObject(ctx context.Context, uri string) (map[string]any, error) {
	return f.get(ctx, uri)
}

// fetchAsKey carries, in a fetch's context, the local account whose key
// signs it instead of the instance actor's.
type fetchAsKey struct{}

// FetchObjectAs fetches a remote object with a request signed by the
// local account `as` (its own key), so that the origin serves what that
// account may see: the members-only history of a group `as` has just
// joined. Every other fetch is signed by the instance actor, which tells
// the remote server nothing about who is looking (H-13); a group already
// knows its new member. Redirects and the origin checks are the same as
// FetchObject's.
func (f *Federation) FetchObjectAs(ctx context.Context, uri string, as *model.Account) (map[string]any, error) {
	if as == nil || !as.IsLocal() || as.PrivateKeyPEM == "" || as.PublicKeyID == "" {
		return nil, fmt.Errorf("fetch as %v: not a local account with a key", as)
	}
	return f.get(context.WithValue(ctx, fetchAsKey{}, fetchAs{account: as, origin: uri}), uri)
}

// fetchAs is who signs a fetch, and towards which origin only: a
// redirect to another server is signed by the instance actor, so a
// server the member never asked cannot learn who they are (H-13).
type fetchAs struct {
	account *model.Account
	origin  string
}

// fetchKey is the key that signs a fetch: the account FetchObjectAs
// named, or the instance actor's.
func (f *Federation) fetchKey(ctx context.Context, u *url.URL) (*rsa.PrivateKey, string, error) {
	if by, ok := ctx.Value(fetchAsKey{}).(fetchAs); ok && ap.SameOrigin(u.String(), by.origin) {
		as := by.account
		key, err := f.keys.privateKey(as.PrivateKeyPEM)
		if err != nil {
			return nil, "", fmt.Errorf("key of %s: %w", as.Username, err)
		}
		return key, as.PublicKeyID, nil
	}
	return f.signingKey(ctx)
}

// ResolveActor returns a remote actor by id, fetching it when unknown or
// stale.
func (f *Federation) ResolveActor(ctx context.Context, uri string) (*model.Account, error) {
	if f.isLocal(uri) {
		a, err := f.store.AccountByURI(ctx, uri)
		return a, err
	}
	a, err := f.store.AccountByURI(ctx, uri)
	if err == nil && a.FetchedAt != nil && f.now().Sub(*a.FetchedAt) < refreshAfter {
		return a, nil
	}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	fresh, ferr := f.fetchActor(ctx, uri)
	if ferr != nil {
		if a != nil && err == nil {
			return a, nil // keep serving the cached copy while the origin is down
		}
		return nil, ferr
	}
	return fresh, nil
}

// fetchActor fetches an actor document and stores it.
func (f *Federation) fetchActor(ctx context.Context, uri string) (*model.Account, error) {
	doc, err := f.get(ctx, uri)
	if err != nil {
		return nil, err
	}
	parsed, err := ap.ParseActor(doc)
	if err != nil {
		return nil, err
	}
	return f.saveActor(ctx, parsed, doc)
}

// saveActor inserts or refreshes a remote actor, fetched from its origin
// as doc, with what a section or group says of itself. Its key must live
// on its own origin and name it as owner (H-09).
func (f *Federation) saveActor(ctx context.Context, parsed *ap.RemoteActor, doc map[string]any) (*model.Account, error) {
	fresh := parsed.Account
	if fresh.PublicKeyPEM != "" {
		if !ap.SameOrigin(fresh.PublicKeyID, fresh.URI) || (parsed.KeyOwner != "" && parsed.KeyOwner != fresh.URI) {
			return nil, fmt.Errorf("actor %s publishes a key it does not own", fresh.URI)
		}
		if _, err := httpsign.ParsePublicKey(fresh.PublicKeyPEM); err != nil {
			return nil, fmt.Errorf("actor %s: %w", fresh.URI, err)
		}
	}
	if ok, err := f.domainAllowed(ctx, fresh.Domain); err != nil || !ok {
		return nil, fmt.Errorf("domain %s is not federated with", fresh.Domain)
	}
	now := f.now().UTC()
	fresh.Note = sanitize(fresh.Note)
	for i := range fresh.Fields {
		// Profile fields are HTML from elsewhere too (C-01, C-03).
		fresh.Fields[i].Name = text.StripHTML(fresh.Fields[i].Name)
		fresh.Fields[i].Value = sanitize(fresh.Fields[i].Value)
	}
	fresh.FetchedAt, fresh.UpdatedAt = &now, now
	var group *model.Group
	if fresh.IsGroup() && !f.isLocal(fresh.URI) {
		group = ap.RemoteGroup(doc, "", now)
	}
	existing, err := f.store.AccountByURI(ctx, fresh.URI)
	if errors.Is(err, storage.ErrNotFound) {
		fresh.ID, fresh.CreatedAt = model.NewID(now), now
		if err := f.store.SaveRemoteActor(ctx, &fresh, true, group); err != nil {
			if storage.IsUniqueViolation(err) {
				return f.store.AccountByURI(ctx, fresh.URI) // fetched twice at once
			}
			return nil, err
		}
		return &fresh, nil
	} else if err != nil {
		return nil, err
	}
	fresh.ID, fresh.CreatedAt = existing.ID, existing.CreatedAt
	fresh.LastStatusAt, fresh.SuspendedAt = existing.LastStatusAt, existing.SuspendedAt
	if fresh.PublicKeyPEM == "" {
		fresh.PublicKeyID, fresh.PublicKeyPEM = existing.PublicKeyID, existing.PublicKeyPEM
	}
	if err := f.store.SaveRemoteActor(ctx, &fresh, false, group); err != nil {
		return nil, err
	}
	return &fresh, nil
}

// ResolveHandle finds user@domain through WebFinger, then fetches the
// actor; the actor's host must confirm the handle.
func (f *Federation) ResolveHandle(ctx context.Context, username, domain string) (*model.Account, error) {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	if strings.EqualFold(domain, f.cfg.Host) {
		return f.store.LocalAccount(ctx, username)
	}
	if a, err := f.store.AccountByUsername(ctx, username, domain); err == nil && a.FetchedAt != nil && f.now().Sub(*a.FetchedAt) < refreshAfter {
		return a, nil
	}
	href, err := f.finger(ctx, domain, username, domain)
	if err != nil {
		return nil, err
	}
	a, err := f.ResolveActor(ctx, href)
	if err != nil {
		return nil, err
	}
	if a.Domain != domain {
		// The actor lives elsewhere (a split domain, or a lie): the
		// actor's own host must answer for the very handle looked up,
		// else anyone could claim names on any domain.
		confirm, err := f.finger(ctx, a.Domain, username, domain)
		if err != nil || confirm != a.URI {
			return nil, fmt.Errorf("%s@%s does not point back to %s", username, domain, a.URI)
		}
	}
	return a, nil
}

// finger asks host's WebFinger for the actor id of user@domain; a
// failure is logged and counted.
func (f *Federation) finger(ctx context.Context, host, username, domain string) (string, error) {
	href, err := f.fingerOnce(ctx, host, username, domain)
	if err != nil && !errors.Is(err, context.Canceled) {
		f.fetchFailed(host, "webfinger")
	}
	return href, err
}

func (f *Federation) fingerOnce(ctx context.Context, host, username, domain string) (string, error) {
	if ok, err := f.domainAllowed(ctx, host); err != nil || !ok {
		return "", fmt.Errorf("domain %s is not federated with", host)
	}
	u := &url.URL{Scheme: f.cfg.Protocol, Host: host, Path: "/.well-known/webfinger",
		RawQuery: url.Values{"resource": {"acct:" + username + "@" + domain}}.Encode()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/jrd+json, application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("webfinger %s@%s: HTTP %d", username, domain, resp.StatusCode)
	}
	body, err := httpclient.ReadLimited(resp, 256<<10)
	if err != nil {
		return "", err
	}
	var jrd struct {
		Links []struct{ Rel, Type, Href string } `json:"links"`
	}
	if err := json.Unmarshal(body, &jrd); err != nil {
		return "", fmt.Errorf("webfinger %s@%s: %w", username, domain, err)
	}
	for _, l := range jrd.Links {
		if l.Rel == "self" && (l.Type == ap.ContentType || strings.HasPrefix(l.Type, "application/ld+json")) {
			return l.Href, nil
		}
	}
	return "", fmt.Errorf("webfinger %s@%s: no ActivityPub actor", username, domain)
}

// keyOwner finds the account owning keyID, fetching it when unknown or
// when refresh is set (after a failed verification: key rotation, H-11).
// Both key id styles are accepted: <actor>#main-key (key embedded in the
// actor) and a separate key document naming its owner (GtS).
func (f *Federation) keyOwner(ctx context.Context, keyID string, refresh bool) (*model.Account, error) {
	if !refresh {
		if a, err := f.store.AccountByKeyID(ctx, keyID); err == nil {
			return a, nil
		}
	}
	docURL := keyID
	if i := strings.Index(docURL, "#"); i >= 0 {
		docURL = docURL[:i]
	}
	doc, err := f.get(ctx, docURL)
	if err != nil {
		return nil, err
	}
	if ap.Object(doc["publicKey"]) != nil && ap.Str(doc, "inbox") != "" {
		parsed, err := ap.ParseActor(doc)
		if err != nil {
			return nil, err
		}
		if parsed.Account.PublicKeyID != keyID {
			return nil, fmt.Errorf("actor %s does not publish key %s", parsed.Account.URI, keyID) // H-09
		}
		return f.saveActor(ctx, parsed, doc)
	}
	// A key document: its owner must list the very same key (H-09).
	owner := ap.ID(doc["owner"])
	if owner == "" {
		return nil, fmt.Errorf("key %s names no owner", keyID)
	}
	actor, err := f.fetchActor(ctx, owner)
	if err != nil {
		return nil, err
	}
	if actor.PublicKeyID != keyID || strings.TrimSpace(actor.PublicKeyPEM) != strings.TrimSpace(ap.Str(doc, "publicKeyPem")) {
		return nil, fmt.Errorf("owner %s does not list key %s", owner, keyID) // H-09
	}
	return actor, nil
}

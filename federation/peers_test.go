package federation_test

// A strict peer, written from what GoToSocial measurably does
// (federation-interop.md §10; GtS internal/federation/dereferencing/
// account.go enrichAccount): every GET of its documents must be signed,
// and before answering it dereferences the signer the way GtS does:
// key → owner actor → WebFinger acct:<preferredUsername>@<actor host>,
// whose self link must be that very actor, and the actor's advertised
// outbox must exist. Anything else is answered 500, as GtS does. Its inbox
// records what Coopol sends, after checking the signature.

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/federation/httpsign"
)

type strictPeer struct {
	t       *testing.T
	host    string
	network *coopoltest.Network
	keys    map[string]*rsa.PrivateKey // username -> key

	mu        sync.Mutex
	refusals  []string         // why signed GETs were refused
	received  []map[string]any // verified inbox POSTs, in order
	inboxErrs []string
	failInbox int // when set, the inbox answers this status
}

func newStrictPeer(t *testing.T, network *coopoltest.Network, host string, users ...string) *strictPeer {
	t.Helper()
	p := &strictPeer{t: t, host: host, network: network, keys: map[string]*rsa.PrivateKey{}}
	for _, u := range users {
		key, err := httpsign.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		p.keys[u] = key
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/webfinger", func(w http.ResponseWriter, r *http.Request) {
		user, domain, _ := strings.Cut(strings.TrimPrefix(r.URL.Query().Get("resource"), "acct:"), "@")
		if _, ok := p.keys[user]; !ok || domain != host {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jrd+json")
		fmt.Fprintf(w, `{"subject":"acct:%s@%s","links":[{"rel":"self","type":"application/activity+json","href":%s}]}`,
			user, host, jsonString(p.actorURI(user)))
	})
	mux.HandleFunc("GET /users/{name}", func(w http.ResponseWriter, r *http.Request) {
		if !p.authorizeGET(w, r) {
			return
		}
		key, ok := p.keys[r.PathValue("name")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ap.ContentType)
		w.Write(mustJSON(t, p.actorDoc(r.PathValue("name"), key)))
	})
	mux.HandleFunc("GET /users/{name}/{collection}", func(w http.ResponseWriter, r *http.Request) {
		if !p.authorizeGET(w, r) {
			return
		}
		w.Header().Set("Content-Type", ap.ContentType)
		w.Write(mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": p.actorURI(r.PathValue("name")) + "/" + r.PathValue("collection"), "type": "OrderedCollection", "totalItems": 0}))
	})
	mux.HandleFunc("POST /users/{name}/inbox", p.inbox)
	network.Serve(t, host, mux)
	return p
}

func (p *strictPeer) actorURI(user string) string { return "http://" + p.host + "/users/" + user }
func (p *strictPeer) keyID(user string) string    { return p.actorURI(user) + "#main-key" }

func (p *strictPeer) actorDoc(user string, key *rsa.PrivateKey) map[string]any {
	pem, err := httpsign.EncodePublicKey(&key.PublicKey)
	if err != nil {
		p.t.Fatal(err)
	}
	id := p.actorURI(user)
	return map[string]any{
		"@context": []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":       id, "type": "Person", "preferredUsername": user,
		"inbox": id + "/inbox", "outbox": id + "/outbox", "followers": id + "/followers", "following": id + "/following",
		"publicKey": map[string]any{"id": p.keyID(user), "owner": id, "publicKeyPem": pem},
	}
}

func (p *strictPeer) refuse(w http.ResponseWriter, reason string) {
	p.mu.Lock()
	p.refusals = append(p.refusals, reason)
	p.mu.Unlock()
	http.Error(w, reason, http.StatusInternalServerError)
}

// authorizeGET dereferences the signer of a GET as GtS does, and answers
// 500 when it does not hold together.
func (p *strictPeer) authorizeGET(w http.ResponseWriter, r *http.Request) bool {
	sig, err := httpsign.ParseRequest(r, httpsign.VerifyOptions{Now: time.Now(), Host: p.host})
	if err != nil {
		p.refuse(w, "unsigned or malformed signature: "+err.Error())
		return false
	}
	signer, pub, err := p.dereferenceSigner(sig.KeyID)
	if err != nil {
		p.refuse(w, err.Error())
		return false
	}
	if err := httpsign.VerifyRequest(r, sig, pub); err != nil {
		p.refuse(w, "bad signature by "+signer+": "+err.Error())
		return false
	}
	return true
}

// dereferenceSigner fetches the key's actor, checks that it WebFingers
// back to itself and that its outbox exists, and returns its key.
func (p *strictPeer) dereferenceSigner(keyID string) (string, *rsa.PublicKey, error) {
	actorURL, _, _ := strings.Cut(keyID, "#")
	actor, err := p.fetch(actorURL, ap.ContentType)
	if err != nil {
		return "", nil, fmt.Errorf("dereference %s: %w", actorURL, err)
	}
	id, _ := actor["id"].(string)
	username, _ := actor["preferredUsername"].(string)
	if id != actorURL || username == "" {
		return "", nil, fmt.Errorf("actor %s: id %q, preferredUsername %q", actorURL, id, username)
	}
	u, _ := url.Parse(id)
	jrd, err := p.fetch("http://"+u.Host+"/.well-known/webfinger?resource="+url.QueryEscape("acct:"+username+"@"+u.Host), "application/jrd+json")
	if err != nil {
		return "", nil, fmt.Errorf("error webfingering remote account %s@%s: %w", username, u.Host, err)
	}
	self := ""
	links, _ := jrd["links"].([]any)
	for _, l := range links {
		if m, _ := l.(map[string]any); m["rel"] == "self" && m["type"] == ap.ContentType {
			self, _ = m["href"].(string)
		}
	}
	if self != id {
		return "", nil, fmt.Errorf("webfinger of %s@%s points to %q, not %s", username, u.Host, self, id)
	}
	outbox, _ := actor["outbox"].(string)
	if outbox != "" {
		doc, err := p.fetch(outbox, ap.ContentType)
		if err != nil || (doc["type"] != "OrderedCollection" && doc["type"] != "Collection") {
			return "", nil, fmt.Errorf("outbox %s of %s: %v %v", outbox, id, err, doc["type"])
		}
	}
	key, _ := actor["publicKey"].(map[string]any)
	if key["id"] != keyID || key["owner"] != id {
		return "", nil, fmt.Errorf("actor %s does not own key %s", id, keyID)
	}
	pem, _ := key["publicKeyPem"].(string)
	pub, err := httpsign.ParsePublicKey(pem)
	if err != nil {
		return "", nil, err
	}
	return id, pub, nil
}

// fetch GETs a document signed by the peer's first user (GtS signs as
// its instance actor; which of its keys signs does not matter here).
func (p *strictPeer) fetch(rawURL, accept string) (map[string]any, error) {
	req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	req.Header.Set("Accept", accept)
	for user, key := range p.keys {
		if err := httpsign.SignRequest(req, p.keyID(user), key, nil, time.Now()); err != nil {
			return nil, err
		}
		break
	}
	resp, err := p.network.Client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// inbox verifies the signature of a delivery (dereferencing its signer
// strictly) and records the activity.
func (p *strictPeer) inbox(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	fail := p.failInbox
	p.mu.Unlock()
	if fail != 0 {
		http.Error(w, "unavailable", fail)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	sig, err := httpsign.ParseRequest(r, httpsign.VerifyOptions{Now: time.Now(), Host: p.host, Body: body})
	if err == nil {
		var pub *rsa.PublicKey
		if _, pub, err = p.dereferenceSigner(sig.KeyID); err == nil {
			err = httpsign.VerifyRequest(r, sig, pub)
		}
	}
	var m map[string]any
	if err == nil {
		err = json.Unmarshal(body, &m)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.inboxErrs = append(p.inboxErrs, err.Error())
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	p.received = append(p.received, m)
	w.WriteHeader(http.StatusAccepted)
}

// find returns the received activities of type typ.
func (p *strictPeer) find(typ string) []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []map[string]any
	for _, m := range p.received {
		if m["type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

func (p *strictPeer) types() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, m := range p.received {
		s, _ := m["type"].(string)
		out = append(out, s)
	}
	return out
}

func (p *strictPeer) problems() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprintf("GET refusals %q, inbox refusals %q", p.refusals, p.inboxErrs)
}

// send POSTs an activity signed by user to an inbox of inst.
func (p *strictPeer) send(t *testing.T, inst *coopoltest.Instance, user, inbox string, activity map[string]any) int {
	t.Helper()
	return signedPost{keyID: p.keyID(user), keyPEM: httpsign.EncodePrivateKey(p.keys[user]), body: mustJSON(t, activity)}.sendTo(t, inst, inbox)
}

// follow makes user (unseen so far by inst) follow target.
func (p *strictPeer) follow(t *testing.T, inst *coopoltest.Instance, user, target string) int {
	t.Helper()
	id := p.actorURI(user) + "/follows/" + fmt.Sprint(time.Now().UnixNano())
	return p.send(t, inst, user, target+"/inbox", map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": id, "type": "Follow", "actor": p.actorURI(user), "object": target})
}

var _ = context.Background

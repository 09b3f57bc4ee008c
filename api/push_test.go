package api_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/hkdf"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// pushReceiver is a push service on loopback (push.test) holding the
// subscriber's private key, as a browser would: it decrypts every
// message (RFC 8291) and checks its VAPID signature (RFC 8292).
type pushReceiver struct {
	t      *testing.T
	key    *ecdh.PrivateKey
	auth   []byte
	origin string

	mu       sync.Mutex
	messages []map[string]any
	problems []string
	vapidKey string // the instance's public key, base64url
}

func newPushReceiver(t *testing.T, inst *coopoltest.Instance) *pushReceiver {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	r := &pushReceiver{t: t, key: key, auth: auth, origin: "http://push.test"}
	inst.Network().Serve(t, "push.test", r)
	return r
}

func (r *pushReceiver) p256dh() string {
	return base64.RawURLEncoding.EncodeToString(r.key.PublicKey().Bytes())
}
func (r *pushReceiver) authKey() string { return base64.RawURLEncoding.EncodeToString(r.auth) }

func (r *pushReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	err := r.checkVAPID(req.Header.Get("Authorization"))
	var msg map[string]any
	if err == nil {
		if req.Header.Get("Content-Encoding") != "aes128gcm" || req.Header.Get("TTL") == "" {
			err = fmt.Errorf("headers: encoding %q TTL %q", req.Header.Get("Content-Encoding"), req.Header.Get("TTL"))
		}
	}
	if err == nil {
		var plain []byte
		if plain, err = r.decrypt(body); err == nil {
			err = json.Unmarshal(plain, &msg)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.problems = append(r.problems, err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.messages = append(r.messages, msg)
	w.WriteHeader(http.StatusCreated)
}

// decrypt implements the receiving side of RFC 8291 over RFC 8188's
// aes128gcm: header salt(16) rs(4) idlen(1) keyid(the sender's
// ephemeral public key), then one record.
func (r *pushReceiver) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("short body")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if len(body) < 21+idlen || rs < 18 {
		return nil, errors.New("bad header")
	}
	senderPub, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		return nil, fmt.Errorf("sender key: %w", err)
	}
	ciphertext := body[21+idlen:]
	shared, err := r.key.ECDH(senderPub)
	if err != nil {
		return nil, err
	}
	info := append([]byte("WebPush: info\x00"), r.key.PublicKey().Bytes()...)
	info = append(info, senderPub.Bytes()...)
	ikm := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, shared, r.auth, info), ikm); err != nil {
		return nil, err
	}
	cek, nonce := make([]byte, 16), make([]byte, 12)
	io.ReadFull(hkdf.New(sha256.New, ikm, salt, []byte("Content-Encoding: aes128gcm\x00")), cek)
	io.ReadFull(hkdf.New(sha256.New, ikm, salt, []byte("Content-Encoding: nonce\x00")), nonce)
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(ciphertext) > int(rs) {
		return nil, errors.New("more than one record")
	}
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	// Padding: the last record ends with 0x02 followed by zeros.
	end := len(plain) - 1
	for end >= 0 && plain[end] == 0 {
		end--
	}
	if end < 0 || plain[end] != 2 {
		return nil, errors.New("bad padding delimiter")
	}
	return plain[:end], nil
}

// checkVAPID verifies "vapid t=<JWT>, k=<key>": k is the instance's
// key, the JWT is signed ES256 by it, for this origin, not expired.
func (r *pushReceiver) checkVAPID(header string) error {
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return fmt.Errorf("authorization %q is not vapid", header)
	}
	var token, k string
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if v, ok := strings.CutPrefix(part, "t="); ok {
			token = v
		} else if v, ok := strings.CutPrefix(part, "k="); ok {
			k = v
		}
	}
	r.mu.Lock()
	want := r.vapidKey
	r.mu.Unlock()
	if k != want || want == "" {
		return fmt.Errorf("vapid k=%q, instance key %q", k, want)
	}
	raw, err := base64.RawURLEncoding.DecodeString(k)
	if err != nil {
		return err
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic256(), raw)
	if err != nil {
		return err
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("JWT is not three parts")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return errors.New("JWT signature is not a raw ES256 signature")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return errors.New("JWT signature does not verify with the instance's VAPID key")
	}
	var hdr, claims map[string]any
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	c, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if json.Unmarshal(h, &hdr) != nil || json.Unmarshal(c, &claims) != nil {
		return errors.New("JWT is not JSON")
	}
	exp, _ := claims["exp"].(float64)
	if hdr["alg"] != "ES256" || claims["aud"] != r.origin || exp < float64(time.Now().Unix()) || claims["sub"] == nil {
		return fmt.Errorf("JWT header %v claims %v", hdr, claims)
	}
	return nil
}

// waitFor returns the first message of a notification type.
func (r *pushReceiver) waitFor(t *testing.T, typ string) map[string]any {
	t.Helper()
	var got map[string]any
	coopoltest.Eventually(t, "a push of "+typ, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.problems) > 0 {
			t.Fatalf("push receiver refused a message: %v", r.problems)
		}
		for _, m := range r.messages {
			if m["notification_type"] == typ {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// waitPushJobs waits until every queued push job has run.
func waitPushJobs(t *testing.T, inst *coopoltest.Instance) {
	t.Helper()
	coopoltest.Eventually(t, "push jobs done", func() bool {
		var n int
		err := inst.Store.DB.NewRaw("SELECT count(*) FROM river_job WHERE kind = 'web_push' AND state NOT IN ('completed', 'cancelled', 'discarded')").Scan(context.Background(), &n)
		if err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
}

func (r *pushReceiver) bodies(typ string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.messages {
		if m["notification_type"] == typ {
			out = append(out, fmt.Sprint(m["body"]))
		}
	}
	return out
}

func (r *pushReceiver) count(typ string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.messages {
		if m["notification_type"] == typ {
			n++
		}
	}
	return n
}

func (r *pushReceiver) subscribeBody(path string, alerts map[string]any, policy string) map[string]any {
	return map[string]any{
		"subscription": map[string]any{"endpoint": r.origin + path, "keys": map[string]any{"p256dh": r.p256dh(), "auth": r.authKey()}},
		"data":         map[string]any{"alerts": alerts, "policy": policy},
	}
}

// Issue 15, apps item 9: Web Push of every notification type, Coopol's
// own included, encrypted for the subscription and signed with the
// instance's VAPID key, through a River job.
func TestWebPush(t *testing.T) {
	eachInstance(t, func(t *testing.T, a *coopoltest.Instance) {
		ctx := context.Background()
		recv := newPushReceiver(t, a)
		alice, ac := login(t, a, "alice", false, "read", "write", "follow", "push")
		bob, bc := login(t, a, "bob", false)
		carol, _ := login(t, a, "carol", false)

		// The key is advertised where Mastodon advertises it.
		vapid := str(anonymous(t, a).get("/api/v2/instance").obj(), "configuration.vapid.public_key")
		if raw, err := base64.RawURLEncoding.DecodeString(vapid); err != nil || len(raw) != 65 {
			t.Fatalf("v2 instance vapid key %q", vapid)
		}
		if got := str(anonymous(t, a).get("/api/v1/instance").obj(), "configuration.vapid.public_key"); got != vapid {
			t.Fatalf("v1 instance vapid key %q", got)
		}
		app := anonymous(t, a).post("/api/v1/apps", url.Values{"client_name": {"Phone"}, "redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"}, "scopes": {"read push"}}).obj()
		if app["vapid_key"] != vapid {
			t.Fatalf("app vapid_key %v, want %s", app["vapid_key"], vapid)
		}
		recv.mu.Lock()
		recv.vapidKey = vapid
		recv.mu.Unlock()

		// Subscribe (JSON, as Elk and masto.js send it).
		ac.get("/api/v1/push/subscription").status(http.StatusNotFound)
		sub := ac.post("/api/v1/push/subscription", recv.subscribeBody("/push/alice",
			map[string]any{"follow": true, "mention": true, "favourite": false, "update": "true"}, "all")).obj()
		if sub["endpoint"] != "http://push.test/push/alice" || sub["server_key"] != vapid || sub["policy"] != "all" ||
			path(sub, "alerts.follow") != true || path(sub, "alerts.mention") != true || path(sub, "alerts.favourite") != false ||
			path(sub, "alerts.update") != true || path(sub, "alerts.reblog") != false {
			t.Fatalf("subscription: %s", mustJSON(sub))
		}
		if got := ac.get("/api/v1/push/subscription").obj(); got["id"] != sub["id"] {
			t.Fatalf("GET: %v", got)
		}

		// follow: pushed, decrypted, Mastodon's fields.
		bc.post("/api/v1/accounts/"+alice.ID+"/follow", nil).obj()
		msg := recv.waitFor(t, "follow")
		notes := ac.get("/api/v1/notifications").list()
		if len(notes) == 0 || msg["notification_id"] != notes[0]["id"] || !strings.Contains(str(msg, "title"), "bob") ||
			str(msg, "icon") == "" || str(msg, "preferred_locale") == "" {
			t.Fatalf("follow push: %s (notifications %s)", mustJSON(msg), mustJSON(notes))
		}
		if _, ok := msg["access_token"]; !ok {
			t.Fatalf("push without access_token field: %v", msg)
		}
		for _, k := range []string{"body"} {
			if _, ok := msg[k]; !ok {
				t.Fatalf("push without %s: %v", k, msg)
			}
		}

		// favourite is off: not pushed. The mention after it is, and
		// its body is the post's text.
		post := ac.postStatus("Réunion jeudi", "public")
		bc.post("/api/v1/statuses/"+str(post, "id")+"/favourite", nil).obj()
		bc.postStatus("@alice je viendrai avec des tracts", "public")
		msg = recv.waitFor(t, "mention")
		if !strings.Contains(str(msg, "body"), "je viendrai avec des tracts") || !strings.Contains(str(msg, "title"), "bob") {
			t.Fatalf("mention push: %s", mustJSON(msg))
		}
		if n := recv.count("favourite"); n != 0 {
			t.Fatalf("favourite pushed %d times though switched off", n)
		}

		// Coopol's own kind: alice is on the waiting list of a field
		// action and gets the place bob frees.
		one := 1
		ev, err := a.Social.CreateEvent(ctx, carol, social.NewEvent{Title: "Tractage au marché", StartAt: time.Now().Add(48 * time.Hour), EndAt: time.Now().Add(50 * time.Hour), Capacity: &one})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Social.SignUp(ctx, bob, ev.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Social.SignUp(ctx, alice, ev.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := a.Social.CancelParticipation(ctx, bob, ev.ID, ""); err != nil {
			t.Fatal(err)
		}
		msg = recv.waitFor(t, "coopol.action_promoted")
		if str(msg, "body") != "Tractage au marché" {
			t.Fatalf("promotion push: %s", mustJSON(msg))
		}

		// Policy "followed": only from accounts alice follows. Bob's first
		// mention comes before she follows him, the second after.
		ac.do("PUT", "/api/v1/push/subscription", map[string]any{"data": map[string]any{"policy": "followed"}}).obj()
		bc.postStatus("@alice première relance", "public")
		waitPushJobs(t, a) // the policy is applied when the job runs
		ac.post("/api/v1/accounts/"+bob.ID+"/follow", nil).obj()
		bc.postStatus("@alice seconde relance", "public")
		coopoltest.Eventually(t, "the mention from a followed account", func() bool {
			return strings.Contains(strings.Join(recv.bodies("mention"), "\n"), "seconde relance")
		})
		if all := strings.Join(recv.bodies("mention"), "\n"); strings.Contains(all, "première relance") {
			t.Fatalf("policy followed: a mention from an account alice did not follow was pushed: %s", all)
		}

		// PUT changes alerts and policy only.
		upd := ac.do("PUT", "/api/v1/push/subscription", url.Values{"data[alerts][favourite]": {"true"}, "data[policy]": {"none"}}).obj()
		if upd["policy"] != "none" || path(upd, "alerts.favourite") != true || path(upd, "alerts.follow") != true || upd["endpoint"] != sub["endpoint"] {
			t.Fatalf("PUT: %s", mustJSON(upd))
		}
		ac.do("PUT", "/api/v1/push/subscription", url.Values{"data[policy]": {"everyone"}}).status(http.StatusUnprocessableEntity)

		// One subscription per token: alice's other token has none.
		other := &apiClient{t: t, inst: a, token: mintToken(t, a.Store, alice, "read push"), http: http.DefaultClient}
		other.get("/api/v1/push/subscription").status(http.StatusNotFound)

		ac.do("DELETE", "/api/v1/push/subscription", nil).obj()
		ac.get("/api/v1/push/subscription").status(http.StatusNotFound)
	})
}

// Refused subscriptions store nothing: a token without the push scope,
// keys that are not a P-256 point or a 16-byte secret, a bad endpoint.
func TestWebPushSubscriptionRefused(t *testing.T) {
	eachInstance(t, func(t *testing.T, a *coopoltest.Instance) {
		recv := newPushReceiver(t, a)
		_, noPush := login(t, a, "dora", false)
		noPush.post("/api/v1/push/subscription", recv.subscribeBody("/p", nil, "all")).status(http.StatusForbidden)
		_, ac := login(t, a, "erin", false, "push")
		bad := []map[string]any{
			recv.subscribeBody("/p", nil, "sometimes"),
			{"subscription": map[string]any{"endpoint": "javascript:alert(1)", "keys": map[string]any{"p256dh": recv.p256dh(), "auth": recv.authKey()}}},
			{"subscription": map[string]any{"endpoint": "http://push.test/p", "keys": map[string]any{"p256dh": "AAAA", "auth": recv.authKey()}}},
			{"subscription": map[string]any{"endpoint": "http://push.test/p", "keys": map[string]any{"p256dh": recv.p256dh(), "auth": "c2hvcnQ"}}},
		}
		for _, b := range bad {
			ac.post("/api/v1/push/subscription", b).status(http.StatusUnprocessableEntity)
		}
		n, err := a.Store.DB.NewSelect().Model((*model.PushSubscription)(nil)).Count(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("refused subscriptions stored: %d %v", n, err)
		}
	})
}

func elliptic256() elliptic.Curve { return elliptic.P256() }

// N-01: an endpoint on a private network is accepted as a URL (Mastodon
// does not resolve it) but never reached: the push job ends at once,
// without retries, and nothing is sent.
func TestWebPushPrivateEndpointNotReached(t *testing.T) {
	eachInstance(t, func(t *testing.T, a *coopoltest.Instance) {
		recv := newPushReceiver(t, a)
		alice, ac := login(t, a, "alice", false, "push")
		_, bc := login(t, a, "bob", false)
		body := recv.subscribeBody("/x", map[string]any{"follow": true}, "all")
		body["subscription"].(map[string]any)["endpoint"] = "http://10.20.30.40/push/alice"
		ac.post("/api/v1/push/subscription", body).obj()
		bc.post("/api/v1/accounts/"+alice.ID+"/follow", nil).obj()
		ctx := context.Background()
		coopoltest.Eventually(t, "the push job finished", func() bool {
			var states []string
			if err := a.Store.DB.NewRaw("SELECT state FROM river_job WHERE kind = 'web_push'").Scan(ctx, &states); err != nil {
				t.Fatal(err)
			}
			return len(states) == 1 && states[0] == "completed"
		})
		if n := recv.count("follow"); n != 0 {
			t.Fatalf("%d pushes received", n)
		}
	})
}

package federation_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/storage/storagetest"
)

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// metricValue reads one sample of /metrics (0 when absent).
func metricValue(t *testing.T, inst *coopoltest.Instance, token, name, reason string) float64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, inst.Base()+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := inst.Network().Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: HTTP %d", resp.StatusCode)
	}
	m := regexp.MustCompile(`(?m)^` + name + `\{reason="` + reason + `"\} (\S+)$`).FindSubmatch(body)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// TestFederationFailuresAreVisible (issue 15, GtS item 6): refused inbox
// POSTs, failed resolutions and failed deliveries are logged at info or
// warn with the peer's host and the reason, without personal data, and
// counted by reason at /metrics (which only the token holder may read).
func TestFederationFailuresAreVisible(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			network := coopoltest.NewNetwork()
			logs := &syncBuffer{}
			network.SetLogWriter(logs)
			const token = "scrape-secret"
			a := network.StartInstance(t, backend, "section-a.test", func(c *config.Config) { c.Metrics.Token = token })
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			peer := newStrictPeer(t, network, "strict.test", "gina", "hugo")
			const inboxRefused = "coopol_federation_inbox_refused_total"

			// Refused POSTs: unsigned, signed with a key gina does not
			// publish, malformed, and signed by someone else than the actor.
			note := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": peer.actorURI("gina") + "/activities/1",
				"type": "Follow", "actor": peer.actorURI("gina"), "object": alice.URI}
			if code := (signedPost{body: mustJSON(t, note), unsigned: true}).send(t, a); code != 401 {
				t.Fatalf("unsigned: %d", code)
			}
			otherKey, _ := httpsign.GenerateKey()
			if code := (signedPost{keyID: peer.keyID("gina"), keyPEM: httpsign.EncodePrivateKey(otherKey), body: mustJSON(t, note)}).send(t, a); code != 401 {
				t.Fatalf("forged signature: %d", code)
			}
			if code := (signedPost{keyID: peer.keyID("gina"), keyPEM: httpsign.EncodePrivateKey(peer.keys["gina"]), body: []byte(`{"type":`)}).send(t, a); code != 400 {
				t.Fatalf("malformed: %d", code)
			}
			if code := peer.send(t, a, "hugo", a.Base()+"/inbox", note); code != 401 {
				t.Fatalf("actor mismatch: %d", code)
			}
			for _, reason := range []string{"unsigned", "bad_signature", "malformed", "actor_mismatch"} {
				if v := metricValue(t, a, token, inboxRefused, reason); v != 1 {
					t.Errorf("%s{reason=%q} = %v, want 1", inboxRefused, reason, v)
				}
			}

			// A failed resolution.
			if _, err := a.Server.Federation.ResolveHandle(ctx, "nobody", "strict.test"); err == nil {
				t.Fatal("resolving an unknown handle succeeded")
			}
			if v := metricValue(t, a, token, "coopol_federation_fetch_failures_total", "webfinger"); v < 1 {
				t.Errorf("failed WebFinger not counted")
			}

			// A failed delivery: gina follows alice, then her server fails.
			if code := peer.follow(t, a, "gina", alice.URI); code != 202 {
				t.Fatalf("follow: %d", code)
			}
			coopoltest.Eventually(t, "Accept delivered", func() bool { return len(peer.find("Accept")) == 1 })
			peer.mu.Lock()
			peer.failInbox = http.StatusServiceUnavailable
			peer.mu.Unlock()
			if _, err := a.Social.CreateStatus(ctx, alice, socialStatus("Bonjour", "public")); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "the failed delivery is counted", func() bool {
				return metricValue(t, a, token, "coopol_federation_delivery_failures_total", "server_error") >= 1
			})

			out := logs.String()
			for _, want := range []string{
				`level=INFO msg="federation: inbox refused" host=section-a.test peer=unknown reason=unsigned status=401`,
				`level=INFO msg="federation: inbox refused" host=section-a.test peer=strict.test reason=bad_signature status=401`,
				`level=INFO msg="federation: inbox refused" host=section-a.test peer=strict.test reason=malformed status=400`,
				`level=INFO msg="federation: inbox refused" host=section-a.test peer=strict.test reason=actor_mismatch status=401`,
				`level=INFO msg="federation: fetch failed" host=section-a.test peer=strict.test reason=webfinger`,
				`level=WARN msg="federation: delivery failed" host=section-a.test peer=strict.test reason=server_error status=503`,
			} {
				if !strings.Contains(out, want) {
					t.Errorf("log lacks %q", want)
				}
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, "federation:") && (strings.Contains(line, "gina") || strings.Contains(line, "hugo") ||
					strings.Contains(line, "alice") || strings.Contains(line, "nobody")) {
					t.Errorf("a federation log line names someone: %s", line)
				}
			}
			if t.Failed() {
				t.Logf("logs:\n%s", out)
			}

			// Without the token, /metrics does not exist.
			for _, auth := range []string{"", "Bearer wrong"} {
				req, _ := http.NewRequest(http.MethodGet, a.Base()+"/metrics", nil)
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				resp, err := network.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusNotFound {
					t.Fatalf("/metrics with %q: HTTP %d", auth, resp.StatusCode)
				}
			}
		})
	}
}

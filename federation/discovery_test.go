package federation_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/model"
)

func getJSON(t *testing.T, inst *coopoltest.Instance, path, accept string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, inst.Base()+path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	client := inst.Network().Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(body, &m)
	return resp.StatusCode, m, resp.Header
}

func TestDiscovery(t *testing.T) {
	insts := coopoltest.Start(t, "sqlite", []string{"section-a.test"})
	a := insts[0]
	a.CreateUser(t, "alice", false)

	code, jrd, hdr := getJSON(t, a, "/.well-known/webfinger?resource=acct:alice@section-a.test", "")
	if code != 200 || jrd["subject"] != "acct:alice@section-a.test" || !strings.HasPrefix(hdr.Get("Content-Type"), "application/jrd+json") {
		t.Fatalf("webfinger: %d %v %v", code, jrd, hdr)
	}
	links, _ := jrd["links"].([]any)
	self := links[0].(map[string]any)
	if self["rel"] != "self" || self["type"] != "application/activity+json" || self["href"] != "http://section-a.test/users/alice" {
		t.Fatalf("self link: %v", self)
	}
	// Sections are Groups in the same namespace, marked as such.
	_, jrd, _ = getJSON(t, a, "/.well-known/webfinger?resource=acct:section@section-a.test", "")
	if props, _ := jrd["links"].([]any)[0].(map[string]any)["properties"].(map[string]any); props["https://www.w3.org/ns/activitystreams#type"] != "Group" {
		t.Fatalf("group self link: %v", jrd)
	}
	// The instance actor answers (issue 15): TestEveryActorWebFingersBack.
	for _, res := range []string{"acct:nobody@section-a.test", "acct:alice@elsewhere.test"} {
		if code, _, _ := getJSON(t, a, "/.well-known/webfinger?resource="+res, ""); code != 404 {
			t.Fatalf("%s: %d", res, code)
		}
	}

	code, links2, _ := getJSON(t, a, "/.well-known/nodeinfo", "")
	if code != 200 || len(links2["links"].([]any)) != 2 {
		t.Fatalf("nodeinfo links: %v", links2)
	}
	for _, v := range []string{"2.0", "2.1"} {
		code, ni, hdr := getJSON(t, a, "/nodeinfo/"+v, "")
		sw := ni["software"].(map[string]any)
		users := ni["usage"].(map[string]any)["users"].(map[string]any)
		if code != 200 || sw["name"] != "coopol" || len(users) != 0 || !strings.Contains(hdr.Get("Content-Type"), "schema/"+v) {
			t.Fatalf("nodeinfo %s publishes %v (%v)", v, ni, hdr)
		}
	}

	// Content negotiation: AS2 for ActivityPub clients, the profile for browsers.
	code, actor, hdr := getJSON(t, a, "/users/alice", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	if code != 200 || actor["type"] != "Person" || !strings.HasPrefix(hdr.Get("Content-Type"), "application/activity+json") {
		t.Fatalf("actor: %d %v", code, actor)
	}
	if code, _, hdr := getJSON(t, a, "/users/alice", "text/html"); code != http.StatusSeeOther || hdr.Get("Location") != "http://section-a.test/@alice" {
		t.Fatalf("browser: %d %v", code, hdr)
	}
	code, section, _ := getJSON(t, a, "/users/section", ap.ContentType)
	if code != 200 || section["type"] != "Group" || section["members"] != "http://section-a.test/users/section/members" || section["discoverable"] != true {
		t.Fatalf("section actor: %v", section)
	}
	code, inst, _ := getJSON(t, a, "/actor", ap.ContentType)
	if code != 200 || inst["type"] != "Application" || inst["publicKey"] == nil {
		t.Fatalf("instance actor: %v", inst)
	}
	if code, _, _ := getJSON(t, a, "/.well-known/host-meta", ""); code != 200 {
		t.Fatalf("host-meta: %d", code)
	}
	// P-05: the section's members collection is hidden from non-members.
	if code, _, _ := getJSON(t, a, "/users/section/members", ap.ContentType); code != 404 {
		t.Fatalf("members collection to an anonymous fetch: %d", code)
	}
}

// TestAuthorizedFetch: with federation.authorized_fetch, every object GET
// must be signed (H-13); actors stay fetchable so peers can verify us.
func TestAuthorizedFetch(t *testing.T) {
	network := coopoltest.NewNetwork()
	a := network.StartInstance(t, "sqlite", "section-a.test", func(c *config.Config) { c.Federation.AuthorizedFetch = true })
	b := network.StartInstance(t, "sqlite", "section-b.test")
	ctx := context.Background()
	alice := a.CreateUser(t, "alice", false)
	st, err := a.Social.CreateStatus(ctx, alice, socialStatus("Publique", model.VisibilityPublic))
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(st.URI, a.Base())
	if code, _, _ := getJSON(t, a, path, ap.ContentType); code != 401 {
		t.Fatalf("unsigned fetch in authorized-fetch mode: %d", code)
	}
	if code, _, _ := getJSON(t, a, "/users/alice", ap.ContentType); code != 200 {
		t.Fatalf("actor must stay public: %d", code)
	}
	bob := b.CreateUser(t, "bob", false)
	req, _ := http.NewRequest(http.MethodGet, st.URI, nil)
	req.Header.Set("Accept", ap.ContentType)
	key, _ := httpsign.ParsePrivateKey(bob.PrivateKeyPEM)
	if err := httpsign.SignRequest(req, bob.PublicKeyID, key, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := network.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("signed fetch: %d", resp.StatusCode)
	}
}

package federation_test

import (
	"net/http"
	"testing"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
)

// Issue 15, apps item 6: generic client detectors (megalodon's
// detector()) recognise a Mastodon-compatible API from NodeInfo's
// metadata.upstream.name; approval mode reports open registrations as
// Mastodon does; browser clients read the discovery documents across
// origins.
func TestNodeInfoForClientDetectors(t *testing.T) {
	a := coopoltest.Start(t, "sqlite", []string{"section-a.test"}, func(c *config.Config) { c.Registrations = "approval" })[0]
	for _, v := range []string{"2.0", "2.1"} {
		code, ni, _ := getJSON(t, a, "/nodeinfo/"+v, "")
		meta, _ := ni["metadata"].(map[string]any)
		upstream, _ := meta["upstream"].(map[string]any)
		if code != http.StatusOK || upstream["name"] != "mastodon" || ni["openRegistrations"] != true {
			t.Fatalf("nodeinfo %s: %v", v, ni)
		}
	}
	for _, p := range []string{"/.well-known/nodeinfo", "/.well-known/host-meta", "/nodeinfo/2.0"} {
		if _, _, hdr := getJSON(t, a, p, ""); hdr.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("%s without CORS: %v", p, hdr)
		}
	}
	closed := coopoltest.Start(t, "sqlite", []string{"section-b.test"}, func(c *config.Config) { c.Registrations = "closed" })[0]
	if _, ni, _ := getJSON(t, closed, "/nodeinfo/2.0", ""); ni["openRegistrations"] != false {
		t.Fatalf("closed registrations: %v", ni)
	}
}

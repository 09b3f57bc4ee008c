package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// path walks nested JSON objects: get(m, "configuration", "urls", "streaming").
func get(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		if v, ok = m[k]; !ok {
			return "<missing>"
		}
	}
	return v
}

func TestInstanceV2(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		rg.createUser("alice", true)
		// A stale token must not stop a client reading the instance.
		w := rg.do(req{method: "GET", path: "/api/v2/instance", token: "stale"})
		if w.Code != http.StatusOK {
			t.Fatalf("v2 instance: %d %s", w.Code, w.Body.String())
		}
		m := decode[map[string]any](t, w)
		for keys, want := range map[string]any{
			"domain":                                "lyon.coopol.test",
			"title":                                 "Coopol Lyon",
			"version":                               "4.3.0 (compatible; Coopol 0.1.0)",
			"description":                           "Section de Lyon",
			"usage.users.active_month":              0.0, // membership size is sensitive
			"thumbnail.url":                         "https://lyon.coopol.test/instance/thumbnail.png",
			"configuration.urls.streaming":          "wss://lyon.coopol.test",
			"configuration.statuses.max_characters": 5000.0,
			"configuration.statuses.max_media_attachments":           4.0,
			"configuration.statuses.characters_reserved_per_url":     23.0,
			"configuration.media_attachments.image_size_limit":       float64(16 << 20),
			"configuration.media_attachments.image_matrix_limit":     33177600.0,
			"configuration.media_attachments.video_size_limit":       float64(100 << 20),
			"configuration.media_attachments.video_frame_rate_limit": 60.0,
			"configuration.media_attachments.video_matrix_limit":     8294400.0,
			"configuration.polls.max_options":                        4.0,
			"configuration.polls.max_characters_per_option":          50.0,
			"configuration.polls.min_expiration":                     300.0,
			"configuration.polls.max_expiration":                     2629746.0,
			"configuration.accounts.max_featured_tags":               10.0,
			"configuration.accounts.max_pinned_statuses":             5.0,
			"configuration.translation.enabled":                      false,
			"registrations.enabled":                                  true,
			"registrations.approval_required":                        true,
			"registrations.message":                                  nil,
			"contact.email":                                          "contact@lyon.coopol.test",
			"contact.account":                                        nil,
		} {
			if got := get(m, strings.Split(keys, ".")...); got != want {
				t.Errorf("%s = %#v, want %#v", keys, got, want)
			}
		}
		if langs, _ := m["languages"].([]any); len(langs) != 1 || langs[0] != "fr" {
			t.Errorf("languages = %v", m["languages"])
		}
		if rules, ok := m["rules"].([]any); !ok || len(rules) != 0 {
			t.Errorf("rules = %v", m["rules"])
		}
		mimes, _ := get(m, "configuration", "media_attachments", "supported_mime_types").([]any)
		for _, want := range []string{"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/webm", "audio/mpeg", "audio/ogg", "audio/wav"} {
			found := false
			for _, got := range mimes {
				found = found || got == want
			}
			if !found {
				t.Errorf("supported_mime_types lacks %s", want)
			}
		}
	})
}

func TestInstanceV1(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		rg.createUser("alice", true)
		w := rg.do(req{method: "GET", path: "/api/v1/instance"})
		m := decode[map[string]any](t, w)
		for keys, want := range map[string]any{
			"uri":                                   "lyon.coopol.test",
			"title":                                 "Coopol Lyon",
			"version":                               "4.3.0 (compatible; Coopol 0.1.0)",
			"email":                                 "contact@lyon.coopol.test",
			"urls.streaming_api":                    "wss://lyon.coopol.test",
			"stats.user_count":                      0.0,
			"stats.status_count":                    0.0,
			"stats.domain_count":                    0.0,
			"registrations":                         true,
			"approval_required":                     true,
			"configuration.statuses.max_characters": 5000.0,
			"configuration.polls.max_options":       4.0,
			"contact_account":                       nil,
		} {
			if got := get(m, strings.Split(keys, ".")...); got != want {
				t.Errorf("%s = %#v, want %#v", keys, got, want)
			}
		}
		for _, path := range []string{"/api/v1/instance/peers", "/api/v1/instance/activity", "/api/v1/instance/rules", "/api/v1/custom_emojis"} {
			w := rg.do(req{method: "GET", path: path})
			if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != "[]" {
				t.Errorf("%s: %d %s", path, w.Code, w.Body.String())
			}
		}
	})
}

func TestInstanceCountsWhenPublished(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		rg := newRig(t, s, func(c *config.Config) {
			c.Instance.ShowUserCounts = true
			c.Registrations = "closed"
			c.Protocol = "http"
		})
		rg.createUser("alice", true)
		rg.createUser("bob", true)
		v2 := decode[map[string]any](t, rg.do(req{method: "GET", path: "/api/v2/instance"}))
		if get(v2, "usage", "users", "active_month") != 2.0 || get(v2, "registrations", "enabled") != false ||
			get(v2, "registrations", "approval_required") != false || get(v2, "configuration", "urls", "streaming") != "ws://lyon.coopol.test" {
			t.Fatalf("v2: %v %v", v2["usage"], v2["registrations"])
		}
		v1 := decode[map[string]any](t, rg.do(req{method: "GET", path: "/api/v1/instance"}))
		if get(v1, "stats", "user_count") != 2.0 || v1["registrations"] != false {
			t.Fatalf("v1: %v", v1["stats"])
		}
	})
}

func TestOAuthMetadata(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		m := decode[map[string]any](t, rg.do(req{method: "GET", path: "/.well-known/oauth-authorization-server"}))
		base := "https://lyon.coopol.test"
		for k, want := range map[string]string{
			"issuer": base + "/", "authorization_endpoint": base + "/oauth/authorize", "token_endpoint": base + "/oauth/token",
			"revocation_endpoint": base + "/oauth/revoke", "app_registration_endpoint": base + "/api/v1/apps",
		} {
			if m[k] != want {
				t.Errorf("%s = %v", k, m[k])
			}
		}
		list := func(k string) string {
			var out []string
			for _, v := range m[k].([]any) {
				out = append(out, v.(string))
			}
			return strings.Join(out, " ")
		}
		if list("response_types_supported") != "code" || list("code_challenge_methods_supported") != "S256" ||
			list("grant_types_supported") != "authorization_code client_credentials" ||
			!strings.Contains(list("token_endpoint_auth_methods_supported"), "client_secret_post") {
			t.Errorf("metadata lists: %v", m)
		}
		scopes := " " + list("scopes_supported") + " "
		for _, s := range []string{"read", "write", "follow", "push", "profile", "admin:read", "read:statuses", "write:media", "read:coopol", "write:coopol"} {
			if !strings.Contains(scopes, " "+s+" ") {
				t.Errorf("scopes_supported lacks %s", s)
			}
		}
	})
}

func TestUnknownAPIRoutesAnswerJSON404(t *testing.T) {
	each(t, func(t *testing.T, rg *rig) {
		for _, tc := range []struct{ method, path string }{
			{"GET", "/api/v1/nope"},
			{"GET", "/api/v3/instance"},
			{"DELETE", "/api/v1/instance"}, // wrong method
			{"GET", "/oauth/nope"},
		} {
			w := rg.do(req{method: tc.method, path: tc.path})
			expectError(t, w, http.StatusNotFound, "Record not found")
		}
		// Other paths belong to the web UI: not JSON.
		w := rg.do(req{method: "GET", path: "/@alice"})
		if w.Code != http.StatusNotFound || strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("web path: %d %s", w.Code, w.Header().Get("Content-Type"))
		}
		// CORS preflight for browser clients.
		w = rg.do(req{method: "OPTIONS", path: "/api/v1/apps", header: map[string]string{"Origin": "https://elk.example", "Access-Control-Request-Method": "POST"}})
		if w.Code != http.StatusNoContent || w.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Fatalf("preflight: %d %v", w.Code, w.Header())
		}
		if w.Header().Get("Access-Control-Allow-Credentials") != "" {
			t.Fatal("credentials allowed cross-origin (U-06)")
		}
	})
}

package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/storage/storagetest"
)

// Issue 12 (hygiene): a NUL byte or a malformed id in any parameter (path
// or query, API, web, ActivityPub, media, calendar routes) gets a 4xx,
// never a 5xx — on PostgreSQL too, which refuses NUL in text. Every route
// the server mounts is tried, with a token so that API handlers really run.
func TestGarbageIDsInEveryRouteAre4xx(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			inst := coopoltest.Start(t, backend, []string{"section-a.test"})[0]
			alice := inst.CreateUser(t, "alice", false)
			token := mintToken(t, inst, alice)
			engine, ok := inst.Server.Handler.(*gin.Engine)
			if !ok {
				t.Fatalf("handler is %T", inst.Server.Handler)
			}
			values := []string{"%00", "a%00b", "%FF%FE", "%E2%80%AE", strings.Repeat("9", 400), "-1", "..%2F..%2Fetc"}
			query := "?max_id=%00&since_id=%00&min_id=%00&id[]=%00&id=%00&q=%00&account_id=%00&limit=%00&type=%00&resolve=%00&exclude_types[]=%00&types[]=%00&tag=%00&lang=%00&from=%00&to=%00&page=%00&next=%00&kind=%00"
			var tried, failed int
			for _, rt := range engine.Routes() {
				if rt.Path == "/livez" || rt.Path == "/readyz" || strings.HasPrefix(rt.Path, "/api/v1/streaming") {
					continue
				}
				for _, v := range values {
					path := fill(rt.Path, v)
					for _, q := range []string{"", query} {
						code, body := send(t, inst, rt.Method, path+q, token)
						tried++
						if code >= 500 {
							failed++
							t.Errorf("%s %s → %d %s", rt.Method, path+q, code, body)
						}
					}
				}
			}
			t.Logf("%d requests, %d answered 5xx", tried, failed)
		})
	}
}

// fill puts v in every :param and *wildcard of a route pattern.
func fill(pattern, v string) string {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			parts[i] = v
		} else if j := strings.IndexAny(p, ":*"); j > 0 { // "@:name" style
			parts[i] = p[:j] + v
		}
	}
	return strings.Join(parts, "/")
}

func send(t *testing.T, inst *coopoltest.Instance, method, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, inst.URL(""), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawPath = ""
	req.URL.Opaque = "" // keep the path exactly as written, %00 included
	u, err := req.URL.Parse(path)
	if err != nil {
		return http.StatusBadRequest, "unparsable URL (the client refuses it too)"
	}
	req.URL = u
	req.Host = inst.Host
	if strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/oauth/") {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Body = io.NopCloser(strings.NewReader("id=%00&status=%00"))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	return resp.StatusCode, string(body)
}

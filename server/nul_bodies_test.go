package server_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/storage/storagetest"
)

var csrfInPage = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// Issue 12 (hygiene): a NUL byte in a form field, a JSON field or a
// multipart field (a status text, a login, an OAuth parameter) gets a
// 4xx, never a 500, on the API, OAuth and web routes — on PostgreSQL too,
// which refuses NUL in text — and nothing is stored. The same requests
// without the NUL byte go through, so the refusal is the guard's.
func TestNULInBodiesIs4xxAndStoresNothing(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			inst := coopoltest.Start(t, backend, []string{"section-a.test"})[0]
			alice := inst.CreateUser(t, "alice", false)
			token := mintToken(t, inst, alice)
			ctx := context.Background()
			count := func(table string) int {
				n, err := inst.Store.DB.NewSelect().TableExpr(table).Count(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return int(n)
			}
			do := func(method, path, contentType string, body io.Reader, header map[string]string, client *http.Client) (int, string) {
				t.Helper()
				req, err := http.NewRequest(method, inst.URL(path), body)
				if err != nil {
					t.Fatal(err)
				}
				req.Host = inst.Host
				if contentType != "" {
					req.Header.Set("Content-Type", contentType)
				}
				for k, v := range header {
					req.Header.Set(k, v)
				}
				if client == nil {
					client = &http.Client{}
				}
				client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
				return resp.StatusCode, string(b)
			}
			bearer := map[string]string{"Authorization": "Bearer " + token}
			multipartBody := func(fields map[string]string) (string, io.Reader) {
				var b bytes.Buffer
				w := multipart.NewWriter(&b)
				for k, v := range fields {
					w.WriteField(k, v) //nolint:errcheck
				}
				w.Close()
				return w.FormDataContentType(), &b
			}

			// A logged-in browser, for the web's forms.
			jar, _ := cookiejar.New(nil)
			browser := &http.Client{Jar: jar}
			csrf := func(path string) string {
				t.Helper()
				_, page := do("GET", path, "", nil, nil, browser)
				m := csrfInPage.FindStringSubmatch(page)
				if m == nil {
					t.Fatalf("no form on %s", path)
				}
				return m[1]
			}
			if code, _ := do("POST", "/login", "application/x-www-form-urlencoded", strings.NewReader(url.Values{
				"login": {"alice"}, "password": {"password-alice"}, "csrf_token": {csrf("/login")}}.Encode()), nil, browser); code != http.StatusSeeOther {
				t.Fatalf("web login: %d", code)
			}
			sessionCSRF := csrf("/home")

			deliveries := func() int {
				n, err := inst.Store.DB.NewSelect().TableExpr("river_job").Where("kind = 'deliver'").Count(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return int(n)
			}
			statuses, users, queued := count("statuses"), count("users"), deliveries()
			for _, tc := range []struct {
				name        string
				method      string
				path        string
				contentType string
				body        func(nul string) io.Reader
				header      map[string]string
				client      *http.Client
			}{
				{"API status text, JSON", "POST", "/api/v1/statuses", "application/json",
					func(nul string) io.Reader { return strings.NewReader(`{"status":"Réunion` + nul + `"}`) }, bearer, nil},
				{"API poll option, JSON", "POST", "/api/v1/statuses", "application/json",
					func(nul string) io.Reader {
						return strings.NewReader(`{"status":"Sondage","poll":{"options":["oui","non` + nul + `"],"expires_in":3600}}`)
					}, bearer, nil},
				{"API status text, form", "POST", "/api/v1/statuses", "application/x-www-form-urlencoded",
					func(nul string) io.Reader {
						return strings.NewReader(url.Values{"status": {"Réunion" + jsonToRaw(nul)}}.Encode())
					}, bearer, nil},
				{"API status text, multipart", "POST", "/api/v1/statuses", "",
					nil, bearer, nil},
				{"OAuth token, form", "POST", "/oauth/token", "application/x-www-form-urlencoded",
					func(nul string) io.Reader {
						return strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "client_id": {"x" + jsonToRaw(nul)}, "client_secret": {"y"}}.Encode())
					}, nil, nil},
				{"web status text, form", "POST", "/statuses", "application/x-www-form-urlencoded",
					func(nul string) io.Reader {
						return strings.NewReader(url.Values{"text": {"Réunion" + jsonToRaw(nul)}, "visibility": {"public"}, "csrf_token": {sessionCSRF}}.Encode())
					}, nil, browser},
				{"web status text, multipart", "POST", "/statuses", "", nil, nil, browser},
				{"web sign-up name, form", "POST", "/signup", "application/x-www-form-urlencoded",
					func(nul string) io.Reader {
						return strings.NewReader(url.Values{"username": {"eve" + jsonToRaw(nul)}, "email": {"eve@example.org"}, "password": {"correct horse battery"}}.Encode())
					}, nil, nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					ct, body := tc.contentType, tc.body
					if body == nil { // multipart
						fields := map[string]string{"status": "Réunion\x00", "text": "Réunion\x00", "visibility": "public", "csrf_token": sessionCSRF}
						var b io.Reader
						ct, b = multipartBody(fields)
						code, answer := do(tc.method, tc.path, ct, b, tc.header, tc.client)
						if code < 400 || code >= 500 {
							t.Fatalf("NUL in a multipart field: %d %.300s", code, answer)
						}
						return
					}
					code, answer := do(tc.method, tc.path, ct, body(`\u0000`), tc.header, tc.client)
					if code < 400 || code >= 500 {
						t.Fatalf("NUL: %d %.300s", code, answer)
					}
					if strings.HasPrefix(tc.path, "/api/") || strings.HasPrefix(tc.path, "/oauth/") {
						if !strings.Contains(answer, `"error"`) {
							t.Fatalf("API answer without {\"error\"}: %.300s", answer)
						}
					}
				})
			}
			// Malformed ids in JSON and form bodies: a 4xx too, nothing stored.
			for _, body := range []string{
				`{"status":"Réponse","in_reply_to_id":"` + strings.Repeat("9", 400) + `"}`,
				`{"status":"Réponse","in_reply_to_id":"../../etc/passwd"}`,
				`{"status":"Photo","media_ids":["-1","` + strings.Repeat("Z", 300) + `"]}`,
				`{"status":"Groupe","visibility":"members","group_id":"‮01ABC"}`,
				`{"status":"Sondage","poll":{"options":["a","b"],"expires_in":"demain"}}`,
			} {
				code, answer := do("POST", "/api/v1/statuses", "application/json", strings.NewReader(body), bearer, nil)
				if code < 400 || code >= 500 {
					t.Errorf("malformed %s: %d %.200s", body, code, answer)
				}
			}
			for _, id := range []string{strings.Repeat("9", 400), "../../x", "-1"} {
				code, answer := do("POST", "/api/v1/statuses", "application/x-www-form-urlencoded",
					strings.NewReader(url.Values{"status": {"Réponse"}, "in_reply_to_id": {id}, "media_ids[]": {id}}.Encode()), bearer, nil)
				if code < 400 || code >= 500 {
					t.Errorf("malformed form id %q: %d %.200s", id, code, answer)
				}
			}
			if n := count("statuses"); n != statuses {
				t.Fatalf("%d statuses stored from bodies with NUL bytes or malformed ids", n-statuses)
			}
			if n := count("users"); n != users {
				t.Fatal("an account was created from a sign-up with a NUL byte")
			}
			if n := deliveries(); n != queued {
				t.Fatalf("%d deliveries queued for refused posts", n-queued)
			}
			// Without the NUL byte, the same API and web posts are stored.
			if code, answer := do("POST", "/api/v1/statuses", "application/json", strings.NewReader(`{"status":"Réunion"}`), bearer, nil); code != http.StatusOK {
				t.Fatalf("clean JSON status: %d %.300s", code, answer)
			}
			if code, _ := do("POST", "/statuses", "application/x-www-form-urlencoded", strings.NewReader(url.Values{
				"text": {"Réunion"}, "visibility": {"public"}, "csrf_token": {sessionCSRF}}.Encode()), nil, browser); code != http.StatusSeeOther {
				t.Fatalf("clean web status: %d", code)
			}
			if n := count("statuses"); n != statuses+2 {
				t.Fatalf("clean posts: %d statuses stored, want 2", n-statuses)
			}
		})
	}
}

// jsonToRaw turns the JSON escape used in the cases into the raw byte a
// form carries.
func jsonToRaw(nul string) string { return strings.ReplaceAll(nul, `\u0000`, "\x00") }

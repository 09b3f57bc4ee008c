package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// eachInstance runs fn once per database backend with one running
// instance (section-a.test).
func eachInstance(t *testing.T, fn func(t *testing.T, inst *coopoltest.Instance)) {
	t.Helper()
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			fn(t, coopoltest.Start(t, backend, []string{"section-a.test"})[0])
		})
	}
}

// apiClient calls an instance's client API with one access token.
type apiClient struct {
	t     *testing.T
	inst  *coopoltest.Instance
	token string
	http  *http.Client
}

// mintToken stores an application and a user token for account with the
// given scopes, as the OAuth flow would (tested in oauth_test.go).
func mintToken(t *testing.T, store *storage.Storage, account *model.Account, scopes string) string {
	t.Helper()
	ctx := context.Background()
	u, err := store.UserByAccountID(ctx, account.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	app := &model.OAuthApplication{ID: model.NewID(now), Name: "Test client", Website: "https://client.example",
		RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: scopes, ClientID: auth.NewToken(),
		ClientSecretHash: auth.HashToken(auth.NewToken()), CreatedAt: now}
	if err := store.CreateOAuthApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	raw := auth.NewToken()
	tok := &model.OAuthToken{ID: model.NewID(now), TokenHash: auth.HashToken(raw), ApplicationID: app.ID, UserID: &u.ID, Scopes: scopes, CreatedAt: now}
	if err := store.CreateOAuthToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	return raw
}

// login creates a local user and a client for them (scopes "read write
// follow" unless given).
func login(t *testing.T, inst *coopoltest.Instance, username string, locked bool, scopes ...string) (*model.Account, *apiClient) {
	t.Helper()
	a := inst.CreateUser(t, username, locked)
	s := "read write follow"
	if len(scopes) > 0 {
		s = strings.Join(scopes, " ")
	}
	return a, &apiClient{t: t, inst: inst, token: mintToken(t, inst.Store, a, s), http: &http.Client{Timeout: 20 * time.Second}}
}

// anonymous is a client without a token.
func anonymous(t *testing.T, inst *coopoltest.Instance) *apiClient {
	return &apiClient{t: t, inst: inst, http: &http.Client{Timeout: 20 * time.Second}}
}

type response struct {
	t      *testing.T
	Code   int
	Header http.Header
	Body   []byte
}

// do sends a request; body is url.Values (form), nil, or anything else
// (JSON).
func (cl *apiClient) do(method, path string, body any, header ...string) *response {
	cl.t.Helper()
	var r io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		r, ct = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			cl.t.Fatal(err)
		}
		r, ct = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, cl.inst.URL(path), r)
	if err != nil {
		cl.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if cl.token != "" {
		req.Header.Set("Authorization", "Bearer "+cl.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := cl.http.Do(req)
	if err != nil {
		cl.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		cl.t.Fatal(err)
	}
	return &response{t: cl.t, Code: resp.StatusCode, Header: resp.Header, Body: data}
}

func (cl *apiClient) get(path string) *response { cl.t.Helper(); return cl.do("GET", path, nil) }
func (cl *apiClient) post(path string, body any) *response {
	cl.t.Helper()
	return cl.do("POST", path, body)
}

// ok checks a 200 answer and decodes it.
func (r *response) ok() any {
	r.t.Helper()
	if r.Code != http.StatusOK {
		r.t.Fatalf("status %d, want 200: %s", r.Code, r.Body)
	}
	return r.json()
}

func (r *response) json() any {
	r.t.Helper()
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		r.t.Fatalf("not JSON (%d): %v: %s", r.Code, err, r.Body)
	}
	return v
}

// obj is a 200 JSON object.
func (r *response) obj() map[string]any {
	r.t.Helper()
	m, ok := r.ok().(map[string]any)
	if !ok {
		r.t.Fatalf("not an object: %s", r.Body)
	}
	return m
}

// list is a 200 JSON array of objects.
func (r *response) list() []map[string]any {
	r.t.Helper()
	arr, ok := r.ok().([]any)
	if !ok {
		r.t.Fatalf("not a list: %s", r.Body)
	}
	out := make([]map[string]any, len(arr))
	for i, v := range arr {
		out[i], _ = v.(map[string]any)
	}
	return out
}

// status checks the answer's code and, for errors, the {"error"} shape.
func (r *response) status(code int) {
	r.t.Helper()
	if r.Code != code {
		r.t.Fatalf("status %d, want %d: %s", r.Code, code, r.Body)
	}
	if code >= 400 {
		m, ok := r.json().(map[string]any)
		if _, isStr := m["error"].(string); !ok || !isStr {
			r.t.Fatalf("error answer without {\"error\"}: %s", r.Body)
		}
	}
}

// ids lists the "id" of each object of a list ([]any or []map[string]any).
func ids(v any) []string {
	var out []string
	switch items := v.(type) {
	case []map[string]any:
		for _, m := range items {
			id, _ := m["id"].(string)
			out = append(out, id)
		}
	case []any:
		for _, m := range items {
			out = append(out, str(m, "id"))
		}
	}
	return out
}

// path walks JSON by a dotted path; numbers index lists: "tags.0.name".
func path(v any, p string) any {
	for _, k := range strings.Split(p, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return "<missing>"
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return "<missing>"
			}
			v = x[i]
		default:
			return "<missing>"
		}
	}
	return v
}

func str(v any, p string) string {
	s, _ := path(v, p).(string)
	return s
}

func mustJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// postStatus posts through the API and returns the status entity.
func (cl *apiClient) postStatus(text, visibility string, extra ...string) map[string]any {
	cl.t.Helper()
	form := url.Values{"status": {text}}
	if visibility != "" {
		form.Set("visibility", visibility)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	return cl.post("/api/v1/statuses", form).obj()
}

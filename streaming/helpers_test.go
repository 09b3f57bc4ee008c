package streaming_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage/storagetest"
)

// eachBackend runs fn once per database backend with one instance.
func eachBackend(t *testing.T, fn func(t *testing.T, inst *coopoltest.Instance)) {
	t.Helper()
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			fn(t, coopoltest.Start(t, backend, []string{"section-a.test"})[0])
		})
	}
}

// mintToken stores an application and a user token for account, as the
// OAuth flow would (api/oauth_test.go tests that flow).
func mintToken(t testing.TB, inst *coopoltest.Instance, account *model.Account, scopes string) string {
	t.Helper()
	ctx := context.Background()
	u, err := inst.Store.UserByAccountID(ctx, account.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	app := &model.OAuthApplication{ID: model.NewID(now), Name: "Streaming test", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"},
		Scopes: scopes, ClientID: auth.NewToken(), ClientSecretHash: auth.HashToken(auth.NewToken()), CreatedAt: now}
	if err := inst.Store.CreateOAuthApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	raw := auth.NewToken()
	tok := &model.OAuthToken{ID: model.NewID(now), TokenHash: auth.HashToken(raw), ApplicationID: app.ID, UserID: &u.ID, Scopes: scopes, CreatedAt: now}
	if err := inst.Store.CreateOAuthToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	return raw
}

// event is a server message with its payload decoded when it is JSON.
type event struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload"`
	Error   string   `json:"error"`
	Status  int      `json:"status"`
}

// id is the payload's "id" (Status, Notification), or the payload itself
// (delete).
func (e event) id() string {
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal([]byte(e.Payload), &v) == nil && v.ID != "" {
		return v.ID
	}
	return e.Payload
}

func (e event) field(name string) any {
	var v map[string]any
	json.Unmarshal([]byte(e.Payload), &v) //nolint:errcheck
	return v[name]
}

// client is a WebSocket streaming client.
type client struct {
	t      testing.TB
	ws     *websocket.Conn
	events chan event
	err    chan error
}

// dial opens /api/v1/streaming?query with token in access_token.
func dial(t testing.TB, inst *coopoltest.Instance, token, query string) *client {
	t.Helper()
	c, resp, err := dialRaw(inst, token, query, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial streaming (%q): %v (HTTP %d)", query, err, status)
	}
	return start(t, c)
}

func dialRaw(inst *coopoltest.Instance, token, query string, opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error) {
	q, _ := url.ParseQuery(query)
	if token != "" {
		q.Set("access_token", token)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return websocket.Dial(ctx, "ws://"+inst.Addr+"/api/v1/streaming?"+q.Encode(), opts)
}

func start(t testing.TB, ws *websocket.Conn) *client {
	c := &client{t: t, ws: ws, events: make(chan event, 100), err: make(chan error, 1)}
	go func() {
		for {
			_, data, err := ws.Read(context.Background())
			if err != nil {
				c.err <- err
				close(c.events)
				return
			}
			var e event
			if err := json.Unmarshal(data, &e); err != nil {
				t.Errorf("bad server message %s: %v", data, err)
			}
			c.events <- e
		}
	}()
	t.Cleanup(func() { ws.CloseNow() }) //nolint:errcheck
	return c
}

func (c *client) send(v any) {
	c.t.Helper()
	data, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, data); err != nil {
		c.t.Fatal(err)
	}
}

// waitFor returns the first event matching pred, failing on timeout. Any
// event passed over is checked by reject (when given) first.
func (c *client) waitFor(what string, pred func(event) bool, reject func(event) bool) event {
	c.t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case e, ok := <-c.events:
			if !ok {
				c.t.Fatalf("connection closed while waiting for %s: %v", what, <-c.err)
			}
			if reject != nil && reject(e) {
				c.t.Fatalf("unexpected event while waiting for %s: %+v", what, e)
			}
			if pred(e) {
				return e
			}
		case <-timeout:
			c.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// closed waits for the server to close the connection and returns the
// close status.
func (c *client) closed(within time.Duration) websocket.StatusCode {
	c.t.Helper()
	timeout := time.After(within)
	for {
		select {
		case _, ok := <-c.events:
			if !ok {
				return websocket.CloseStatus(<-c.err)
			}
		case <-timeout:
			c.t.Fatalf("connection still open after %s", within)
		}
	}
}

func isEvent(name, id string) func(event) bool {
	return func(e event) bool { return e.Event == name && e.id() == id }
}

// sse reads server-sent events from path.
type sse struct {
	events chan event
}

func openSSE(t testing.TB, inst *coopoltest.Instance, path, token string) *sse {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, inst.URL(path), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("SSE %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &sse{events: make(chan event, 100)}
	go func() {
		defer resp.Body.Close()
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		var e event
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				e.Event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.Payload = strings.TrimPrefix(line, "data: ")
			case line == "" && e.Event != "":
				s.events <- e
				e = event{}
			}
		}
	}()
	return s
}

func (s *sse) waitFor(t testing.TB, what string, pred func(event) bool) event {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				t.Fatalf("SSE stream ended while waiting for %s", what)
			}
			if pred(e) {
				return e
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// statusCode extracts the HTTP status of a failed dial.
func statusCode(resp *http.Response, err error) int {
	if resp != nil {
		return resp.StatusCode
	}
	if err == nil {
		return 0
	}
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return int(ce.Code)
	}
	return -1
}

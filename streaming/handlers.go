package streaming

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/api"
)

// writeTimeout bounds one write (or ping) to a client.
const writeTimeout = 10 * time.Second

// Mount registers the streaming endpoints on r, authenticating with h
// (the client API's tokens and scopes).
//
//	GET /api/v1/streaming/health          "OK", no token
//	GET /api/v1/streaming                 WebSocket (?stream=&tag=&list=, then subscribe/unsubscribe messages);
//	                                      without an Upgrade header, SSE of ?stream=
//	GET /api/v1/streaming/user            SSE, and /user/notification, /public, /public/local,
//	    /public/remote, /hashtag?tag=, /hashtag/local?tag=, /list?list=, /direct
//
// The token comes as a Bearer header, an access_token query parameter or
// (WebSocket) the Sec-WebSocket-Protocol header; it needs read, or
// read:statuses / read:notifications for the streams that carry those.
// coopol=1 opts in to Coopol's own notification types.
func (s *Streaming) Mount(r *gin.Engine, h *api.Handlers) {
	s.api = h
	auth := h.RequireScope("read:statuses", "read:notifications")
	health := func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		c.String(http.StatusOK, "OK")
	}
	r.GET("/api/v1/streaming/health", health)
	r.HEAD("/api/v1/streaming/health", health)
	r.GET("/api/v1/streaming", noStore, auth, s.root)
	r.GET("/api/v1/streaming/", noStore, auth, s.root)
	for path, name := range map[string]string{
		"user": streamUser, "user/notification": streamNotification,
		"public": streamPublic, "public/local": streamPublicLocal, "public/remote": streamPublicRemote,
		"hashtag": streamHashtag, "hashtag/local": streamHashtagLocal, "list": streamList, "direct": streamDirect,
	} {
		r.GET("/api/v1/streaming/"+path, noStore, auth, s.serveSSE(name))
	}
}

func noStore(c *gin.Context) {
	c.Header("Cache-Control", "private, no-store")
	c.Header("Access-Control-Allow-Origin", "*") // tokens, never cookies (U-06)
	c.Next()
}

// rawToken is the access token of the request, as api.RequireScope read
// it, kept to be checked again while the connection lasts.
func rawToken(r *http.Request) (tok string, fromProtocol bool) {
	if v := r.Header.Get("Authorization"); v != "" {
		_, tok, _ := strings.Cut(strings.TrimSpace(v), " ")
		return strings.TrimSpace(tok), false
	}
	if tok := r.URL.Query().Get("access_token"); tok != "" {
		return tok, false
	}
	return strings.TrimSpace(r.Header.Get("Sec-WebSocket-Protocol")), true
}

// newConnFor builds the connection state of an authenticated request.
func (s *Streaming) newConnFor(c *gin.Context) (*conn, bool) {
	tok := api.CurrentToken(c)
	raw, fromProtocol := rawToken(c.Request)
	cn := newConn(tok.User.Account, raw, api.HasScope(c, "read:statuses"), api.HasScope(c, "read:notifications"),
		c.Query("coopol") == "1" || c.Query("coopol") == "true")
	return cn, fromProtocol
}

// subscribeFromQuery applies ?stream=&tag=&list=, answering the error as
// JSON when it is refused.
func (s *Streaming) subscribeFromQuery(c *gin.Context, cn *conn, name string) bool {
	st, err := s.parseStream(c.Request.Context(), cn, name, c.Query("tag"), c.Query("list"), false)
	var se *streamError
	switch {
	case errors.As(err, &se):
		api.ErrorJSON(c, se.status, se.msg)
		return false
	case err != nil:
		s.log.Error("streaming: subscribe", "err", err)
		api.ErrorJSON(c, http.StatusInternalServerError, "Internal server error")
		return false
	}
	cn.subscribe(st)
	return true
}

// root is GET /api/v1/streaming: a WebSocket, or SSE for a plain GET.
func (s *Streaming) root(c *gin.Context) {
	if !strings.EqualFold(c.GetHeader("Upgrade"), "websocket") {
		name := c.Query("stream")
		if name == "" {
			api.ErrorJSON(c, http.StatusBadRequest, "Unknown stream type")
			return
		}
		s.serveSSE(name)(c)
		return
	}
	cn, fromProtocol := s.newConnFor(c)
	if name := c.Query("stream"); name != "" && !s.subscribeFromQuery(c, cn, name) {
		return
	}
	opts := &websocket.AcceptOptions{
		// Browser clients (Elk, Phanpy) connect from their own origin;
		// the connection authenticates with a token, never a cookie, so
		// no other site can ride on a visitor's session (U-06).
		InsecureSkipVerify: true,
	}
	if proto := strings.TrimSpace(c.GetHeader("Sec-WebSocket-Protocol")); proto != "" && (fromProtocol || proto == cn.raw) {
		// Browsers fail the handshake unless the server echoes the
		// protocol they offered: here, the token.
		opts.Subprotocols = []string{proto}
	}
	// In the hub before the handshake completes: once the client has
	// its 101, nothing committed afterwards may pass it by.
	s.hub.add(cn)
	defer s.hub.remove(cn)
	ws, err := websocket.Accept(c.Writer, c.Request, opts)
	if err != nil {
		return // Accept has answered
	}
	ws.SetReadLimit(64 << 10)
	ctx, cancel := context.WithCancel(c.Request.Context())
	defer cancel()
	go s.readClient(ctx, cancel, ws, cn)
	s.runConn(ctx, cn, func(m message) error {
		data := m.raw
		if data == nil {
			var err error
			if data, err = json.Marshal(m); err != nil {
				return err
			}
		}
		wctx, wcancel := context.WithTimeout(ctx, writeTimeout)
		defer wcancel()
		return ws.Write(wctx, websocket.MessageText, data)
	}, func() {
		// Pings wait for the pong: not on the writing goroutine.
		go func() {
			pctx, pcancel := context.WithTimeout(ctx, writeTimeout)
			defer pcancel()
			if err := ws.Ping(pctx); err != nil && ctx.Err() == nil {
				cn.close(websocket.StatusGoingAway, "no answer to ping")
			}
		}()
	})
	if code, reason := cn.closed(); code != 0 {
		ws.Close(code, reason) //nolint:errcheck
		return
	}
	ws.CloseNow() //nolint:errcheck
}

// clientMessage is what a WebSocket client sends.
type clientMessage struct {
	Type   string `json:"type"`
	Stream string `json:"stream"`
	Tag    string `json:"tag"`
	List   string `json:"list"`
}

// readClient applies subscribe/unsubscribe messages until the client
// goes away.
func (s *Streaming) readClient(ctx context.Context, cancel context.CancelFunc, ws *websocket.Conn, cn *conn) {
	defer cancel()
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var m clientMessage
		if err := json.Unmarshal(data, &m); err != nil {
			s.sendError(cn, http.StatusBadRequest, "Invalid JSON")
			continue
		}
		if m.Type != "subscribe" && m.Type != "unsubscribe" {
			continue // Mastodon ignores what it does not know
		}
		st, err := s.parseStream(ctx, cn, m.Stream, m.Tag, m.List, m.Type == "unsubscribe")
		var se *streamError
		switch {
		case errors.As(err, &se):
			s.sendError(cn, se.status, se.msg)
		case err != nil:
			s.log.Error("streaming: subscribe", "err", err)
			s.sendError(cn, http.StatusInternalServerError, "Internal server error")
		case m.Type == "subscribe":
			cn.subscribe(st)
		default:
			cn.unsubscribe(st)
		}
	}
}

// sendError queues {"error": msg, "status": code}, as Mastodon answers a
// refused subscription.
func (s *Streaming) sendError(cn *conn, status int, msg string) {
	data, _ := json.Marshal(map[string]any{"error": msg, "status": status})
	cn.send(message{raw: data})
}

// closed returns the close code and reason set by conn.close (0 if none).
func (c *conn) closed() (code websocket.StatusCode, reason string) {
	select {
	case <-c.done:
		return c.code, c.reason
	default:
		return 0, ""
	}
}

// runConn is the life of a connection: write what the dispatcher
// queues, keep it alive, and check the token again every so often,
// until the client leaves, the server shuts down or the token is
// revoked.
func (s *Streaming) runConn(ctx context.Context, cn *conn, write func(message) error, heartbeat func()) {
	beat := time.NewTicker(s.heartbeat)
	defer beat.Stop()
	recheck := time.NewTicker(time.Duration(s.recheck.Load()))
	defer recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-cn.done:
			return
		case m := <-cn.out:
			if err := write(m); err != nil {
				return
			}
		case <-beat.C:
			heartbeat()
		case <-recheck.C:
			if !s.tokenStillValid(ctx, cn) {
				cn.close(closeRevoked, "access token revoked or user disabled")
				return
			}
		}
	}
}

// tokenStillValid authenticates the connection's token again (U-02).
// A database hiccup keeps the connection; a refused token ends it.
func (s *Streaming) tokenStillValid(ctx context.Context, cn *conn) bool {
	tok, err := s.api.Authenticate(ctx, cn.raw)
	if errors.Is(err, api.ErrInvalidToken) || (err == nil && (tok.User == nil || tok.User.Account == nil)) {
		return false
	}
	if err != nil {
		s.log.Warn("streaming: token check failed, keeping the connection", "err", err)
		return true
	}
	cn.setViewer(tok.User.Account)
	return true
}

// serveSSE serves one stream as server-sent events.
func (s *Streaming) serveSSE(name string) gin.HandlerFunc {
	return func(c *gin.Context) {
		cn, _ := s.newConnFor(c)
		if !s.subscribeFromQuery(c, cn, name) {
			return
		}
		w := c.Writer
		h := w.Header()
		h.Set("Content-Type", "text/event-stream; charset=utf-8")
		h.Set("X-Accel-Buffering", "no")
		s.hub.add(cn)
		defer s.hub.remove(cn)
		w.WriteHeader(http.StatusOK)
		if _, err := w.WriteString(":)\n"); err != nil {
			return
		}
		w.Flush()
		ctx := c.Request.Context()
		s.runConn(ctx, cn, func(m message) error {
			if m.raw != nil {
				return nil // errors answer WebSocket subscriptions
			}
			payload := m.Payload
			if m.Event == "delete" {
				// Every SSE data line is JSON, as Mastodon sends it: a
				// bare id kills the stream thread of Mastodon.py.
				quoted, _ := json.Marshal(payload)
				payload = string(quoted)
			}
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", m.Event, payload); err != nil {
				return err
			}
			w.Flush()
			return nil
		}, func() {
			if _, err := w.WriteString(":thump\n"); err == nil {
				w.Flush()
			}
		})
	}
}

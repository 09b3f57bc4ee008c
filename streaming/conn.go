package streaming

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// Stream names, as Mastodon's streaming server knows them.
const (
	streamUser         = "user"
	streamNotification = "user:notification"
	streamPublic       = "public"
	streamPublicLocal  = "public:local"
	streamPublicRemote = "public:remote"
	streamHashtag      = "hashtag"
	streamHashtagLocal = "hashtag:local"
	streamList         = "list"
	streamDirect       = "direct"
)

// Close codes.
const (
	closeGoingAway = websocket.StatusGoingAway       // server shutdown
	closeRevoked   = websocket.StatusPolicyViolation // token revoked, user disabled
	closeTooSlow   = websocket.StatusTryAgainLater   // client does not keep up
)

// stream is one subscription of a connection.
type stream struct {
	name string
	tag  string        // hashtag streams: as the client sent it
	norm string        // hashtag streams: normalized (no #, lower case)
	list *storage.List // list stream
}

// key identifies a subscription (subscribing twice is a no-op).
func (st stream) key() string {
	switch {
	case st.list != nil:
		return st.name + "\x00" + st.list.ID
	case st.norm != "":
		return st.name + "\x00" + st.norm
	}
	return st.name
}

// names is the "stream" array of server messages.
func (st stream) names() []string {
	switch {
	case st.list != nil:
		return []string{st.name, st.list.ID}
	case st.tag != "":
		return []string{st.name, st.tag}
	}
	return []string{st.name}
}

// carriesStatuses reports whether update/delete events travel on st.
func (st stream) carriesStatuses() bool {
	return st.name != streamNotification && st.name != streamDirect
}

// streamError is a refused subscription: HTTP status and Mastodon's text.
type streamError struct {
	status int
	msg    string
}

func (e *streamError) Error() string { return e.msg }

var errUnknownStream = &streamError{http.StatusBadRequest, "Unknown stream type"}

// message is what a WebSocket client receives; SSE sends event and
// payload alone.
type message struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload"`
	// raw, when set, is sent as it is instead (WebSocket errors).
	raw []byte
}

// conn is one streaming client (WebSocket or SSE).
type conn struct {
	raw               string // the access token, re-checked periodically
	coopol            bool   // opted in to coopol.* notifications
	readStatuses      bool
	readNotifications bool

	mu     sync.Mutex
	viewer *model.Account
	subs   []stream
	sent   idRing // statuses sent, so that their deletion follows

	out       chan message
	done      chan struct{}
	closeOnce sync.Once
	code      websocket.StatusCode
	reason    string
}

func newConn(viewer *model.Account, raw string, readStatuses, readNotifications, coopol bool) *conn {
	return &conn{
		raw: raw, viewer: viewer, readStatuses: readStatuses, readNotifications: readNotifications, coopol: coopol,
		sent: newIDRing(2048), out: make(chan message, 256), done: make(chan struct{}),
	}
}

// close asks the connection's goroutine to close with code and reason.
func (c *conn) close(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		c.code, c.reason = code, reason
		close(c.done)
	})
}

// send queues m, closing a client that does not keep up rather than
// blocking everyone else.
func (c *conn) send(m message) {
	select {
	case c.out <- m:
	case <-c.done:
	default:
		c.close(closeTooSlow, "client too slow")
	}
}

func (c *conn) currentViewer() *model.Account {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.viewer
}

func (c *conn) setViewer(a *model.Account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.viewer = a
}

func (c *conn) subscriptions() []stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]stream(nil), c.subs...)
}

func (c *conn) subscribe(st stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.subs {
		if s.key() == st.key() {
			return
		}
	}
	c.subs = append(c.subs, st)
}

func (c *conn) unsubscribe(st stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, s := range c.subs {
		if s.key() == st.key() {
			c.subs = append(c.subs[:i], c.subs[i+1:]...)
			return
		}
	}
}

func (c *conn) remember(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent.add(id)
}

func (c *conn) wasSent(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent.has(id)
}

// parseStream checks a subscription request: a known stream, the scope
// it needs, and for lists one the viewer owns. unsubscribe skips the
// checks that only matter for receiving (scope, list ownership).
func (s *Streaming) parseStream(ctx context.Context, c *conn, name, tag, listID string, unsubscribe bool) (stream, error) {
	st := stream{name: name}
	switch name {
	case streamUser, streamPublic, streamPublicLocal, streamPublicRemote, streamDirect:
	case streamNotification:
		if !unsubscribe && !c.readNotifications {
			return st, &streamError{http.StatusForbidden, "Access token does not have the required scopes"}
		}
		return st, nil
	case streamHashtag, streamHashtagLocal:
		tag = strings.TrimSpace(tag)
		st.tag, st.norm = tag, strings.ToLower(strings.TrimPrefix(tag, "#"))
		if st.norm == "" {
			return st, &streamError{http.StatusBadRequest, "No tag for stream provided"}
		}
	case streamList:
		if listID == "" {
			return st, &streamError{http.StatusBadRequest, "No list for stream provided"}
		}
		if unsubscribe {
			st.list = &storage.List{ID: listID}
			return st, nil
		}
		l, err := s.store.ListByID(ctx, c.currentViewer().ID, listID)
		if errors.Is(err, storage.ErrNotFound) {
			return st, &streamError{http.StatusNotFound, "Not authorized to stream this list"}
		}
		if err != nil {
			return st, err
		}
		st.list = l
	default:
		return st, errUnknownStream
	}
	if !unsubscribe && !c.readStatuses {
		return st, &streamError{http.StatusForbidden, "Access token does not have the required scopes"}
	}
	return st, nil
}

// hub is the set of this process's connections.
type hub struct {
	mu    sync.RWMutex
	conns map[*conn]struct{}
}

func (h *hub) add(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.conns[c] = struct{}{}
}

func (h *hub) remove(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, c)
}

func (h *hub) empty() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.conns) == 0
}

func (h *hub) list() []*conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		out = append(out, c)
	}
	return out
}

// idRing remembers the last n ids added.
type idRing struct {
	ids  []string
	next int
	set  map[string]struct{}
}

func newIDRing(n int) idRing {
	return idRing{ids: make([]string, n), set: make(map[string]struct{}, n)}
}

func (r *idRing) add(id string) {
	if _, ok := r.set[id]; ok {
		return
	}
	if old := r.ids[r.next]; old != "" {
		delete(r.set, old)
	}
	r.ids[r.next] = id
	r.set[id] = struct{}{}
	r.next = (r.next + 1) % len(r.ids)
}

func (r *idRing) has(id string) bool {
	_, ok := r.set[id]
	return ok
}

// statusMeta is what remains known of a status once it is deleted.
type statusMeta struct {
	visibility string
}

// metaCache remembers the audience of recent statuses, so that the
// deletion of a public one can be announced to every stream (its id is
// public anyway) and that of any other only where it was sent.
type metaCache struct {
	ring idRing
	meta map[string]statusMeta
}

func newMetaCache(n int) metaCache {
	return metaCache{ring: newIDRing(n), meta: map[string]statusMeta{}}
}

func (m *metaCache) put(st *model.Status) {
	if old := m.ring.ids[m.ring.next]; old != "" && !m.ring.has(st.ID) {
		delete(m.meta, old)
	}
	m.ring.add(st.ID)
	m.meta[st.ID] = statusMeta{visibility: st.Visibility}
}

func (m *metaCache) get(id string) (statusMeta, bool) {
	v, ok := m.meta[id]
	return v, ok
}

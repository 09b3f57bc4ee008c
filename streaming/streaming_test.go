package streaming_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
	"github.com/coopol/coopol/streaming"
)

func post(t testing.TB, inst *coopoltest.Instance, author *model.Account, in social.NewStatus) *model.Status {
	t.Helper()
	st, err := inst.Social.CreateStatus(context.Background(), author, in)
	if err != nil {
		t.Fatalf("post %q: %v", in.Text, err)
	}
	return st
}

func follow(t testing.TB, inst *coopoltest.Instance, follower, target *model.Account) {
	t.Helper()
	if _, err := inst.Social.Follow(context.Background(), follower, target); err != nil {
		t.Fatal(err)
	}
}

func TestHealth(t *testing.T) {
	inst := coopoltest.Start(t, "sqlite", []string{"section-a.test"})[0]
	resp, err := http.Get(inst.URL("/api/v1/streaming/health"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "OK" {
		t.Fatalf("health: %d %q", resp.StatusCode, body)
	}
}

// A follower receives `update` for a followed account's post, a
// mentioned member `notification` and `update`, then `status.update` and
// `delete` follow the post's edit and deletion.
func TestUserStream(t *testing.T) {
	eachBackend(t, func(t *testing.T, inst *coopoltest.Instance) {
		ctx := context.Background()
		alice := inst.CreateUser(t, "alice", false)
		bob := inst.CreateUser(t, "bob", false)
		carol := inst.CreateUser(t, "carol", false)
		follow(t, inst, alice, bob)
		ws := dial(t, inst, mintToken(t, inst, alice, "read"), "stream=user")

		stranger := post(t, inst, carol, social.NewStatus{Text: "not followed"})
		st := post(t, inst, bob, social.NewStatus{Text: "hello followers"})
		e := ws.waitFor("update of bob's post", isEvent("update", st.ID), isEvent("update", stranger.ID))
		if len(e.Stream) != 1 || e.Stream[0] != "user" {
			t.Fatalf("stream = %v", e.Stream)
		}
		if acct := e.field("account").(map[string]any)["acct"]; acct != "bob" {
			t.Fatalf("payload account = %v", acct)
		}

		mention := post(t, inst, carol, social.NewStatus{Text: "@alice are you coming?"})
		n := ws.waitFor("mention notification", func(e event) bool { return e.Event == "notification" }, nil)
		if n.field("type") != "mention" || n.field("status").(map[string]any)["id"] != mention.ID {
			t.Fatalf("notification payload: %s", n.Payload)
		}
		if n.Stream[0] != "user" {
			t.Fatalf("notification stream = %v", n.Stream)
		}

		if _, err := inst.Social.EditStatus(ctx, bob, st.ID, social.NewStatus{Text: "hello followers (edited)"}); err != nil {
			t.Fatal(err)
		}
		e = ws.waitFor("status.update", isEvent("status.update", st.ID), nil)
		if !strings.Contains(e.field("content").(string), "edited") {
			t.Fatalf("status.update carries the old text: %v", e.field("content"))
		}
		if err := inst.Social.DeleteStatus(ctx, bob, st.ID); err != nil {
			t.Fatal(err)
		}
		ws.waitFor("delete", func(e event) bool { return e.Event == "delete" && e.Payload == st.ID }, nil)
	})
}

// Members-only posts and direct messages reach their audience only, on
// every stream, and the deletion of one does not reveal its id.
func TestPrivatePostsNeverLeak(t *testing.T) {
	eachBackend(t, func(t *testing.T, inst *coopoltest.Instance) {
		ctx := context.Background()
		alice := inst.CreateUser(t, "alice", false) // outsider
		bob := inst.CreateUser(t, "bob", false)     // group creator
		carol := inst.CreateUser(t, "carol", false) // member
		follow(t, inst, alice, bob)
		follow(t, inst, carol, bob)
		group, err := inst.Social.CreateGroup(ctx, bob, social.NewGroup{Username: "team", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inst.Social.JoinGroup(ctx, carol, group); err != nil {
			t.Fatal(err)
		}
		follow(t, inst, alice, group)

		outsider := dial(t, inst, mintToken(t, inst, alice, "read"), "stream=user")
		for _, sub := range []map[string]string{
			{"type": "subscribe", "stream": "public"}, {"type": "subscribe", "stream": "public:local"},
			{"type": "subscribe", "stream": "hashtag", "tag": "plan"}, {"type": "subscribe", "stream": "direct"},
		} {
			outsider.send(sub)
		}
		syncSubscriptions(t, outsider)
		member := dial(t, inst, mintToken(t, inst, carol, "read"), "stream=user")
		member.send(map[string]string{"type": "subscribe", "stream": "direct"})
		syncSubscriptions(t, member)

		secret := post(t, inst, bob, social.NewStatus{Text: "members only #plan", Visibility: model.VisibilityMembers, GroupID: group.ID})
		dm := post(t, inst, bob, social.NewStatus{Text: "@carol psst #plan", Visibility: model.VisibilityDirect})
		private := post(t, inst, carol, social.NewStatus{Text: "followers only #plan", Visibility: model.VisibilityPrivate})
		// The member does receive the members-only post and the DM.
		member.waitFor("members-only post for a member", isEvent("update", secret.ID), nil)
		member.waitFor("DM for its recipient", isEvent("update", dm.ID), nil)
		conv := member.waitFor("conversation on the direct stream", func(e event) bool { return e.Event == "conversation" }, nil)
		if last, _ := conv.field("last_status").(map[string]any); last == nil || last["id"] != dm.ID || conv.Stream[0] != "direct" {
			t.Fatalf("conversation event: %+v", conv)
		}
		if err := inst.Social.DeleteStatus(ctx, bob, secret.ID); err != nil {
			t.Fatal(err)
		}
		member.waitFor("deletion for a member who received it", func(e event) bool { return e.Event == "delete" && e.Payload == secret.ID }, nil)
		control := post(t, inst, bob, social.NewStatus{Text: "public #plan"})

		leaked := func(e event) bool {
			return strings.Contains(e.Payload, secret.ID) || strings.Contains(e.Payload, dm.ID) || strings.Contains(e.Payload, private.ID) ||
				strings.Contains(e.Payload, "members only") || strings.Contains(e.Payload, "psst")
		}
		// Events arrive in order: once the control post's updates are
		// in, nothing about the earlier posts can still come.
		seen := map[string]bool{}
		for len(seen) < 4 {
			e := outsider.waitFor("the public control post on every stream", func(e event) bool {
				return e.Event == "update" && e.id() == control.ID
			}, leaked)
			seen[strings.Join(e.Stream, "/")] = true
		}
		if !seen["user"] || !seen["public"] || !seen["public:local"] || !seen["hashtag/plan"] {
			t.Fatalf("control post streams: %v", seen)
		}

	})
}

// syncSubscriptions waits until the server has applied the messages sent
// before: it answers an unknown stream with an error, in order.
func syncSubscriptions(t testing.TB, c *client) {
	t.Helper()
	c.send(map[string]string{"type": "subscribe", "stream": "no-such-stream"})
	e := c.waitFor("error for an unknown stream", func(e event) bool { return e.Error != "" }, nil)
	if e.Error != "Unknown stream type" || e.Status != 400 {
		t.Fatalf("error message = %+v", e)
	}
}

// Revoking the token, or disabling its user, closes the socket (U-02).
func TestRevocationClosesSocket(t *testing.T) {
	eachBackend(t, func(t *testing.T, inst *coopoltest.Instance) {
		ctx := context.Background()
		inst.Server.Streaming.SetRecheckInterval(100 * time.Millisecond)
		alice := inst.CreateUser(t, "alice", false)
		raw := mintToken(t, inst, alice, "read")
		ws := dial(t, inst, raw, "stream=user")
		tok, err := inst.Store.OAuthTokenByHash(ctx, auth.HashToken(raw))
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // a few checks pass while the token is valid
		if err := inst.Store.RevokeOAuthToken(ctx, tok.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if code := ws.closed(5 * time.Second); code != websocket.StatusPolicyViolation {
			t.Fatalf("close status = %v, want policy violation", code)
		}
		// A revoked token cannot reconnect.
		if _, resp, err := dialRaw(inst, raw, "stream=user", nil); statusCode(resp, err) != http.StatusUnauthorized {
			t.Fatalf("reconnect with a revoked token: %v", err)
		}

		// Disabling the user closes their other connections too.
		raw2 := mintToken(t, inst, alice, "read")
		ws2 := dial(t, inst, raw2, "stream=public")
		u, err := inst.Store.UserByAccountID(ctx, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inst.Store.DB.NewUpdate().Model((*model.User)(nil)).Set("disabled_at = ?", time.Now().UTC()).Where("id = ?", u.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if code := ws2.closed(5 * time.Second); code != websocket.StatusPolicyViolation {
			t.Fatalf("close status after disabling = %v", code)
		}
	})
}

// Authentication and scopes: no token → 401; a token without the
// statuses scope may not open public streams; the token may travel in
// Sec-WebSocket-Protocol, which is echoed.
func TestAuthAndScopes(t *testing.T) {
	inst := coopoltest.Start(t, "sqlite", []string{"section-a.test"})[0]
	alice := inst.CreateUser(t, "alice", false)
	if _, resp, err := dialRaw(inst, "", "stream=public", nil); statusCode(resp, err) != http.StatusUnauthorized {
		t.Fatalf("no token: %v", err)
	}
	notifOnly := mintToken(t, inst, alice, "read:notifications")
	if _, resp, err := dialRaw(inst, notifOnly, "stream=public", nil); statusCode(resp, err) != http.StatusForbidden {
		t.Fatalf("public with read:notifications only: %v", err)
	}
	dial(t, inst, notifOnly, "stream=user:notification")
	writeOnly := mintToken(t, inst, alice, "write")
	if _, resp, err := dialRaw(inst, writeOnly, "stream=user", nil); statusCode(resp, err) != http.StatusForbidden {
		t.Fatalf("write-only token: %v", err)
	}

	full := mintToken(t, inst, alice, "read")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+inst.Addr+"/api/v1/streaming?stream=public", &websocket.DialOptions{Subprotocols: []string{full}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow() //nolint:errcheck
	if ws.Subprotocol() != full {
		t.Fatalf("subprotocol not echoed: %q", ws.Subprotocol())
	}
	c := start(t, ws)
	st := post(t, inst, alice, social.NewStatus{Text: "token in the protocol header"})
	c.waitFor("public update", isEvent("update", st.ID), nil)

	// Unknown streams and lists that are not the viewer's are refused.
	if _, resp, err := dialRaw(inst, full, "stream=nope", nil); statusCode(resp, err) != http.StatusBadRequest {
		t.Fatalf("unknown stream: %v", err)
	}
	if _, resp, err := dialRaw(inst, full, "stream=list&list=01ABC", nil); statusCode(resp, err) != http.StatusNotFound {
		t.Fatalf("foreign list: %v", err)
	}
}

// Subscribing by message, hashtag streams, unsubscribe, and SSE.
func TestSubscribeMessagesAndSSE(t *testing.T) {
	inst := coopoltest.Start(t, "sqlite", []string{"section-a.test"})[0]
	alice := inst.CreateUser(t, "alice", false)
	bob := inst.CreateUser(t, "bob", false)
	token := mintToken(t, inst, alice, "read")
	ws := dial(t, inst, token, "")
	ws.send(map[string]string{"type": "subscribe", "stream": "hashtag", "tag": "Coop"})
	syncSubscriptions(t, ws)
	events := openSSE(t, inst, "/api/v1/streaming/public/local", token)
	hashtagSSE := openSSE(t, inst, "/api/v1/streaming/hashtag?tag=coop", token)

	other := post(t, inst, bob, social.NewStatus{Text: "no tag here"})
	tagged := post(t, inst, bob, social.NewStatus{Text: "we are a #coop"})
	e := ws.waitFor("hashtag update", isEvent("update", tagged.ID), isEvent("update", other.ID))
	if strings.Join(e.Stream, "/") != "hashtag/Coop" {
		t.Fatalf("stream = %v", e.Stream)
	}
	events.waitFor(t, "SSE public:local update", isEvent("update", other.ID))
	events.waitFor(t, "SSE public:local update", isEvent("update", tagged.ID))
	hashtagSSE.waitFor(t, "SSE hashtag update", isEvent("update", tagged.ID))

	// A list of the viewer's.
	list := &storage.List{ID: model.NewID(time.Now()), AccountID: alice.ID, Title: "friends", RepliesPolicy: "list",
		CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	if err := inst.Store.CreateList(context.Background(), list); err != nil {
		t.Fatal(err)
	}
	if err := inst.Store.AddListAccounts(context.Background(), list.ID, []string{bob.ID}, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	ws.send(map[string]string{"type": "subscribe", "stream": "list", "list": list.ID})
	syncSubscriptions(t, ws)
	listed := post(t, inst, bob, social.NewStatus{Text: "for my list readers"})
	e = ws.waitFor("list update", isEvent("update", listed.ID), nil)
	if strings.Join(e.Stream, "/") != "list/"+list.ID {
		t.Fatalf("list stream = %v", e.Stream)
	}
	ws.send(map[string]string{"type": "unsubscribe", "stream": "list", "list": list.ID})

	ws.send(map[string]string{"type": "unsubscribe", "stream": "hashtag", "tag": "Coop"})
	ws.send(map[string]string{"type": "subscribe", "stream": "public"})
	syncSubscriptions(t, ws)
	again := post(t, inst, bob, social.NewStatus{Text: "more #coop"})
	e = ws.waitFor("public update", isEvent("update", again.ID), nil)
	if strings.Join(e.Stream, "/") != "public" {
		t.Fatalf("still subscribed to the hashtag: %v", e.Stream)
	}
	if err := inst.Social.DeleteStatus(context.Background(), bob, again.ID); err != nil {
		t.Fatal(err)
	}
	// Issue 15 (apps 1): the SSE data line is JSON, a quoted id, as
	// Mastodon.py's stream thread parses it.
	events.waitFor(t, "SSE delete", func(e event) bool { return e.Event == "delete" && e.Payload == `"`+again.ID+`"` })
}

// Coopol's notification kinds reach only connections that opt in.
func TestCoopolNotificationsOptIn(t *testing.T) {
	inst := coopoltest.Start(t, "sqlite", []string{"section-a.test"})[0]
	ctx := context.Background()
	bob := inst.CreateUser(t, "bob", false)
	carol := inst.CreateUser(t, "carol", false)
	group, err := inst.Social.CreateGroup(ctx, bob, social.NewGroup{Username: "team", Openness: social.OpennessModerated, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
	if err != nil {
		t.Fatal(err)
	}
	plain := dial(t, inst, mintToken(t, inst, bob, "read"), "stream=user:notification")
	optedIn := dial(t, inst, mintToken(t, inst, bob, "read"), "stream=user:notification&coopol=1")
	if _, err := inst.Social.JoinGroup(ctx, carol, group); err != nil {
		t.Fatal(err)
	}
	mention := post(t, inst, carol, social.NewStatus{Text: "@bob please let me in"})
	isJoin := func(e event) bool { return e.Event == "notification" && e.field("type") == "coopol.group_join_request" }
	optedIn.waitFor("join request", isJoin, nil)
	isMention := func(e event) bool {
		st, _ := e.field("status").(map[string]any)
		return e.Event == "notification" && st != nil && st["id"] == mention.ID
	}
	plain.waitFor("mention after the join request", isMention, isJoin)
}

// Two servers on one PostgreSQL database: a client streaming from
// replica A receives a post created through replica B's API. The two
// share no memory: B's Emit only NOTIFYs, and A's listener hears it.
// It still does after A's listening connection is killed.
func TestReplicasThroughPostgres(t *testing.T) {
	if storagetest.PostgresDSN() == "" {
		t.Skip("COOPOL_TEST_POSTGRES not set")
	}
	t.Run("postgres", func(t *testing.T) {
		a := coopoltest.Start(t, "postgres", []string{"section-a.test"})[0]
		b := a.StartReplica(t)
		if a.Server.Streaming == b.Server.Streaming {
			t.Fatal("replicas must each have their own hub")
		}
		coopoltest.Eventually(t, "both replicas to listen", func() bool {
			return a.Server.Streaming.Listening() && b.Server.Streaming.Listening()
		})
		alice := a.CreateUser(t, "alice", false)
		bob := a.CreateUser(t, "bob", false)
		follow(t, a, alice, bob)
		ws := dial(t, a, mintToken(t, a, alice, "read"), "stream=user")
		bobToken := mintToken(t, b, bob, "write:statuses")

		id := postThroughAPI(t, b, bobToken, "posted through replica B")
		ws.waitFor("update from the other replica", isEvent("update", id), nil)

		// Lose every listening connection: the listeners reconnect.
		listeners := func() map[int]bool {
			rows, err := a.Store.DB.QueryContext(context.Background(),
				"SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN "+streaming.Channel+"'")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			pids := map[int]bool{}
			for rows.Next() {
				var pid int
				if err := rows.Scan(&pid); err != nil {
					t.Fatal(err)
				}
				pids[pid] = true
			}
			return pids
		}
		old := listeners()
		if len(old) != 2 {
			t.Fatalf("%d listening connections, want one per replica", len(old))
		}
		for pid := range old {
			if _, err := a.Store.DB.ExecContext(context.Background(), "SELECT pg_terminate_backend(?)", pid); err != nil {
				t.Fatal(err)
			}
		}
		coopoltest.Eventually(t, "both listeners to reconnect", func() bool {
			now := listeners()
			fresh := 0
			for pid := range now {
				if !old[pid] {
					fresh++
				}
			}
			return fresh == 2
		})
		id = postThroughAPI(t, b, bobToken, "after the listener reconnected")
		ws.waitFor("update after reconnecting", isEvent("update", id), nil)
	})
}

func postThroughAPI(t testing.TB, inst *coopoltest.Instance, token, text string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, inst.URL("/api/v1/statuses"), strings.NewReader(url.Values{"status": {text}}.Encode()))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil || out.ID == "" {
		t.Fatalf("POST /api/v1/statuses: %d %s", resp.StatusCode, body)
	}
	return out.ID
}

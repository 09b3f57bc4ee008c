package federation_test

// Issue 12: trust between sections. A hostile server (a third Coopol
// instance under the attacker's control: its own keys, its own Group
// actor) tries to make a victim section believe what another section
// never said, through FEP-1b12 group relays (A-05, A-06, A-07, P-03).

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// trustSnapshot is what a forgery could change on the victim: every row
// count, and the content of posts, polls, events and memberships.
func trustSnapshot(t *testing.T, inst *coopoltest.Instance) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprint(&b, rowCounts(t, inst))
	for _, q := range []string{
		"SELECT uri, content, spoiler_text, title, visibility, edited_at FROM statuses ORDER BY uri",
		"SELECT status_id, options, votes, voters_count FROM polls ORDER BY status_id",
		"SELECT uri, title, start_at, place_name, street_address, locality FROM events ORDER BY uri",
		"SELECT group_account_id, account_id, state FROM memberships ORDER BY group_account_id, account_id",
		"SELECT account_id, type FROM notifications ORDER BY id",
	} {
		fmt.Fprintf(&b, "\n%s:\n%s", q, dumpRows(t, inst, q))
	}
	return b.String()
}

func dumpRows(t *testing.T, inst *coopoltest.Instance, query string) string {
	t.Helper()
	rows, err := inst.Store.DB.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if raw, ok := v.([]byte); ok {
				vals[i] = string(raw)
			}
		}
		fmt.Fprintln(&b, vals...)
	}
	if err := rows.Err(); err != nil && err != sql.ErrNoRows {
		t.Fatal(err)
	}
	return b.String()
}

// fetchDoc GETs an ActivityPub document as an anonymous reader would.
func fetchDoc(t *testing.T, inst *coopoltest.Instance, uri string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, uri, nil)
	req.Header.Set("Accept", ap.ContentType)
	resp, err := inst.Network().Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", uri, resp.StatusCode)
	}
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// hostileGroup is the attacker's Group actor on its own server.
type hostileGroup struct {
	inst  *coopoltest.Instance
	group *model.Account // with its private key
	n     int
}

func (h *hostileGroup) id(name string) string {
	h.n++
	return fmt.Sprintf("%s/activities/%s-%d", h.inst.Base(), name, h.n)
}

// announce sends Announce(inner) signed by the hostile group to victim.
func (h *hostileGroup) announce(t *testing.T, victim *coopoltest.Instance, inner map[string]any) int {
	t.Helper()
	body := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": h.id("announce"), "type": "Announce",
		"actor": h.group.URI, "to": []string{ap.Public}, "cc": []string{h.group.FollowersURI}, "object": inner}
	return h.send(t, victim, body)
}

func (h *hostileGroup) send(t *testing.T, victim *coopoltest.Instance, body map[string]any) int {
	t.Helper()
	return signedPost{keyID: h.group.PublicKeyID, keyPEM: h.group.PrivateKeyPEM, body: mustJSON(t, body)}.send(t, victim)
}

// forgedFor rewrites a genuine document as the attacker wants it: in the
// attacker's group, edited later.
func (h *hostileGroup) forgedFor(doc map[string]any, change func(map[string]any)) map[string]any {
	out := map[string]any{}
	for k, v := range doc {
		out[k] = v
	}
	delete(out, "@context")
	out["audience"] = h.group.URI
	out["cc"] = []string{h.group.URI, h.group.FollowersURI}
	out["updated"] = time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	change(out)
	return out
}

// TestA05_HostileGroupRelays is issue 12's attack: a hostile server with
// its own Group actor announces, to section A, posts and edits "by" bob
// of section B, whose posts A keeps (alice follows bob). Nothing may be
// stored, changed or notified, and the group may not enrol
// alice by Invite + Accept(Member).
func TestA05_HostileGroupRelays(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test", "hostile.test"})
			a, b, evil := insts[0], insts[1], insts[2]
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			bob := b.CreateUser(t, "bob", false)
			mallory := evil.CreateUser(t, "mallory", false)
			pirates, err := evil.Social.CreateGroup(ctx, mallory, social.NewGroup{Username: "pirates", Openness: social.OpennessOpen})
			if err != nil {
				t.Fatal(err)
			}
			if pirates, err = evil.Store.AccountByID(ctx, pirates.ID); err != nil {
				t.Fatal(err)
			}
			h := &hostileGroup{inst: evil, group: pirates}
			a.Resolve(t, "pirates", "hostile.test")

			bobOnA := a.Resolve(t, "bob", "section-b.test")
			if _, err := a.Social.Follow(ctx, alice, bobOnA); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "alice follows bob", func() bool { return followState(a, alice, bobOnA) == model.FollowAccepted })

			// Bob's genuine post, poll and event, kept on A.
			post, err := b.Social.CreateStatus(ctx, bob, social.NewStatus{Text: "Assemblée générale mardi", Visibility: model.VisibilityPublic})
			if err != nil {
				t.Fatal(err)
			}
			poll, err := b.Social.CreateStatus(ctx, bob, social.NewStatus{Text: "Quel jour ?", Visibility: model.VisibilityPublic,
				Poll: &social.NewPoll{Options: []string{"lundi", "mardi"}, ExpiresIn: 24 * time.Hour}})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
			event, err := b.Social.CreateEvent(ctx, bob, social.NewEvent{Title: "Tractage", StartAt: start, EndAt: start.Add(time.Hour),
				PlaceName: "Place du marché", Locality: "Villeneuve-Exemple"})
			if err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "bob's posts on A", func() bool {
				_, err := a.Store.EventByURI(ctx, event.URI)
				return statusExists(a, post.URI) && statusExists(a, poll.URI) && err == nil
			})
			before := trustSnapshot(t, a)

			refused := func(what string, code int) {
				t.Helper()
				if code != http.StatusBadRequest {
					t.Fatalf("%s: answered %d, want 400", what, code)
				}
				if after := trustSnapshot(t, a); after != before {
					t.Fatalf("%s changed the victim:\nbefore %s\nafter  %s", what, before, after)
				}
			}
			create := func(object map[string]any) map[string]any {
				return map[string]any{"id": b.Base() + "/activities/forged-" + fmt.Sprint(time.Now().UnixNano()), "type": "Create",
					"actor": bob.URI, "to": object["to"], "object": object}
			}

			// A forged public post "by bob" in the attacker's group.
			forged := map[string]any{"id": b.Base() + "/statuses/forged1", "type": "Note", "attributedTo": bob.URI,
				"to": []string{ap.Public}, "cc": []string{pirates.URI}, "audience": pirates.URI,
				"content": "<p>Le secrétaire de B annule l'AG</p>", "published": "2026-01-01T00:00:00Z"}
			refused("Announce(Create) of a forged post of another server", h.announce(t, a, create(forged)))

			// A forged DM "from bob" to alice.
			dm := map[string]any{"id": b.Base() + "/statuses/forged-dm", "type": "Note", "attributedTo": bob.URI,
				"to": []string{alice.URI}, "audience": pirates.URI, "content": "<p>Envoie-moi la liste des adhérents</p>",
				"tag":       []any{map[string]any{"type": "Mention", "href": alice.URI, "name": "@alice@section-a.test"}},
				"published": "2026-01-01T00:00:00Z"}
			refused("Announce(Create) of a forged DM", h.announce(t, a, create(dm)))

			// A forged members-only post with a proof made by the attacker's
			// key but claiming bob's.
			secret := map[string]any{"id": b.Base() + "/statuses/forged-members", "type": "Note", "attributedTo": bob.URI,
				"to": []string{pirates.MembersURI}, "audience": pirates.URI, "content": "<p>Entre nous</p>",
				"published": "2026-01-01T00:00:00Z"}
			malloryKey, _ := httpsign.ParsePrivateKey(pirates.PrivateKeyPEM)
			if err := ap.SignObject(secret, bob.PublicKeyID, malloryKey, time.Now()); err != nil {
				t.Fatal(err)
			}
			refused("Announce(Create) of a members-only post with a forged proof", h.announce(t, a, create(secret)))

			// Announced Updates rewriting bob's real post, poll and event.
			update := func(object map[string]any) map[string]any {
				return map[string]any{"id": b.Base() + "/activities/forged-update-" + fmt.Sprint(time.Now().UnixNano()), "type": "Update",
					"actor": bob.URI, "to": []string{ap.Public}, "object": object}
			}
			refused("Announce(Update) of another server's post", h.announce(t, a, update(h.forgedFor(fetchDoc(t, b, post.URI), func(m map[string]any) {
				m["content"] = "<p>AG annulée</p>"
			}))))
			refused("Announce(Update) of another server's poll", h.announce(t, a, update(h.forgedFor(fetchDoc(t, b, poll.URI), func(m map[string]any) {
				m["oneOf"] = []any{map[string]any{"type": "Note", "name": "jamais", "replies": map[string]any{"type": "Collection", "totalItems": 99}}}
			}))))
			refused("Announce(Update) of another server's event", h.announce(t, a, update(h.forgedFor(fetchDoc(t, b, event.URI), func(m map[string]any) {
				m["name"] = "Tractage déplacé"
				m["location"] = map[string]any{"type": "Place", "name": "Parking du commissariat"}
			}))))

			// An announced Delete of bob's post.
			refused("Announce(Delete) of another server's post", h.announce(t, a, map[string]any{
				"id": b.Base() + "/activities/forged-delete", "type": "Delete", "actor": bob.URI, "object": post.URI}))

			// Invite, then Accept(Member) and Accept(Invite): alice never asked.
			invite := h.id("invite")
			if code := h.send(t, a, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": invite, "type": "Invite",
				"actor": pirates.URI, "object": pirates.URI, "target": alice.URI, "to": []string{alice.URI}}); code >= 300 {
				t.Logf("invite answered %d", code)
			}
			before = trustSnapshot(t, a)
			refused("Accept(Member) without a Join", h.send(t, a, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": h.id("accept"), "type": "Accept", "actor": pirates.URI,
				"object": map[string]any{"type": "Member", "actor": alice.URI, "object": pirates.URI}}))
			refused("Accept of the group's own Invite", h.send(t, a, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": h.id("accept"), "type": "Accept", "actor": pirates.URI, "object": invite}))
			piratesOnA, err := a.Store.AccountByURI(ctx, pirates.URI)
			if err != nil {
				t.Fatal(err)
			}
			if state := membershipState(a, piratesOnA, alice); state == storage.MemberAccepted {
				t.Fatal("a remote group made alice a member without her Join")
			}
		})
	}
}

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
			pirates, err := evil.Social.CreateGroup(ctx, mallory, social.NewGroup{Username: "pirates", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
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

			// Alice does join, and posts in the group: the group relays a
			// forged Delete and Update "by alice" of her post back to her
			// own server, which holds the original.
			if _, err := a.Social.JoinGroup(ctx, alice, piratesOnA); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "alice joins", func() bool { return membershipState(a, piratesOnA, alice) == storage.MemberAccepted })
			own, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Mon message", Visibility: model.VisibilityPublic, GroupID: piratesOnA.ID})
			if err != nil {
				t.Fatal(err)
			}
			h.announce(t, a, map[string]any{"id": a.Base() + "/activities/forged-local-delete", "type": "Delete", "actor": alice.URI, "object": own.URI})
			h.announce(t, a, update(map[string]any{"id": own.URI, "type": "Note", "attributedTo": alice.URI, "to": []string{ap.Public},
				"audience": pirates.URI, "content": "<p>Je démissionne</p>", "updated": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}))
			if kept, err := a.Store.StatusByURI(ctx, own.URI); err != nil || strings.Contains(kept.Content, "démissionne") {
				t.Fatalf("a relay changed a local original: %v", err)
			}
		})
	}
}

// TestGroupEditsAndDeletionsReachEveryCopy (issue 12): posts made in a
// group (public and members-only, by a member on the group's server and
// by a member elsewhere) are edited then deleted; the edit and the
// deletion reach every copy, through the group: the other members'
// servers and, for public posts, a follower's server, which gets the
// Update and never a second boost (issue 15, GtS item 3).
func TestGroupEditsAndDeletionsReachEveryCopy(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test", "section-c.test", "section-d.test"})
			a, b, c, d := insts[0], insts[1], insts[2], insts[3]
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			bob := b.CreateUser(t, "bob", false)
			carol := c.CreateUser(t, "carol", false)
			dave := d.CreateUser(t, "dave", false)
			group, err := a.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "climat", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
			if err != nil {
				t.Fatal(err)
			}
			groupOnB := b.Resolve(t, "climat", "section-a.test")
			groupOnC := c.Resolve(t, "climat", "section-a.test")
			groupOnD := d.Resolve(t, "climat", "section-a.test")
			for _, m := range []struct {
				inst         *coopoltest.Instance
				who, groupOn *model.Account
			}{{b, bob, groupOnB}, {c, carol, groupOnC}} {
				if _, err := m.inst.Social.JoinGroup(ctx, m.who, m.groupOn); err != nil {
					t.Fatal(err)
				}
				coopoltest.Eventually(t, m.who.Username+" is a member", func() bool {
					return membershipState(m.inst, m.groupOn, m.who) == storage.MemberAccepted
				})
			}
			if _, err := d.Social.Follow(ctx, dave, groupOnD); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "dave follows the group", func() bool { return followState(d, dave, groupOnD) == model.FollowAccepted })

			type copyOf struct {
				name   string
				inst   *coopoltest.Instance
				author *model.Account
				home   *coopoltest.Instance
				st     *model.Status
				others []*coopoltest.Instance // where copies must change
			}
			var posts []*copyOf
			for _, p := range []struct {
				name       string
				home       *coopoltest.Instance
				author     *model.Account
				groupID    string
				visibility string
				others     []*coopoltest.Instance
			}{
				{"alice public", a, alice, group.ID, model.VisibilityPublic, []*coopoltest.Instance{b, c, d}},
				{"alice members", a, alice, group.ID, model.VisibilityMembers, []*coopoltest.Instance{b, c}},
				{"bob public", b, bob, groupOnB.ID, model.VisibilityPublic, []*coopoltest.Instance{a, c, d}},
				{"bob members", b, bob, groupOnB.ID, model.VisibilityMembers, []*coopoltest.Instance{a, c}},
			} {
				st, err := p.home.Social.CreateStatus(ctx, p.author, social.NewStatus{Text: "Original: " + p.name, Visibility: p.visibility, GroupID: p.groupID})
				if err != nil {
					t.Fatal(err)
				}
				posts = append(posts, &copyOf{name: p.name, author: p.author, home: p.home, st: st, others: p.others})
			}
			contentOn := func(inst *coopoltest.Instance, uri string) string {
				st, err := inst.Store.StatusByURI(ctx, uri)
				if err != nil {
					return "(none)"
				}
				return st.Content
			}
			for _, p := range posts {
				for _, inst := range p.others {
					coopoltest.Eventually(t, p.name+" reaches "+inst.Host, func() bool { return statusExists(inst, p.st.URI) })
				}
			}
			// Members-only posts never reach the follower's server.
			for _, p := range posts[1:2] {
				if statusExists(d, p.st.URI) {
					t.Fatalf("%s reached a plain follower's server", p.name)
				}
			}

			for _, p := range posts {
				if _, err := p.home.Social.EditStatus(ctx, p.author, p.st.ID, social.NewStatus{Text: "Modifié: " + p.name}); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range posts {
				for _, inst := range p.others {
					coopoltest.Eventually(t, "the edit of "+p.name+" on "+inst.Host, func() bool {
						return strings.Contains(contentOn(inst, p.st.URI), "Modifié")
					})
				}
			}
			// The follower's server files each public post in the group
			// (a group's Announce of its own post is redistribution, issue
			// 13), and the edit came as an Update, never as a second boost.
			for _, p := range []*copyOf{posts[0], posts[2]} {
				onD, err := d.Store.StatusByURI(ctx, p.st.URI)
				if err != nil {
					t.Fatal(err)
				}
				n, _ := d.Store.DB.NewSelect().TableExpr("statuses").Where("reblog_of_id = ? AND account_id = ?", onD.ID, groupOnD.ID).Count(ctx)
				if n > 1 || onD.GroupID == nil || *onD.GroupID != groupOnD.ID {
					t.Fatalf("%s on the follower's server: boosted %d times, group %v", p.name, n, onD.GroupID)
				}
			}

			for _, p := range posts {
				if err := p.home.Social.DeleteStatus(ctx, p.author, p.st.ID); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range posts {
				for _, inst := range p.others {
					coopoltest.Eventually(t, "the deletion of "+p.name+" on "+inst.Host, func() bool { return !statusExists(inst, p.st.URI) })
				}
			}
		})
	}
}

// TestA06_ModerationStaysInItsGroup (issue 12): a member creates a group,
// replies in it to a thread of the instance that is not the group's, and
// tries to lock and pin that thread; nor may a moderator act, through
// another group's URL, on a post of a group they do not moderate.
func TestA06_ModerationStaysInItsGroup(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			a := coopoltest.Start(t, backend, []string{"section-a.test"})[0]
			ctx := context.Background()
			alice := a.CreateUser(t, "alice", false)
			mallory := a.CreateUser(t, "mallory", false)
			climat, err := a.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "climat", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
			if err != nil {
				t.Fatal(err)
			}
			own, err := a.Social.CreateGroup(ctx, mallory, social.NewGroup{Username: "mallorygroup", Openness: social.OpennessOpen, Admission: social.AdmitAnyone, SympathisantsMayJoin: true})
			if err != nil {
				t.Fatal(err)
			}
			thread, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Fil ouvert à tous", Visibility: model.VisibilityPublic})
			if err != nil {
				t.Fatal(err)
			}
			groupThread, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Fil du groupe climat", Visibility: model.VisibilityPublic, GroupID: climat.ID})
			if err != nil {
				t.Fatal(err)
			}
			reply, err := a.Social.CreateStatus(ctx, mallory, social.NewStatus{Text: "Ma réponse", InReplyToID: thread.ID, GroupID: own.ID, Visibility: model.VisibilityPublic})
			if err != nil {
				t.Fatal(err)
			}
			for _, action := range []string{social.ModLock, social.ModPin} {
				if err := a.Social.ModerateGroupPost(ctx, mallory, reply.ID, action); err == nil {
					t.Fatalf("%s of a thread whose root is not the group's was accepted", action)
				}
			}
			if err := a.Social.ModerateGroupPostIn(ctx, mallory, own.ID, groupThread.ID, social.ModRemove); err == nil {
				t.Fatal("a post of another group was removed through this group's URL")
			}
			root, err := a.Store.StatusByID(ctx, thread.ID)
			if err != nil {
				t.Fatal(err)
			}
			if root.ThreadLocked || root.PinnedInGroup {
				t.Fatalf("thread locked %v, pinned %v by another group's moderator", root.ThreadLocked, root.PinnedInGroup)
			}
			if !statusExists(a, groupThread.URI) {
				t.Fatal("another group's post was removed")
			}
			// Mallory still moderates her own post in her group.
			if err := a.Social.ModerateGroupPostIn(ctx, mallory, own.ID, reply.ID, social.ModRemove); err != nil {
				t.Fatal(err)
			}
		})
	}
}

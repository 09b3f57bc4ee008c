package ap

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/model"
)

func roundTrip(t *testing.T, d Document) map[string]any {
	t.Helper()
	b, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if _, err := ToType(context.Background(), m); err != nil {
		t.Fatalf("our own document is not valid AS2: %v\n%s", err, b)
	}
	return m
}

func TestActorDocumentShape(t *testing.T) {
	a := &model.Account{
		URI: "https://s.test/users/alice", URL: "https://s.test/@alice", Username: "alice", ActorType: model.ActorPerson,
		DisplayName: "Alice", Note: "<p>bio</p>", InboxURI: "https://s.test/users/alice/inbox", OutboxURI: "https://s.test/users/alice/outbox",
		FollowersURI: "https://s.test/users/alice/followers", FollowingURI: "https://s.test/users/alice/following",
		FeaturedURI: "https://s.test/users/alice/collections/featured", SharedInboxURI: "https://s.test/inbox",
		PublicKeyID: "https://s.test/users/alice#main-key", PublicKeyPEM: "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n",
		Fields: []model.Field{{Name: "Section", Value: "Lyon 7e"}}, CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	doc, err := Actor(a, ActorMedia{Avatar: "https://s.test/media/a.png", AvatarType: "image/png"})
	if err != nil {
		t.Fatal(err)
	}
	m := roundTrip(t, doc)
	for key, want := range map[string]any{"id": a.URI, "type": "Person", "preferredUsername": "alice", "inbox": a.InboxURI,
		"manuallyApprovesFollowers": false, "discoverable": false, "indexable": false, "hidesCcPublicFromUnauthedWeb": true} {
		if m[key] != want {
			t.Errorf("%s = %v, want %v", key, m[key], want)
		}
	}
	key := m["publicKey"].(map[string]any)
	if key["id"] != a.PublicKeyID || key["owner"] != a.URI || key["publicKeyPem"] != a.PublicKeyPEM {
		t.Errorf("publicKey: %v", key)
	}
	if m["endpoints"].(map[string]any)["sharedInbox"] != "https://s.test/inbox" {
		t.Errorf("endpoints: %v", m["endpoints"])
	}
	b, _ := doc.JSON()
	for _, term := range []string{`"toot:indexable"`, `"https://w3id.org/security/v1"`, `"PropertyValue"`, `"schema:value"`} {
		if !strings.Contains(string(b), term) {
			t.Errorf("document lacks %s: %s", term, b)
		}
	}
	back, err := ParseActor(m)
	if err != nil {
		t.Fatal(err)
	}
	if back.Account.Username != "alice" || back.Account.Domain != "s.test" || back.Account.PublicKeyPEM != a.PublicKeyPEM || back.KeyOwner != a.URI || back.Account.SharedInboxURI != "https://s.test/inbox" {
		t.Errorf("parse back: %+v", back)
	}
}

func TestCreateNoteShapeAndParse(t *testing.T) {
	p := &Post{ID: "https://s.test/users/alice/statuses/1", AttributedTo: "https://s.test/users/alice",
		To: []string{Public}, Cc: []string{"https://s.test/users/alice/followers", "https://o.test/users/bob"},
		Published: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Content: "<p>Salut @bob #climat</p>", Language: "fr",
		Mentions:    []Tag{{Href: "https://o.test/users/bob", Name: "@bob@o.test"}},
		Hashtags:    []Tag{{Href: "https://s.test/tags/climat", Name: "#climat"}},
		Attachments: []Attachment{{URL: "https://s.test/media/x.jpg", MediaType: "image/jpeg", Name: "alt", Width: 10, Height: 20}}}
	obj, ctx, err := PostType(p)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := BuildActivity(&Activity{ID: p.ID + "/activity", Type: "Create", Actor: p.AttributedTo, Object: obj, To: p.To, Cc: p.Cc, Published: p.Published}, ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := roundTrip(t, doc)
	in, err := ParseIncoming(m)
	if err != nil {
		t.Fatal(err)
	}
	if in.Type != "Create" || in.ObjectID != p.ID || in.Object == nil {
		t.Fatalf("incoming: %+v", in)
	}
	back, err := ParsePost(in.Object)
	if err != nil {
		t.Fatal(err)
	}
	if back.Content != p.Content || back.Language != "fr" || len(back.Mentions) != 1 || len(back.Hashtags) != 1 ||
		len(back.Attachments) != 1 || back.Attachments[0].Width != 10 || !IsPublic(back.To) || back.Published != p.Published {
		t.Fatalf("parse back: %+v", back)
	}
	b, _ := doc.JSON()
	if !strings.Contains(string(b), `"focalPoint"`) || !strings.Contains(string(b), `"toot:focalPoint"`) {
		t.Errorf("focalPoint or its context missing: %s", b)
	}
}

package ap

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"testing"
	"time"
)

// Issue 12: an actor's members/followers collections must live on
// its own origin, or a hostile Group could claim another group's members
// collection and pass for it.
func TestA05_ActorCollectionsOnTheActorsOrigin(t *testing.T) {
	doc := map[string]any{
		"id": "https://evil.example/groups/g", "type": "Group", "preferredUsername": "g", "inbox": "https://evil.example/inbox",
		"followers": "https://victim.example/users/bob/followers", "members": "https://victim.example/groups/real/members",
		"following": "https://evil.example/groups/g/following",
	}
	parsed, err := ParseActor(doc)
	if err != nil {
		t.Fatal(err)
	}
	a := parsed.Account
	if a.FollowersURI != "" || a.MembersURI != "" {
		t.Fatalf("foreign collections kept: followers %q members %q", a.FollowersURI, a.MembersURI)
	}
	if a.FollowingURI != "https://evil.example/groups/g/following" {
		t.Fatalf("own collection dropped: %q", a.FollowingURI)
	}
}

// The author's proof on a relayed object (issue 12, A-05): it verifies as
// sent and after a JSON round trip, and fails once anything changes or
// with another key.
func TestA05_ObjectProof(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	obj := map[string]any{"id": "https://b.example/statuses/1", "type": "Note", "attributedTo": "https://b.example/users/bob",
		"content": "<p>Réunion & co</p>", "to": []string{"https://a.example/groups/g/members"}, "n": 3}
	if err := SignObject(obj, "https://b.example/users/bob#main-key", key, time.Now()); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(obj)
	var received map[string]any
	json.Unmarshal(raw, &received)
	if ProofKeyID(received) != "https://b.example/users/bob#main-key" {
		t.Fatal("key id lost")
	}
	if err := VerifyObject(received, &key.PublicKey); err != nil {
		t.Fatalf("valid proof refused: %v", err)
	}
	if err := VerifyObject(received, &other.PublicKey); err == nil {
		t.Fatal("proof verified with another key")
	}
	received["content"] = "<p>Forged</p>"
	if err := VerifyObject(received, &key.PublicKey); err == nil {
		t.Fatal("altered object verified")
	}
}

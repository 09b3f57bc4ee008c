package ap

import (
	"encoding/json"
	"testing"
)

// TestGroupInfoRoundTrip: what a local group says of itself reads back
// the same on the other side; malformed values from a hostile actor are
// dropped, never guessed (a Group without our kind is not described).
func TestGroupInfoRoundTrip(t *testing.T) {
	n := 42
	doc := Document{"@context": "https://www.w3.org/ns/activitystreams", "id": "https://a.example/users/section", "type": "Group"}
	AddGroupInfo(doc, GroupInfo{Kind: "section", Territory: "Villeneuve-sur-Lot 47300", Openness: "moderated", MemberCount: &n,
		Calendar: "https://a.example/users/section/calendar.ics"})
	raw, _ := json.Marshal(doc)
	var back map[string]any
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	info, ok := ParseGroupInfo(back)
	if !ok || info.Kind != "section" || info.Territory != "Villeneuve-sur-Lot 47300" || info.Openness != "moderated" ||
		info.MemberCount == nil || *info.MemberCount != 42 || info.Calendar != "https://a.example/users/section/calendar.ics" {
		t.Fatalf("read back: %+v %v", info, ok)
	}
	hostile := map[string]any{"id": "https://evil.example/g", "type": "Group", "groupKind": "section", "territory": "a\r\nb",
		"openness": "anyone", "memberCount": 2.5, "calendar": "https://other.example/x.ics"}
	info, ok = ParseGroupInfo(hostile)
	if !ok || info.Territory != "" || info.Openness != "" || info.MemberCount != nil || info.Calendar != "" {
		t.Fatalf("hostile values kept: %+v", info)
	}
	if _, ok := ParseGroupInfo(map[string]any{"id": "https://lemmy.example/c/x", "type": "Group"}); ok {
		t.Fatal("a group that says nothing was described")
	}
}

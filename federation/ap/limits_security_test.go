package ap

import (
	"fmt"
	"strings"
	"testing"
)

// TestC07_RemotePostLimits: what we keep of a remote post is bounded:
// attachments are cut to 8 and tags to 100; over-long text or more than
// 1000 addressees refuse the object (C-07, C-08).
func TestC07_RemotePostLimits(t *testing.T) {
	post := func(edit func(m map[string]any)) map[string]any {
		m := map[string]any{"id": "https://remote.example/notes/1", "type": "Note",
			"attributedTo": "https://remote.example/users/zed", "to": []any{Public}, "content": "<p>hi</p>"}
		edit(m)
		return m
	}
	many := func(n int, item func(i int) any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = item(i)
		}
		return out
	}
	p, err := ParsePost(post(func(m map[string]any) {
		m["attachment"] = many(20, func(i int) any {
			return map[string]any{"type": "Document", "mediaType": "image/png", "url": fmt.Sprintf("https://remote.example/m/%d.png", i)}
		})
		m["tag"] = many(150, func(i int) any {
			return map[string]any{"type": "Hashtag", "name": fmt.Sprintf("#t%d", i), "href": fmt.Sprintf("https://remote.example/tags/t%d", i)}
		})
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != maxAttachments || maxAttachments != 8 {
		t.Fatalf("%d attachments kept, want 8", len(p.Attachments))
	}
	if len(p.Hashtags)+len(p.Mentions) != maxTags {
		t.Fatalf("%d tags kept, want %d", len(p.Hashtags)+len(p.Mentions), maxTags)
	}
	for name, edit := range map[string]func(map[string]any){
		"content": func(m map[string]any) { m["content"] = strings.Repeat("x", maxContentBytes+1) },
		"summary": func(m map[string]any) { m["summary"] = strings.Repeat("x", maxSummaryBytes+1) },
		"name":    func(m map[string]any) { m["name"] = strings.Repeat("x", maxNameBytes+1) },
		"contentMap": func(m map[string]any) {
			delete(m, "content")
			m["contentMap"] = map[string]any{"fr": strings.Repeat("x", maxContentBytes+1)}
		},
		"addressees": func(m map[string]any) {
			m["cc"] = many(maxAddressees, func(i int) any { return fmt.Sprintf("https://remote.example/users/u%d", i) })
		},
	} {
		if _, err := ParsePost(post(edit)); err == nil {
			t.Errorf("over-long %s accepted", name)
		}
	}
	// Remote profiles keep at most 16 fields.
	actor := map[string]any{"id": "https://remote.example/users/zed", "type": "Person", "preferredUsername": "zed",
		"inbox": "https://remote.example/users/zed/inbox",
		"attachment": many(50, func(i int) any {
			return map[string]any{"type": "PropertyValue", "name": fmt.Sprintf("f%d", i), "value": "v"}
		})}
	a, err := ParseActor(actor)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Account.Fields) != 16 {
		t.Fatalf("%d profile fields kept, want 16", len(a.Account.Fields))
	}
}

package ap

import "testing"

// Issue 12 (hygiene): every URL read from a remote document is an absolute
// http(s) URL without whitespace or control characters, or it is dropped.
func TestRemoteURLsAreCheckedOrDropped(t *testing.T) {
	crlf := "https://hostile.example/p/1\r\nX-INJ:1"
	post, err := ParsePost(map[string]any{
		"type": "Event", "id": "https://hostile.example/p/1", "attributedTo": "https://hostile.example/u/m",
		"url": crlf, "startTime": "2026-06-13T10:00:00Z", "content": "x",
		"attachment": []any{
			map[string]any{"type": "Document", "url": "javascript:alert(1)", "mediaType": "image/png"},
			map[string]any{"type": "Document", "url": "https://hostile.example/a b.png", "mediaType": "image/png"},
			map[string]any{"type": "Document", "url": "https://hostile.example/ok.png", "mediaType": "image/png"},
			map[string]any{"type": "Link", "name": "Website", "href": "data:text/html,<script>alert(1)</script>"},
		},
		"tag": []any{
			map[string]any{"type": "Hashtag", "name": "#x", "href": "javascript:alert(1)"},
			map[string]any{"type": "Mention", "name": "@a@b", "href": "https://b.example/a\n"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if post.URL != "" {
		t.Errorf("url %q kept", post.URL)
	}
	if len(post.Attachments) != 1 || post.Attachments[0].URL != "https://hostile.example/ok.png" {
		t.Errorf("attachments %+v", post.Attachments)
	}
	if post.Event == nil || post.Event.OnlineURL != "" {
		t.Errorf("online url %+v", post.Event)
	}
	if len(post.Hashtags) != 1 || post.Hashtags[0].Href != "" || len(post.Mentions) != 0 {
		t.Errorf("tags %+v %+v", post.Hashtags, post.Mentions)
	}

	actor, err := ParseActor(map[string]any{
		"type": "Person", "id": "https://hostile.example/u/m", "preferredUsername": "m", "inbox": "https://hostile.example/u/m/inbox",
		"url":       "javascript:alert(document.cookie)",
		"icon":      map[string]any{"type": "Image", "url": "https://hostile.example/a.png\x00"},
		"image":     map[string]any{"type": "Image", "url": "/relative.png"},
		"endpoints": map[string]any{"sharedInbox": "https://hostile.example/inbox\r\n"},
		"followers": "https://victim.example/users/sec/followers",
		"members":   "https://victim.example/users/section/members",
		"following": "https://hostile.example/u/m/following",
		"featured":  "https://hostile.example.evil.org/u/m/featured",
	})
	if err != nil {
		t.Fatal(err)
	}
	a := actor.Account
	if a.URL != "" || a.AvatarRemoteURL != "" || a.HeaderRemoteURL != "" || a.SharedInboxURI != "" {
		t.Errorf("unsafe actor URLs kept: url=%q icon=%q image=%q sharedInbox=%q", a.URL, a.AvatarRemoteURL, a.HeaderRemoteURL, a.SharedInboxURI)
	}
	// Collections on another origin are not the actor's own.
	if a.FollowersURI != "" || a.MembersURI != "" || a.FeaturedURI != "" || a.FollowingURI != "https://hostile.example/u/m/following" {
		t.Errorf("collections: followers=%q members=%q featured=%q following=%q", a.FollowersURI, a.MembersURI, a.FeaturedURI, a.FollowingURI)
	}
}

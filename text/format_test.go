package text

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

const tagBase = "https://section-a.test/tags/"

// testResolver knows local bob and remote alice@remote.example.
func testResolver(m Mention) (string, bool) {
	switch strings.ToLower(m.Username) + "@" + m.Domain {
	case "bob@":
		return "https://section-a.test/@bob", true
	case "alice@remote.example":
		return "https://remote.example/users/alice", true
	}
	return "", false
}

func mentionHTML(href, user string) string {
	return `<span class="h-card"><a href="` + href + `" class="u-url mention">@<span>` + user + `</span></a></span>`
}

func tagHTML(slug, name string) string {
	return `<a href="` + tagBase + slug + `" class="mention hashtag" rel="tag">#<span>` + name + `</span></a>`
}

func linkHTML(href, prefix, visible, hidden string) string {
	class := ""
	if hidden != "" {
		class = ` class="ellipsis"`
	}
	return `<a href="` + href + `" ` + relTarget + `><span class="invisible">` + prefix + `</span><span` + class + `>` +
		visible + `</span><span class="invisible">` + hidden + `</span></a>`
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		html     string
		mentions []Mention
		tags     []string
		links    []string
	}{
		{name: "empty", in: "", html: ""},
		{name: "blank", in: " \n\n \t", html: ""},
		{name: "plain", in: "Hello world", html: "<p>Hello world</p>"},

		// Paragraphs and newlines.
		{name: "newline becomes br", in: "a\nb", html: "<p>a<br>b</p>"},
		{name: "blank line splits paragraphs", in: "a\n\nb\n \n\n c", html: "<p>a</p><p>b</p><p> c</p>"},
		{name: "CRLF", in: "a\r\nb\r\n\r\nc\rd", html: "<p>a<br>b</p><p>c<br>d</p>"},
		{name: "leading and trailing blank lines", in: "\n\na\n\n", html: "<p>a</p>"},

		// Escaping (C-01: local text is never markup).
		{name: "script escaped", in: "<script>alert(1)</script>",
			html: "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"},
		{name: "attribute breakout escaped", in: `"><img src=x onerror=alert(1)>`,
			html: "<p>&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</p>"},
		{name: "javascript: not linked and defused", in: "javascript:alert(document.cookie)",
			html: "<p>javascript&#58;alert(document.cookie)</p>"},
		{name: "data: not linked", in: "data:text/html,<b>x</b>", html: "<p>data:text/html,&lt;b&gt;x&lt;/b&gt;</p>"},
		{name: "ampersand and quotes", in: `Tom & "Jerry" 'x'`, html: "<p>Tom &amp; &#34;Jerry&#34; &#39;x&#39;</p>"},

		// Mentions.
		{name: "local mention", in: "hi @bob!",
			html:     "<p>hi " + mentionHTML("https://section-a.test/@bob", "bob") + "!</p>",
			mentions: []Mention{{"bob", ""}}},
		{name: "remote mention shows only the user", in: "@alice@Remote.Example, hello",
			html:     "<p>" + mentionHTML("https://remote.example/users/alice", "alice") + ", hello</p>",
			mentions: []Mention{{"alice", "remote.example"}}},
		{name: "remote mention trailing dot excluded", in: "cc @alice@remote.example.",
			html:     "<p>cc " + mentionHTML("https://remote.example/users/alice", "alice") + ".</p>",
			mentions: []Mention{{"alice", "remote.example"}}},
		{name: "unknown mention stays text", in: "hi @nobody and @carol@else.example",
			html: "<p>hi @nobody and @carol@else.example</p>"},
		{name: "mentions deduplicated case-insensitively", in: "@bob @Bob (@bob) @alice@remote.example",
			html: "<p>" + mentionHTML("https://section-a.test/@bob", "bob") + " " +
				mentionHTML("https://section-a.test/@bob", "Bob") + " (" +
				mentionHTML("https://section-a.test/@bob", "bob") + ") " +
				mentionHTML("https://remote.example/users/alice", "alice") + "</p>",
			mentions: []Mention{{"bob", ""}, {"alice", "remote.example"}}},
		{name: "email is not a mention", in: "mail bob@remote.example", html: "<p>mail bob@remote.example</p>"},
		{name: "mention glued to letters is not a mention", in: "@bobé", html: "<p>@bobé</p>"},
		{name: "mention after punctuation", in: "(@bob)",
			html:     "<p>(" + mentionHTML("https://section-a.test/@bob", "bob") + ")</p>",
			mentions: []Mention{{"bob", ""}}},

		// Hashtags.
		{name: "hashtag", in: "#Go is fun",
			html: "<p>" + tagHTML("go", "Go") + " is fun</p>", tags: []string{"Go"}},
		{name: "unicode hashtag", in: "vive l'#écologie!",
			html: "<p>vive l&#39;" + tagHTML("%C3%A9cologie", "écologie") + "!</p>", tags: []string{"écologie"}},
		{name: "hashtags deduplicated keeping first case", in: "#Climat #climat #CLIMAT #Go",
			html: "<p>" + tagHTML("climat", "Climat") + " " + tagHTML("climat", "climat") + " " +
				tagHTML("climat", "CLIMAT") + " " + tagHTML("go", "Go") + "</p>",
			tags: []string{"Climat", "Go"}},
		{name: "C# is not a tag", in: "I like C# and F#", html: "<p>I like C# and F#</p>"},
		{name: "all digits is not a tag", in: "#2024 #1 #2024vote",
			html: "<p>#2024 #1 " + tagHTML("2024vote", "2024vote") + "</p>", tags: []string{"2024vote"}},
		{name: "tag with underscore and digits", in: "#vote_2024",
			html: "<p>" + tagHTML("vote_2024", "vote_2024") + "</p>", tags: []string{"vote_2024"}},
		{name: "tag too long", in: "#" + strings.Repeat("a", 101), html: "<p>#" + strings.Repeat("a", 101) + "</p>"},
		{name: "tag of 100 characters", in: "#" + strings.Repeat("é", 100),
			html: "<p>" + tagHTML(strings.Repeat("%C3%A9", 100), strings.Repeat("é", 100)) + "</p>",
			tags: []string{strings.Repeat("é", 100)}},

		// URLs.
		{name: "url fragment is not a tag", in: "see https://x.org/#frag",
			html:  "<p>see " + linkHTML("https://x.org/#frag", "https://", "x.org/#frag", "") + "</p>",
			links: []string{"https://x.org/#frag"}},
		{name: "trailing punctuation excluded", in: "Go to https://example.org/a. Or http://example.org/b, https://e.org/c!",
			html: "<p>Go to " + linkHTML("https://example.org/a", "https://", "example.org/a", "") + ". Or " +
				linkHTML("http://example.org/b", "http://", "example.org/b", "") + ", " +
				linkHTML("https://e.org/c", "https://", "e.org/c", "") + "!</p>",
			links: []string{"https://example.org/a", "http://example.org/b", "https://e.org/c"}},
		{name: "balanced parentheses kept", in: "(see https://en.wikipedia.org/wiki/Go_(lang))",
			html:  "<p>(see " + linkHTML("https://en.wikipedia.org/wiki/Go_(lang)", "https://", "en.wikipedia.org/wiki/Go_(lang", ")") + ")</p>",
			links: []string{"https://en.wikipedia.org/wiki/Go_(lang)"}},
		{name: "unbalanced parenthesis excluded", in: "(https://example.org/x)",
			html:  "<p>(" + linkHTML("https://example.org/x", "https://", "example.org/x", "") + ")</p>",
			links: []string{"https://example.org/x"}},
		{name: "long url shortened", in: "https://www.example.org/a/very/long/path/beyond/thirty?q=1&r=2",
			html: "<p>" + linkHTML("https://www.example.org/a/very/long/path/beyond/thirty?q=1&amp;r=2", "https://www.",
				"example.org/a/very/long/path/b", "eyond/thirty?q=1&amp;r=2") + "</p>",
			links: []string{"https://www.example.org/a/very/long/path/beyond/thirty?q=1&r=2"}},
		{name: "url quotes and angle brackets stop", in: `<https://e.org/x> "https://e.org/y"`,
			html: "<p>&lt;" + linkHTML("https://e.org/x", "https://", "e.org/x", "") + "&gt; &#34;" +
				linkHTML("https://e.org/y", "https://", "e.org/y", "") + "&#34;</p>",
			links: []string{"https://e.org/x", "https://e.org/y"}},
		{name: "url with mention and tag inside is one link", in: "https://e.org/@bob#top",
			html:  "<p>" + linkHTML("https://e.org/@bob#top", "https://", "e.org/@bob#top", "") + "</p>",
			links: []string{"https://e.org/@bob#top"}},
		{name: "broken url is text up to the next space", in: "https://%zz/@bob #tag",
			html: "<p>https://%zz/@bob " + tagHTML("tag", "tag") + "</p>", tags: []string{"tag"}},
		{name: "scheme without host is text", in: "https:// and http://", html: "<p>https:// and http://</p>"},
		{name: "url glued to a word is text", in: "xhttps://e.org", html: "<p>xhttps://e.org</p>"},
		{name: "uppercase scheme", in: "HTTPS://E.ORG",
			html: "<p>" + linkHTML("HTTPS://E.ORG", "HTTPS://", "E.ORG", "") + "</p>", links: []string{"HTTPS://E.ORG"}},
		{name: "duplicate links listed once", in: "https://e.org https://e.org",
			html:  "<p>" + linkHTML("https://e.org", "https://", "e.org", "") + " " + linkHTML("https://e.org", "https://", "e.org", "") + "</p>",
			links: []string{"https://e.org"}},
		{name: "bidi override ends a url", in: "https://e.org/\u202Egnp.exe",
			html:  "<p>" + linkHTML("https://e.org/", "https://", "e.org/", "") + "\u202Egnp.exe</p>",
			links: []string{"https://e.org/"}},

		// Everything together, over lines.
		{name: "mixed", in: "Hi @bob, #Go news:\nhttps://go.dev/blog\n\ncc @alice@remote.example #go",
			html: "<p>Hi " + mentionHTML("https://section-a.test/@bob", "bob") + ", " + tagHTML("go", "Go") + " news:<br>" +
				linkHTML("https://go.dev/blog", "https://", "go.dev/blog", "") + "</p><p>cc " +
				mentionHTML("https://remote.example/users/alice", "alice") + " " + tagHTML("go", "go") + "</p>",
			mentions: []Mention{{"bob", ""}, {"alice", "remote.example"}},
			tags:     []string{"Go"},
			links:    []string{"https://go.dev/blog"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Format(tt.in, tagBase, testResolver)
			if got.HTML != tt.html {
				t.Errorf("HTML\n got %q\nwant %q", got.HTML, tt.html)
			}
			if !reflect.DeepEqual(got.Mentions, tt.mentions) {
				t.Errorf("Mentions = %#v, want %#v", got.Mentions, tt.mentions)
			}
			if !reflect.DeepEqual(got.Tags, tt.tags) {
				t.Errorf("Tags = %#v, want %#v", got.Tags, tt.tags)
			}
			if !reflect.DeepEqual(got.Links, tt.links) {
				t.Errorf("Links = %#v, want %#v", got.Links, tt.links)
			}
			if err := checkSafeHTML(got.HTML, false); err != nil {
				t.Errorf("unsafe HTML %q: %v", got.HTML, err)
			}
		})
	}
}

// TestFormat_ResolverCalls: the resolver sees each distinct mention once, in
// order, with the domain lowercased.
func TestFormat_ResolverCalls(t *testing.T) {
	var calls []Mention
	Format("@bob @BOB @x@Y.example @x@y.example @bob", tagBase, func(m Mention) (string, bool) {
		calls = append(calls, m)
		return "", false
	})
	want := []Mention{{"bob", ""}, {"x", "y.example"}}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("resolver calls = %#v, want %#v", calls, want)
	}
}

// TestFormat_HostileResolver: a href that is not http(s) is refused, and a
// href with quotes is escaped (C-01, the resolver's data is not trusted
// either).
func TestFormat_HostileResolver(t *testing.T) {
	r := Format("@evil @quote", tagBase, func(m Mention) (string, bool) {
		if m.Username == "evil" {
			return "javascript:alert(1)", true
		}
		return `https://e.org/"><script>`, true
	})
	want := `<p>@evil ` + mentionHTML("https://e.org/&#34;&gt;&lt;script&gt;", "quote") + `</p>`
	if r.HTML != want {
		t.Errorf("HTML\n got %q\nwant %q", r.HTML, want)
	}
	if !reflect.DeepEqual(r.Mentions, []Mention{{"quote", ""}}) {
		t.Errorf("Mentions = %#v", r.Mentions)
	}
}

// TestFormat_SameProfileOnce: two spellings resolving to the same account
// are one mention.
func TestFormat_SameProfileOnce(t *testing.T) {
	r := Format("@bob @bob@section-a.test", tagBase, func(m Mention) (string, bool) {
		return "https://section-a.test/@bob", true
	})
	if !reflect.DeepEqual(r.Mentions, []Mention{{"bob", ""}}) {
		t.Errorf("Mentions = %#v", r.Mentions)
	}
}

func TestFormat_NilResolverAndTagBase(t *testing.T) {
	r := Format("@bob #Tag", "https://s.test/tags", nil)
	want := `<p>@bob <a href="https://s.test/tags/tag" class="mention hashtag" rel="tag">#<span>Tag</span></a></p>`
	if r.HTML != want || r.Mentions != nil {
		t.Errorf("got %q, %#v\nwant %q", r.HTML, r.Mentions, want)
	}
}

// TestCountChars_C07: the length that the 500-character limit applies to.
func TestCountChars_C07(t *testing.T) {
	long := "https://example.org/" + strings.Repeat("x", 100)
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"empty", "", 0},
		{"ascii", "hello", 5},
		{"accents are one character", "écologie", 8},
		{"combining accent", "e\u0301", 1},
		{"url counts 23", long, 23},
		{"short url counts 23", "https://e.org", 23},
		{"url with trailing punctuation", "see " + long + ".", 4 + 23 + 1},
		{"javascript: is text", "javascript:x", 12},
		{"remote mention counts as @user", "@alice@remote.example hi", 6 + 3},
		{"local mention as written", "@bob hi", 7},
		{"hashtag as written", "#écologie", 9},
		{"emoji with skin tone", "👍🏽", 1},
		{"flags", "🇫🇷🇩🇪", 2},
		{"zwj family", "👨‍👩‍👧", 1},
		{"variation selector", "❤️", 1},
		{"CRLF counts once", "a\r\nb", 3},
		{"mixed", "Hi @alice@remote.example see " + long + " 👍🏽", 3 + 6 + 5 + 23 + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CountChars(tt.in); got != tt.want {
				t.Errorf("CountChars(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeTag(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Go", "go"},
		{"#Écologie", "écologie"},
		{"ÉCOLOGIE", "écologie"},
		{"ΣΟΦΙΑ", "σοφια"},
		{"vote_2024", "vote_2024"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeTag(tt.in); got != tt.want {
			t.Errorf("NormalizeTag(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestLinearTime_C07: hostile posts of a few hundred KiB must not take
// quadratic time (CVE-2026-23962: DoS from one post). The bound is generous:
// linear code needs a few milliseconds here, quadratic code minutes.
func TestLinearTime_C07(t *testing.T) {
	const size = 256 << 10
	rep := func(p string) string { return strings.Repeat(p, size/len(p)) }
	inputs := map[string]string{
		"closing parens":   "https://x.org/" + rep(")"),
		"broken urls":      rep("(https://%%"),
		"failing mentions": rep("(@a@bé"),
		"long domain":      "@a@" + rep("b.") + "é",
		"long tag":         "#" + rep("a"),
		"nested tags":      rep("<b><a href=https://x>"),
		"paragraphs":       rep("<br><p>"),
		"javascript":       rep("javascript:"),
		"unclosed svg":     rep("<svg>"),
		"attribute flood":  "<p " + rep("lang=x ") + ">",
		"blank lines":      rep("x\n\n"),
		"emoji zwj":        rep("👨‍👩‍👧"),
		"stray close tags": rep("</b>"),
		"list items":       rep("<ul><li>"),
	}
	for name, in := range inputs {
		start := time.Now()
		SanitizeRemote(in)
		StripHTML(in)
		Format(in, tagBase, testResolver)
		CountChars(in)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: %v", name, d)
		}
	}
}

func TestTagHref(t *testing.T) {
	tests := []struct{ base, name, want string }{
		{"https://s.test/tags/", "Go", "https://s.test/tags/go"},
		{"https://s.test/tags", "#Écologie", "https://s.test/tags/%C3%A9cologie"},
		{"https://s.test/tags/", "a/b?c", "https://s.test/tags/a%2Fb%3Fc"},
	}
	for _, tt := range tests {
		if got := TagHref(tt.base, tt.name); got != tt.want {
			t.Errorf("TagHref(%q, %q) = %q, want %q", tt.base, tt.name, got, tt.want)
		}
	}
}

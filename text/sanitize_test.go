package text

import (
	"strings"
	"sync"
	"testing"
)

const relTarget = `rel="nofollow noopener noreferrer" target="_blank"`

// TestSanitizeRemote_C01 runs the C-01 test vectors (security doc section 4)
// and checks the exact output, so policy changes are deliberate.
func TestSanitizeRemote_C01(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// Scripts and event handlers.
		{"script removed with content", `<p>hi<script>alert(1)</script></p>`, `<p>hi</p>`},
		{"script uppercase", `<SCRIPT SRC=//evil.example/x.js></SCRIPT>ok`, `ok`},
		{"self-closing script still drops its text", `<script/>alert(1)</script>ok`, `ok`},
		{"onerror img", `<img src=x onerror="alert(1)">text`, `text`},
		{"onclick on allowed element", `<p onclick="alert(1)" onmouseover=x>t</p>`, `<p>t</p>`},
		{"attribute breakout", `<p title='"><script>alert(1)</script>'>t</p>`, `<p>t</p>`},
		{"escaped markup stays text", `&lt;script&gt;alert(1)&lt;/script&gt;`, `&lt;script&gt;alert(1)&lt;/script&gt;`},

		// Link schemes.
		{"javascript href", `<a href="javascript:alert(1)">click</a>`, `click`},
		{"javascript href mixed case and spaces", `<a href="  JaVaScRiPt:alert(1)">click</a>`, `click`},
		{"entity-encoded javascript", `<a href="&#106;avascript:alert(1)">x</a>`, `x`},
		{"hex entity javascript", `<a href="&#x6A;&#x61;vascript&colon;alert(1)">x</a>`, `x`},
		{"tab inside scheme", "<a href=\"java\tscript:alert(1)\">x</a>", `x`},
		{"encoded tab inside scheme", `<a href="java&#9;script:alert(1)">x</a>`, `x`},
		{"data href", `<a href="data:text/html;base64,PHNjcmlwdD4=">d</a>`, `d`},
		{"vbscript href", `<a href="vbscript:msgbox(1)">v</a>`, `v`},
		{"relative href becomes text", `<a href="/users/x">rel</a>`, `rel`},
		{"a without href becomes text", `<a name="x">anchor</a>`, `anchor`},
		{"unsafe link keeps inner markup", `<a href="javascript:x"><b>bold</b></a>`, `<b>bold</b>`},
		{"https link gets rel and target", `<a href="https://example.org/">x</a>`,
			`<a href="https://example.org/" ` + relTarget + `>x</a>`},
		{"remote rel and target replaced", `<a href="https://e.org" rel="opener" target="_self">x</a>`,
			`<a href="https://e.org" ` + relTarget + `>x</a>`},
		{"other allowed schemes", `<a href="gemini://g.example/">g</a><a href="magnet:?xt=urn:x">m</a>`,
			`<a href="gemini://g.example/" ` + relTarget + `>g</a><a href="magnet:?xt=urn:x" ` + relTarget + `>m</a>`},
		{"mailto is not in Mastodon's list", `<a href="mailto:a@b.example">mail</a>`, `mail`},
		{"nested links keep the outer one", `<a href="https://a.example">a<a href="https://b.example">b</a></a>`,
			`<a href="https://a.example" ` + relTarget + `>ab</a>`},

		// Dangerous containers.
		{"svg removed with content", `<svg onload=alert(1)><svg></svg><a href="https://x">in</a></svg>after`, `after`},
		{"self-closing svg", `<svg/>after`, `after`},
		{"style removed with content", `<style>body{display:none}</style>t`, `t`},
		{"iframe removed with content", `<iframe src="https://evil.example">fallback</iframe>t`, `t`},
		{"math removed", `<math><mi>x</mi></math>t`, `t`},
		{"object and embed", `<object data="x.swf"><param name=a></object><embed src="x">t`, `t`},
		{"form elements", `<form action="https://e"><input value="v"><button>b</button></form>`, `b`},
		{"stray end tag of a dropped container", `</iframe>a<iframe>b</iframe>c`, `ac`},
		{"void frame keeps what follows", `<frame src="x">hello`, `hello`},
		{"comment dropped", `a<!-- <script>alert(1)</script> -->b`, `ab`},
		// Outside SVG, browsers read CDATA as a bogus comment ending at the first ">".
		{"cdata is a bogus comment", `a<![CDATA[<script>]]>b`, `a]]&gt;b`},

		// Structure.
		{"unclosed tags are closed", `<p><b><i>text`, `<p><b><i>text</i></b></p>`},
		{"stray end tags dropped", `</b></p></a>text`, `text`},
		{"misnested tags", `<b><i>x</b>y</i>`, `<b><i>x</i></b>y`},
		{"p closes p", `<p>a<p>b`, `<p>a</p><p>b</p>`},
		{"li closes li", `<ul><li>a<li>b</ul>`, `<ul><li>a</li><li>b</li></ul>`},
		{"br forms", `a<br>b<br/>c</br>d`, `a<br>b<br>c<br>d`},
		{"div becomes space", `<div>a</div><div>b</div>`, ` a  b `},
		{"unknown tag keeps text", `<blink>hi</blink><custom-el>x</custom-el>`, `hix`},

		// Attributes.
		{"id removed (DOM clobbering)", `<p id="x" name="y">t</p>`, `<p>t</p>`},
		{"style removed", `<span style="position:fixed">t</span>`, `<span>t</span>`},
		{"lang kept", `<p lang="fr">t</p><code lang="en-GB">c</code>`, `<p lang="fr">t</p><code lang="en-GB">c</code>`},
		{"bad lang dropped", `<p lang="fr&quot;onclick">t</p>`, `<p>t</p>`},
		{"ol start reversed li value", `<ol start="3" reversed><li value="7">a</li></ol>`,
			`<ol start="3" reversed><li value="7">a</li></ol>`},
		{"non-numeric start dropped", `<ol start="x"><li value="1e3">a</li></ol>`, `<ol><li>a</li></ol>`},
		{"translate=no kept, other values dropped", `<span translate="no">a</span><span translate="yes">b</span>`,
			`<span translate="no">a</span><span>b</span>`},
		{"translate value is case-insensitive", `<a href="https://e.org" translate="NO">a</a>`,
			`<a href="https://e.org" ` + relTarget + ` translate="no">a</a>`},
		{"first of duplicate attributes wins", `<span class="evil" class="h-card" lang="fr" lang="de">t</span>`,
			`<span lang="fr">t</span>`},
		{"unsafe link with allowed attributes becomes text", `<a href="javascript:x" class="mention" lang="en">t</a>`, `t`},
		{"unsafe link's end tag matched before a safe inner link", `<a href="javascript:x"><a href="https://b.example">b</a>c</a>d`,
			`<a href="https://b.example" ` + relTarget + `>b</a>cd`},

		// Classes (Mastodon's CLASS_WHITELIST_TRANSFORMER).
		{"allowed classes kept, others dropped",
			`<span class="h-card evil invisible ellipsis x-y">s</span>`,
			`<span class="h-card invisible ellipsis">s</span>`},
		{"mention link", `<span class="h-card"><a href="https://r.example/@bob" class="u-url mention">@<span>bob</span></a></span>`,
			`<span class="h-card"><a href="https://r.example/@bob" ` + relTarget + ` class="u-url mention">@<span>bob</span></a></span>`},
		{"hashtag link", `<a href="https://r.example/tags/go" class="mention hashtag status-link" rel="tag">#<span>go</span></a>`,
			`<a href="https://r.example/tags/go" ` + relTarget + ` class="mention hashtag">#<span>go</span></a>`},
		{"p microformat class", `<p class="e-content p-name big">t</p>`, `<p class="e-content p-name">t</p>`},
		{"class on element without class allowed", `<b class="mention">t</b>`, `<b>t</b>`},
		{"class with quote dropped", `<span class='h-x"y'>t</span>`, `<span>t</span>`},

		// Headings (Mastodon's UNSUPPORTED_ELEMENTS_TRANSFORMER).
		{"h1 becomes bold paragraph", `<h1 id="top">Title</h1>text`, `<p><strong>Title</strong></p>text`},
		{"h3 inside p closes p", `<p>a<h3>T</h3>b</p>`, `<p>a</p><p><strong>T</strong></p>b`},
		{"heading closed by other heading level", `<h2>T</h4>x`, `<p><strong>T</strong></p>x`},
		{"unclosed heading", `<h6>T`, `<p><strong>T</strong></p>`},

		// Text.
		{"entities re-escaped", `<p>a &amp; b &lt; c &quot;d&quot; &#39;e&#39;</p>`, `<p>a &amp; b &lt; c &#34;d&#34; &#39;e&#39;</p>`},
		{"javascript: in text defused", `<p>javascript:alert(1)</p>`, `<p>javascript&#58;alert(1)</p>`},
		{"javascript: in https query defused", `<a href="https://e.org/?u=javascript:x">l</a>`,
			`<a href="https://e.org/?u=javascript&#58;x" ` + relTarget + `>l</a>`},
		{"javascript: split by a dropped tag", `java<x>script:`, `javascript&#58;`},
		{"javascript: split by an unsafe link", `java<a href="data:x">script:</a>`, `javascript&#58;`},
		{"javascript: split by a stray end tag", `java</b>script:`, `javascript&#58;`},
		{"invalid UTF-8 replaced", "a\xffb", "a\uFFFDb"},
		{"NUL removed", "a\x00b", "ab"},
		{"empty", ``, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SanitizeRemote(tt.in)
			if got != tt.want {
				t.Errorf("SanitizeRemote(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if err := checkSafeHTML(got, true); err != nil {
				t.Errorf("SanitizeRemote(%q) = %q: %v", tt.in, got, err)
			}
		})
	}
}

// TestSanitizeRemote_Idempotent: sanitizing twice changes nothing, so
// sanitizing again at output time (C-03) is harmless.
func TestSanitizeRemote_Idempotent(t *testing.T) {
	inputs := []string{
		`<h1>T</h1><p class="h-entry x">a<br>b <a href="https://e.org/x?a=1&b=2" class="u-url">l</a></p>`,
		`<ul><li>a<li>b</ul><ol start="2" reversed><li value="3">c</ol><pre>  x</pre>`,
		`<p>javascript:alert(1) &lt;b&gt; "q" 'a'</p><span translate="no" lang="de">d</span>`,
		Format("hi @bob #tag https://example.org/a/long/path/beyond/thirty/characters", "https://s.test/tags/",
			func(Mention) (string, bool) { return "https://s.test/@bob", true }).HTML,
	}
	for _, in := range inputs {
		once := SanitizeRemote(in)
		if twice := SanitizeRemote(once); twice != once {
			t.Errorf("not idempotent:\nonce  %q\ntwice %q", once, twice)
		}
	}
}

// TestSanitizeRemote_FormatOutputKept: our own formatted posts survive the
// remote policy with their links, mentions and hashtags intact (what a peer
// running Mastodon's policy sees).
func TestSanitizeRemote_FormatOutputKept(t *testing.T) {
	r := Format("@bob #Go https://example.org/x", "https://s.test/tags/",
		func(Mention) (string, bool) { return "https://s.test/@bob", true })
	got := SanitizeRemote(r.HTML)
	for _, want := range []string{
		`<span class="h-card"><a href="https://s.test/@bob" ` + relTarget + ` class="u-url mention">@<span>bob</span></a></span>`,
		`<a href="https://s.test/tags/go" ` + relTarget + ` class="mention hashtag">#<span>Go</span></a>`,
		`<span class="invisible">https://</span><span>example.org/x</span><span class="invisible"></span>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("sanitized Format output lost %q:\n%s", want, got)
		}
	}
}

// TestSanitizeRemote_DeepNesting: nesting is capped (maxDepth) and the
// result stays well-formed and linear-time.
func TestSanitizeRemote_DeepNesting(t *testing.T) {
	in := strings.Repeat("<b>", 10000) + "x" + strings.Repeat("</b>", 10000)
	got := SanitizeRemote(in)
	if n := strings.Count(got, "<b>"); n != maxDepth {
		t.Errorf("got %d nested <b>, want %d", n, maxDepth)
	}
	if strings.Count(got, "<b>") != strings.Count(got, "</b>") || !strings.Contains(got, "x") {
		t.Errorf("unbalanced output: %.100q…", got)
	}
}

// TestSanitizeRemote_Concurrent: the policy is shared read-only state (run
// with -race to check).
func TestSanitizeRemote_Concurrent(t *testing.T) {
	in := `<p class="h-entry">a <a href="https://e.org">l</a><script>x</script></p>`
	want := SanitizeRemote(in)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if got := SanitizeRemote(in); got != want {
					t.Errorf("concurrent result %q, want %q", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestStripHTML_C03: plain text for notifications, summaries, OpenGraph.
func TestStripHTML_C03(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"paragraphs and br", `<p>Hello<br>world</p><p>Second</p>`, "Hello\nworld\n\nSecond"},
		{"entities decoded", `<p>a &amp; b &lt;c&gt; &quot;d&quot; caf&eacute;</p>`, `a & b <c> "d" café`},
		{"whitespace collapsed", "<p>\n  Hello   <b>big</b>\n  world\n</p>\n<p>x</p>", "Hello big world\n\nx"},
		{"nbsp kept", `a&nbsp;b`, "a\u00a0b"},
		{"script and style dropped", `<p>t<script>alert(1)</script><style>p{}</style></p>`, "t"},
		{"svg dropped", `a<svg><text>no</text></svg>b`, "ab"},
		{"mention markup flattened", `<p><span class="h-card"><a href="https://x/@bob" class="u-url mention">@<span>bob</span></a></span> hi</p>`, "@bob hi"},
		{"list items on lines", `<ul><li>one</li><li>two</li></ul><p>after</p>`, "one\ntwo\n\nafter"},
		{"heading", `<h1>Title</h1>body`, "Title\n\nbody"},
		{"pre keeps spaces", "<pre>a  b\n  c</pre>", "a  b\n  c"},
		{"many blank lines collapsed", `a<br><br><br><br>b`, "a\n\nb"},
		{"unclosed and broken markup", `<p><b>x <i`, "x"},
		{"plain text passes", `just text`, "just text"},
		{"empty", ``, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StripHTML(tt.in); got != tt.want {
				t.Errorf("StripHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestStripHTML_NoMarkup: tags in the input never appear in the output (only
// text the input escaped, like "&lt;", can bring back a '<').
func TestStripHTML_NoMarkup(t *testing.T) {
	in := `<p onclick="x">a<img src=x onerror=alert(1)><a href="javascript:y">b</a><iframe>c</iframe></p>`
	got := StripHTML(in)
	if got != "ab" {
		t.Errorf("StripHTML(%q) = %q, want %q", in, got, "ab")
	}
}

package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Run with (and the same for FuzzFormat):
//
//	go test ./text/ -run '^$' -fuzz FuzzSanitizeRemote -fuzztime 10s -fuzzminimizetime 50x
//
// Without -fuzzminimizetime, minimizing new inputs eats most of a short run.

var fuzzSeeds = []string{
	``,
	`<p>hello <b>world</b></p>`,
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`"><img src=x onerror=alert(1)>`,
	`<a href="javascript:alert(1)">x</a>`,
	`<a href="&#106;avascript:alert(1)">x</a>`,
	`<a href="java&#9;script:alert(1)">x</a>`,
	`<a href="data:text/html,<script>alert(1)</script>">x</a>`,
	`<svg><script>alert(1)</script></svg>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
	`<style><a href="</style><script>alert(1)</script>">`,
	`<h1 id=x class="h-card evil">T</h1><ol start=3 reversed><li value=2>a`,
	`<span class="h-card"><a href="https://e.org/@u" class="u-url mention">@<span>u</span></a></span>`,
	"Hi @bob and @alice@remote.example #écologie #2024 C# https://x.org/#frag (https://e.org/a_(b)).\n\nnext",
	"javascript:alert(1) JAVASCRIPT:x <script>",
	"@a@b.c@d #_ #x\u0301 https://e.org/\u202Eexe",
	"a\xff\x00b\r\n\r\nc",
}

func FuzzSanitizeRemote(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := SanitizeRemote(in)
		lower := strings.ToLower(out)
		if strings.Contains(lower, "<script") || strings.Contains(lower, "javascript:") {
			t.Fatalf("SanitizeRemote(%q) = %q", in, out)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("SanitizeRemote(%q) = %q: invalid UTF-8", in, out)
		}
		if err := checkSafeHTML(out, true); err != nil {
			t.Fatalf("SanitizeRemote(%q) = %q: %v", in, out, err)
		}
		if again := SanitizeRemote(out); again != out {
			t.Fatalf("not idempotent for %q:\nonce  %q\ntwice %q", in, out, again)
		}
		if s := StripHTML(in); !utf8.ValidString(s) {
			t.Fatalf("StripHTML(%q) = %q: invalid UTF-8", in, s)
		}
	})
}

func FuzzFormat(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	resolve := func(m Mention) (string, bool) {
		// Unknown accounts must stay text; known ones get linked.
		if len(m.Username)%2 == 0 {
			return "", false
		}
		return "https://s.test/@" + m.Username, true
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := Format(in, tagBase, resolve)
		lower := strings.ToLower(r.HTML)
		if strings.Contains(lower, "<script") || strings.Contains(lower, "javascript:") {
			t.Fatalf("Format(%q).HTML = %q", in, r.HTML)
		}
		if !utf8.ValidString(r.HTML) {
			t.Fatalf("Format(%q).HTML = %q: invalid UTF-8", in, r.HTML)
		}
		if err := checkSafeHTML(r.HTML, false); err != nil {
			t.Fatalf("Format(%q).HTML = %q: %v", in, r.HTML, err)
		}
		for _, l := range r.Links {
			if !isHTTPURL(l) {
				t.Fatalf("Format(%q) link %q is not http(s)", in, l)
			}
		}
		for _, tag := range r.Tags {
			if tag == "" || utf8.RuneCountInString(tag) > maxTagLen {
				t.Fatalf("Format(%q) tag %q", in, tag)
			}
		}
		// Every linked mention, tag and URL opens exactly one <a>.
		if n, want := strings.Count(r.HTML, "<a "), strings.Count(r.HTML, "</a>"); n != want {
			t.Fatalf("Format(%q).HTML has %d <a> and %d </a>", in, n, want)
		}
		// A URL is at least 8 characters ("http://x") and counts 23.
		urls := strings.Count(r.HTML, `target="_blank"`)
		if n := CountChars(in); n < 0 || n > utf8.RuneCountInString(in)+(urlCharCost-8)*urls {
			t.Fatalf("CountChars(%q) = %d", in, n)
		}
	})
}

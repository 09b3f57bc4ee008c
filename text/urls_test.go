package text

import "testing"

// Issue 12 (hygiene): URLs from remote documents are absolute http(s) URLs
// without whitespace or control characters, or they are dropped.
func TestSafeURL(t *testing.T) {
	keep := []string{
		"https://example.org/@bob/1",
		"http://example.org:8080/a?b=c#d",
		"https://exämple.org/é",
	}
	for _, u := range keep {
		if got := SafeURL(u); got != u {
			t.Errorf("SafeURL(%q) = %q, want it kept", u, got)
		}
	}
	drop := []string{
		"", "javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>", "/relative/path", "//example.org/x",
		"ftp://example.org/x", "https://", "https:///path", "https://example.org/a b", "https://example.org/a\r\nX-EVIL:1",
		"https://example.org/a\nDESCRIPTION:evil", "https://example.org/\x00", "https://example.org/\t", "https://exa\u00a0mple.org/",
		"https://example.org/\u2028", "https://example.org/\x7f", " https://example.org/", "https://ex\"ample.org/",
		"https://example.org/" + string(make([]byte, 3000)),
	}
	for _, u := range drop {
		if got := SafeURL(u); got != "" {
			t.Errorf("SafeURL(%q) = %q, want it dropped", u, got)
		}
	}
}

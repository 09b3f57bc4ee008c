package text

import (
	"net/url"
	"strings"
	"unicode"
)

// maxURLBytes bounds what we keep of a remote link; no real link is longer.
const maxURLBytes = 2048

// SafeURL returns raw when it is an absolute http(s) URL with a host and
// without whitespace or control characters, and "" otherwise. Every URL
// taken from a remote document goes through it before it is stored: such
// URLs end up in href attributes, redirects, RSS and iCalendar feeds, where
// a "javascript:" scheme or a CR/LF would turn a link into code or into
// extra feed properties.
func SafeURL(raw string) string {
	if raw == "" || len(raw) > maxURLBytes {
		return ""
	}
	for _, r := range raw {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ""
		}
	}
	lower := strings.ToLower(raw)
	if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	if u.Hostname() == "" || strings.ContainsAny(u.Host, `"'<>\`) {
		return ""
	}
	return raw
}

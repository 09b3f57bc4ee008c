package text

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file finds URLs, mentions and hashtags in plain text. Format and
// CountChars share it so the HTML and the length count always agree on what
// is a link or a mention.

type entityKind int

const (
	entURL entityKind = iota + 1
	entMention
	entTag
)

// entity is one URL, mention or hashtag found in the text.
type entity struct {
	kind       entityKind
	start, end int    // byte offsets of the whole entity ("@bob@x.org", "#tag")
	url        string // entURL: the link (= text[start:end])
	name       string // entTag: tag name without '#'; entMention: username
	domain     string // entMention: lowercased domain, "" for a local mention
}

// maxTagLen is the longest hashtag name, in characters, that we link.
const maxTagLen = 100

// maxDomainLen is the longest DNS name.
const maxDomainLen = 253

// scan returns the entities of s from left to right. Entities never overlap;
// none contains whitespace, so scanning a line or a whole text is the same.
func scan(s string) []entity {
	var out []entity
	prev := rune(-1) // the rune before i; -1 at the start of the text
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var (
			e  entity
			ok bool
		)
		switch r {
		case 'h', 'H':
			if urlMayStartAfter(prev) {
				var skip int
				e, ok, skip = scanURL(s, i)
				if !ok && skip > i {
					// A broken URL ("https://%zz…") is text up to the next
					// space; looking for entities inside it again would
					// make scanning quadratic ("(https://%(https://%…").
					prev, _ = utf8.DecodeLastRuneInString(s[:skip])
					i = skip
					continue
				}
			}
		case '@':
			if mentionMayStartAfter(prev) {
				e, ok = scanMention(s, i)
			}
		case '#':
			if tagMayStartAfter(prev) {
				e, ok = scanTag(s, i)
			}
		}
		if ok {
			out = append(out, e)
			prev, _ = utf8.DecodeLastRuneInString(s[:e.end])
			i = e.end
			continue
		}
		prev = r
		i += size
	}
	return out
}

// isWordRune is Ruby's [[:word:]], which Mastodon's regexes use.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// urlMayStartAfter: "foohttps://" or "@https://" are not links.
func urlMayStartAfter(prev rune) bool {
	return prev < 0 || !(isWordRune(prev) || strings.ContainsRune("@$#/", prev))
}

// mentionMayStartAfter: "bob@example.org" (an e-mail address) and
// "https://x.org/@bob" are not mentions. (Mastodon: (?<![=/[:word:]])@.)
func mentionMayStartAfter(prev rune) bool {
	return prev < 0 || !(isWordRune(prev) || prev == '/' || prev == '=')
}

// tagMayStartAfter: "C#", "x.org/#frag", "a=#b" are not hashtags.
// (Mastodon: (?<![=/)\p{Alnum}])#.)
func tagMayStartAfter(prev rune) bool {
	return prev < 0 || !(isWordRune(prev) || strings.ContainsRune("/=)&", prev))
}

// scanURL reads an http(s) URL starting at i. The URL runs up to whitespace;
// trailing punctuation is left out unless it closes a bracket opened in the
// URL ("https://en.wikipedia.org/wiki/Go_(language)"). When s has an
// "http(s)://" prefix at i but no valid URL, skip is where that word ends.
func scanURL(s string, i int) (e entity, ok bool, skip int) {
	rest := s[i:]
	if !hasPrefixFoldASCII(rest, "https://") && !hasPrefixFoldASCII(rest, "http://") {
		return entity{}, false, 0
	}
	end := i
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if urlStopRune(r) {
			break
		}
		end += size
	}
	u := trimURLPunct(s[i:end])
	if !isHTTPURL(u) {
		return entity{}, false, end
	}
	return entity{kind: entURL, start: i, end: i + len(u), url: u}, true, 0
}

// urlStopRune ends a URL: whitespace, controls, invisible formatting
// characters (a U+202E inside a link could disguise where it goes, C-06),
// and the characters people put around URLs in plain text.
func urlStopRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
		r == utf8.RuneError || r == '<' || r == '>' || r == '"'
}

func trimURLPunct(u string) string {
	// Bracket balance is counted once and updated as characters are cut, so
	// "https://x/))))…" stays linear.
	open := map[rune]int{')': strings.Count(u, "("), ']': strings.Count(u, "["), '}': strings.Count(u, "{")}
	closed := map[rune]int{')': strings.Count(u, ")"), ']': strings.Count(u, "]"), '}': strings.Count(u, "}")}
	for u != "" {
		r, size := utf8.DecodeLastRuneInString(u)
		switch {
		case strings.ContainsRune(".,;:!?'*", r):
		case r == ')' || r == ']' || r == '}':
			if open[r] >= closed[r] {
				return u // it closes a bracket of the URL
			}
			closed[r]--
		case r == '(' || r == '[' || r == '{':
			return u
		case r >= utf8.RuneSelf && unicode.IsPunct(r):
			// «…» “…” 。 ） and the like end sentences, never URLs.
		default:
			return u
		}
		u = u[:len(u)-size]
	}
	return u
}

// isHTTPURL reports whether u is an absolute http(s) URL with a host.
func isHTTPURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return false
	}
	scheme := strings.ToLower(p.Scheme)
	return scheme == "http" || scheme == "https"
}

// scanMention reads @user or @user@domain starting at i.
func scanMention(s string, i int) (entity, bool) {
	j := i + 1
	for j < len(s) && isUsernameByte(s[j]) {
		j++
	}
	if j == i+1 {
		return entity{}, false
	}
	// "@bobé" is not a mention of "bob": the name goes on in other letters.
	if r, _ := utf8.DecodeRuneInString(s[j:]); j < len(s) && isWordRune(r) {
		return entity{}, false
	}
	e := entity{kind: entMention, start: i, end: j, name: s[i+1 : j]}
	if j < len(s) && s[j] == '@' {
		n := domainLen(s[j+1:])
		if n > maxDomainLen {
			return entity{}, false
		}
		if n > 0 {
			// The domain must also end cleanly ("@bob@x.orgé" is neither).
			if r, _ := utf8.DecodeRuneInString(s[j+1+n:]); j+1+n < len(s) && isWordRune(r) {
				return entity{}, false
			}
			e.domain = strings.ToLower(s[j+1 : j+1+n])
			e.end = j + 1 + n
		}
	}
	return e, true
}

func isUsernameByte(c byte) bool {
	return isAlnumByte(c) || c == '_'
}

// domainLen returns the length of the domain name at the start of s: labels
// of [A-Za-z0-9-] separated by dots. A trailing dot or hyphen is punctuation
// ("write to @bob@example.org." ends at "org"). Unicode domains must be
// written in punycode (xn--…) to be recognised.
func domainLen(s string) int {
	n, pos := 0, 0
	for {
		k := pos
		for k < len(s) && (isAlnumByte(s[k]) || s[k] == '-') {
			k++
		}
		label := strings.TrimRight(s[pos:k], "-")
		if label == "" || label[0] == '-' {
			return n
		}
		n = pos + len(label)
		if pos+len(label) < k {
			return n // we cut trailing hyphens: the name ends here
		}
		if k+1 < len(s) && s[k] == '.' && isAlnumByte(s[k+1]) {
			pos = k + 1
			continue
		}
		return n
	}
}

// scanTag reads #name starting at i. Names are letters (any script), marks,
// digits and underscores, at most maxTagLen characters, and must contain a
// letter, so "#2024" or "#1" are not tags.
func scanTag(s string, i int) (entity, bool) {
	j, count, letter := i+1, 0, false
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if r == utf8.RuneError || !isWordRune(r) {
			break
		}
		letter = letter || unicode.IsLetter(r)
		count++
		j += size
	}
	if !letter || count > maxTagLen {
		return entity{}, false
	}
	return entity{kind: entTag, start: i, end: j, name: s[i+1 : j]}, true
}

func hasPrefixFoldASCII(s, prefix string) bool {
	return len(s) >= len(prefix) && indexFoldASCII(s[:len(prefix)], prefix) == 0
}

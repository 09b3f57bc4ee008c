package text

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mention is an @user (Domain "") or @user@domain written in a post.
// Username is as written; Domain is lowercased.
type Mention struct {
	Username, Domain string
}

// Result is a formatted local post.
type Result struct {
	// HTML is the post as <p> paragraphs (split on blank lines), with single
	// newlines as <br> and all text HTML-escaped. "" for a blank post.
	HTML string
	// Mentions are the mentions that the resolver knew (and that are linked
	// in HTML), in order of appearance, without duplicates: two spellings
	// differing in case, or resolving to the same profile URL, count once.
	// These are the accounts to tag, address and notify.
	Mentions []Mention
	// Tags are the hashtag names without '#', in order, deduplicated
	// case-insensitively, each in the case of its first occurrence.
	Tags []string
	// Links are the http(s) URLs found, in order, without duplicates.
	Links []string
}

// MentionResolver maps a mention to the account's profile URL (the href of
// the mention link). ok=false means the account is unknown: the mention then
// stays plain text, is not linked and is not in Result.Mentions. Format calls
// it once per distinct mention (compared case-insensitively), in order, so
// the resolver can also be used to collect candidates (e.g. for WebFinger).
// A href that is not an absolute http(s) URL is treated as unknown.
type MentionResolver func(m Mention) (href string, ok bool)

// urlDisplayLen is how many characters of a long URL are shown (Mastodon).
const urlDisplayLen = 30

// Format turns the plain text of a local post into safe HTML, as Mastodon
// does with status text:
//
//   - http(s) URLs become <a href="…" rel="nofollow noopener noreferrer"
//     target="_blank">. The link text uses Mastodon's display trick so
//     clients show the same thing as for Mastodon posts:
//     <span class="invisible">https://www.</span><span class="ellipsis">
//     first 30 characters</span><span class="invisible">rest</span>; when the
//     URL (without scheme and "www.") fits in 30 characters, the middle span
//     has no class and the last one is empty. Other schemes
//     (javascript:, data:…) are never linked.
//   - @user and @user@domain become <span class="h-card"><a href="PROFILE"
//     class="u-url mention">@<span>user</span></a></span> when resolve knows
//     the account (remote mentions show only @user, like Mastodon).
//   - #tag becomes <a href="TAGBASE+tag" class="mention hashtag"
//     rel="tag">#<span>Tag</span></a>; the href uses the normalized
//     (lowercase, percent-encoded) name so all spellings share one tag page,
//     the visible text keeps the author's case (see TagHref).
//
// All other text is HTML-escaped, with "javascript:" written as
// "javascript&#58;" as in SanitizeRemote. resolve may be nil (no mention is
// linked).
func Format(src string, tagBase string, resolve MentionResolver) Result {
	f := formatter{
		tagBase:  tagBase,
		resolve:  resolve,
		resolved: map[string]resolution{},
		hrefs:    map[string]bool{},
		tags:     map[string]bool{},
		links:    map[string]bool{},
	}
	for _, para := range paragraphs(normalizeText(src)) {
		f.b.WriteString("<p>")
		for i, line := range para {
			if i > 0 {
				f.b.WriteString("<br>")
			}
			f.line(line)
		}
		f.b.WriteString("</p>")
	}
	// Pieces are escaped one by one, so a "javascript:" split across a
	// mention and the text after it ("@JAVASCRIPT:") would survive: defuse
	// the whole result once more.
	f.res.HTML = defuseScheme(f.b.String())
	return f.res
}

// normalizeText makes line ends "\n" and the text valid UTF-8 without NULs.
func normalizeText(s string) string {
	s = cleanInput(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// paragraphs splits text into paragraphs of lines; lines holding only
// whitespace separate paragraphs and are dropped.
func paragraphs(s string) [][]string {
	var (
		out  [][]string
		cur  []string
		save = func() {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
		}
	)
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			save()
			continue
		}
		cur = append(cur, line)
	}
	save()
	return out
}

type resolution struct {
	href string
	ok   bool
}

type formatter struct {
	b        strings.Builder
	res      Result
	tagBase  string
	resolve  MentionResolver
	resolved map[string]resolution // by lowercased "user@domain"
	hrefs    map[string]bool       // profile URLs already in res.Mentions
	tags     map[string]bool       // normalized tag names already in res.Tags
	links    map[string]bool
}

// line writes one line of text with its entities turned into links.
func (f *formatter) line(s string) {
	last := 0
	for _, e := range scan(s) {
		f.b.WriteString(escape(s[last:e.start]))
		last = e.end
		switch e.kind {
		case entURL:
			f.link(e.url)
		case entTag:
			f.tag(e.name)
		case entMention:
			if !f.mention(e.name, e.domain) {
				f.b.WriteString(escape(s[e.start:e.end]))
			}
		}
	}
	f.b.WriteString(escape(s[last:]))
}

func (f *formatter) link(u string) {
	if !f.links[u] {
		f.links[u] = true
		f.res.Links = append(f.res.Links, u)
	}
	prefix := urlPrefix(u)
	visible, hidden := splitRunes(u[len(prefix):], urlDisplayLen)
	class := ""
	if hidden != "" {
		class = ` class="ellipsis"`
	}
	f.b.WriteString(`<a href="` + escape(u) + `" rel="` + linkRel + `" target="_blank">` +
		`<span class="invisible">` + escape(prefix) + `</span>` +
		`<span` + class + `>` + escape(visible) + `</span>` +
		`<span class="invisible">` + escape(hidden) + `</span></a>`)
}

// urlPrefix is the part Mastodon hides: the scheme and a "www.".
func urlPrefix(u string) string {
	n := len("http://")
	if hasPrefixFoldASCII(u, "https://") {
		n = len("https://")
	}
	if hasPrefixFoldASCII(u[n:], "www.") {
		n += len("www.")
	}
	return u[:n]
}

// splitRunes splits s after n characters (never inside a UTF-8 sequence).
func splitRunes(s string, n int) (head, tail string) {
	i := 0
	for range n {
		if i >= len(s) {
			return s, ""
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i], s[i:]
}

func (f *formatter) tag(name string) {
	norm := NormalizeTag(name)
	if !f.tags[norm] {
		f.tags[norm] = true
		f.res.Tags = append(f.res.Tags, name)
	}
	href := TagHref(f.tagBase, name)
	f.b.WriteString(`<a href="` + escape(href) + `" class="mention hashtag" rel="tag">#<span>` +
		escape(name) + `</span></a>`)
}

// mention writes a linked mention and reports true if the account is known.
func (f *formatter) mention(user, domain string) bool {
	m := Mention{Username: user, Domain: domain}
	key := strings.ToLower(user) + "@" + domain
	r, seen := f.resolved[key]
	if !seen {
		if f.resolve != nil {
			r.href, r.ok = f.resolve(m)
		}
		// The href goes into our HTML: only a real web link is acceptable.
		if r.ok && !isHTTPURL(r.href) {
			r = resolution{}
		}
		f.resolved[key] = r
		if r.ok && !f.hrefs[r.href] {
			f.hrefs[r.href] = true
			f.res.Mentions = append(f.res.Mentions, m)
		}
	}
	if !r.ok {
		return false
	}
	f.b.WriteString(`<span class="h-card"><a href="` + escape(r.href) + `" class="u-url mention">@<span>` +
		escape(user) + `</span></a></span>`)
	return true
}

// urlCharCost is what every URL counts for the length limit, whatever its
// real length (Mastodon's StatusLengthValidator::URL_PLACEHOLDER).
const urlCharCost = 23

// CountChars counts the characters of a post's text for the length limit
// (C-07) as Mastodon does: every http(s) URL counts as 23 characters, a remote
// mention @user@domain counts only as @user, and characters are user-perceived
// characters: an emoji with skin tone, a flag, or a letter with combining
// accents count as one (an approximation of Unicode grapheme clusters that is
// exact for these common cases). "\r\n" counts as one. The content warning
// (summary) is not included: Mastodon adds its length separately.
func CountChars(src string) int {
	s := normalizeText(src)
	var b strings.Builder
	last := 0
	for _, e := range scan(s) {
		switch e.kind {
		case entURL:
			b.WriteString(s[last:e.start])
			b.WriteString(strings.Repeat("x", urlCharCost))
			last = e.end
		case entMention:
			b.WriteString(s[last:e.start])
			b.WriteString("@" + e.name)
			last = e.end
		}
	}
	b.WriteString(s[last:])
	return graphemeCount(b.String())
}

// graphemeCount approximates the number of grapheme clusters: combining
// marks, variation selectors, emoji modifiers and tag characters join the
// previous character, a zero-width joiner joins the next one to it, and
// regional indicators pair up into flags.
func graphemeCount(s string) int {
	n := 0
	joinNext := false // previous rune was a ZWJ
	flagHalf := false // previous rune was the first half of a flag
	for _, r := range s {
		isRI := r >= 0x1F1E6 && r <= 0x1F1FF
		switch {
		case n > 0 && joinNext:
			joinNext = r == 0x200D
		case n > 0 && r == 0x200D:
			joinNext = true
		case n > 0 && extendsPrevious(r):
		case isRI && flagHalf:
			flagHalf = false
			continue
		default:
			n++
		}
		flagHalf = isRI && !flagHalf
	}
	return n
}

func extendsPrevious(r rune) bool {
	return unicode.IsMark(r) || // accents; variation selectors are Mn too
		r >= 0x1F3FB && r <= 0x1F3FF || // emoji skin tones
		r >= 0xE0020 && r <= 0xE007F // emoji tag sequences (subdivision flags)
}

// TagHref is the tag page URL Format links to: tagBase (a "/" is added if
// missing) followed by the normalized, percent-encoded name. Use it for the
// href of ActivityPub Hashtag objects too, so HTML and tags agree.
func TagHref(tagBase, name string) string {
	if tagBase != "" && !strings.HasSuffix(tagBase, "/") {
		tagBase += "/"
	}
	return tagBase + url.PathEscape(NormalizeTag(name))
}

// NormalizeTag returns the form of a hashtag name used as its id and for
// lookups: without a leading '#' and lowercased (Unicode-aware, so
// "#Écologie" → "écologie"). Accents are not folded: unlike Mastodon,
// "ecologie" and "écologie" are different tags.
func NormalizeTag(name string) string {
	name = strings.TrimPrefix(strings.TrimSpace(cleanInput(name)), "#")
	return strings.ToLower(name)
}

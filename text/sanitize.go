package text

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// The sanitizer is an allowlist: the output is rebuilt from scratch out of
// the few elements and attributes below, with every text and attribute value
// escaped again. Nothing from the input is copied through verbatim, so markup
// the tokenizer and a browser would read differently cannot survive.
//
// The policy is Mastodon's MASTODON_STRICT (lib/sanitize_ext/sanitize_config.rb),
// see security doc C-01. It lives in package-level read-only maps, so it is
// built once and safe for concurrent use.

// allowedElements are the elements kept as they are (minus disallowed attributes).
var allowedElements = map[string]bool{
	"p": true, "br": true, "span": true, "a": true, "del": true, "s": true,
	"pre": true, "blockquote": true, "code": true, "b": true, "strong": true,
	"u": true, "i": true, "em": true, "ul": true, "ol": true, "li": true,
	"ruby": true, "rt": true, "rp": true,
}

// dropWithContent are elements removed together with everything inside them:
// their content is code, styling or embedded documents, never post text.
var dropWithContent = map[string]bool{
	"script": true, "style": true, "template": true, "iframe": true,
	"object": true, "applet": true, "noembed": true, "noframes": true,
	"noscript": true, "plaintext": true, "xmp": true, "svg": true,
	"math": true, "title": true, "textarea": true, "select": true,
}

// rawTextElements are the elements after which the tokenizer reads raw text
// even when the start tag is written self-closing ("<script/>"), so for them a
// self-closing tag still starts skipped content.
var rawTextElements = map[string]bool{
	"iframe": true, "noembed": true, "noframes": true, "noscript": true,
	"plaintext": true, "script": true, "style": true, "textarea": true,
	"title": true, "xmp": true,
}

// blockElements are dropped, but like the Ruby Sanitize gem we put a space in
// their place so "<div>a</div><div>b</div>" does not become "ab".
var blockElements = map[string]bool{
	"address": true, "article": true, "aside": true, "dd": true, "div": true,
	"dl": true, "dt": true, "figcaption": true, "figure": true, "footer": true,
	"header": true, "hgroup": true, "hr": true, "main": true, "nav": true,
	"section": true, "table": true, "tr": true, "td": true, "th": true,
	"caption": true, "details": true, "summary": true,
}

// linkSchemes are the href schemes kept on <a> (Mastodon's LINK_PROTOCOLS).
// Any other link, including relative ones, is replaced by its text.
var linkSchemes = map[string]bool{
	"http": true, "https": true, "dat": true, "dweb": true, "ipfs": true,
	"ipns": true, "ssb": true, "gopher": true, "xmpp": true, "magnet": true,
	"gemini": true,
}

// linkRel is set on every link we output. noopener/noreferrer stop the opened
// page from reaching back (window.opener) or learning where the reader was.
const linkRel = "nofollow noopener noreferrer"

// maxDepth bounds element nesting in the output. Deeper tags are dropped (their
// text is kept) so a hostile post cannot make clients recurse thousands of
// levels deep.
const maxDepth = 64

// openElem is one element open in the output.
type openElem struct {
	src string   // tag name in the input, matched against end tags
	out []string // tags we wrote for it, closed in reverse order
}

type sanitizer struct {
	b     strings.Builder
	stack []openElem
	// skip is the element whose content is being dropped, skipDepth how many
	// of them are open (an <svg> may contain another <svg>).
	skip      string
	skipDepth int
}

// SanitizeRemote cleans HTML received over federation with Mastodon's strict
// policy (security doc C-01): only p br span a del s pre blockquote code b
// strong u i em ul ol li ruby rt rp are kept; attributes lang (all),
// a[href rel class translate], span[class translate], ol[start reversed],
// li[value], p[class]; classes are filtered to microformats (h-, p-, u-, dt-,
// e-), mention, hashtag, ellipsis and invisible. h1–h6 become
// <p><strong>…</strong></p>. Links whose scheme is not http, https, dat,
// dweb, ipfs, ipns, ssb, gopher, xmpp, magnet or gemini are replaced by their
// content. Every <a> gets rel="nofollow noopener noreferrer" and
// target="_blank" (a rel sent by the remote is replaced). id, style and on*
// attributes never pass. script, style, svg, iframe and similar are removed
// with their content; other unknown tags are removed and their text kept.
//
// The output is always well-formed: every element is closed, stray end tags
// are dropped. Text and attribute values are escaped again, and the colon of
// any "javascript:" is written "&#58;" (browsers show the same text), so the
// output never contains "<script" or "javascript:". Use it on every HTML
// output path too, not only at ingest (C-03).
func SanitizeRemote(s string) string {
	s = cleanInput(s)
	z := html.NewTokenizer(strings.NewReader(s))
	var st sanitizer
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // io.EOF: the input is a string, no other error is possible
		}
		tok := z.Token()
		if st.skip != "" {
			st.skipping(tt, tok.Data)
			continue
		}
		switch tt {
		case html.TextToken:
			st.b.WriteString(escape(tok.Data))
		case html.StartTagToken:
			st.start(tok, false)
		case html.SelfClosingTagToken:
			st.start(tok, true)
		case html.EndTagToken:
			st.end(tok.Data)
		}
		// Comments and doctypes are dropped.
	}
	st.closeFrom(0)
	return st.b.String()
}

// cleanInput makes the input valid UTF-8 without NULs, so that every string
// we write out is valid too.
func cleanInput(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}

// skipping handles a token inside dropped content: only tags of the same name
// matter, to find where the dropped element ends.
func (st *sanitizer) skipping(tt html.TokenType, name string) {
	if name != st.skip {
		return
	}
	switch tt {
	case html.StartTagToken:
		st.skipDepth++
	case html.EndTagToken:
		st.skipDepth--
		if st.skipDepth <= 0 {
			st.skip, st.skipDepth = "", 0
		}
	}
}

func (st *sanitizer) start(tok html.Token, selfClosing bool) {
	name := tok.Data
	switch {
	case dropWithContent[name]:
		// "<svg/>" really is empty, but "<script/>" is followed by raw text
		// up to "</script>" (the tokenizer treats it so), which we must drop.
		if selfClosing && !rawTextElements[name] {
			return
		}
		st.skip, st.skipDepth = name, 1
	case name == "br":
		st.b.WriteString("<br>")
	case isHeading(name):
		// Mastodon keeps headings as bold paragraphs instead of giant text.
		st.closeParagraph()
		if st.push(openElem{src: name, out: []string{"p", "strong"}}) {
			st.b.WriteString("<p><strong>")
			st.closeIf(selfClosing, name)
		}
	case name == "a":
		st.startLink(tok)
		st.closeIf(selfClosing, name)
	case allowedElements[name]:
		switch name {
		case "p", "pre", "blockquote", "ul", "ol":
			// A browser closes an open <p> here; do the same so our stack
			// matches the DOM the reader's browser builds.
			st.closeParagraph()
		case "li":
			st.closeListItem()
		}
		if st.push(openElem{src: name, out: []string{name}}) {
			st.b.WriteString("<" + name + attributes(name, tok.Attr) + ">")
			st.closeIf(selfClosing, name)
		}
	case blockElements[name]:
		st.b.WriteString(" ")
	}
	// Anything else (img, video, form, input, unknown tags…) is dropped and
	// its text content kept.
}

// startLink writes an <a> if its href is safe, or else opens an invisible
// placeholder so the link text stays and its </a> still matches.
func (st *sanitizer) startLink(tok html.Token) {
	href, ok := safeHref(attrValue(tok.Attr, "href"))
	// Nested links are invalid HTML (browsers split them); keep only the outer.
	if !ok || st.inside("a") {
		st.push(openElem{src: "a"})
		return
	}
	if st.push(openElem{src: "a", out: []string{"a"}}) {
		st.b.WriteString(`<a href="` + escape(href) + `" rel="` + linkRel + `" target="_blank"` + attributes("a", tok.Attr) + ">")
	}
}

// closeIf closes an element written self-closing ("<p/>"): in our output it
// is simply empty.
func (st *sanitizer) closeIf(selfClosing bool, name string) {
	if selfClosing {
		st.end(name)
	}
}

func (st *sanitizer) push(e openElem) bool {
	if len(st.stack) >= maxDepth {
		return false
	}
	st.stack = append(st.stack, e)
	return true
}

// end closes the innermost open element matching an end tag, and everything
// opened inside it. End tags matching nothing are dropped.
func (st *sanitizer) end(name string) {
	if name == "br" {
		st.b.WriteString("<br>") // browsers read </br> as <br>
		return
	}
	if blockElements[name] {
		st.b.WriteString(" ")
		return
	}
	for i := len(st.stack) - 1; i >= 0; i-- {
		src := st.stack[i].src
		if src == name || (isHeading(src) && isHeading(name)) {
			st.closeFrom(i)
			return
		}
	}
}

// closeFrom closes stack entries i and above.
func (st *sanitizer) closeFrom(i int) {
	for j := len(st.stack) - 1; j >= i; j-- {
		out := st.stack[j].out
		for k := len(out) - 1; k >= 0; k-- {
			st.b.WriteString("</" + out[k] + ">")
		}
	}
	st.stack = st.stack[:i]
}

// closeParagraph closes an open <p> (and what is inside it) before a block
// starts, as the HTML parser does.
func (st *sanitizer) closeParagraph() {
	for i := len(st.stack) - 1; i >= 0; i-- {
		if st.stack[i].src == "p" || isHeading(st.stack[i].src) {
			st.closeFrom(i)
			return
		}
	}
}

// closeListItem closes an open <li> of the current list before a new one.
func (st *sanitizer) closeListItem() {
	for i := len(st.stack) - 1; i >= 0; i-- {
		switch st.stack[i].src {
		case "li":
			st.closeFrom(i)
			return
		case "ul", "ol":
			return
		}
	}
}

func (st *sanitizer) inside(name string) bool {
	for _, e := range st.stack {
		if e.src == name && len(e.out) > 0 {
			return true
		}
	}
	return false
}

func isHeading(name string) bool {
	return len(name) == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6'
}

// safeHref returns the link target if its scheme is allowed. The tokenizer
// has already decoded entities, so "&#106;avascript:" arrives here as
// "javascript:" and is refused.
func safeHref(raw string) (string, bool) {
	// Browsers ignore surrounding whitespace in URLs, so we judge what they see.
	v := strings.TrimSpace(raw)
	if v == "" {
		return "", false
	}
	// url.Parse refuses control characters, which browsers would silently
	// remove ("java\tscript:"), so such hrefs are refused as well.
	u, err := url.Parse(v)
	if err != nil || !linkSchemes[strings.ToLower(u.Scheme)] {
		return "", false
	}
	return v, true
}

// attributes returns the allowed attributes other than href for an element,
// each with a leading space, in a fixed order.
func attributes(elem string, attrs []html.Attribute) string {
	var b strings.Builder
	switch elem {
	case "a", "span", "p":
		if c := filterClasses(attrValue(attrs, "class")); c != "" {
			b.WriteString(` class="` + c + `"`)
		}
	case "ol":
		if v := attrValue(attrs, "start"); isInteger(v) {
			b.WriteString(` start="` + v + `"`)
		}
		if hasAttr(attrs, "reversed") {
			b.WriteString(" reversed")
		}
	case "li":
		if v := attrValue(attrs, "value"); isInteger(v) {
			b.WriteString(` value="` + v + `"`)
		}
	}
	// Mastodon keeps translate only to say "do not translate this" (names, links).
	if (elem == "a" || elem == "span") && strings.EqualFold(attrValue(attrs, "translate"), "no") {
		b.WriteString(` translate="no"`)
	}
	if v := attrValue(attrs, "lang"); isLangTag(v) {
		b.WriteString(` lang="` + v + `"`)
	}
	return b.String()
}

// attrValue returns the first value of an attribute, as browsers use the first
// of duplicates. The tokenizer lowercases attribute names.
func attrValue(attrs []html.Attribute, key string) string {
	for _, a := range attrs {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(attrs []html.Attribute, key string) bool {
	for _, a := range attrs {
		if a.Namespace == "" && a.Key == key {
			return true
		}
	}
	return false
}

// filterClasses keeps the classes Mastodon's CLASS_WHITELIST_TRANSFORMER keeps.
// Class names with other characters than [A-Za-z0-9_-] are dropped too, so a
// class can never carry markup or quotes.
func filterClasses(v string) string {
	var kept []string
	for _, c := range strings.Fields(v) {
		if !isClassName(c) {
			continue
		}
		switch {
		case strings.HasPrefix(c, "h-"), strings.HasPrefix(c, "p-"),
			strings.HasPrefix(c, "u-"), strings.HasPrefix(c, "dt-"),
			strings.HasPrefix(c, "e-"):
			kept = append(kept, c) // microformats
		case c == "mention", c == "hashtag", c == "ellipsis", c == "invisible":
			kept = append(kept, c)
		}
	}
	return strings.Join(kept, " ")
}

func isClassName(c string) bool {
	if len(c) > 64 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if !isAlnumByte(c[i]) && c[i] != '-' && c[i] != '_' {
			return false
		}
	}
	return c != ""
}

// isLangTag accepts BCP 47-shaped values ("en", "pt-BR", "zh-Hant-TW").
func isLangTag(v string) bool {
	if v == "" || len(v) > 35 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !isAlnumByte(v[i]) && v[i] != '-' {
			return false
		}
	}
	return true
}

// isInteger accepts what ol[start] and li[value] mean: a small integer.
func isInteger(v string) bool {
	d := strings.TrimPrefix(v, "-")
	if d == "" || len(d) > 9 {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

func isAlnumByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// escape HTML-escapes text or an attribute value for output between double
// quotes, and also writes the colon of any "javascript:" as "&#58;". A
// browser shows exactly the same text, but the output then never contains the
// literal string, so log scanners, filters and careless later processing
// (C-03: a second rendering path) cannot be tricked by it.
func escape(s string) string {
	return defuseScheme(html.EscapeString(s))
}

func defuseScheme(s string) string {
	const word = "javascript:"
	i := indexFoldASCII(s, word)
	if i < 0 {
		return s
	}
	var b strings.Builder
	for i >= 0 {
		b.WriteString(s[:i+len(word)-1])
		b.WriteString("&#58;")
		s = s[i+len(word):]
		i = indexFoldASCII(s, word)
	}
	b.WriteString(s)
	return b.String()
}

// indexFoldASCII is strings.Index ignoring ASCII case; word must be lowercase.
func indexFoldASCII(s, word string) int {
	for i := 0; i+len(word) <= len(s); i++ {
		match := true
		for j := 0; j < len(word); j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != word[j] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

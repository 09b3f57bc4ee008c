package text

import (
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// SanitizeRemote runs three passes, each re-tokenizing the output of the
// one before with x/net/html (which is also what bluemonday uses):
//
//  1. prepare handles what an allowlist cannot express: it removes dangerous
//     containers (script, style, svg, iframe…) with all their content, turns
//     h1–h6 into <p><strong>, filters class tokens, puts a space where a
//     block element was and keeps only the first of duplicate attributes.
//  2. remotePolicy, a bluemonday policy, is the allowlist: it decides which
//     elements, attributes, attribute values and link schemes stay.
//  3. finish makes the result well-formed and canonical: it balances and
//     caps nesting, turns links that lost their href into plain text, sets
//     rel and target on every link, writes attributes in a fixed order, and
//     escapes all text and values again (defusing "javascript:").
//
// The policy is Mastodon's MASTODON_STRICT (lib/sanitize_ext/sanitize_config.rb),
// see security doc C-01.

// allowedElements are the elements kept (minus disallowed attributes).
var allowedElements = map[string]bool{
	"p": true, "br": true, "span": true, "a": true, "del": true, "s": true,
	"pre": true, "blockquote": true, "code": true, "b": true, "strong": true,
	"u": true, "i": true, "em": true, "ul": true, "ol": true, "li": true,
	"ruby": true, "rt": true, "rp": true,
}

// linkSchemes are the href schemes kept on <a> (Mastodon's LINK_PROTOCOLS).
// Any other link, including relative ones, is replaced by its text.
var linkSchemes = []string{
	"http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp",
	"magnet", "gemini",
}

// Attribute value patterns for the policy. bluemonday matches a pattern
// against the whole value and drops the attribute when it does not match.
var (
	// classPattern: space-separated class names Mastodon's
	// CLASS_WHITELIST_TRANSFORMER keeps: microformats (h-, p-, u-, dt-, e-),
	// mention, hashtag, ellipsis and invisible. prepare has already removed
	// the other names from the value (filterClasses).
	classPattern = regexp.MustCompile(`^` + classToken + `(?: ` + classToken + `)*$`)
	// langPattern: BCP 47-shaped values ("en", "pt-BR", "zh-Hant-TW").
	langPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,35}$`)
	// integerPattern: what ol[start] and li[value] mean, a small integer.
	integerPattern = regexp.MustCompile(`^-?[0-9]{1,9}$`)
	// translatePattern: Mastodon keeps translate only to say "do not
	// translate this" (names, links).
	translatePattern = regexp.MustCompile(`^no$`)
)

const classToken = `(?:(?:h|p|u|dt|e)-[A-Za-z0-9_-]*|mention|hashtag|ellipsis|invisible)`

// remotePolicy is the allowlist core of SanitizeRemote. It is built once and
// only read afterwards; bluemonday policies are safe for concurrent use once
// configured.
var remotePolicy = newRemotePolicy()

func newRemotePolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements(slices.Sorted(maps.Keys(allowedElements))...)
	// bluemonday drops an <a> left without attributes and then skips the next
	// "</a>" it meets, which is not always the matching one when links nest.
	// Keep it: finish replaces every <a> without a usable href by its content
	// and matches end tags itself.
	p.AllowNoAttrs().OnElements("a")

	p.AllowAttrs("lang").Matching(langPattern).Globally()
	p.AllowAttrs("href").OnElements("a")
	// A remote rel is allowed as in Mastodon's policy, but like Mastodon's
	// add_attributes, finish replaces it with linkRel.
	p.AllowAttrs("rel").OnElements("a")
	p.AllowAttrs("class").Matching(classPattern).OnElements("a", "span", "p")
	p.AllowAttrs("translate").Matching(translatePattern).OnElements("a", "span")
	p.AllowAttrs("start").Matching(integerPattern).OnElements("ol")
	p.AllowAttrs("reversed").OnElements("ol")
	p.AllowAttrs("value").Matching(integerPattern).OnElements("li")

	// href must parse with net/url and have one of these schemes; anything
	// else (javascript:, data:, relative URLs, "java\tscript:") is removed.
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowURLSchemes(linkSchemes...)
	// noopener/noreferrer stop the opened page from reaching back
	// (window.opener) or learning where the reader was. bluemonday adds
	// target="_blank" only to links with a host (not magnet: or xmpp:);
	// finish adds it to every link and normalizes rel to linkRel.
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)

	// prepare removes dangerous containers with proper nesting (see
	// dropWithContent); the ones still on bluemonday's default skip list
	// never reach it. bluemonday's skipping is one counter that a stray end
	// tag or a void <frame> derails, dropping the rest of the post, so it is
	// turned off for the elements prepare leaves to it: those are simply
	// dropped and their text kept.
	p.AllowElementsContent("frame", "frameset", "nostyle")
	return p
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
// self-closing tag still starts skipped content. All of them are in
// dropWithContent, so the HTML prepare hands to bluemonday never has raw text
// and the two tokenizers read it the same way.
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

// linkRel is set on every link we output. noopener/noreferrer stop the opened
// page from reaching back (window.opener) or learning where the reader was.
const linkRel = "nofollow noopener noreferrer"

// attrOrder is the order finish writes attributes in (after href, rel and
// target on links), so the output does not depend on the input's order.
// Attributes not listed are not written: an attribute allowed in
// remotePolicy must be added here too.
var attrOrder = []string{"class", "start", "reversed", "value", "translate", "lang"}

// maxDepth bounds element nesting in the output. Deeper tags are dropped (their
// text is kept) so a hostile post cannot make clients recurse thousands of
// levels deep.
const maxDepth = 64

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
// The allowlist itself is a bluemonday policy (remotePolicy).
//
// The output is always well-formed: every element is closed, stray end tags
// are dropped. Text and attribute values are escaped again, and the colon of
// any "javascript:" is written "&#58;" (browsers show the same text), so the
// output never contains "<script" or "javascript:". Use it on every HTML
// output path too, not only at ingest (C-03).
func SanitizeRemote(s string) string {
	return finish(remotePolicy.Sanitize(prepare(cleanInput(s))))
}

// cleanInput makes the input valid UTF-8 without NULs, so that every string
// we write out is valid too.
func cleanInput(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}

// prepare is the pass before the policy: it rewrites what the allowlist cannot
// express and hands everything else to bluemonday as it came (re-serialized,
// so text is escaped again and attribute values are quoted).
func prepare(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	// skip is the element whose content is being dropped, skipDepth how many
	// of them are open (an <svg> may contain another <svg>).
	skip, skipDepth := "", 0
	headings := 0 // open h1–h6, so stray heading end tags are dropped
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // io.EOF: the input is a string, no other error is possible
		}
		tok := z.Token()
		name := tok.Data
		if skip != "" {
			// Inside dropped content only tags of the same name matter, to
			// find where the dropped element ends.
			if name == skip && tt == html.StartTagToken {
				skipDepth++
			} else if name == skip && tt == html.EndTagToken {
				if skipDepth--; skipDepth <= 0 {
					skip, skipDepth = "", 0
				}
			}
			continue
		}
		switch tt {
		case html.TextToken:
			b.WriteString(html.EscapeString(tok.Data))
		case html.StartTagToken, html.SelfClosingTagToken:
			switch {
			case dropWithContent[name]:
				// "<svg/>" really is empty, but "<script/>" is followed by raw
				// text up to "</script>" (the tokenizer treats it so), which
				// we must drop.
				if tt == html.StartTagToken || rawTextElements[name] {
					skip, skipDepth = name, 1
				}
			case isHeading(name):
				// Mastodon keeps headings as bold paragraphs instead of giant
				// text (UNSUPPORTED_ELEMENTS_TRANSFORMER).
				if tt == html.SelfClosingTagToken {
					b.WriteString("<p><strong></strong></p>")
				} else {
					headings++
					b.WriteString("<p><strong>")
				}
			default:
				if blockElements[name] {
					b.WriteByte(' ')
				}
				tok.Attr = prepareAttrs(tok.Attr)
				b.WriteString(tok.String())
			}
		case html.EndTagToken:
			switch {
			case dropWithContent[name]:
				// A stray end tag: bluemonday would count it for its own
				// skipping, and there is nothing to close.
			case isHeading(name):
				// Any heading end tag closes the open heading, as in browsers.
				if headings > 0 {
					headings--
					b.WriteString("</strong></p>")
				}
			default:
				if blockElements[name] {
					b.WriteByte(' ')
				}
				b.WriteString(tok.String())
			}
		}
		// Comments and doctypes are dropped.
	}
	return b.String()
}

// prepareAttrs keeps the first of duplicate attributes (browsers use the
// first), filters the class tokens, since bluemonday can only keep or drop
// a whole attribute value, and lowercases translate.
func prepareAttrs(attrs []html.Attribute) []html.Attribute {
	out := attrs[:0]
	for _, a := range attrs {
		if hasAttr(out, a.Key) {
			continue
		}
		switch a.Key {
		case "class":
			if a.Val = filterClasses(a.Val); a.Val == "" {
				continue
			}
		case "translate":
			a.Val = strings.ToLower(a.Val) // a keyword: "NO" means "no"
		}
		out = append(out, a)
	}
	return out
}

// openElem is one element open in the output.
type openElem struct {
	src string   // tag name in the input, matched against end tags
	out []string // tags we wrote for it, closed in reverse order
}

// finisher is the pass after the policy. Its input only has the elements
// and attributes the policy allowed.
type finisher struct {
	b     strings.Builder
	text  strings.Builder // text not written yet, unescaped
	stack []openElem
}

// finish balances the policy's output (every element closed, stray end tags
// dropped, nesting capped at maxDepth, <p> and <li> closed where a browser
// closes them), turns links without a usable href into their content,
// writes the link attributes and re-escapes everything.
func finish(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var f finisher
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		switch tt {
		case html.TextToken:
			f.text.WriteString(tok.Data)
		case html.StartTagToken:
			f.start(tok, false)
		case html.SelfClosingTagToken:
			f.start(tok, true)
		case html.EndTagToken:
			f.end(tok.Data)
		}
	}
	f.closeFrom(0)
	f.flushText()
	return f.b.String()
}

// flushText writes the pending text. Text is collected up to the next tag we
// write, so pieces around a dropped tag ("java<a>script:") are escaped (and
// "javascript:" defused) as the single text a browser shows.
func (f *finisher) flushText() {
	if f.text.Len() > 0 {
		f.b.WriteString(escape(f.text.String()))
		f.text.Reset()
	}
}

func (f *finisher) tag(t string) {
	f.flushText()
	f.b.WriteString(t)
}

func (f *finisher) start(tok html.Token, selfClosing bool) {
	name := tok.Data
	switch name {
	case "br":
		f.tag("<br>")
		return
	case "a":
		f.startLink(tok)
		f.closeIf(selfClosing, name)
		return
	case "p", "pre", "blockquote", "ul", "ol":
		// A browser closes an open <p> here; do the same so our stack
		// matches the DOM the reader's browser builds.
		f.closeParagraph()
	case "li":
		f.closeListItem()
	}
	if f.push(openElem{src: name, out: []string{name}}) {
		f.tag("<" + name + attributes(tok.Attr) + ">")
		f.closeIf(selfClosing, name)
	}
}

// startLink writes an <a> if it still has a safe href, or else opens an
// invisible placeholder so the link text stays and its </a> still matches.
func (f *finisher) startLink(tok html.Token) {
	href, ok := safeHref(attrValue(tok.Attr, "href"))
	// Nested links are invalid HTML (browsers split them); keep only the outer.
	if !ok || f.inside("a") {
		f.push(openElem{src: "a"})
		return
	}
	if f.push(openElem{src: "a", out: []string{"a"}}) {
		f.tag(`<a href="` + escape(href) + `" rel="` + linkRel + `" target="_blank"` + attributes(tok.Attr) + ">")
	}
}

// closeIf closes an element written self-closing ("<p/>"): in our output it
// is simply empty.
func (f *finisher) closeIf(selfClosing bool, name string) {
	if selfClosing {
		f.end(name)
	}
}

func (f *finisher) push(e openElem) bool {
	if len(f.stack) >= maxDepth {
		return false
	}
	f.stack = append(f.stack, e)
	return true
}

// end closes the innermost open element matching an end tag, and everything
// opened inside it. End tags matching nothing are dropped.
func (f *finisher) end(name string) {
	if name == "br" {
		f.tag("<br>") // browsers read </br> as <br>
		return
	}
	for i := len(f.stack) - 1; i >= 0; i-- {
		if f.stack[i].src == name {
			f.closeFrom(i)
			return
		}
	}
}

// closeFrom closes stack entries i and above.
func (f *finisher) closeFrom(i int) {
	for j := len(f.stack) - 1; j >= i; j-- {
		out := f.stack[j].out
		for k := len(out) - 1; k >= 0; k-- {
			f.tag("</" + out[k] + ">")
		}
	}
	f.stack = f.stack[:i]
}

// closeParagraph closes an open <p> (and what is inside it) before a block
// starts, as the HTML parser does.
func (f *finisher) closeParagraph() {
	for i := len(f.stack) - 1; i >= 0; i-- {
		if f.stack[i].src == "p" {
			f.closeFrom(i)
			return
		}
	}
}

// closeListItem closes an open <li> of the current list before a new one.
func (f *finisher) closeListItem() {
	for i := len(f.stack) - 1; i >= 0; i-- {
		switch f.stack[i].src {
		case "li":
			f.closeFrom(i)
			return
		case "ul", "ol":
			return
		}
	}
}

func (f *finisher) inside(name string) bool {
	for _, e := range f.stack {
		if e.src == name && len(e.out) > 0 {
			return true
		}
	}
	return false
}

func isHeading(name string) bool {
	return len(name) == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6'
}

// safeHref returns the link target if its scheme is allowed: the same rule
// as remotePolicy's, checked again where finish decides between a link and
// plain text. Entities are already decoded, so "&#106;avascript:" arrives
// here as "javascript:" and is refused.
func safeHref(raw string) (string, bool) {
	// Browsers ignore surrounding whitespace in URLs, so we judge what they see.
	v := strings.TrimSpace(raw)
	if v == "" {
		return "", false
	}
	// url.Parse refuses control characters, which browsers would silently
	// remove ("java\tscript:"), so such hrefs are refused as well.
	u, err := url.Parse(v)
	if err != nil || !slices.Contains(linkSchemes, strings.ToLower(u.Scheme)) {
		return "", false
	}
	return v, true
}

// attributes writes the attributes in attrOrder that the policy left, each
// with a leading space. reversed is a boolean attribute and written bare.
func attributes(attrs []html.Attribute) string {
	var b strings.Builder
	for _, key := range attrOrder {
		if !hasAttr(attrs, key) {
			continue
		}
		b.WriteString(" " + key)
		if key != "reversed" {
			b.WriteString(`="` + escape(attrValue(attrs, key)) + `"`)
		}
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

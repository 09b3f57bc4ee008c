package text

import (
	"strings"

	"golang.org/x/net/html"
)

// paragraphElements are separated from their surroundings by a blank line in
// plain text, lineElements by a line break.
var (
	paragraphElements = map[string]bool{
		"p": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true,
		"h6": true, "blockquote": true, "pre": true, "ul": true, "ol": true,
		"table": true, "section": true, "article": true, "figure": true,
	}
	lineElements = map[string]bool{
		"li": true, "div": true, "tr": true, "dt": true, "dd": true, "hr": true,
		"header": true, "footer": true, "figcaption": true, "details": true,
		"summary": true, "address": true, "aside": true, "nav": true, "main": true,
	}
)

// StripHTML returns the plain text of an HTML fragment, for summaries,
// notifications, OpenGraph tags, logs and the like. <br> becomes a newline,
// paragraphs (</p> and other blocks) are separated by a blank line, entities
// are decoded and whitespace is collapsed as a browser would (except inside
// <pre>). The content of script, style, svg and similar is dropped.
//
// The result contains no markup from the input, but it is text, not HTML:
// decoded entities mean "&lt;b&gt;" comes back as "<b>". Escape it wherever
// it is put into HTML again (html/template does), as C-03 requires.
func StripHTML(s string) string {
	s = cleanInput(s)
	z := html.NewTokenizer(strings.NewReader(s))
	var w plainWriter
	skip, skipDepth := "", 0
	pre := 0 // depth of open <pre> elements
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		name := tok.Data
		if skip != "" {
			if name == skip && tt == html.StartTagToken {
				skipDepth++
			} else if name == skip && tt == html.EndTagToken {
				if skipDepth--; skipDepth <= 0 {
					skip = ""
				}
			}
			continue
		}
		switch tt {
		case html.TextToken:
			w.text(tok.Data, pre > 0)
		case html.StartTagToken, html.SelfClosingTagToken:
			switch {
			case dropWithContent[name]:
				if tt == html.StartTagToken || rawTextElements[name] {
					skip, skipDepth = name, 1
				}
			case name == "br":
				w.newline()
			case paragraphElements[name]:
				w.breakLines(2)
				if name == "pre" && tt == html.StartTagToken {
					pre++
				}
			case lineElements[name]:
				w.breakLines(1)
			}
		case html.EndTagToken:
			switch {
			case name == "br":
				w.newline()
			case paragraphElements[name]:
				w.breakLines(2)
				if name == "pre" && pre > 0 {
					pre--
				}
			case lineElements[name]:
				w.breakLines(1)
			}
		}
	}
	return w.String()
}

// plainWriter collects text, collapsing whitespace and line breaks.
type plainWriter struct {
	b     strings.Builder
	space bool // a collapsed space is pending before the next word
}

func (w *plainWriter) text(s string, pre bool) {
	if pre {
		w.flushSpace()
		w.b.WriteString(s)
		return
	}
	if s == "" {
		return
	}
	// Only HTML whitespace collapses; a no-break space (&nbsp;) is kept.
	words := strings.FieldsFunc(s, func(r rune) bool { return r < 0x80 && isHTMLSpace(byte(r)) })
	if isHTMLSpace(s[0]) {
		w.space = true
	}
	for i, word := range words {
		if i > 0 {
			w.space = true
		}
		w.flushSpace()
		w.b.WriteString(word)
	}
	if isHTMLSpace(s[len(s)-1]) {
		w.space = true
	}
}

// flushSpace writes a pending space, unless at the start of a line where a
// browser would not show it either.
func (w *plainWriter) flushSpace() {
	if w.space && w.b.Len() > 0 && !strings.HasSuffix(w.b.String(), "\n") {
		w.b.WriteByte(' ')
	}
	w.space = false
}

func (w *plainWriter) newline() {
	w.space = false
	w.b.WriteByte('\n')
}

// breakLines makes sure the text so far ends with at least n newlines, so
// nested blocks do not pile up empty lines. Nothing is added at the start.
func (w *plainWriter) breakLines(n int) {
	w.space = false
	if w.b.Len() == 0 {
		return
	}
	have, cur := 0, w.b.String()
	for have < n && have < len(cur) && cur[len(cur)-1-have] == '\n' {
		have++
	}
	for ; have < n; have++ {
		w.b.WriteByte('\n')
	}
}

// String returns the text without surrounding blank space and with at most
// one empty line in a row.
func (w *plainWriter) String() string {
	lines := strings.Split(w.b.String(), "\n")
	var out []string
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.Trim(strings.Join(out, "\n"), "\n ")
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

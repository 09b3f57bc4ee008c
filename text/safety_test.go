package text

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// allowedAttrs is the C-01 attribute allowlist, per element ("*" = all),
// as an independent statement of the policy for the tests.
var allowedAttrs = map[string]map[string]bool{
	"*":    {"lang": true},
	"a":    {"href": true, "rel": true, "class": true, "translate": true, "target": true},
	"span": {"class": true, "translate": true},
	"ol":   {"start": true, "reversed": true},
	"li":   {"value": true},
	"p":    {"class": true},
}

// checkSafeHTML parses out the way a browser does and reports the first node
// breaking the C-01 policy: an element outside the allowlist, an attribute
// outside it, a link with a refused scheme, or a disallowed class. With
// sanitized set, every link must also carry our rel and target (SanitizeRemote
// adds them; Format's mention and tag links follow Mastodon's markup instead).
func checkSafeHTML(out string, sanitized bool) error {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(out), body)
	if err != nil {
		return fmt.Errorf("output does not parse: %v", err)
	}
	var walk func(n *html.Node) error
	walk = func(n *html.Node) error {
		switch n.Type {
		case html.ElementNode:
			if !allowedElements[n.Data] || n.Namespace != "" {
				return fmt.Errorf("element <%s> (namespace %q) not allowed", n.Data, n.Namespace)
			}
			for _, a := range n.Attr {
				if !allowedAttrs["*"][a.Key] && !allowedAttrs[n.Data][a.Key] {
					return fmt.Errorf("attribute %s on <%s> not allowed", a.Key, n.Data)
				}
				switch a.Key {
				case "href":
					if _, ok := safeHref(a.Val); !ok {
						return fmt.Errorf("href %q not allowed", a.Val)
					}
				case "class":
					if filterClasses(a.Val) != a.Val {
						return fmt.Errorf("class %q not allowed", a.Val)
					}
				}
			}
			if sanitized && n.Data == "a" && (attrOf(n, "rel") != linkRel || attrOf(n, "target") != "_blank") {
				return fmt.Errorf("link without rel/target: %v", n.Attr)
			}
		case html.CommentNode, html.DoctypeNode:
			return fmt.Errorf("comment or doctype in output")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	for _, n := range nodes {
		if err := walk(n); err != nil {
			return err
		}
	}
	return nil
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

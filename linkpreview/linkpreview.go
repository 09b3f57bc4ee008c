// Package linkpreview reads what a link is about: OpenGraph tags, the
// page title, or the oEmbed document a page points to. Pages are fetched
// through the SSRF-safe client (no private addresses, also after
// redirects; a deadline), read up to a size limit, and parsed with
// golang.org/x/net/html's tokenizer, never with regular expressions.
// Everything a page says is text: callers escape it where they show it,
// and oEmbed's html (an iframe chosen by the remote site) is dropped.
package linkpreview

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/coopol/coopol/httpclient"
)

// Limits. Metadata lives in <head>: a page is read up to MaxPageBytes and
// the rest is never downloaded.
const (
	MaxPageBytes   = 1 << 20
	MaxOEmbedBytes = 64 << 10
	MaxImageBytes  = 8 << 20

	maxTitle       = 200
	maxDescription = 500
	maxName        = 100
)

// ErrNoPreview: the link leads to nothing worth a card (not an HTML
// page, no title, an error status).
var ErrNoPreview = errors.New("linkpreview: nothing to preview")

// Card is what a page says about itself. Every field is plain text or an
// absolute http(s) URL.
type Card struct {
	URL          string // the link as posted
	Type         string // link, photo, video, rich
	Title        string
	Description  string
	AuthorName   string
	AuthorURL    string
	ProviderName string
	ProviderURL  string
	ImageURL     string // to fetch and re-encode, never shown as is
}

// Doer sends requests; *httpclient.Client is the one to use.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Fetcher fetches previews.
type Fetcher struct {
	Client Doer
}

// Fetch reads the card of link.
func (f *Fetcher) Fetch(ctx context.Context, link string) (*Card, error) {
	resp, err := f.get(ctx, link, "text/html,application/xhtml+xml;q=0.9")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct != "text/html" && ct != "application/xhtml+xml" {
		return nil, fmt.Errorf("%w: content type %q", ErrNoPreview, ct)
	}
	// Read no more than the limit; what lies beyond is body, not head.
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPageBytes))
	if err != nil {
		return nil, fmt.Errorf("linkpreview: read page: %w", err)
	}
	// Many news sites still serve ISO-8859-1 or Windows-1252: decode by
	// the header or the page's <meta charset>, as a browser would.
	if r, err := charset.NewReader(bytes.NewReader(body), resp.Header.Get("Content-Type")); err == nil {
		if decoded, err := io.ReadAll(r); err == nil {
			body = decoded
		}
	}
	base := resp.Request.URL // after redirects: relative URLs are relative to it
	m := parseHead(body)
	card := &Card{URL: link, Type: "link"}
	card.Title = firstOf(m.meta["og:title"], m.meta["twitter:title"], m.title)
	card.Description = firstOf(m.meta["og:description"], m.meta["twitter:description"], m.meta["description"])
	card.ProviderName = m.meta["og:site_name"]
	if img := firstOf(m.meta["og:image:secure_url"], m.meta["og:image"], m.meta["og:image:url"], m.meta["twitter:image"]); img != "" {
		card.ImageURL = absolute(base, img)
	}
	if m.oembed != "" {
		if oe := absolute(base, m.oembed); oe != "" {
			if err := f.oembed(ctx, oe, card); err != nil && card.Title == "" {
				return nil, err
			}
		}
	}
	card.Title = clean(card.Title, maxTitle)
	card.Description = clean(card.Description, maxDescription)
	card.ProviderName = clean(card.ProviderName, maxName)
	card.AuthorName = clean(card.AuthorName, maxName)
	if card.Title == "" {
		return nil, fmt.Errorf("%w: no title", ErrNoPreview)
	}
	if card.ProviderURL == "" {
		card.ProviderURL = base.Scheme + "://" + base.Host
	}
	return card, nil
}

// Image downloads an image for the card (the caller re-encodes it).
func (f *Fetcher) Image(ctx context.Context, imageURL string) ([]byte, error) {
	resp, err := f.get(ctx, imageURL, "image/*")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := httpclient.ReadLimited(resp, MaxImageBytes)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(http.DetectContentType(data), "image/") {
		return nil, fmt.Errorf("%w: not an image", ErrNoPreview)
	}
	return data, nil
}

func (f *Fetcher) get(ctx context.Context, u, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("linkpreview: %w", err)
	}
	req.Header.Set("Accept", accept)
	resp, err := f.Client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: status %d", ErrNoPreview, resp.StatusCode)
	}
	return resp, nil
}

// oembedDoc is the part of an oEmbed document we keep. html is not read:
// it is markup chosen by another site.
type oembedDoc struct {
	Type         string          `json:"type"`
	Title        string          `json:"title"`
	AuthorName   string          `json:"author_name"`
	AuthorURL    string          `json:"author_url"`
	ProviderName string          `json:"provider_name"`
	ProviderURL  string          `json:"provider_url"`
	ThumbnailURL string          `json:"thumbnail_url"`
	URL          string          `json:"url"`
	Width        json.RawMessage `json:"width"`
}

// oembed completes card from the page's oEmbed document (videos, sounds):
// its title, author, provider and thumbnail win over the page's tags.
func (f *Fetcher) oembed(ctx context.Context, u string, card *Card) error {
	resp, err := f.get(ctx, u, "application/json")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := httpclient.ReadLimited(resp, MaxOEmbedBytes)
	if err != nil {
		return err
	}
	var doc oembedDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return fmt.Errorf("%w: oEmbed: %v", ErrNoPreview, err)
	}
	base := resp.Request.URL
	switch doc.Type {
	case "photo", "video", "rich", "link":
		card.Type = doc.Type
	}
	card.Title = firstOf(doc.Title, card.Title)
	card.AuthorName = doc.AuthorName
	card.AuthorURL = absolute(base, doc.AuthorURL)
	card.ProviderName = firstOf(doc.ProviderName, card.ProviderName)
	card.ProviderURL = absolute(base, doc.ProviderURL)
	thumb := doc.ThumbnailURL
	if doc.Type == "photo" && thumb == "" {
		thumb = doc.URL
	}
	if t := absolute(base, thumb); t != "" {
		card.ImageURL = t
	}
	return nil
}

// head is what parseHead found.
type head struct {
	title  string
	meta   map[string]string // first content of each property or name, lower-cased key
	oembed string            // href of <link rel=alternate type=application/json+oembed>
}

// parseHead reads <title>, <meta> and the oEmbed <link> up to <body>.
func parseHead(page []byte) head {
	h := head{meta: map[string]string{}}
	z := html.NewTokenizer(strings.NewReader(string(page)))
	inTitle := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return h
		case html.TextToken:
			if inTitle && h.title == "" {
				h.title = string(z.Text())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Title:
				inTitle = false
			case atom.Head:
				return h
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if a == atom.Body {
				return h
			}
			if a == atom.Title {
				inTitle = true
				continue
			}
			if !hasAttr || (a != atom.Meta && a != atom.Link) {
				continue
			}
			attrs := map[string]string{}
			for {
				k, v, more := z.TagAttr()
				attrs[string(k)] = string(v)
				if !more {
					break
				}
			}
			switch a {
			case atom.Meta:
				key := strings.ToLower(strings.TrimSpace(firstOf(attrs["property"], attrs["name"])))
				if key != "" && h.meta[key] == "" {
					h.meta[key] = attrs["content"]
				}
			case atom.Link:
				if h.oembed == "" && strings.EqualFold(attrs["type"], "application/json+oembed") &&
					hasToken(attrs["rel"], "alternate") {
					h.oembed = attrs["href"]
				}
			}
		}
	}
}

// FirstLink returns the first link of a status's HTML worth a preview:
// mentions and hashtags are not, nor anything but http(s).
func FirstLink(content string) string {
	z := html.NewTokenizer(strings.NewReader(content))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			if atom.Lookup(name) != atom.A || !hasAttr {
				continue
			}
			var href, class, rel string
			for {
				k, v, more := z.TagAttr()
				switch string(k) {
				case "href":
					href = string(v)
				case "class":
					class = string(v)
				case "rel":
					rel = string(v)
				}
				if !more {
					break
				}
			}
			if hasToken(class, "mention") || hasToken(class, "hashtag") || hasToken(rel, "tag") {
				continue
			}
			if u, err := httpclient.ValidateURL(href); err == nil && u.Host != "" {
				return u.String()
			}
		}
	}
}

func hasToken(list, token string) bool {
	for _, t := range strings.Fields(list) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}

func firstOf(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// absolute resolves ref against base; "" unless the result is http(s).
func absolute(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	u := base.ResolveReference(r)
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	if _, err := httpclient.ValidateURL(u.String()); err != nil {
		return ""
	}
	return u.String()
}

// clean makes a page's text fit for a card: valid UTF-8, no control
// characters, whitespace collapsed, at most n characters.
func clean(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n-1]) + "…"
	}
	return s
}

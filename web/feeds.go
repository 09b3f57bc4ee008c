package web

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// RSS and Atom feeds of a local person's, group's or section's public
// posts. Feeds are anonymous: only what anyone may see, and of that only
// public posts (never unlisted, followers-only, members-only or direct).

const feedSize = 30

func (h *Handlers) feedLinks(a *model.Account) []feedLink {
	base := "/@" + a.Username
	name := firstNonEmpty(a.DisplayName, a.Username)
	return []feedLink{
		{Type: "application/atom+xml", Title: name + " (Atom)", Href: base + ".atom"},
		{Type: "application/rss+xml", Title: name + " (RSS)", Href: base + ".rss"},
	}
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   atomText    `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  *atomAuthor `xml:"author,omitempty"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     atomText    `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published"`
	Link      atomLink    `xml:"link"`
	Author    atomAuthor  `xml:"author"`
	Content   atomContent `xml:"content"`
}

// atomText is a title said to be plain text (RFC 4287 §3.1), so that Atom
// readers never take user text for markup.
type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

func plainText(s string) atomText { return atomText{Type: "text", Body: feedText(s)} }

// feedText makes user text safe in a feed title or plain description.
// RSS does not say whether a <title> is text or HTML and readers differ, so
// angle brackets become look-alike quotes: whichever way a reader takes it,
// no tag is ever rendered.
func feedText(s string) string {
	return strings.NewReplacer("<", "‹", ">", "›").Replace(s)
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type rssFeed struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title       string    `xml:"title"`
	Link        string    `xml:"link"`
	Description string    `xml:"description"`
	Language    string    `xml:"language,omitempty"`
	Items       []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string `xml:"title"`
	Link        string `xml:"link"`
	GUID        string `xml:"guid"`
	PubDate     string `xml:"pubDate"`
	Description string `xml:"description"`
}

// feed writes /@name.rss or /@name.atom.
func (h *Handlers) feed(c *gin.Context, username, format string) {
	ctx := c.Request.Context()
	a, err := h.accountByHandle(ctx, username)
	if err == nil && !a.IsLocal() {
		err = social.ErrNotFound
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	q := storage.WebStatusQuery{AccountID: a.ID, TopLevel: true, NoReblogs: true, PublicOnly: true}
	if a.IsGroup() {
		q.GroupID = a.ID
	}
	entries, err := h.Store.WebStatuses(ctx, q, storage.StatusFilter(h.Social.VisibleFilter(nil)), h.now(), storage.Page{Limit: feedSize})
	if err != nil {
		h.fail(c, err)
		return
	}
	statuses, err := h.Store.StatusesByIDs(ctx, storage.Items(entries))
	if err != nil {
		h.fail(c, err)
		return
	}
	name := firstNonEmpty(a.DisplayName, a.Username)
	updated := a.UpdatedAt
	if len(statuses) > 0 {
		updated = statuses[0].CreatedAt
	}
	c.Header("Cache-Control", "public, max-age=300")
	if format == "atom" {
		f := atomFeed{ID: a.URL, Title: plainText(name), Updated: updated.UTC().Format(time.RFC3339),
			Links:  []atomLink{{Rel: "alternate", Type: "text/html", Href: a.URL}, {Rel: "self", Type: "application/atom+xml", Href: a.URL + ".atom"}},
			Author: &atomAuthor{Name: feedText(name), URI: a.URL}}
		for i := range statuses {
			st := &statuses[i]
			f.Entries = append(f.Entries, atomEntry{
				ID: st.URI, Title: plainText(h.feedTitle(st)), Updated: lastChange(st).UTC().Format(time.RFC3339),
				Published: st.CreatedAt.UTC().Format(time.RFC3339), Link: atomLink{Rel: "alternate", Type: "text/html", Href: h.statusURL(st)},
				Author:  atomAuthor{Name: feedText(firstNonEmpty(st.Account.DisplayName, st.Account.Username)), URI: st.Account.URL},
				Content: atomContent{Type: "html", Body: st.Content},
			})
		}
		writeXML(c, "application/atom+xml; charset=utf-8", f)
		return
	}
	f := rssFeed{Version: "2.0", Channel: rssChannel{Title: feedText(name), Link: a.URL, Description: feedText(excerpt(a.Note, 500)), Language: h.Config.Instance.Language}}
	for i := range statuses {
		st := &statuses[i]
		f.Channel.Items = append(f.Channel.Items, rssItem{Title: feedText(h.feedTitle(st)), Link: h.statusURL(st), GUID: st.URI,
			PubDate: st.CreatedAt.UTC().Format(time.RFC1123Z), Description: st.Content})
	}
	writeXML(c, "application/rss+xml; charset=utf-8", f)
}

// feedTitle: the title of an article or event, the content warning of a
// post that has one, else the beginning of the text.
func (h *Handlers) feedTitle(st *model.Status) string {
	return firstNonEmpty(st.Title, st.SpoilerText, excerpt(st.Content, 80), st.ID)
}

// statusURL is a status's public page (events have their own).
func (h *Handlers) statusURL(st *model.Status) string {
	if st.URL != "" {
		return st.URL
	}
	return st.URI
}

func lastChange(st *model.Status) time.Time {
	if st.EditedAt != nil && st.EditedAt.After(st.CreatedAt) {
		return *st.EditedAt
	}
	return st.CreatedAt
}

func writeXML(c *gin.Context, ctype string, v any) {
	body, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		c.AbortWithError(http.StatusInternalServerError, errors.New("feed: "+err.Error())) //nolint:errcheck
		return
	}
	c.Data(http.StatusOK, ctype, append([]byte(xml.Header), body...))
}

package web_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// Issue 12 (hygiene): RSS and Atom titles and descriptions are text. Feed
// readers disagree on whether an RSS <title> is HTML, so once the XML is
// decoded no title or plain-text description may hold markup that a reader
// would render: user text never becomes HTML in a feed reader.
func TestFeedTitlesNeverCarryMarkup(t *testing.T) {
	inst := start(t)
	ctx := context.Background()
	mal := createUser(t, inst, "mallory", model.RoleMember)
	mal.DisplayName = `<img src=x onerror=alert(1)>Mallory`
	mal.Note = `<p>&lt;script&gt;alert(2)&lt;/script&gt;</p>`
	if err := inst.Store.UpdateAccount(ctx, mal); err != nil {
		t.Fatal(err)
	}
	for _, in := range []social.NewStatus{
		{Text: "avec avertissement", SpoilerText: `<script>alert(3)</script>`},
		{Text: `Texte <b onmouseover=alert(4)>gras</b> &lt;i&gt;`},
	} {
		if _, err := inst.Social.CreateStatus(ctx, mal, in); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, inst)

	r := b.get("/@mallory.rss")
	wantStatus(t, r, http.StatusOK)
	var rss struct {
		Channel struct {
			Title       string `xml:"title"`
			Description string `xml:"description"`
			Items       []struct {
				Title string `xml:"title"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal([]byte(r.Body), &rss); err != nil {
		t.Fatal(err)
	}
	texts := []string{rss.Channel.Title, rss.Channel.Description}
	for _, it := range rss.Channel.Items {
		texts = append(texts, it.Title)
	}
	if len(rss.Channel.Items) != 2 {
		t.Fatalf("%d items", len(rss.Channel.Items))
	}

	r = b.get("/@mallory.atom")
	wantStatus(t, r, http.StatusOK)
	var atom struct {
		Title   textElem              `xml:"title"`
		Author  struct{ Name string } `xml:"author"`
		Entries []struct {
			Title textElem `xml:"title"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(r.Body), &atom); err != nil {
		t.Fatal(err)
	}
	texts = append(texts, atom.Title.Body, atom.Author.Name)
	for _, e := range atom.Entries {
		texts = append(texts, e.Title.Body)
		if e.Title.Type != "" && e.Title.Type != "text" {
			t.Errorf("atom entry title of type %q", e.Title.Type)
		}
	}
	for _, s := range texts {
		if strings.ContainsAny(s, "<>") {
			t.Errorf("feed text %q would be rendered as markup", s)
		}
	}
	if !strings.Contains(strings.Join(texts, "|"), "Mallory") {
		t.Errorf("names lost: %q", texts)
	}
}

type textElem struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"
	"gopkg.in/yaml.v3"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// Issue 16, "French that reads right": every page, rendered in French
// for a visitor, a member and the secretary, shows no English word of
// the catalogue (a message left untranslated, a domain or import error
// shown as is) and none of the known bad forms (no elision, a count of
// one in the plural, "le Section", a section labelled "Groupe
// thématique", "1ᵉ tour").

// sharedWords are English catalogue words that French uses too, or that
// the pages show as names (fediverse, OpenStreetMap…).
var sharedWords = words(`abstentions accept action actions agenda article articles bot coopol csv
	date dates description documents e-mail email fediverse fédivers format geojson ics important
	info insee internet lien mastodon messages minimum notifications openstreetmap option options ordinal
	phoning place places post public publique section sections signal simple station stations stand
	total type url utf-8 latin-1 wgs84 epsg ogr2ogr xlsx ods zip fr en english français ical atom rss
	secretary web site menu conversations présidentielle`)

// badForms are French mistakes the pages once made.
var badForms = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\bde [aeiouàâäéèêëîïôöùûü]`),            // "de Aline": d’Aline
	regexp.MustCompile(`(?:^|[^\d.,])[01] [\p{L}-]+·(?:es|ices)\b`), // "1 inscrit·es"
	regexp.MustCompile(`\b(?:le|du) Section\b`),
	regexp.MustCompile(`\b(?:de le|à le|de les|à les)\b`),
	regexp.MustCompile(`\b1ᵉ tour\b`),
	regexp.MustCompile(`\b(?:rejoindre|rejoigniez) (?:Section|Groupe|École)\b`), // rejoindre la Section…
}

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[strings.ToLower(w)] = true
	}
	return m
}

// catalogue reads a locale file as key → every text of the key (the
// plural forms are separate texts).
func catalogue(t *testing.T, lang string) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile("locales/" + lang + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := yaml.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if isPlural(v) {
				for _, form := range v {
					if s, ok := form.(string); ok {
						out[prefix] = append(out[prefix], s)
					}
				}
				return
			}
			for k, sub := range v {
				walk(strings.TrimPrefix(prefix+"."+k, "."), sub)
			}
		case string:
			out[prefix] = append(out[prefix], v)
		}
	}
	walk("", tree)
	return out
}

func isPlural(m map[string]any) bool {
	_, one := m["one"]
	_, other := m["other"]
	return one || other
}

var titleRe = regexp.MustCompile(`<title>([^<]*)</title>`)

var templateActionRe = regexp.MustCompile(`\{\{[^}]*\}\}`)

// wordsOf splits a text into lower-case words of three letters or more
// (shorter ones are as French as English: "on", "a", "or").
func wordsOf(s string) []string {
	s = templateActionRe.ReplaceAllString(s, " ")
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' && r != '’' }) {
		w = strings.Trim(strings.ToLower(w), "'’")
		if w, _, _ = strings.Cut(w, "’"); len([]rune(w)) >= 3 {
			out = append(out, w)
		}
	}
	return out
}

// englishWords are the words of the English catalogue's texts, minus
// every word the translated French texts use and the shared words.
func englishWords(t *testing.T) map[string]string {
	t.Helper()
	fr, en := catalogue(t, "fr"), catalogue(t, "en")
	// French words: those of translated texts (an untranslated text, the
	// same in both files, must not vouch for its own words).
	french := map[string]bool{}
	for key, texts := range fr {
		if strings.Join(texts, "|") == strings.Join(en[key], "|") {
			continue
		}
		for _, s := range texts {
			for _, w := range wordsOf(s) {
				french[w] = true
			}
		}
	}
	out := map[string]string{}
	for key, texts := range en {
		for _, s := range texts {
			for _, w := range wordsOf(s) {
				if !french[w] && !sharedWords[w] {
					out[w] = key
				}
			}
		}
	}
	if len(out) < 200 {
		t.Fatalf("only %d English words found in the catalogue: is the reading right?", len(out))
	}
	return out
}

// TestFrenchCatalogueHasNoEnglish: a French text equal to the English
// one is left untranslated unless every word of it is shared.
func TestFrenchCatalogueHasNoEnglish(t *testing.T) {
	fr, en := catalogue(t, "fr"), catalogue(t, "en")
	english := englishWords(t)
	for key, texts := range fr {
		for _, s := range texts {
			for _, w := range wordsOf(s) {
				if k, ok := english[w]; ok {
					t.Errorf("fr.yaml %s: %q is English (en.yaml %s): %q", key, w, k, s)
				}
			}
			for _, re := range badForms {
				if m := re.FindString(templateActionRe.ReplaceAllString(s, "X")); m != "" && !strings.Contains(s, "{{") {
					t.Errorf("fr.yaml %s: %q reads wrong: %q", key, m, s)
				}
			}
		}
	}
	_ = en
}

// visibleText is what a page shows and says: text outside scripts and
// styles, and the attributes people read or hear.
func visibleText(t *testing.T, page string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "code", "svg":
				return
			}
			for _, a := range n.Attr {
				switch a.Key {
				case "title", "aria-label", "placeholder", "alt":
					b.WriteString(" " + a.Val + " \n")
				case "content": // meta description and og:title/description only
					if n.Data == "meta" && (attr(n, "name") == "description" || strings.HasSuffix(attr(n, "property"), ":title") ||
						strings.HasSuffix(attr(n, "property"), ":description")) {
						b.WriteString(" " + a.Val + " \n")
					}
				case "value":
					if n.Data == "button" || n.Data == "option" {
						continue
					}
				}
			}
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode {
			b.WriteString("\n")
		}
	}
	walk(doc)
	return b.String()
}

// handleRe and urlRe: names and addresses are not words of a language.
var (
	handleRe = regexp.MustCompile(`[\w.+-]*@[\w.-]+(?:@[\w.-]+)?|https?://\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:test|org|com|net|fr|example)\b`)
)

func checkFrench(t *testing.T, who, path, page string, english map[string]string) {
	t.Helper()
	text := handleRe.ReplaceAllString(visibleText(t, page), " ")
	var found []string
	for _, w := range wordsOf(text) {
		if key, ok := english[w]; ok {
			found = append(found, w+" (en.yaml "+key+")")
		}
	}
	if len(found) > 0 {
		sort.Strings(found)
		t.Errorf("%s %s shows English: %s\n%s", who, path, strings.Join(found, ", "), compact(text))
	}
	for _, re := range badForms {
		if m := re.FindString(text); m != "" {
			t.Errorf("%s %s reads wrong: %q\n%s", who, path, m, compact(text))
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func compact(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestEveryPageReadsRightInFrench(t *testing.T) {
	inst := start(t)
	w := newWorld(t, inst)
	ctx := context.Background()
	// Names starting with a vowel, for elision; a group to ask to join.
	aline := createUser(t, inst, "aline", model.RoleMember)
	if _, err := inst.Social.UpdateProfile(ctx, aline, social.ProfileUpdate{DisplayName: ptr("Aline")}); err != nil {
		t.Fatal(err)
	}
	alinePost, err := inst.Social.CreateStatus(ctx, aline, social.NewStatus{Text: "Rendez-vous samedi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Social.SignUp(ctx, w.bob, w.action.ID, ""); err != nil {
		t.Fatal(err)
	}
	english := englishWords(t)

	public := []string{
		"/", "/@alice", "/@aline", "/@aline/" + alinePost.ID, "/@alice/" + w.public.ID, "/@ecole", "/@" + inst.Config.Section.Username,
		"/groups", "/sections", "/events", "/events/" + w.action.ID, "/tags/ecole", "/search", "/search?q=ecole",
		"/nulle-part", "/signup", "/login", "/password/forgot",
	}
	public, visitorOnly := public[:len(public)-3], public[len(public)-3:]
	member := append([]string{"/home", "/compose", "/notifications", "/messages", "/messages/" + w.direct.ThreadID, "/commitments", "/settings",
		"/search?q=Villeneuve"}, public...)
	staff := append([]string{"/dashboard", "/dashboard/elections", "/events/new", "/events/new?kind=field_action",
		"/events/" + w.action.ID + "/edit", "/events/" + w.action.ID + "/turfs", "/events/" + w.action.ID + "/report"}, member...)

	sectionName := inst.Config.Section.DisplayName
	if sectionName == "" {
		sectionName = inst.Config.Section.Username
	}
	visit := func(who string, b *browser, paths []string) {
		for _, p := range paths {
			r := b.get(p)
			if r.Status != http.StatusOK && r.Status != http.StatusNotFound {
				t.Errorf("%s %s: status %d", who, p, r.Status)
				continue
			}
			checkFrench(t, who, p, r.Body, english)
			// Page titles end with the section's name (issue 16).
			if m := titleRe.FindStringSubmatch(r.Body); m == nil || !strings.HasSuffix(html.UnescapeString(m[1]), sectionName) {
				t.Errorf("%s %s: title %q does not end with %q", who, p, m, sectionName)
			}
		}
	}
	// An imported election: its ranking and map, a walk list.
	sec0 := newBrowser(t, inst)
	sec0.login("sec")
	imported := sec0.importElection("Présidentielle 2022 T1", upload{"results", resultsFile}, upload{"contours", contoursFile})
	if imported.Status != http.StatusSeeOther {
		t.Fatalf("import: status %d", imported.Status)
	}
	staff = append(staff, imported.Location, "/report?status="+alinePost.ID, "/report?account="+aline.ID)

	visit("visitor", newBrowser(t, inst), append(public, visitorOnly...))
	bob := newBrowser(t, inst)
	bob.login("bob")
	visit("bob", bob, member)
	sec := newBrowser(t, inst)
	sec.login("sec")
	visit("sec", sec, staff)

	// A refused form says why in French, whatever the domain said.
	long := bob.submit("/home", "/statuses", url.Values{"text": {strings.Repeat("trop long ", 510)}, "visibility": {"public"}})
	checkFrench(t, "bob", "POST /statuses (too long)", long.Body, english)
	mustContain(t, long, "Le texte est trop long")

	// Fediverse jargon for visitors only; empty states that say why.
	mustContain(t, newBrowser(t, inst).get("/"), "Depuis Mastodon")
	mustNotContain(t, bob.get("/"), "Depuis Mastodon")
	mustNotContain(t, bob.get("/@ecole"), "Depuis Mastodon")
	mustContain(t, newBrowser(t, inst).get("/@ecole"), "Les discussions de ce groupe sont réservées à ses membres.")

	// Elision and articles where names are said.
	mustContain(t, newBrowser(t, inst).get("/@aline/"+alinePost.ID), "<title>Message d’Aline")
	mustContain(t, sec.get(imported.Location), "1er tour")
	mustNotContain(t, newBrowser(t, inst).get("/@"+inst.Config.Section.Username), "Groupe thématique")
	// The section is never a thematic group in the list either.
	groups := bob.get("/groups").Body
	if i := strings.Index(groups, `href="/@`+inst.Config.Section.Username+`"`); i >= 0 {
		item := groups[i:]
		if end := strings.Index(item, "</li>"); end >= 0 {
			item = item[:end]
		}
		if strings.Contains(item, "Groupe thématique") {
			t.Errorf("/groups labels the section a thematic group: %s", item)
		}
	}
}

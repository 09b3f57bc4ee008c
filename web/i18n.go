package web

import (
	"embed"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	texttemplate "text/template"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

// The interface speaks French first and English on request: a `lang`
// cookie (set by the language links, shared with the OAuth pages), then
// the browser's Accept-Language, then instance.language. Every string a
// person reads comes from the message catalogs in locales/.

//go:embed locales/*.yaml
var localeFS embed.FS

// Languages are the catalogs shipped, in the order the switcher shows them.
var Languages = []string{"fr", "en"}

const langCookie = "lang"

// catalog holds the bundle and one localizer per language.
type catalog struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	matcher    language.Matcher
	tags       []language.Tag // the matcher's, in order
	fallback   string
	// plain holds the messages asked without arguments, by language and
	// id: they never change, and go-i18n builds and runs a template for
	// each (a tenth of the web home page's CPU, issue 17).
	plain sync.Map // [2]string → string
}

func newCatalog(defaultLang string) (*catalog, error) {
	if !supported(defaultLang) {
		defaultLang = "fr"
	}
	bundle := i18n.NewBundle(language.Make(defaultLang))
	bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	for _, lang := range Languages {
		if _, err := bundle.LoadMessageFileFS(localeFS, "locales/"+lang+".yaml"); err != nil {
			return nil, fmt.Errorf("web: load catalog %s: %w", lang, err)
		}
	}
	c := &catalog{bundle: bundle, localizers: map[string]*i18n.Localizer{}, fallback: defaultLang}
	tags := []language.Tag{language.Make(defaultLang)}
	for _, lang := range Languages {
		c.localizers[lang] = i18n.NewLocalizer(bundle, lang)
		if lang != defaultLang {
			tags = append(tags, language.Make(lang))
		}
	}
	c.matcher, c.tags = language.NewMatcher(tags), tags
	return c, nil
}

func supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// T translates id in lang; args are name/value pairs for the message
// template ("Name", "Alice"). A missing message shows its id, so that a
// gap is visible rather than silent (tests check there are none).
func (c *catalog) T(lang, id string, args ...any) string {
	if len(args) > 0 {
		return c.localize(lang, id, nil, args)
	}
	key := [2]string{lang, id}
	if s, ok := c.plain.Load(key); ok {
		return s.(string)
	}
	s := c.localize(lang, id, nil, nil)
	c.plain.Store(key, s) // bounded by the catalog's ids and languages
	return s
}

// N translates id in lang in the plural form for count, which the message
// template sees as .Count.
func (c *catalog) N(lang, id string, count int, args ...any) string {
	return c.localize(lang, id, count, args)
}

func (c *catalog) localize(lang, id string, count any, args []any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok {
			data[k] = args[i+1]
		}
	}
	if count != nil {
		data["Count"] = count
	}
	l := c.localizers[lang]
	if l == nil {
		l = c.localizers[c.fallback]
	}
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count, Funcs: messageFuncs})
	if err != nil && s == "" {
		return id
	}
	return s
}

// Name translates id with .Name set to name, in the form elided before a
// vowel (id + "_elided") when name starts with one and lang has that form.
func (c *catalog) Name(lang, id, name string) string {
	if startsWithVowel(name) && c.Has(lang, id+"_elided") {
		id += "_elided"
	}
	return c.T(lang, id, "Name", name)
}

// Has reports whether id exists in lang's catalog (for translating the
// domain's validation messages when we know them).
func (c *catalog) Has(lang, id string) bool {
	l := c.localizers[lang]
	if l == nil {
		return false
	}
	_, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, Funcs: messageFuncs})
	return err == nil
}

// choose picks the language of a request.
func (c *catalog) choose(r *http.Request) string {
	if ck, err := r.Cookie(langCookie); err == nil && supported(ck.Value) {
		return ck.Value
	}
	if accept := r.Header.Get("Accept-Language"); accept != "" {
		tags, _, err := language.ParseAcceptLanguage(accept)
		if err == nil && len(tags) > 0 {
			_, idx, conf := c.matcher.Match(tags...)
			if conf != language.No {
				base, _ := c.tags[idx].Base()
				if supported(base.String()) {
					return base.String()
				}
			}
		}
	}
	return c.fallback
}

// messageIDs lists every message id of lang's catalog, sorted.
func (c *catalog) messageIDs(lang string) ([]string, error) {
	raw, err := localeFS.ReadFile("locales/" + lang + ".yaml")
	if err != nil {
		return nil, err
	}
	msgs, err := i18n.ParseMessageFileBytes(raw, lang+".yaml", map[string]i18n.UnmarshalFunc{"yaml": yaml.Unmarshal})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(msgs.Messages))
	for _, m := range msgs.Messages {
		ids = append(ids, m.ID)
	}
	sort.Strings(ids)
	return ids, nil
}

// messageFuncs let French messages say names right instead of gluing
// words together: {{de .Name}} is "de Bruno" or "d’Aline", and "du
// groupe…" or "de la Section…" after {{le .Group}}; {{le .Group}} is
// "la Section de Villeneuve", "le Collectif santé", "l’Équipe X" or "le
// groupe École publique" (a name that does not start with a noun gets
// one).
var messageFuncs = texttemplate.FuncMap{"de": frDe, "le": frGroup}

// frElides tells whether a French word takes the elided article or
// preposition (d’, l’): a vowel, or a mute h (people's names: Hélène).
func frElides(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ContainsRune("aàâäeéèêëiîïoôöuùûüyhAÀÂÄEÉÈÊËIÎÏOÔÖUÙÛÜYH", r)
}

func frDe(name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return ""
	case strings.HasPrefix(name, "le "):
		return "du " + strings.TrimPrefix(name, "le ")
	case strings.HasPrefix(name, "les "):
		return "des " + strings.TrimPrefix(name, "les ")
	case strings.HasPrefix(name, "la "), strings.HasPrefix(name, "l’"):
		return "de " + name
	case frElides(name):
		return "d’" + name
	}
	return "de " + name
}

// frNouns are the words a group's name often starts with, and their
// gender, for the article.
var frNouns = map[string]string{
	"section": "la", "commission": "la", "fédération": "la", "federation": "la", "cellule": "la", "équipe": "la",
	"coordination": "la", "assemblée": "la", "union": "la", "brigade": "la", "antenne": "la", "délégation": "la",
	"groupe": "le", "collectif": "le", "comité": "le", "cercle": "le", "atelier": "le", "réseau": "le", "club": "le",
	"bureau": "le", "conseil": "le", "front": "le", "pôle": "le", "secteur": "le", "département": "le",
}

func frGroup(name string) string {
	name = strings.TrimSpace(name)
	first, _, _ := strings.Cut(name, " ")
	art, ok := frNouns[strings.ToLower(first)]
	switch {
	case name == "":
		return ""
	case !ok:
		return "le groupe " + name
	case frElides(name):
		return "l’" + name
	}
	return art + " " + name
}

// setLanguage remembers a language choice for a year and goes back.
func (h *Handlers) setLanguage(c *gin.Context) {
	lang := c.Param("lang")
	if !supported(lang) {
		h.notFound(c)
		return
	}
	h.setCookie(c, langCookie, lang, 365*24*3600, false)
	c.Redirect(http.StatusSeeOther, localPath(c.Query("next"), "/"))
}

// localPath returns p if it is a path on this site, else fallback: never
// an open redirect ("//evil.example", "/\evil.example", "https://...").
func localPath(p, fallback string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") ||
		strings.ContainsAny(p, "\r\n\t") {
		return fallback
	}
	return p
}

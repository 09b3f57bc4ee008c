package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	webtemplates "github.com/coopol/coopol/templates/web"
)

// renderer holds, per language, the parsed layout and partials, and
// parses each page's set (layout + partials + page) the first time it is
// shown. Every set is parsed once at start to catch template errors
// early, then dropped: an idle instance keeps only the pages people open
// (the sets were a third of an idle instance's heap, issue 17).
// Templates are html/template only: everything is escaped unless a view
// marks it template.HTML, which only status content and notes do (they
// come from the domain's text.Format or text.SanitizeRemote).
type renderer struct {
	msgs *catalog
	base map[string]*template.Template // lang → layout + partials
	// fragments is a copy of base that partials are executed from
	// (renderFragment): html/template refuses to Clone a set once it has
	// executed, and base is cloned for every page parsed on first use.
	fragments map[string]*template.Template
	files     map[string]string // page → file

	mu    sync.Mutex
	pages map[string]*template.Template // lang + "/" + page → set
}

// sharedFiles are parsed into every page's set.
var sharedFiles = []string{"layout.html", "partials.html", "guests.html"}

func newRenderer(msgs *catalog) (*renderer, error) {
	files, err := fs.Glob(webtemplates.FS, "*.html")
	if err != nil {
		return nil, err
	}
	r := &renderer{msgs: msgs, base: map[string]*template.Template{}, fragments: map[string]*template.Template{}, files: map[string]string{}, pages: map[string]*template.Template{}}
	for _, f := range files {
		if !isShared(f) {
			r.files[strings.TrimSuffix(f, ".html")] = f
		}
	}
	for _, lang := range Languages {
		base, err := template.New("").Funcs(templateFuncs(msgs, lang)).ParseFS(webtemplates.FS, sharedFiles...)
		if err != nil {
			return nil, fmt.Errorf("web: parse layout: %w", err)
		}
		r.base[lang] = base
		if r.fragments[lang], err = base.Clone(); err != nil {
			return nil, fmt.Errorf("web: clone layout: %w", err)
		}
		for name := range r.files {
			if _, err := r.parse(lang, name); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

func (r *renderer) parse(lang, name string) (*template.Template, error) {
	base, f := r.base[lang], r.files[name]
	if base == nil || f == "" {
		return nil, nil
	}
	set, err := template.Must(base.Clone()).ParseFS(webtemplates.FS, f)
	if err != nil {
		return nil, fmt.Errorf("web: parse %s: %w", f, err)
	}
	return set, nil
}

// page returns the set of a page in a language, parsing it on first use;
// nil when there is no such page.
func (r *renderer) page(lang, name string) (*template.Template, error) {
	key := lang + "/" + name
	r.mu.Lock()
	defer r.mu.Unlock()
	if set := r.pages[key]; set != nil {
		return set, nil
	}
	set, err := r.parse(lang, name)
	if err != nil || set == nil {
		return nil, err
	}
	r.pages[key] = set
	return set, nil
}

func isShared(f string) bool {
	for _, s := range sharedFiles {
		if s == f {
			return true
		}
	}
	return false
}

// page is what the layout shows around every page's content.
type page struct {
	Lang  string
	Title string
	// Description is the meta description of public pages.
	Description string
	// Canonical is the page's absolute URL on this instance.
	Canonical string
	// OG is set only on pages showing public content (P-06).
	OG *openGraph
	// Feeds are RSS/Atom alternates of public pages.
	Feeds []feedLink
	// NoIndex asks search engines to stay away (anything not public).
	NoIndex bool
	Viewer  *viewerView
	CSRF    string
	Flash   string // catalog key
	// Nav names the navigation item of this page.
	Nav string
	// Path is the current path, for the language switcher to come back.
	Path         string
	InstanceName string
	// Host is the instance's host name, for handles (@alice@host).
	Host        string
	SectionName string
	SectionPath string
	Languages   []string
	// Data is the page's own content.
	Data any
}

type openGraph struct {
	Type, Title, Description, URL string
}

type feedLink struct {
	Type, Title, Href string
}

// viewerView is the logged-in person as the layout shows them.
type viewerView struct {
	Account accountView
	Staff   bool
	// Unread counts unread notifications, UnreadMessages conversations
	// with a message not read yet (both capped at 100).
	Unread         int
	UnreadMessages int
	CanOrganize    bool
	// Waiting counts what waits for the staff: accounts to approve,
	// adherents to verify, open reports (the dashboard link's number).
	Waiting int
}

// newPage fills the layout's common fields for this request.
func (h *Handlers) newPage(c *gin.Context, title string, data any) *page {
	p := &page{
		Lang: h.msgs.choose(c.Request), Title: title, Data: data,
		CSRF: h.csrfToken(c), Flash: h.takeFlash(c), Path: c.Request.URL.RequestURI(),
		InstanceName: h.Config.Instance.Name, Host: h.Config.Host, SectionName: h.Config.Section.DisplayName,
		SectionPath: "/@" + h.Config.Section.Username, Languages: Languages,
	}
	if p.SectionName == "" {
		p.SectionName = h.Config.Section.Username
	}
	// The section's name as its staff set it (stored with its actor; the
	// config only gives the first one) names every page.
	section, sectionErr := h.section(c)
	if sectionErr == nil && strings.TrimSpace(section.DisplayName) != "" {
		p.SectionName = strings.TrimSpace(section.DisplayName)
		p.InstanceName = p.SectionName
	}
	if v := viewerOf(c); v != nil {
		p.NoIndex = true
		vv := &viewerView{Account: h.accountView(v.Account), Staff: v.User.IsStaff()}
		ctx := c.Request.Context()
		if n, err := h.Store.WebCountUnreadNotifications(ctx, v.Account.ID, 100); err == nil {
			vv.Unread = n
		}
		if n, err := h.Store.CountUnreadConversations(ctx, v.Account.ID, storage.StatusFilter(h.Social.VisibleFilter(v.Account)), 100); err == nil {
			vv.UnreadMessages = n
		}
		if !vv.Staff && sectionErr == nil {
			vv.Staff, _ = h.Social.CanModerate(ctx, v.Account, section)
		}
		if vv.Staff && sectionErr == nil {
			// What waits for the staff, in one statement, whatever its size.
			if n, err := h.Store.WebStaffWaiting(ctx, section.ID); err == nil {
				vv.Waiting = n
			}
		}
		p.Viewer = vv
	}
	return p
}

// sectionName is the section's name as shown on pages and in mail.
func (h *Handlers) sectionName(c *gin.Context) string {
	if section, err := h.section(c); err == nil && strings.TrimSpace(section.DisplayName) != "" {
		return strings.TrimSpace(section.DisplayName)
	}
	if h.Config.Section.DisplayName != "" {
		return h.Config.Section.DisplayName
	}
	return h.Config.Section.Username
}

// t translates for the request's language.
func (h *Handlers) t(c *gin.Context, id string, args ...any) string {
	return h.msgs.T(h.msgs.choose(c.Request), id, args...)
}

// render writes a full page; the body is built first so that a template
// error becomes a clean 500 rather than half a page.
func (h *Handlers) render(c *gin.Context, status int, name string, p *page) {
	if body, ok := h.renderBody(c, name, p); ok {
		h.writeHTML(c, status, body, p.Viewer != nil)
	}
}

// renderBody renders a full page; on an error it answers 500 itself and
// returns false.
func (h *Handlers) renderBody(c *gin.Context, name string, p *page) ([]byte, bool) {
	set, err := h.pages.page(p.Lang, name)
	if err != nil || set == nil {
		h.Log.Error("web: no such page template", "page", name)
		c.AbortWithStatus(http.StatusInternalServerError)
		return nil, false
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.Log.Error("web: render", "page", name, "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
		return nil, false
	}
	return buf.Bytes(), true
}

// renderFragment writes a named partial alone (live timeline updates).
func (h *Handlers) renderFragment(c *gin.Context, name string, data any) {
	lang := h.msgs.choose(c.Request)
	var buf bytes.Buffer
	if err := h.pages.fragments[lang].ExecuteTemplate(&buf, name, data); err != nil {
		h.Log.Error("web: render fragment", "fragment", name, "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	h.writeHTML(c, http.StatusOK, buf.Bytes(), true)
}

func (h *Handlers) writeHTML(c *gin.Context, status int, body []byte, private bool) {
	if private {
		c.Header("Cache-Control", "private, no-store")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	c.Data(status, "text/html; charset=utf-8", body)
}

// errorPage renders a short page with a catalog message.
func (h *Handlers) errorPage(c *gin.Context, status int, key string) {
	p := h.newPage(c, h.t(c, "error.title"), errorData{Message: key, Status: status})
	p.NoIndex = true
	h.render(c, status, "error", p)
	c.Abort()
}

type errorData struct {
	Message string // catalog key
	Detail  string // already translated, or a domain message
	Status  int
}

// fail maps a domain error to a page: not found (or not visible), not
// allowed, invalid input, or an internal error that is logged.
func (h *Handlers) fail(c *gin.Context, err error) {
	var ve *social.ValidationError
	switch {
	case errors.Is(err, social.ErrNotFound):
		h.notFound(c)
	case errors.Is(err, social.ErrForbidden):
		h.errorPage(c, http.StatusForbidden, "error.forbidden")
	case errors.As(err, &ve):
		p := h.newPage(c, h.t(c, "error.title"), errorData{Message: "error.invalid", Detail: h.domainMessage(c, ve.Msg), Status: http.StatusUnprocessableEntity})
		p.NoIndex = true
		h.render(c, http.StatusUnprocessableEntity, "error", p)
		c.Abort()
	default:
		h.Log.Error("web: request failed", "path", c.FullPath(), "err", err)
		h.errorPage(c, http.StatusInternalServerError, "error.internal")
	}
}

// domainMessage translates a validation message of the domain (the
// domain speaks English: its messages are also the API's). The catalog
// knows it under "domain." + its key; a message with numbers that vary
// ("text is too long (612 characters, at most 500)") under its key
// without them, the numbers given as N1, N2…; a message ending with a
// list of choices ("role must be one of a, b, c") under its first words.
// A message the catalog does not know is not shown in English: a French
// sentence says a value was refused, and the message goes to the log.
func (h *Handlers) domainMessage(c *gin.Context, msg string) string {
	lang := h.msgs.choose(c.Request)
	if s, ok := h.msgs.domain(lang, msg); ok {
		return s
	}
	h.Log.Info("web: domain message without translation", "msg", msg)
	return h.msgs.T(lang, "error.invalid_value")
}

func (c *catalog) domain(lang, msg string) (string, bool) {
	key := domainKey(msg)
	if c.Has(lang, "domain."+key) {
		return c.T(lang, "domain."+key), true
	}
	if bare := withoutNumbers(key); bare != key && c.Has(lang, "domain."+bare) {
		var args []any
		for i, n := range numbersOf(msg) {
			args = append(args, "N"+strconv.Itoa(i+1), n)
		}
		return c.T(lang, "domain."+bare, args...), true
	}
	for words := strings.Split(key, "_"); len(words) > 4; {
		words = words[:len(words)-1]
		if prefix := strings.Join(words, "_"); c.Has(lang, "domain."+prefix) {
			return c.T(lang, "domain."+prefix), true
		}
	}
	return "", false
}

// withoutNumbers drops the numbers of a key: a_poll_has_2_to_4_options
// → a_poll_has_to_options.
func withoutNumbers(key string) string {
	var out []string
	for _, w := range strings.Split(key, "_") {
		if strings.Trim(w, "0123456789") != "" {
			out = append(out, w)
		}
	}
	return strings.Join(out, "_")
}

// numbersOf lists the numbers of a message outside quoted values, in
// order.
func numbersOf(msg string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range msg + " " {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && r >= '0' && r <= '9':
			cur.WriteRune(r)
			continue
		}
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	return out
}

// domainKey turns a domain message into a catalog key: quoted values
// (names) are dropped, words joined by underscores.
func domainKey(msg string) string {
	var b strings.Builder
	quoted := false
	for _, r := range strings.ToLower(msg) {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	return strings.Trim(b.String(), "_")
}

// templateFuncs are the helpers templates of one language use.
func templateFuncs(msgs *catalog, lang string) template.FuncMap {
	return template.FuncMap{
		"t": func(id string, args ...any) string { return msgs.T(lang, id, args...) },
		"tn": func(id string, count int, args ...any) string {
			return msgs.N(lang, id, count, args...)
		},
		// tname says id with .Name, elided before a vowel when the
		// catalog has the elided form (id + "_elided"): "Message d’Aline",
		// "Message de Bruno".
		"tname": func(id, name string) string { return msgs.Name(lang, id, name) },
		// date: "samedi 12 décembre 2026 à 10:00" in zone tz ("" = Paris).
		"date": func(t time.Time, tz string) string { return longDate(msgs, lang, t, tz, true) },
		"day":  func(t time.Time, tz string) string { return longDate(msgs, lang, t, tz, false) },
		"hour": func(t time.Time, tz string) string { return inZone(t, tz).Format("15:04") },
		"short": func(t time.Time) string {
			lt := inZone(t, "")
			return msgs.T(lang, "date.short", "Day", lt.Day(), "Month", msgs.T(lang, "date.month.m"+strconv.Itoa(int(lt.Month()))), "Time", lt.Format("15:04"))
		},
		"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"dict": dict,
		"add":  func(a, b int) int { return a + b },
		"list": func(items ...string) []string { return items },
	}
}

func inZone(t time.Time, tz string) time.Time {
	if tz == "" {
		tz = defaultZone
	}
	return t.In(location(tz))
}

// zones holds the time zones loaded: time.LoadLocation reads and parses
// the zone's file on each call, which was 7 % of the web home page's CPU
// (issue 17: a date per status). Zone names come from events' settings,
// a few per instance.
var zones sync.Map // name → *time.Location

func location(tz string) *time.Location {
	if loc, ok := zones.Load(tz); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC // not kept: a name that fails is not remembered
	}
	zones.Store(tz, loc)
	return loc
}

func longDate(msgs *catalog, lang string, t time.Time, tz string, withTime bool) string {
	lt := inZone(t, tz)
	date := msgs.T(lang, "date.long", "Weekday", msgs.T(lang, "date.day.d"+strconv.Itoa(int(lt.Weekday()))),
		"Day", lt.Day(), "Month", msgs.T(lang, "date.month.m"+strconv.Itoa(int(lt.Month()))), "Year", lt.Year())
	if !withTime {
		return date
	}
	return msgs.T(lang, "date.long_time", "Date", date, "Time", lt.Format("15:04"))
}

// dict builds a map from name/value pairs, to hand several values to a
// partial template.
func dict(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		k, ok := pairs[i].(string)
		if !ok {
			return nil, errors.New("dict: keys must be strings")
		}
		m[k] = pairs[i+1]
	}
	return m, nil
}

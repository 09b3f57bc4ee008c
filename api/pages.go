package api

import (
	"bytes"
	"crypto/subtle"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	oauthpages "github.com/coopol/coopol/templates/oauth"
)

// The OAuth pages: French first, English when the person asks for it
// (lang parameter, lang cookie, then Accept-Language).

const (
	csrfCookie = "coopol_oauth_csrf"
	csrfField  = "csrf_token"
	langCookie = "lang"
)

var pageLanguages = []string{"fr", "en"}

var messages = map[string]map[string]string{
	"fr": {
		"title_authorize":    "Autoriser l’application",
		"title_code":         "Code d’autorisation",
		"title_error":        "Autorisation impossible",
		"intro_before":       "L’application",
		"intro_after":        "demande l’accès à votre compte :",
		"login":              "Nom d’utilisateur ou adresse e-mail",
		"password":           "Mot de passe",
		"allow":              "Autoriser",
		"deny":               "Refuser",
		"redirect_note":      "Vous serez ensuite renvoyé·e vers",
		"code_intro":         "Copiez ce code et collez-le dans l’application :",
		"code_note":          "Ce code ne fonctionne qu’une fois et expire dans 10 minutes.",
		"error_note":         "Revenez à l’application et recommencez la connexion.",
		"bad_credentials":    "Identifiant ou mot de passe incorrect.",
		"not_approved":       "Votre compte attend encore la validation de la section.",
		"disabled":           "Votre compte est désactivé.",
		"csrf":               "Le formulaire a expiré ou ne vient pas de ce site. Rechargez la page et recommencez.",
		"unknown_client":     "Application inconnue : elle doit s’enregistrer à nouveau auprès de ce serveur.",
		"bad_redirect":       "L’adresse de retour demandée n’a pas été enregistrée par cette application.",
		"bad_request":        "La demande d’autorisation n’est pas valide.",
		"internal":           "Une erreur interne est survenue. Réessayez dans un instant.",
		"scope_read":         "Lire toutes les données de votre compte",
		"scope_write":        "Modifier toutes les données de votre compte",
		"scope_follow":       "Gérer vos abonnements, blocages et masquages",
		"scope_push":         "Recevoir vos notifications push",
		"scope_profile":      "Connaître votre identité (profil seulement)",
		"scope_admin:read":   "Lire les données d’administration du serveur",
		"scope_admin:write":  "Agir en tant qu’administrateur·rice du serveur",
		"scope_read:coopol":  "Lire vos groupes, événements et actions de terrain",
		"scope_write:coopol": "Gérer vos groupes, événements et inscriptions aux actions",
		"scope_read_part":    "Lire :",
		"scope_write_part":   "Modifier :",
		"scope_admin_part":   "Administration :",
	},
	"en": {
		"title_authorize":    "Authorize the application",
		"title_code":         "Authorization code",
		"title_error":        "Authorization failed",
		"intro_before":       "The application",
		"intro_after":        "asks for access to your account:",
		"login":              "Username or e-mail address",
		"password":           "Password",
		"allow":              "Authorize",
		"deny":               "Deny",
		"redirect_note":      "You will then be sent back to",
		"code_intro":         "Copy this code and paste it into the application:",
		"code_note":          "This code works once and expires in 10 minutes.",
		"error_note":         "Go back to the application and start logging in again.",
		"bad_credentials":    "Wrong username or password.",
		"not_approved":       "Your account is still waiting for approval by the section.",
		"disabled":           "Your account is disabled.",
		"csrf":               "The form has expired or does not come from this site. Reload the page and try again.",
		"unknown_client":     "Unknown application: it must register with this server again.",
		"bad_redirect":       "The requested redirect address was not registered by this application.",
		"bad_request":        "The authorization request is not valid.",
		"internal":           "An internal error occurred. Please try again in a moment.",
		"scope_read":         "Read all your account's data",
		"scope_write":        "Change all your account's data",
		"scope_follow":       "Manage your follows, blocks and mutes",
		"scope_push":         "Receive your push notifications",
		"scope_profile":      "Know who you are (profile only)",
		"scope_admin:read":   "Read the server's administration data",
		"scope_admin:write":  "Act as an administrator of the server",
		"scope_read:coopol":  "Read your groups, events and field actions",
		"scope_write:coopol": "Manage your groups, events and field action sign-ups",
		"scope_read_part":    "Read:",
		"scope_write_part":   "Change:",
		"scope_admin_part":   "Administration:",
	},
}

type pageRenderer struct {
	pages map[string]*template.Template
}

func newPageRenderer() *pageRenderer {
	r := &pageRenderer{pages: map[string]*template.Template{}}
	for _, name := range []string{"authorize", "code", "error"} {
		r.pages[name] = template.Must(template.ParseFS(oauthpages.FS, "layout.html", name+".html"))
	}
	return r
}

// scopeView is one line of the consent list.
type scopeView struct{ Name, Description string }

// pageData is what every OAuth page template receives.
type pageData struct {
	Lang, Title, InstanceName string
	T                         map[string]string
	Error                     string

	// authorize
	AppName, AppWebsite string
	Scopes              []scopeView
	Req                 authRequest
	CSRF, Login         string

	// code
	Code string
}

// renderPage writes an OAuth page with the headers such a page needs:
// no caching, no framing (clickjacking on consent), no referrer (the
// URL carries state and PKCE challenge), a strict CSP. There is no
// form-action directive: browsers apply it to the redirect that follows
// the form, which goes to the client's own redirect URI.
func (h *Handlers) renderPage(c *gin.Context, status int, name string, d *pageData) {
	d.InstanceName = h.Config.Instance.Name
	d.T = messages[d.Lang]
	if d.T == nil {
		d.Lang, d.T = "fr", messages["fr"]
	}
	if d.Title == "" {
		d.Title = d.T["title_"+name]
	}
	var buf bytes.Buffer
	if err := h.pages.pages[name].ExecuteTemplate(&buf, "layout", d); err != nil {
		h.Log.Error("render oauth page", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	hd := c.Writer.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("Pragma", "no-cache")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("Content-Language", d.Lang)
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// errorPage renders the error page with a translated message key.
func (h *Handlers) errorPage(c *gin.Context, status int, lang, key string) {
	h.renderPage(c, status, "error", &pageData{Lang: lang, Error: messages[lang][key]})
	c.Abort()
}

// recoverHTML turns a panic in an OAuth page into a logged error page.
func recoverHTML(h *Handlers) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				h.Log.Error("panic in OAuth page", "path", c.FullPath(), "panic", r)
				if !c.Writer.Written() {
					h.errorPage(c, http.StatusInternalServerError, h.pageLang(c, ""), "internal")
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

// describeScopes turns scopes into consent lines.
func describeScopes(lang string, scopes []string) []scopeView {
	t := messages[lang]
	out := make([]scopeView, 0, len(scopes))
	for _, s := range scopes {
		d := t["scope_"+s]
		if d == "" {
			switch {
			case strings.HasPrefix(s, "admin:"):
				d = t["scope_admin_part"] + " " + s[strings.LastIndex(s, ":")+1:]
			case strings.HasPrefix(s, "read:"):
				d = t["scope_read_part"] + " " + strings.TrimPrefix(s, "read:")
			case strings.HasPrefix(s, "write:"):
				d = t["scope_write_part"] + " " + strings.TrimPrefix(s, "write:")
			default:
				d = s
			}
		}
		out = append(out, scopeView{Name: s, Description: d})
	}
	return out
}

// pageLang picks the page language: the explicit lang parameter, then the
// lang cookie, then Accept-Language, then the instance language, then
// French.
func (h *Handlers) pageLang(c *gin.Context, explicit string) string {
	supported := func(tag string) string {
		tag = strings.ToLower(strings.TrimSpace(tag))
		if i := strings.IndexAny(tag, "-_"); i > 0 {
			tag = tag[:i]
		}
		for _, l := range pageLanguages {
			if l == tag {
				return l
			}
		}
		return ""
	}
	if l := supported(explicit); l != "" {
		return l
	}
	if v, err := c.Cookie(langCookie); err == nil {
		if l := supported(v); l != "" {
			return l
		}
	}
	if l := preferredLanguage(c.GetHeader("Accept-Language"), supported); l != "" {
		return l
	}
	if l := supported(h.Config.Instance.Language); l != "" {
		return l
	}
	return "fr"
}

// preferredLanguage reads an Accept-Language header ("en-GB,en;q=0.8,fr;q=0.5")
// and returns the supported language with the highest weight.
func preferredLanguage(header string, supported func(string) string) string {
	type cand struct {
		lang string
		q    float64
		pos  int
	}
	var cands []cand
	for i, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(part, ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if l := supported(tag); l != "" && q > 0 {
			cands = append(cands, cand{l, q, i})
		}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].q > cands[b].q })
	if len(cands) == 0 {
		return ""
	}
	return cands[0].lang
}

// csrfToken returns the form token of this browser, setting the cookie
// when there is none yet. The cookie is HttpOnly and SameSite=Strict, and
// Secure on https instances (U-06). The token is not the cookie's value
// but an HMAC of it under a key only this server knows (issue 12, as the
// web's anonymous token): a site able to plant a cookie (a sibling
// subdomain, a man in the middle on plain HTTP) cannot compute the token
// that goes with it. "" when the server key cannot be had (then every
// form is refused, never accepted).
func (h *Handlers) csrfToken(c *gin.Context) string {
	nonce, err := c.Cookie(csrfCookie)
	if err != nil || !validCSRFValue(nonce) {
		nonce = auth.NewToken()
		http.SetCookie(c.Writer, &http.Cookie{
			Name: csrfCookie, Value: nonce, Path: "/oauth/authorize", MaxAge: 3600,
			HttpOnly: true, Secure: h.Config.Protocol == "https", SameSite: http.SameSiteStrictMode,
		})
	}
	return h.boundCSRF(c, nonce)
}

// boundCSRF is the token that goes with a cookie value.
func (h *Handlers) boundCSRF(c *gin.Context, nonce string) string {
	key, err := h.csrfSecret.Key(c.Request.Context(), "oauth consent csrf")
	if err != nil {
		h.Log.Error("oauth csrf: server key", "err", err)
		return ""
	}
	return auth.BoundToken(key, nonce)
}

// checkCSRF compares the form field with the token of the cookie, in
// constant time.
func (h *Handlers) checkCSRF(c *gin.Context) bool {
	cookie, err := c.Cookie(csrfCookie)
	if err != nil || !validCSRFValue(cookie) {
		return false
	}
	want := h.boundCSRF(c, cookie)
	form := c.Request.PostForm.Get(csrfField)
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(form)) == 1
}

// validCSRFValue: what auth.NewToken produces (43 base64url characters).
func validCSRFValue(v string) bool {
	if len(v) != 43 {
		return false
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

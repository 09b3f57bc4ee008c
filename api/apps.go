package api

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/model"
)

// oobRedirectURI asks /oauth/authorize to show the code instead of
// redirecting (CLI clients: toot, Mastodon.py).
const oobRedirectURI = "urn:ietf:wg:oauth:2.0:oob"

// Limits on app registration, as Mastodon's.
const (
	maxAppNameLength     = 60
	maxURILength         = 2000
	maxRedirectURIsCount = 10
)

// forbiddenSchemes can run code or read local data in the browser that
// follows the redirect (U-01; Mastodon's doorkeeper forbid_redirect_uri).
var forbiddenSchemes = []string{"javascript", "data", "vbscript", "file", "blob", "about", "filesystem"}

// applicationJSON is Mastodon's Application / CredentialApplication.
type applicationJSON struct {
	ID                    string   `json:"id"`
	Name                  string   `json:"name"`
	Website               *string  `json:"website"`
	Scopes                []string `json:"scopes"`
	RedirectURI           string   `json:"redirect_uri"`
	RedirectURIs          []string `json:"redirect_uris"`
	VapidKey              string   `json:"vapid_key"`
	ClientID              string   `json:"client_id,omitempty"`
	ClientSecret          string   `json:"client_secret,omitempty"`
	ClientSecretExpiresAt *int     `json:"client_secret_expires_at,omitempty"`
}

func renderApplication(app *model.OAuthApplication) applicationJSON {
	out := applicationJSON{
		ID: app.ID, Name: app.Name, Scopes: parseScopes(app.Scopes),
		RedirectURI: strings.Join(app.RedirectURIs, "\n"), RedirectURIs: app.RedirectURIs,
	}
	if out.Scopes == nil {
		out.Scopes = []string{}
	}
	if out.RedirectURIs == nil {
		out.RedirectURIs = []string{}
	}
	if app.Website != "" {
		out.Website = &app.Website
	}
	return out
}

// createApp: POST /api/v1/apps (form or JSON; redirect_uris a string, a
// list, or newline-separated).
func (h *Handlers) createApp(c *gin.Context) {
	p, err := readParams(c)
	if err != nil {
		ErrorJSON(c, http.StatusBadRequest, err.Error())
		return
	}
	name := strings.TrimSpace(p.Get("client_name"))
	if name == "" {
		ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: Application name can't be blank")
		return
	}
	if utf8.RuneCountInString(name) > maxAppNameLength {
		ErrorJSON(c, http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: Application name is too long (maximum is %d characters)", maxAppNameLength))
		return
	}

	raw := p.List("redirect_uris")
	if len(raw) == 0 {
		raw = p.List("redirect_uri")
	}
	var redirectURIs []string
	for _, item := range raw {
		for _, line := range strings.Split(item, "\n") {
			if line = strings.TrimSpace(line); line != "" && !slices.Contains(redirectURIs, line) {
				redirectURIs = append(redirectURIs, line)
			}
		}
	}
	if len(redirectURIs) == 0 {
		ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: Redirect URI can't be blank")
		return
	}
	if len(redirectURIs) > maxRedirectURIsCount {
		ErrorJSON(c, http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: at most %d redirect URIs", maxRedirectURIsCount))
		return
	}
	for _, u := range redirectURIs {
		if err := validateRedirectURI(u); err != nil {
			ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: Redirect URI "+err.Error())
			return
		}
	}

	scopeText := strings.Join(p.List("scopes"), " ")
	scopes := parseScopes(scopeText)
	if len(scopes) == 0 {
		scopes = []string{defaultScope}
	}
	if bad := unknownScopes(scopes); len(bad) > 0 {
		ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: Scopes must be known scopes: "+strings.Join(bad, ", ")+" is not")
		return
	}

	website := strings.TrimSpace(p.Get("website"))
	if website != "" {
		u, err := url.Parse(website)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(website) > maxURILength {
			ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: Website must be an http(s) URL")
			return
		}
	}

	now := h.now()
	secret := auth.NewToken()
	app := &model.OAuthApplication{
		ID: model.NewID(now), Name: name, Website: website, RedirectURIs: redirectURIs,
		Scopes: strings.Join(scopes, " "), ClientID: auth.NewToken(), ClientSecretHash: auth.HashToken(secret), CreatedAt: now,
	}
	if err := h.Store.CreateOAuthApplication(c.Request.Context(), app); err != nil {
		h.internalError(c, err)
		return
	}
	out := renderApplication(app)
	out.VapidKey = h.vapidPublicKey(c)
	out.ClientID, out.ClientSecret = app.ClientID, secret
	zero := 0
	out.ClientSecretExpiresAt = &zero
	c.JSON(http.StatusOK, out)
}

// validateRedirectURI accepts the out-of-band URN, http(s) URLs with a
// host, and custom schemes for native apps (tusky://oauth); it refuses
// relative URIs, fragments and scripting or local schemes (U-01).
func validateRedirectURI(s string) error {
	if s == oobRedirectURI {
		return nil
	}
	if len(s) > maxURILength {
		return fmt.Errorf("is too long")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("must not contain spaces or control characters")
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return fmt.Errorf("must be an absolute URI")
	}
	if slices.Contains(forbiddenSchemes, strings.ToLower(u.Scheme)) {
		return fmt.Errorf("uses a forbidden scheme (%s:)", u.Scheme)
	}
	if strings.Contains(s, "#") {
		return fmt.Errorf("cannot contain a fragment")
	}
	if (u.Scheme == "http" || u.Scheme == "https") && u.Host == "" {
		return fmt.Errorf("must have a host")
	}
	return nil
}

// verifyAppCredentials: GET /api/v1/apps/verify_credentials, with any
// valid token of the app (user or client_credentials).
func (h *Handlers) verifyAppCredentials(c *gin.Context) {
	app := CurrentApplication(c)
	out := renderApplication(app)
	out.VapidKey = h.vapidPublicKey(c)
	c.JSON(http.StatusOK, out)
}

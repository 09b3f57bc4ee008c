package server

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/text"
)

// maxCheckedBody is the largest form or JSON body refuseBadParams reads to
// check; larger ones pass unchecked to their handler, whose own limit
// (1 MiB for the API and web forms) refuses them.
const maxCheckedBody = 1 << 20

// refuseBadParams answers 400 to a request whose path, query, form body
// or JSON body carries a NUL byte or bytes that are not UTF-8, before any
// handler runs. No id, handle, search term or post of ours can hold them,
// and PostgreSQL refuses them in text: they used to reach the database
// and come back as 500s. Multipart bodies (uploads) are checked where
// they are parsed (api readParams and media upload, web checkCSRF).
func refuseBadParams(c *gin.Context) {
	if text.CleanParam(c.Request.URL.Path) && cleanQuery(c.Request.URL.RawQuery) {
		c.Next()
		return
	}
	refuseParams(c)
}

// refuseBadBodies is refuseBadParams for form and JSON bodies. It runs
// after the rate limits, so that a refused flood costs no body reading.
func refuseBadBodies(c *gin.Context) {
	if cleanBody(c.Request) {
		c.Next()
		return
	}
	refuseParams(c)
}

func refuseParams(c *gin.Context) {
	if p := c.Request.URL.Path; strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/oauth/") || strings.HasSuffix(p, "/inbox") {
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": "Invalid request: a parameter holds a NUL byte or is not UTF-8"})
		return
	}
	c.Header("Content-Type", "text/plain; charset=utf-8")
	c.AbortWithStatus(http.StatusBadRequest)
	c.Writer.WriteString("Requête invalide : un champ contient un octet nul ou n’est pas en UTF-8.\nBad request: a parameter holds a NUL byte or is not UTF-8.\n") //nolint:errcheck
}

func cleanQuery(raw string) bool {
	if raw == "" {
		return true
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return true // handlers already ignore what does not parse
	}
	return text.CleanValues(q)
}

// cleanBody checks a form (application/x-www-form-urlencoded) or JSON
// body, and puts it back for the handler.
func cleanBody(r *http.Request) bool {
	if r.PostForm != nil {
		// Already parsed (the login limiter reads the OAuth login form).
		return text.CleanValues(r.PostForm)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	isForm := ct == "application/x-www-form-urlencoded"
	isJSON := ct == "application/json" || strings.HasSuffix(ct, "+json")
	if !isForm && !isJSON {
		return true
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCheckedBody+1))
	if err != nil || len(body) > maxCheckedBody {
		// Unreadable or too large: the handler gets it as it comes and
		// answers with its own error.
		r.Body = readCloser{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		return true
	}
	r.Body = readCloser{bytes.NewReader(body), r.Body}
	if isForm {
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return true // the handler refuses what does not parse
		}
		return text.CleanValues(values)
	}
	if !bytes.Contains(body, []byte(`\u0000`)) && !bytes.ContainsRune(body, 0) {
		return true // the common case, without decoding twice
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return true // the handler answers 400 to malformed JSON
	}
	return text.CleanJSON(v)
}

// readCloser reads the checked body and closes the original one.
type readCloser struct {
	io.Reader
	io.Closer
}

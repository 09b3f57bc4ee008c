package server

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// refuseBadParams answers 400 to a request whose path or query carries a
// NUL byte or bytes that are not UTF-8, before any handler runs. No id,
// handle or search term of ours can hold them, and PostgreSQL refuses them
// in text: they used to reach the database and come back as 500s.
func refuseBadParams(c *gin.Context) {
	if cleanParam(c.Request.URL.Path) && cleanQuery(c.Request.URL.RawQuery) {
		c.Next()
		return
	}
	if p := c.Request.URL.Path; strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/oauth/") {
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": "Invalid request: a parameter holds a NUL byte or is not UTF-8"})
		return
	}
	c.Header("Content-Type", "text/plain; charset=utf-8")
	c.AbortWithStatus(http.StatusBadRequest)
	c.Writer.WriteString("Bad request: a parameter holds a NUL byte or is not UTF-8.\n") //nolint:errcheck
}

func cleanParam(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func cleanQuery(raw string) bool {
	if raw == "" {
		return true
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return true // handlers already ignore what does not parse
	}
	for k, vs := range q {
		if !cleanParam(k) {
			return false
		}
		for _, v := range vs {
			if !cleanParam(v) {
				return false
			}
		}
	}
	return true
}

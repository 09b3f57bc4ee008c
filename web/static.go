package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
)

// The stylesheets, the one script and the icons, embedded: nothing is fetched
// from anywhere else at run time.
//
//go:embed static/*
var staticFS embed.FS

// staticETags fingerprints the files once, for conditional requests.
var staticETags = func() map[string]string {
	out := map[string]string{}
	entries, _ := staticFS.ReadDir("static")
	for _, e := range entries {
		b, _ := staticFS.ReadFile("static/" + e.Name())
		sum := sha256.Sum256(b)
		out[e.Name()] = `"` + hex.EncodeToString(sum[:8]) + `"`
	}
	return out
}()

func serveStatic(c *gin.Context) {
	sendStatic(c, strings.TrimPrefix(path.Clean(c.Param("file")), "/"))
}

// serveFavicon answers /favicon.ico, which browsers ask for on every
// site whatever the page links: a 404 there is an error in the console.
func serveFavicon(c *gin.Context) { sendStatic(c, "favicon.ico") }

// staticTypes are the types the system's MIME tables may not know.
var staticTypes = map[string]string{".ico": "image/x-icon", ".svg": "image/svg+xml"}

func sendStatic(c *gin.Context, name string) {
	etag, ok := staticETags[name]
	if !ok || strings.Contains(name, "/") {
		c.String(http.StatusNotFound, "not found")
		return
	}
	h := c.Writer.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	b, _ := staticFS.ReadFile("static/" + name)
	ctype := staticTypes[path.Ext(name)]
	if ctype == "" {
		ctype = mime.TypeByExtension(path.Ext(name))
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	c.Data(http.StatusOK, ctype, b)
}

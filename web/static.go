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

// The one stylesheet and the one script, embedded: nothing is fetched
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
	name := strings.TrimPrefix(path.Clean(c.Param("file")), "/")
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
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	c.Data(http.StatusOK, ctype, b)
}

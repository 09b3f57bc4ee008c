// Package web holds the HTML templates of the web interface (package
// github.com/coopol/coopol/web renders them), embedded in the binary.
// layout.html and partials.html are shared by every page; each other file
// is one page defining "content".
package web

import "embed"

// FS holds the templates.
//
//go:embed *.html
var FS embed.FS

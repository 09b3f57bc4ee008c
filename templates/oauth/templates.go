// Package oauth holds the HTML pages of the OAuth flow (login and consent,
// out-of-band code, error), embedded in the binary. The api package
// renders them with html/template.
package oauth

import "embed"

// FS holds layout.html and the pages that use it.
//
//go:embed *.html
var FS embed.FS

package federation

import "github.com/coopol/coopol/text"

func sanitize(html string) string { return text.SanitizeRemote(html) }

package ap

import (
	"strings"
	"time"
)

// The accessors below read decoded JSON leniently: a property may be a
// string, an object with an "id", or a list of either.

// Str returns a string property, or "".
func Str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// ID returns the id of a value that is either an IRI string or an object.
func ID(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if id, ok := x["id"].(string); ok {
			return id
		}
		if href, ok := x["href"].(string); ok && x["type"] == "Link" {
			return href
		}
	case []any:
		if len(x) > 0 {
			return ID(x[0])
		}
	}
	return ""
}

// IDs returns the ids of a property that may be a single value or a list.
func IDs(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, item := range x {
			if id := ID(item); id != "" {
				out = append(out, id)
			}
		}
	default:
		if id := ID(x); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// Objects returns the embedded objects of a property (single or list).
func Objects(v any) []map[string]any {
	switch x := v.(type) {
	case map[string]any:
		return []map[string]any{x}
	case []any:
		var out []map[string]any
		for _, item := range x {
			if m, ok := item.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// Object returns the embedded object of a property, or nil if it is only
// an IRI.
func Object(v any) map[string]any {
	if objs := Objects(v); len(objs) > 0 {
		return objs[0]
	}
	return nil
}

// Type returns the first type name of an object.
func Type(m map[string]any) string {
	switch t := m["type"].(type) {
	case string:
		return t
	case []any:
		for _, item := range t {
			if s, ok := item.(string); ok {
				return s
			}
		}
	}
	return ""
}

// Time parses an xsd:dateTime property; zero if absent or malformed.
func Time(m map[string]any, key string) time.Time {
	s := Str(m, key)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// Bool reads a boolean property.
func Bool(m map[string]any, key string) bool {
	b, _ := m[key].(bool)
	return b
}

// LangString returns a natural-language property (content, name,
// summary) and its language when given as a one-entry map.
func LangString(m map[string]any, key string) (text, lang string) {
	text = Str(m, key)
	if mp, ok := m[key+"Map"].(map[string]any); ok {
		for l, v := range mp {
			if s, ok := v.(string); ok {
				if text == "" {
					text = s
				}
				if s == text {
					lang = l
				}
			}
		}
	}
	return text, lang
}

// Host returns the lower-case host (with port) of an IRI, or "".
func Host(iri string) string {
	rest, ok := strings.CutPrefix(iri, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(iri, "http://"); !ok {
			return ""
		}
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if strings.Contains(rest, "@") {
		return ""
	}
	return strings.ToLower(rest)
}

// SameOrigin reports whether two IRIs share scheme and host.
func SameOrigin(a, b string) bool {
	h := Host(a)
	return h != "" && h == Host(b) && strings.HasPrefix(a, "https://") == strings.HasPrefix(b, "https://")
}

package text

import (
	"strings"
	"unicode/utf8"
)

// Request parameters (issue 12): no id, name, search term or post of ours
// can hold a NUL byte or bytes that are not UTF-8, and PostgreSQL refuses
// them in text. Every door checks its parameters with these and answers
// 400 rather than letting them reach the database and come back as 500s.

// CleanParam reports whether s is UTF-8 without a NUL byte.
func CleanParam(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// CleanValues reports whether every key and value of form-like values
// (url.Values, a multipart form's Value) is a CleanParam.
func CleanValues(values map[string][]string) bool {
	for k, vs := range values {
		if !CleanParam(k) {
			return false
		}
		for _, v := range vs {
			if !CleanParam(v) {
				return false
			}
		}
	}
	return true
}

// CleanJSON reports whether every string (keys included) of a decoded JSON
// value is a CleanParam. JSON's decoder already turns bytes that are not
// UTF-8 into U+FFFD, but "\u0000" decodes to a NUL byte.
func CleanJSON(v any) bool {
	switch v := v.(type) {
	case string:
		return CleanParam(v)
	case map[string]any:
		for k, x := range v {
			if !CleanParam(k) || !CleanJSON(x) {
				return false
			}
		}
	case []any:
		for _, x := range v {
			if !CleanJSON(x) {
				return false
			}
		}
	}
	return true
}

package text

import (
	"encoding/json"
	"testing"
)

func TestCleanParams(t *testing.T) {
	for s, want := range map[string]bool{"": true, "Marche 🌍": true, "a\x00b": false, "\xff\xfe": false} {
		if got := CleanParam(s); got != want {
			t.Errorf("CleanParam(%q) = %v", s, got)
		}
	}
	if CleanValues(map[string][]string{"status": {"ok", "a\x00"}}) || CleanValues(map[string][]string{"\x00": {"ok"}}) {
		t.Error("CleanValues accepts a NUL")
	}
	for body, want := range map[string]bool{
		`{"status":"ok","poll":{"options":["a","b"]}}`: true,
		`{"status":"a\u0000b"}`:                        false,
		`{"poll":{"options":["a","\u0000"]}}`:          false,
		`{"a\u0000":1}`:                                false,
		`{"status":"backslash \\u0000 is text"}`:       true,
	} {
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		if got := CleanJSON(v); got != want {
			t.Errorf("CleanJSON(%s) = %v", body, got)
		}
	}
}

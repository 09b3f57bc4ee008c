package federation

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecodeJSON: the bounded decoder never panics and never accepts
// nesting beyond maxJSONDepth (C-08).
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":"c\"{{{"}]}`))
	f.Add([]byte(strings.Repeat("[", 40)))
	f.Add([]byte(`{"x":"\\"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeJSON(data)
		if err != nil {
			return
		}
		var depth func(v any) int
		depth = func(v any) int {
			switch x := v.(type) {
			case map[string]any:
				d := 0
				for _, e := range x {
					d = max(d, depth(e))
				}
				return d + 1
			case []any:
				d := 0
				for _, e := range x {
					d = max(d, depth(e))
				}
				return d + 1
			}
			return 0
		}
		if depth(m) > maxJSONDepth {
			b, _ := json.Marshal(m)
			t.Fatalf("accepted a document nested %d deep: %s", depth(m), b)
		}
	})
}

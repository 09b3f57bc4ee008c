package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The hand-written encoders must write exactly what encoding/json writes
// (json_append.go). fillAll sets every field, by reflection, so a field
// added to an entity without its line in the encoder fails here.

// awkward holds what encoding/json escapes: HTML, quotes, control
// characters, invalid UTF-8 and the JavaScript line separators.
const awkward = "<p>Tom & \"Jerry\"</p>\\ \b\f\n\r\t\x01\x1f é 💡 \u2028\u2029 \xff\xfe end"

func fillAll(v reflect.Value, seed string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(seed + " " + awkward)
	case reflect.Bool:
		v.SetBool(len(seed)%2 == 0)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(len(seed)) * 1001)
	case reflect.Pointer:
		if v.Type().Elem() == reflect.TypeFor[statusJSON]() && strings.Count(seed, ".") > 1 {
			return // one level of reblog is enough
		}
		p := reflect.New(v.Type().Elem())
		fillAll(p.Elem(), seed)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			fillAll(v.Field(i), seed+"."+f.Name)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fillAll(s.Index(i), fmt.Sprintf("%s[%d]", seed, i))
		}
		v.Set(s)
	case reflect.Interface:
		v.Set(reflect.ValueOf(map[string]any{"key": seed + awkward, "n": 3, "list": []any{true, nil}}))
	default:
		panic("fillAll: no rule for " + v.Kind().String())
	}
}

func assertSameJSON[T any](t *testing.T, name string, v *T, appendItem func([]byte, *T) []byte) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	got := appendItem(nil, v)
	if string(got) != string(want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: hand-written JSON differs from encoding/json at byte %d:\n got: …%s\nwant: …%s", name, i,
			got[max(0, i-60):min(len(got), i+60)], want[max(0, i-60):min(len(want), i+60)])
	}
	if !json.Valid(got) {
		t.Fatalf("%s: invalid JSON", name)
	}
}

func TestHandWrittenJSONMatchesEncodingJSON(t *testing.T) {
	var full statusJSON
	fillAll(reflect.ValueOf(&full).Elem(), "status")
	if full.Reblog == nil || full.Account.Source == nil || full.Text == nil {
		t.Fatal("fillAll left fields empty")
	}
	assertSameJSON(t, "every field set", &full, appendStatusJSON)

	var zero statusJSON
	assertSameJSON(t, "zero status", &zero, appendStatusJSON)
	empty := statusJSON{Filtered: []any{}, MediaAttachments: []any{}, Mentions: []mentionJSON{}, Tags: []tagRefJSON{},
		Emojis: []any{}, Account: accountJSON{Emojis: []any{}, Roles: []any{}, Fields: []fieldJSON{}}}
	assertSameJSON(t, "empty lists", &empty, appendStatusJSON)

	var account accountJSON
	fillAll(reflect.ValueOf(&account).Elem(), "account")
	assertSameJSON(t, "account", &account, appendAccountJSON)

	var n notificationJSON
	fillAll(reflect.ValueOf(&n).Elem(), "notification")
	assertSameJSON(t, "notification", &n, appendNotificationJSON)
	assertSameJSON(t, "bare notification", &notificationJSON{ID: "1", Type: "follow"}, appendNotificationJSON)
}

// The pages the real renderer makes (boosts, replies, polls, media,
// cards, filters, pins, members-only group posts) are read field by field
// by the timeline and notification tests of this package and by the
// client libraries of tests/clients (masto.js, megalodon, Mastodon.py,
// toot).

func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", awkward, "\x00", "\u2028", "\xed\xa0\x80", "a\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}

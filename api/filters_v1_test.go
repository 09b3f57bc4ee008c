package api_test

import (
	"net/url"
	"testing"

	"github.com/coopol/coopol/coopoltest"
)

// TestFiltersV1AreAViewOfV2: issue 15, /api/v1/filters answered an empty
// list whatever the account had filtered. It is now Mastodon's view of
// filters v2: one v1 filter per keyword, with its filter's context,
// expiry and action; a v1 filter made by an old app is a v2 filter that
// filters statuses; context changes through v1 are refused on a filter
// with several keywords (and change nothing); other accounts see none of
// it; deleting the last keyword deletes the v2 filter.
func TestFiltersV1AreAViewOfV2(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, carol := login(t, inst, "carol", false)
		_, bob := login(t, inst, "bob", false)
		if l := carol.get("/api/v1/filters").list(); len(l) != 0 {
			t.Fatalf("no filter yet: %v", l)
		}
		v2 := carol.post("/api/v2/filters", map[string]any{"title": "Grève", "context": []string{"home", "public"}, "filter_action": "hide",
			"keywords_attributes": []map[string]any{{"keyword": "greve", "whole_word": true}, {"keyword": "piquet", "whole_word": false}}}).obj()
		l := carol.get("/api/v1/filters").list()
		if len(l) != 2 || str(l[0], "phrase") != "greve" || l[0]["whole_word"] != true || str(l[1], "phrase") != "piquet" || l[1]["whole_word"] != false ||
			l[0]["irreversible"] != true || len(path(l[0], "context").([]any)) != 2 || l[0]["expires_at"] != nil {
			t.Fatalf("v1 view of a v2 filter: %v", l)
		}
		if str(l[0], "id") != str(v2, "keywords.0.id") {
			t.Fatalf("a v1 filter's id is its keyword's: %v vs %v", l[0]["id"], v2["keywords"])
		}
		one := carol.get("/api/v1/filters/" + str(l[1], "id")).obj()
		if str(one, "phrase") != "piquet" {
			t.Fatalf("GET one: %v", one)
		}
		bob.get("/api/v1/filters/" + str(l[1], "id")).status(404)
		if l := bob.get("/api/v1/filters").list(); len(l) != 0 {
			t.Fatalf("bob sees carol's filters: %v", l)
		}

		// The keyword may change; the shared context may not, through v1.
		carol.do("PUT", "/api/v1/filters/"+str(l[1], "id"), map[string]any{"phrase": "piquets"}).ok()
		carol.do("PUT", "/api/v1/filters/"+str(l[1], "id"), map[string]any{"phrase": "piquets", "context": []string{"thread"}}).status(422)
		if f := carol.get("/api/v2/filters/" + str(v2, "id")).obj(); len(path(f, "context").([]any)) != 2 || str(f, "keywords.1.keyword") != "piquets" {
			t.Fatalf("v2 filter after v1 edits: %v", f)
		}
		carol.do("DELETE", "/api/v2/filters/"+str(v2, "id"), nil).ok()

		// An old app's v1 filter (form-encoded, as Mastodon.py sends it).
		created := carol.do("POST", "/api/v1/filters", url.Values{"phrase": {"manif"}, "context[]": {"home", "thread"}, "whole_word": {"1"}, "irreversible": {"0"}, "expires_in": {"3600"}}).obj()
		if str(created, "phrase") != "manif" || created["irreversible"] != false || created["expires_at"] == nil || len(path(created, "context").([]any)) != 2 {
			t.Fatalf("created v1 filter: %v", created)
		}
		carol.post("/api/v1/filters", map[string]any{"phrase": " ", "context": []string{"home"}}).status(422)
		carol.post("/api/v1/filters", map[string]any{"phrase": "x", "context": []string{"nowhere"}}).status(422)
		v2s := carol.get("/api/v2/filters").list()
		if len(v2s) != 1 || str(v2s[0], "title") != "manif" || str(v2s[0], "filter_action") != "warn" || str(v2s[0], "keywords.0.id") != str(created, "id") {
			t.Fatalf("v2 filters after a v1 create: %v", v2s)
		}
		st := carol.postStatus("Grande manif samedi", "public")
		if got := carol.get("/api/v1/statuses/" + str(st, "id")).obj(); str(got, "filtered.0.keyword_matches.0") != "manif" {
			t.Fatalf("the v1 filter does not filter: %v", got["filtered"])
		}
		// One keyword: v1 may change everything, then delete it all.
		carol.do("PUT", "/api/v1/filters/"+str(created, "id"), map[string]any{"irreversible": true, "context": []string{"public"}}).ok()
		if f := carol.get("/api/v2/filters").list(); str(f[0], "filter_action") != "hide" || str(f[0], "context.0") != "public" {
			t.Fatalf("v1 edit of a one-keyword filter: %v", f)
		}
		carol.do("DELETE", "/api/v1/filters/"+str(created, "id"), nil).ok()
		if f := carol.get("/api/v2/filters").list(); len(f) != 0 {
			t.Fatalf("the v2 filter outlived its last keyword: %v", f)
		}
		carol.do("DELETE", "/api/v1/filters/"+str(created, "id"), nil).status(404)
	})
}

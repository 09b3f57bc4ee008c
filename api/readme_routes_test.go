package api_test

import (
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/api"
	"github.com/coopol/coopol/media"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/streaming"
)

// clientAPIRoutes are the routes of the client API as the server mounts
// them (server.routes: api.Register, then streaming's Mount), as
// "METHOD /path" lines, sorted. OPTIONS (CORS preflight) is left out.
func clientAPIRoutes(t *testing.T) []string {
	t.Helper()
	r := gin.New()
	h := api.Register(r, api.Deps{Social: &social.Service{}, Media: &media.Service{}})
	(&streaming.Streaming{}).Mount(r, h)
	var out []string
	for _, rt := range r.Routes() {
		if rt.Method == "OPTIONS" {
			continue
		}
		if strings.HasPrefix(rt.Path, "/api/") || strings.HasPrefix(rt.Path, "/oauth/") || rt.Path == "/.well-known/oauth-authorization-server" {
			out = append(out, rt.Method+" "+rt.Path)
		}
	}
	sort.Slice(out, func(i, j int) bool { return routeLess(out[i], out[j]) })
	return out
}

// routeLess orders "METHOD /path" lines by path, then method, as the
// README lists them.
func routeLess(a, b string) bool {
	ma, pa, _ := strings.Cut(a, " ")
	mb, pb, _ := strings.Cut(b, " ")
	if pa != pb {
		return pa < pb
	}
	return ma < mb
}

// readmeAPISection is the README's "Mastodon client API" section, up to
// the next top-level heading.
func readmeAPISection(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "\n## Mastodon client API\n")
	if start < 0 {
		t.Fatal("README has no “Mastodon client API” section")
	}
	s = s[start+1:]
	if end := strings.Index(s[3:], "\n## "); end >= 0 {
		s = s[:end+3]
	}
	return s
}

// TestPrintAPIRoutes prints the list for the README when
// COOPOL_PRINT_ROUTES is set: go test ./api -run TestPrintAPIRoutes -v.
func TestPrintAPIRoutes(t *testing.T) {
	if os.Getenv("COOPOL_PRINT_ROUTES") == "" {
		t.Skip("set COOPOL_PRINT_ROUTES=1 to print the README's route list")
	}
	for _, r := range clientAPIRoutes(t) {
		m, p, _ := strings.Cut(r, " ")
		t.Logf("%-6s %s", m, p)
	}
}

// TestREADMEListsExactlyTheAPIRoutes: issue 15, the README's list of
// supported endpoints is kept exact. The list between the api-routes
// markers must be the routes the server mounts, no more, no less: adding
// or removing a route without the README fails here.
func TestREADMEListsExactlyTheAPIRoutes(t *testing.T) {
	section := readmeAPISection(t)
	const begin, end = "<!-- api-routes:begin -->", "<!-- api-routes:end -->"
	i, j := strings.Index(section, begin), strings.Index(section, end)
	if i < 0 || j < i {
		t.Fatalf("the README's client API section has no %s … %s list", begin, end)
	}
	var listed []string
	for _, line := range strings.Split(section[i+len(begin):j], "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && strings.HasPrefix(f[1], "/") {
			listed = append(listed, f[0]+" "+f[1])
		}
	}
	if !sort.SliceIsSorted(listed, func(i, j int) bool { return routeLess(listed[i], listed[j]) }) {
		t.Error("the README's route list is not sorted by path, then method")
	}
	routes := clientAPIRoutes(t)
	for _, r := range routes {
		if !slices.Contains(listed, r) {
			t.Errorf("route %q is served but missing from the README's list", r)
		}
	}
	for _, l := range listed {
		if !slices.Contains(routes, l) {
			t.Errorf("the README lists %q, which the server does not serve", l)
		}
	}
	if len(routes) < 150 {
		t.Fatalf("only %d routes found: the route listing itself is broken", len(routes))
	}
}

// TestREADMEProseNamesOnlyServedRoutes: every absolute API path the
// prose of the client API section names (`/api/v1/…`, with its methods
// when it gives them, `a|b` alternatives expanded) is served.
func TestREADMEProseNamesOnlyServedRoutes(t *testing.T) {
	section := readmeAPISection(t)
	if k := strings.Index(section, "<!-- api-routes:begin -->"); k >= 0 {
		section = section[:k]
	}
	routes := clientAPIRoutes(t)
	ref := regexp.MustCompile("`((?:[A-Z]+\\|)*[A-Z]+ )?(/(?:api/v\\d|oauth)/[^`\\s?…]*)[^`]*`")
	matches := ref.FindAllStringSubmatch(section, -1)
	if len(matches) < 40 {
		t.Fatalf("only %d paths found in the prose: the parser is broken", len(matches))
	}
	for _, m := range matches {
		methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
		anyMethod := m[1] == ""
		if !anyMethod {
			methods = strings.Split(strings.TrimSpace(m[1]), "|")
		}
		for _, path := range expandAlternatives(strings.TrimSuffix(m[2], "/")) {
			found := 0
			for _, method := range methods {
				if routeServed(routes, method, path) {
					found++
				}
			}
			if (anyMethod && found == 0) || (!anyMethod && found != len(methods)) {
				t.Errorf("the README names %s%s, which the server does not serve", m[1], path)
			}
		}
	}
}

// expandAlternatives turns /a/b|c into /a/b and /a/c (one segment).
func expandAlternatives(path string) []string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.Contains(s, "|") {
			var out []string
			for _, alt := range strings.Split(s, "|") {
				cp := slices.Clone(segs)
				cp[i] = alt
				out = append(out, expandAlternatives(strings.Join(cp, "/"))...)
			}
			return out
		}
	}
	return []string{path}
}

// routeServed: a README segment ":x" matches a route parameter of any
// name, a literal matches the same literal or a parameter.
func routeServed(routes []string, method, path string) bool {
	want := strings.Split(path, "/")
	for _, r := range routes {
		m, p, _ := strings.Cut(r, " ")
		if m != method {
			continue
		}
		got := strings.Split(p, "/")
		if len(got) != len(want) {
			continue
		}
		ok := true
		for i := range got {
			param := strings.HasPrefix(got[i], ":")
			if got[i] != want[i] && !param || strings.HasPrefix(want[i], ":") && !param {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

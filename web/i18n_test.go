package web

import (
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"testing"

	webtemplates "github.com/coopol/coopol/templates/web"
)

// dynamicKeys are catalog keys templates and handlers build at run time
// (printf "visibility.%s" ...): listed here so the check below sees them.
func dynamicKeys() []string {
	keys := []string{}
	for _, l := range Languages {
		keys = append(keys, "lang."+l)
	}
	for i := range 7 {
		keys = append(keys, "date.day.d"+strconv.Itoa(i))
	}
	for i := 1; i <= 12; i++ {
		keys = append(keys, "date.month.m"+strconv.Itoa(i))
	}
	return append(keys, extraDynamicKeys...)
}

var tmplKeyAnyRe = regexp.MustCompile(`\(?\btn? "([a-z0-9_.]+)"`)

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	c, err := newCatalog("fr")
	if err != nil {
		t.Fatal(err)
	}
	fr, err := c.messageIDs("fr")
	if err != nil {
		t.Fatal(err)
	}
	en, err := c.messageIDs("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range fr {
		if !slices.Contains(en, id) {
			t.Errorf("en.yaml lacks %s", id)
		}
	}
	for _, id := range en {
		if !slices.Contains(fr, id) {
			t.Errorf("fr.yaml lacks %s", id)
		}
	}
}

func TestEveryKeyTemplatesUseExists(t *testing.T) {
	c, err := newCatalog("fr")
	if err != nil {
		t.Fatal(err)
	}
	known, _ := c.messageIDs("fr")
	files, _ := fs.Glob(webtemplates.FS, "*.html")
	used := map[string]string{}
	for _, f := range files {
		b, _ := fs.ReadFile(webtemplates.FS, f)
		for _, m := range tmplKeyAnyRe.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = f
		}
	}
	if len(used) < 20 {
		t.Fatalf("found only %d keys: is the pattern right?", len(used))
	}
	for key, f := range used {
		if !slices.Contains(known, key) {
			t.Errorf("%s uses %q, which the catalogs lack", f, key)
		}
	}
	for _, key := range dynamicKeys() {
		if !slices.Contains(known, key) {
			t.Errorf("dynamic key %q missing from the catalogs", key)
		}
	}
	// Keys the Go code uses.
	for _, key := range goKeys(t) {
		if !slices.Contains(known, key) {
			t.Errorf("Go code uses %q, which the catalogs lack", key)
		}
	}
}

var goKeyRe = regexp.MustCompile(`(?:h\.t\(c, |h\.msgs\.[TN]\(lang, |errorPage\(c, http\.Status\w+, |flash\(c, |Message: )"([a-z0-9_.]+)"`)

// goKeys collects the literal keys of the package's Go files.
func goKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	entries, err := fs.Glob(goFiles, "*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range entries {
		b, _ := fs.ReadFile(goFiles, f)
		for _, m := range goKeyRe.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 10 {
		t.Fatalf("found only %d keys in Go files", len(keys))
	}
	return keys
}

func TestDomainKey(t *testing.T) {
	for in, want := range map[string]string{
		`username "bob" is taken`:                          "username_is_taken",
		"text can't be blank":                              "text_can_t_be_blank",
		"e-mail address is not valid":                      "e_mail_address_is_not_valid",
		"members-only posts belong to a group: choose one": "members_only_posts_belong_to_a_group_choose_one",
	} {
		if got := domainKey(in); got != want {
			t.Errorf("domainKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/home": "/home", "/@alice/1?x=1": "/@alice/1?x=1", "": "/", "//evil.example": "/", "/\\evil.example": "/",
		"https://evil.example/": "/", "javascript:alert(1)": "/", "/a\r\nSet-Cookie: x": "/",
	} {
		if got := localPath(in, "/"); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Issue 16, "no English left in messages": every validation message of
// the domain (social.invalid(...) and &ValidationError{Msg: ...}) that a
// form can show has its French text in the catalog, under "domain.".
// The source is read, so that a new message without a translation
// fails here rather than in front of a member.
var domainMsgRe = regexp.MustCompile(`(?:invalid\(|ValidationError\{Msg: )"((?:[^"\\]|\\.)*)"`)

// formatVerbRe: a %q or %s is a value (a name, a number) in the message.
var formatVerbRe = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)

func TestEveryDomainMessageIsTranslated(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "social", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no social sources: %v", err)
	}
	c, err := newCatalog("fr")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range domainMsgRe.FindAllStringSubmatch(string(src), -1) {
			seen++
			// The message as the domain makes it: a number, a list of
			// choices, a quoted name.
			msg := formatVerbRe.ReplaceAllStringFunc(strings.ReplaceAll(m[1], `\"`, `"`), func(v string) string {
				switch v[len(v)-1] {
				case 'q':
					return `"x"`
				case 'd':
					return "612"
				}
				return "admin, moderator, member"
			})
			if strings.Trim(msg, "admin, moderator, member") == "" {
				continue // "%s": a message made elsewhere, checked there
			}
			for _, lang := range Languages {
				got, ok := c.domain(lang, msg)
				if !ok {
					t.Errorf("%s: %q has no %s text (domain.%s)", filepath.Base(f), m[1], lang, domainKey(msg))
				} else if strings.Contains(got, "{{") || strings.Contains(got, "<no value>") {
					t.Errorf("%s: %q reads %q in %s", filepath.Base(f), m[1], got, lang)
				}
			}
		}
	}
	for msg, want := range map[string]string{
		"text is too long (612 characters, at most 500)": "Le texte est trop long (612 caractères, 500 au plus).",
		"role must be one of admin, moderator, member":   "Choisissez un rôle de la liste.",
		`username "bob" is taken`:                        "Ce nom d’utilisateur est déjà pris.",
	} {
		if got, _ := c.domain("fr", msg); got != want {
			t.Errorf("%q reads %q, want %q", msg, got, want)
		}
	}
	if _, ok := c.domain("fr", "something nobody wrote"); ok {
		t.Error("an unknown message found a text")
	}
	if seen < 50 {
		t.Fatalf("found only %d domain messages: is the pattern right?", seen)
	}
}

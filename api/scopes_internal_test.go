package api

import (
	"strings"
	"testing"
)

func TestU01_ScopeCoverage(t *testing.T) {
	for _, tc := range []struct {
		granted, required string
		want              bool
	}{
		{"read", "read:statuses", true},
		{"read", "read:coopol", true},
		{"read", "read", true},
		{"read", "write:statuses", false},
		{"read", "write", false},
		{"read", "admin:read:accounts", false},
		{"read", "profile", false},
		{"write", "write:media", true},
		{"write", "read:statuses", false},
		{"read:statuses", "read", false},
		{"read:statuses", "read:accounts", false},
		{"follow", "read:follows", true},
		{"follow", "write:blocks", true},
		{"follow", "read:mutes", true},
		{"follow", "read:statuses", false},
		{"admin:read", "admin:read:reports", true},
		{"admin:read", "admin:write:reports", false},
		{"admin:write", "admin:write:accounts", true},
		{"readx", "readx:statuses", false},
	} {
		if got := scopeCovers(tc.granted, tc.required); got != tc.want {
			t.Errorf("%s covers %s = %v, want %v", tc.granted, tc.required, got, tc.want)
		}
	}
	if !isSubset([]string{"read:statuses", "write"}, []string{"read", "write"}) || isSubset([]string{"push"}, []string{"read"}) {
		t.Error("isSubset")
	}
	if got := strings.Join(parseScopes("read+write  follow read"), ","); got != "read,write,follow" {
		t.Errorf("parseScopes = %s", got)
	}
	if bad := unknownScopes([]string{"read", "admin:everything", "write:coopol"}); len(bad) != 1 || bad[0] != "admin:everything" {
		t.Errorf("unknownScopes = %v", bad)
	}
}

func TestPreferredLanguage(t *testing.T) {
	sup := func(tag string) string {
		tag = strings.ToLower(strings.TrimSpace(tag))
		if i := strings.IndexAny(tag, "-_"); i > 0 {
			tag = tag[:i]
		}
		if tag == "fr" || tag == "en" {
			return tag
		}
		return ""
	}
	for header, want := range map[string]string{
		"":                        "",
		"de-DE,de;q=0.9":          "",
		"en-US,en;q=0.9,fr;q=0.8": "en",
		"de,fr-FR;q=0.7,en;q=0.5": "fr",
		"en;q=0.2, fr-CA;q=0.9":   "fr",
		"fr;q=0, en;q=0.1":        "en",
		"*":                       "",
	} {
		if got := preferredLanguage(header, sup); got != want {
			t.Errorf("%q → %q, want %q", header, got, want)
		}
	}
}

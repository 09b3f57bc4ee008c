package api

import (
	"slices"
	"strings"
)

// OAuth scopes, as Mastodon defines them (docs.joinmastodon.org/api/oauth-scopes),
// plus read:coopol / write:coopol for Coopol's extensions (groups, events,
// field actions). Unknown scopes are refused everywhere (U-01).
var scopesSupported = []string{
	"read", "write", "follow", "push", "profile", "admin:read", "admin:write",

	"read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters", "read:follows",
	"read:lists", "read:mutes", "read:notifications", "read:search", "read:statuses", "read:coopol",

	"write:accounts", "write:blocks", "write:bookmarks", "write:conversations", "write:favourites",
	"write:filters", "write:follows", "write:lists", "write:media", "write:mutes", "write:notifications",
	"write:reports", "write:statuses", "write:coopol",

	"admin:read:accounts", "admin:read:reports", "admin:read:domain_allows", "admin:read:domain_blocks",
	"admin:read:ip_blocks", "admin:read:email_domain_blocks", "admin:read:canonical_email_blocks",
	"admin:write:accounts", "admin:write:reports", "admin:write:domain_allows", "admin:write:domain_blocks",
	"admin:write:ip_blocks", "admin:write:email_domain_blocks", "admin:write:canonical_email_blocks",
}

// followScopes are what the legacy `follow` scope grants.
var followScopes = []string{"read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"}

// defaultScope is what a client gets when it asks for nothing.
const defaultScope = "read"

// isKnownScope reports whether s is a scope this server grants.
func isKnownScope(s string) bool { return slices.Contains(scopesSupported, s) }

// parseScopes splits a scope string (space or "+" separated, as clients
// send them) into distinct scopes, in order. It does not validate.
func parseScopes(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '+' || r == '\t' || r == '\n' || r == '\r' }) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// unknownScopes returns the scopes in list that this server does not know.
func unknownScopes(list []string) []string {
	var bad []string
	for _, s := range list {
		if !isKnownScope(s) {
			bad = append(bad, s)
		}
	}
	return bad
}

// scopeCovers reports whether a granted scope gives the required one:
// equal, or a parent (`read` covers `read:statuses`, `admin:read` covers
// `admin:read:accounts`), or `follow` for the follow/block/mute scopes.
func scopeCovers(granted, required string) bool {
	if granted == required {
		return true
	}
	if granted == "follow" {
		return slices.Contains(followScopes, required)
	}
	switch granted {
	case "read", "write", "admin:read", "admin:write":
		return strings.HasPrefix(required, granted+":")
	}
	return false
}

// scopesAllow reports whether any granted scope covers any required one.
func scopesAllow(granted []string, required ...string) bool {
	for _, r := range required {
		for _, g := range granted {
			if scopeCovers(g, r) {
				return true
			}
		}
	}
	return false
}

// isSubset reports whether every requested scope was registered by the
// application. A requested scope counts as registered when a registered
// scope covers it (an app registered for `read` may ask for
// `read:statuses`), as Mastodon does.
func isSubset(requested, registered []string) bool {
	for _, r := range requested {
		if !scopesAllow(registered, r) {
			return false
		}
	}
	return true
}

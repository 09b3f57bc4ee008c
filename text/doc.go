// Package text turns untrusted text into safe HTML, and HTML back into text.
//
// It does two jobs:
//
//   - SanitizeRemote cleans HTML that arrives over federation (and any HTML
//     we are about to output again: translations, search snippets, RSS,
//     e-mails…) with Mastodon's strict allowlist (security doc C-01, C-03),
//     expressed as a bluemonday policy with small passes before and after it
//     for what an allowlist cannot say. StripHTML turns such HTML into plain
//     text.
//   - Format turns the plain text of a local post into HTML the way Mastodon
//     does: paragraphs, links, mentions and hashtags. CountChars measures a
//     post against the length limit (C-07) and NormalizeTag gives tag ids.
//
// Every function accepts any string (including invalid UTF-8) and never
// panics; all functions are safe for concurrent use because the package
// holds no mutable state (the bluemonday policy is built once at package
// initialization and only read afterwards).
package text

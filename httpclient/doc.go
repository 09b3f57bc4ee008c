// Package httpclient is the one outbound HTTP client that every remote fetch
// and delivery in Coopol goes through: ActivityPub dereferencing, inbox
// delivery, WebFinger, avatars, emoji, link previews, "upload from URL" and
// admin-entered URLs alike (N-07). Having a single client means the SSRF rules
// below are enforced in one place instead of being re-implemented (and
// forgotten) at every call site.
//
// What the client guarantees:
//
//   - Only public addresses are dialled (N-01). The check runs on the IP that
//     is actually connected to, after our own DNS resolution, and again in
//     net.Dialer.Control, so DNS rebinding (N-02) and redirects to internal
//     hosts (N-03) are covered. Operators may allow specific private ranges
//     with Config.AllowedPrivate.
//   - At most Config.MaxRedirects redirects are followed, each hop's URL is
//     re-validated, and a stale HTTP signature is never forwarded to the new
//     hop (N-03, A-04).
//   - One deadline covers the whole exchange including the body (N-05), so a
//     peer trickling bytes cannot hold a worker forever.
//   - HTTP(S)_PROXY is deliberately ignored (N-08).
//
// What callers must still do:
//
//   - Read bodies with ReadLimited (N-04), never io.ReadAll(resp.Body).
//   - Check IsActivityPubContentType before parsing an ActivityPub document
//
//   - Treat resp.Request.URL, not the URL they asked for, as the origin of the
//     document: after a redirect the content comes from another place.
package httpclient

package httpsign

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Pseudo-headers defined by draft-cavage.
const (
	headerRequestTarget = "(request-target)"
	headerCreated       = "(created)"
	headerExpires       = "(expires)"
)

// Signature holds the parameters of a draft-cavage Signature header.
type Signature struct {
	KeyID string
	// Algorithm is the raw algorithm parameter, "" when absent. It is only
	// checked against an allow-list; verification always uses RSA-SHA256.
	Algorithm string
	// Headers lists the covered headers, lower-cased, in signing order. When the
	// parameter is absent it holds Mastodon's default: "(created)" for hs2019
	// (the default algorithm), "date" otherwise.
	Headers   []string
	Signature []byte
	// Created and Expires are the created/expires parameters, nil when absent.
	Created, Expires *time.Time
}

// maxUnixSeconds bounds created/expires (end of year 9999) so that time
// arithmetic on them cannot overflow.
const maxUnixSeconds = 253402300799

// ParseSignatureHeader parses a Signature header value, or an Authorization
// value using the "Signature" scheme. The grammar follows Mastodon's parser:
// comma-separated name=value pairs, value a token or a quoted-string, optional
// whitespace around commas only. Anything else is rejected with ErrMalformed
// rather than guessed at, so that we never verify something other than what a
// stricter peer would.
func ParseSignatureHeader(v string) (*Signature, error) {
	s := strings.TrimSpace(v)
	s = stripAuthScheme(s)

	params, err := parseParams(s)
	if err != nil {
		return nil, err
	}

	sig := &Signature{
		KeyID:     params["keyId"],
		Algorithm: params["algorithm"],
	}
	if sig.KeyID == "" {
		return nil, fmt.Errorf("%w: missing keyId", ErrMalformed)
	}

	rawSig, ok := params["signature"]
	if !ok || rawSig == "" {
		return nil, fmt.Errorf("%w: missing signature", ErrMalformed)
	}
	sig.Signature, err = base64.StdEncoding.Strict().DecodeString(rawSig)
	if err != nil {
		return nil, fmt.Errorf("%w: signature is not valid base64: %w", ErrMalformed, err)
	}

	if raw, ok := params["headers"]; ok {
		sig.Headers, err = parseHeaderList(raw)
		if err != nil {
			return nil, err
		}
	} else if sig.Algorithm == "" || strings.EqualFold(sig.Algorithm, "hs2019") {
		sig.Headers = []string{headerCreated}
	} else {
		sig.Headers = []string{"date"}
	}

	if raw, ok := params["created"]; ok {
		if sig.Created, err = parseUnixParam("created", raw); err != nil {
			return nil, err
		}
	}
	if raw, ok := params["expires"]; ok {
		if sig.Expires, err = parseUnixParam("expires", raw); err != nil {
			return nil, err
		}
	}
	return sig, nil
}

// stripAuthScheme removes a leading "Signature " auth-scheme. A parameter can
// never be followed by whitespace before its "=", so a leading "signature"
// followed by whitespace is always the scheme, never the signature parameter.
func stripAuthScheme(s string) string {
	const scheme = "signature"
	if len(s) <= len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) {
		return s
	}
	if c := s[len(scheme)]; c != ' ' && c != '\t' {
		return s
	}
	return strings.TrimLeft(s[len(scheme):], " \t")
}

// parseParams parses `name=value *( OWS "," OWS name=value )`.
func parseParams(s string) (map[string]string, error) {
	params := make(map[string]string)
	seen := make(map[string]bool) // lower-cased names, to catch "keyId" vs "keyid"
	rest := s
	for {
		name, after := readToken(rest)
		if name == "" {
			return nil, fmt.Errorf("%w: expected parameter name at %q", ErrMalformed, excerpt(rest))
		}
		if !strings.HasPrefix(after, "=") {
			return nil, fmt.Errorf("%w: expected '=' after parameter %q", ErrMalformed, name)
		}
		rest = after[1:]

		var value string
		if strings.HasPrefix(rest, `"`) {
			var err error
			value, rest, err = readQuoted(rest)
			if err != nil {
				return nil, fmt.Errorf("%w: parameter %q: %w", ErrMalformed, name, err)
			}
		} else {
			value, rest = readToken(rest)
			if value == "" {
				return nil, fmt.Errorf("%w: parameter %q has no value", ErrMalformed, name)
			}
		}

		lower := strings.ToLower(name)
		if seen[lower] {
			return nil, fmt.Errorf("%w: duplicate parameter %q", ErrMalformed, name)
		}
		seen[lower] = true
		params[name] = value

		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			return params, nil
		}
		if rest[0] != ',' {
			return nil, fmt.Errorf("%w: expected ',' after parameter %q", ErrMalformed, name)
		}
		rest = strings.TrimLeft(rest[1:], " \t")
		if rest == "" {
			return nil, fmt.Errorf("%w: trailing ','", ErrMalformed)
		}
	}
}

// isTokenChar reports whether c is an RFC 7230 tchar.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// readToken returns the longest token prefix of s and the remainder.
func readToken(s string) (token, rest string) {
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

// readQuoted reads an RFC 7230 quoted-string at the start of s (which begins
// with '"') and returns its unescaped content and the remainder.
func readQuoted(s string) (value, rest string, err error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), s[i+1:], nil
		case c == '\\':
			i++
			if i >= len(s) {
				return "", "", errors.New("unterminated escape")
			}
			if isCtl(s[i]) {
				return "", "", errors.New("control character in quoted string")
			}
			b.WriteByte(s[i])
		case isCtl(c):
			return "", "", errors.New("control character in quoted string")
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated quoted string")
}

// isCtl reports control characters other than horizontal tab, which
// quoted-strings may not contain.
func isCtl(c byte) bool {
	return (c < 0x20 && c != '\t') || c == 0x7f
}

// parseHeaderList parses the headers parameter: lower-cased header names or
// draft-cavage pseudo-headers separated by spaces.
func parseHeaderList(raw string) ([]string, error) {
	names := strings.Fields(strings.ToLower(raw))
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: empty headers parameter", ErrMalformed)
	}
	for _, n := range names {
		switch n {
		case headerRequestTarget, headerCreated, headerExpires:
			continue
		}
		if tok, rest := readToken(n); tok == "" || rest != "" {
			return nil, fmt.Errorf("%w: invalid header name %q in headers parameter", ErrMalformed, excerpt(n))
		}
	}
	return names, nil
}

// parseUnixParam parses the created/expires parameters (integer Unix seconds).
func parseUnixParam(name, raw string) (*time.Time, error) {
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n <= 0 || n > maxUnixSeconds {
		return nil, fmt.Errorf("%w: invalid %s parameter %q", ErrMalformed, name, excerpt(raw))
	}
	t := time.Unix(n, 0).UTC()
	return &t, nil
}

// excerpt shortens attacker-controlled input before it goes into an error.
func excerpt(s string) string {
	const maxLen = 40
	if len(s) > maxLen {
		return s[:maxLen] + "..."
	}
	return s
}

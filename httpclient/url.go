package httpclient

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

// ErrInvalidURL is returned (wrapped) by ValidateURL, and by Client.Do and
// the redirect policy, for URLs we refuse to fetch.
var ErrInvalidURL = errors.New("httpclient: invalid URL")

// maxURLLength bounds the URLs we are willing to fetch. Real ActivityPub IDs
// are far shorter; the cap keeps a hostile document from making us build and
// send megabyte-long request lines.
const maxURLLength = 4096

// hostProfile converts host names to their ASCII (punycode) form the way a
// resolver would see them (C-06, N-06): UTS #46 lookup mapping (which also
// lowercases), the Bidi rule, RFC 1034 characters only, and DNS length limits.
// CheckHyphens is off because labels like "r3---sn-abc" are in real use;
// leading and trailing hyphens are refused separately in validHostname.
var hostProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.VerifyDNSLength(true),
	idna.Transitional(false),
	idna.CheckHyphens(false),
)

// ValidateURL parses raw and refuses anything we should not fetch: schemes
// other than http and https, embedded credentials, control characters
// (CR/LF header injection, N-06), whitespace, empty or malformed hosts,
// IP zones and bad ports. The returned URL has its host normalised to
// lowercase punycode without a trailing dot, and IPv6 literals in canonical
// form, so that hosts can be compared with == afterwards.
//
// ValidateURL does not decide whether the host is public: that is only known
// once the name is resolved, and is checked on the address actually dialled.
//
// Errors never echo the URL itself, so they are safe to log.
func ValidateURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: empty", ErrInvalidURL)
	}
	if len(raw) > maxURLLength {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalidURL, maxURLLength)
	}
	// url.Parse refuses ASCII control characters, but not C1 controls,
	// spaces, invalid UTF-8 or bidi overrides (which make a URL display
	// differently from what it is); none of them belong in a URL we send.
	for _, r := range raw {
		if r == unicode.ReplacementChar || unicode.IsControl(r) || unicode.IsSpace(r) ||
			unicode.Is(unicode.Bidi_Control, r) {
			return nil, fmt.Errorf("%w: contains control, space or invalid character", ErrInvalidURL)
		}
	}

	u, err := url.Parse(raw)
	if err != nil {
		// The *url.Error would repeat the whole URL; keep only the reason.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}

	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: scheme %q is not http or https", ErrInvalidURL, u.Scheme)
	}
	if u.Opaque != "" {
		return nil, fmt.Errorf("%w: opaque URL", ErrInvalidURL)
	}
	if u.User != nil {
		// Credentials in URLs end up in logs and get forwarded on redirects.
		return nil, fmt.Errorf("%w: userinfo is not allowed", ErrInvalidURL)
	}

	host, err := normaliseHost(u.Hostname())
	if err != nil {
		return nil, err
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strings.HasPrefix(port, "0") {
			return nil, fmt.Errorf("%w: invalid port", ErrInvalidURL)
		}
	}
	// u.Port() ignores a trailing ":" with no digits; refuse it instead of
	// guessing what was meant.
	if port == "" && strings.HasSuffix(u.Host, ":") {
		return nil, fmt.Errorf("%w: empty port", ErrInvalidURL)
	}

	switch {
	case port != "":
		u.Host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":"):
		u.Host = "[" + host + "]"
	default:
		u.Host = host
	}
	return u, nil
}

// normaliseHost returns the canonical form of a URL host (without port):
// an IP literal in netip's canonical text, or a DNS name in lowercase
// punycode with no trailing dot.
func normaliseHost(host string) (string, error) {
	if host == "" {
		return "", fmt.Errorf("%w: empty host", ErrInvalidURL)
	}

	if strings.Contains(host, ":") || strings.Contains(host, "%") {
		// Only IPv6 literals contain ':'; url.Parse has already required
		// the brackets. A zone ("%eth0") names a local interface and has
		// no business in a federated URL.
		ip, err := netip.ParseAddr(host)
		if err != nil || ip.Zone() != "" || !ip.Is6() {
			return "", fmt.Errorf("%w: invalid IPv6 host", ErrInvalidURL)
		}
		return ip.String(), nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.String(), nil
	}

	// "example.com." and "example.com" are the same host; store one form.
	host = strings.TrimSuffix(host, ".")
	ascii, err := hostProfile.ToASCII(host)
	if err != nil {
		return "", fmt.Errorf("%w: invalid host name: %v", ErrInvalidURL, err)
	}
	if err := validHostname(ascii); err != nil {
		return "", err
	}
	return ascii, nil
}

// validHostname double-checks the ASCII form produced by the IDNA profile and
// refuses names that resolvers may interpret as IPv4 addresses.
func validHostname(host string) error {
	if host == "" || len(host) > 253 {
		return fmt.Errorf("%w: invalid host name length", ErrInvalidURL)
	}
	labels := strings.Split(host, ".")
	for _, label := range labels {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("%w: invalid host name label", ErrInvalidURL)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("%w: host name label starts or ends with '-'", ErrInvalidURL)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("%w: invalid character in host name", ErrInvalidURL)
			}
		}
	}
	// "2130706433", "0x7f.1" or "127.1" are not valid IP literals for
	// netip, but the C library's resolver (used with cgo) happily turns
	// them into 127.0.0.1. Following the WHATWG URL standard, a host whose
	// last label looks numeric is either a proper IPv4 literal (handled
	// before we get here) or invalid.
	if looksNumeric(labels[len(labels)-1]) {
		return fmt.Errorf("%w: numeric host name that is not an IP address", ErrInvalidURL)
	}
	return nil
}

// looksNumeric reports whether a (lowercase) label is decimal digits, or "0x"
// followed by hex digits, the "ends in a number" rule of the URL standard.
func looksNumeric(label string) bool {
	digits := "0123456789"
	if rest, ok := strings.CutPrefix(label, "0x"); ok {
		label, digits = rest, "0123456789abcdef"
		if label == "" {
			return true
		}
	}
	for i := 0; i < len(label); i++ {
		if !strings.ContainsRune(digits, rune(label[i])) {
			return false
		}
	}
	return true
}

package httpclient

import (
	"errors"
	"net/netip"
)

// ErrForbiddenAddress is returned (wrapped) when the address we would connect
// to is loopback, private, reserved or otherwise not on the public internet,
// and the operator has not allowed it. Test with errors.Is.
var ErrForbiddenAddress = errors.New("httpclient: forbidden destination address")

// forbiddenV4 is the IPv4 default-deny list (N-01). IPv4-mapped IPv6
// addresses are unmapped before they are checked against it.
var forbiddenV4 = mustPrefixes(
	"0.0.0.0/8",          // "this network"; 0.0.0.0 reaches the local host on Linux
	"10.0.0.0/8",         // RFC 1918 private
	"100.64.0.0/10",      // carrier-grade NAT shared space
	"127.0.0.0/8",        // loopback
	"169.254.0.0/16",     // link-local, includes cloud metadata 169.254.169.254
	"172.16.0.0/12",      // RFC 1918 private
	"192.0.0.0/24",       // IETF protocol assignments
	"192.0.2.0/24",       // TEST-NET-1
	"192.88.99.0/24",     // deprecated 6to4 relay anycast (RFC 7526)
	"192.168.0.0/16",     // RFC 1918 private
	"198.18.0.0/15",      // benchmarking
	"198.51.100.0/24",    // TEST-NET-2
	"203.0.113.0/24",     // TEST-NET-3
	"224.0.0.0/4",        // multicast
	"240.0.0.0/4",        // reserved
	"255.255.255.255/32", // limited broadcast (already inside 240/4; listed for clarity)
)

// ipv6Public is the only IPv6 range IANA allocates for global unicast. Anything
// outside it is non-public by definition, which is safer than enumerating
// every special range.
var ipv6Public = netip.MustParsePrefix("2000::/3")

// forbiddenV6 lists special-purpose ranges. Most lie outside 2000::/3 and are
// already refused by that rule; they are listed so the intent is explicit and
// so the table stays correct if the public rule is ever relaxed.
var forbiddenV6 = mustPrefixes(
	"::/128",         // unspecified
	"::1/128",        // loopback
	"::/96",          // deprecated IPv4-compatible addresses
	"::ffff:0:0/96",  // IPv4-mapped (normally unmapped first; kept as a backstop)
	"64:ff9b::/96",   // NAT64, embeds an IPv4 address
	"64:ff9b:1::/48", // local-use NAT64
	"100::/64",       // discard-only
	"2001::/32",      // Teredo, embeds an (obfuscated) IPv4 address
	"2001:2::/48",    // benchmarking
	"2001:10::/28",   // deprecated ORCHID
	"2001:20::/28",   // ORCHIDv2
	"2001:db8::/32",  // documentation
	"2002::/16",      // 6to4, embeds an arbitrary IPv4 address
	"3fff::/20",      // documentation (RFC 9637)
	"fc00::/7",       // unique local
	"fe80::/10",      // link-local
	"ff00::/8",       // multicast
)

func mustPrefixes(list ...string) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// IsForbidden reports whether ip may not be dialled. The operator allow-list
// is checked first, so an operator can open up e.g. 127.0.0.0/8 for tests or
// 10.0.0.0/8 for a peer on the same private network; everything else on the
// default-deny list is refused, and for IPv6 only 2000::/3 is considered
// public at all. An invalid (zero) address is always forbidden.
func IsForbidden(ip netip.Addr, allowed []netip.Prefix) bool {
	if !ip.IsValid() {
		return true
	}
	// Prefix.Contains never matches an address with a zone, so a zone would
	// let fe80::1%eth0 slip past every rule. The zone says nothing about
	// whether the address is public, so drop it.
	ip = ip.WithZone("")

	// ::ffff:127.0.0.1 is 127.0.0.1 on the wire: judge the embedded IPv4
	// address by the IPv4 rules.
	unmapped := ip.Unmap()

	for _, p := range allowed {
		if p.Contains(unmapped) || p.Contains(ip) {
			return false
		}
	}

	if unmapped.Is4() {
		return containsAny(forbiddenV4, unmapped)
	}
	if !ipv6Public.Contains(unmapped) {
		return true
	}
	return containsAny(forbiddenV6, unmapped)
}

func containsAny(prefixes []netip.Prefix, ip netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

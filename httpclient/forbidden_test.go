package httpclient

import (
	"net/netip"
	"testing"
)

// lastAddr returns the highest address in p.
func lastAddr(p netip.Prefix) netip.Addr {
	p = p.Masked()
	b := p.Addr().As16()
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	for i := bits; i < 128; i++ {
		b[i/8] |= 1 << (7 - uint(i%8))
	}
	a := netip.AddrFrom16(b)
	if p.Addr().Is4() {
		a = a.Unmap()
	}
	return a
}

// covers N-01: every range of the default-deny lists, first and last address.
func TestIsForbidden_N01_EveryListedRange(t *testing.T) {
	for _, list := range [][]netip.Prefix{forbiddenV4, forbiddenV6} {
		for _, p := range list {
			first, last := p.Masked().Addr(), lastAddr(p)
			if !IsForbidden(first, nil) {
				t.Errorf("%s (first of %s) should be forbidden", first, p)
			}
			if !IsForbidden(last, nil) {
				t.Errorf("%s (last of %s) should be forbidden", last, p)
			}
		}
	}
}

// covers N-01: named addresses from the brief and the advisories.
func TestIsForbidden_N01_DefaultDeny(t *testing.T) {
	forbidden := []string{
		// IPv4
		"0.0.0.0", "0.1.2.3",
		"10.0.0.1", "10.255.255.255",
		"100.64.0.1", "100.127.255.255",
		"127.0.0.1", "127.1.2.3",
		"169.254.169.254", // cloud metadata
		"172.16.0.1", "172.31.255.255",
		"192.0.0.8",
		"192.0.2.1",
		"192.168.1.1",
		"198.18.0.1", "198.19.255.255",
		"198.51.100.7",
		"203.0.113.9",
		"224.0.0.1", "239.255.255.250",
		"240.0.0.1",
		"255.255.255.255",
		// IPv6
		"::",
		"::1",
		"::ffff:127.0.0.1", // mapped loopback must be judged as 127.0.0.1
		"::ffff:10.0.0.1",
		"::ffff:169.254.169.254",
		"::ffff:0.0.0.0",
		"::127.0.0.1",     // deprecated IPv4-compatible
		"64:ff9b::7f00:1", // NAT64 of 127.0.0.1
		"100::1",
		"2001::1",        // Teredo
		"2001:db8::1",    // documentation
		"2002::1",        // 6to4
		"2002:7f00:1::1", // 6to4 wrapping 127.0.0.1
		"3fff::1",        // documentation (RFC 9637)
		"fc00::1", "fd12:3456:789a::1",
		"fe80::1", "fe80::1%eth0",
		"ff02::1", "ff0e::1",
		"4000::1", // outside 2000::/3
		"1::1",
	}
	for _, s := range forbidden {
		if !IsForbidden(netip.MustParseAddr(s), nil) {
			t.Errorf("%s should be forbidden", s)
		}
	}
	if !IsForbidden(netip.Addr{}, nil) {
		t.Error("zero address should be forbidden")
	}
}

// covers N-01: real public addresses are allowed. They are only values here;
// nothing in this package's tests ever dials them.
func TestIsForbidden_N01_PublicAllowed(t *testing.T) {
	public := []string{
		"1.1.1.1", "8.8.8.8", "9.9.9.9",
		// just outside the neighbouring reserved ranges
		"9.255.255.255", "11.0.0.0",
		"100.63.255.255", "100.128.0.0",
		"126.255.255.255", "128.0.0.0",
		"169.253.255.255", "169.255.0.0",
		"172.15.255.255", "172.32.0.0",
		"192.167.255.255", "192.169.0.0",
		"198.17.255.255", "198.20.0.0",
		"223.255.255.255",
		"::ffff:1.1.1.1", // mapped public IPv4 is the public IPv4 address
		"2606:4700:4700::1111",
		"2001:4860:4860::8888",
		"2a00:1450:4001::1",
		"2003::1",
	}
	for _, s := range public {
		if IsForbidden(netip.MustParseAddr(s), nil) {
			t.Errorf("%s should be allowed", s)
		}
	}
}

// covers N-01: the operator allow-list is checked before the defaults.
func TestIsForbidden_N01_AllowList(t *testing.T) {
	prefixes := func(list ...string) []netip.Prefix { return mustPrefixes(list...) }
	cases := []struct {
		allowed []netip.Prefix
		ip      string
		want    bool
	}{
		{prefixes("127.0.0.0/8"), "127.0.0.1", false},
		{prefixes("127.0.0.0/8"), "127.255.255.254", false},
		{prefixes("127.0.0.0/8"), "::ffff:127.0.0.1", false},
		// The allow-list opens exactly what it names.
		{prefixes("127.0.0.0/8"), "10.0.0.1", true},
		{prefixes("127.0.0.0/8"), "169.254.169.254", true},
		{prefixes("127.0.0.0/8"), "::1", true},
		{prefixes("::1/128", "fd00::/8"), "::1", false},
		{prefixes("::1/128", "fd00::/8"), "fd00::5", false},
		{prefixes("::1/128", "fd00::/8"), "fe80::1", true},
		{prefixes("10.0.0.0/8"), "10.1.2.3", false},
		{prefixes("10.0.0.0/8"), "127.0.0.1", true},
	}
	for _, tc := range cases {
		if got := IsForbidden(netip.MustParseAddr(tc.ip), tc.allowed); got != tc.want {
			t.Errorf("IsForbidden(%s, %v) = %v, want %v", tc.ip, tc.allowed, got, tc.want)
		}
	}
	if !IsForbidden(netip.Addr{}, prefixes("127.0.0.0/8")) {
		t.Error("zero address must never be allowed")
	}
}

package httpclient

import (
	"errors"
	"strings"
	"testing"
)

// covers N-06, C-06
func TestValidateURL_N06_Valid(t *testing.T) {
	cases := map[string]string{
		"https://example.com/users/alice":         "https://example.com/users/alice",
		"https://Example.COM./users/alice":        "https://example.com/users/alice",
		"https://bücher.example/x":                "https://xn--bcher-kva.example/x",
		"https://BÜCHER.example/x":                "https://xn--bcher-kva.example/x",
		"https://xn--bcher-kva.example/x":         "https://xn--bcher-kva.example/x",
		"https://ＥＸＡＭＰＬＥ.com/":                    "https://example.com/",
		"https://example.com:8443/a?b=c#main-key": "https://example.com:8443/a?b=c#main-key",
		"http://127.0.0.1:8080/x":                 "http://127.0.0.1:8080/x",
		"http://[::1]:80/":                        "http://[::1]:80/",
		"http://[2001:DB8::1]/":                   "http://[2001:db8::1]/",
		"https://r3---sn-abc.example/":            "https://r3---sn-abc.example/",
		"https://example.com/a%0D%0Ab":            "https://example.com/a%0D%0Ab", // encoded stays encoded on the wire
		"HTTPS://example.com":                     "https://example.com",
	}
	for in, want := range cases {
		u, err := ValidateURL(in)
		if err != nil {
			t.Errorf("ValidateURL(%q): unexpected error %v", in, err)
			continue
		}
		if u.String() != want {
			t.Errorf("ValidateURL(%q) = %q, want %q", in, u.String(), want)
		}
	}
}

// covers N-06
func TestValidateURL_N06_Invalid(t *testing.T) {
	cases := []string{
		"",
		"https://example.com/\r\nX-Injected: 1",
		"https://example.com/a\nb",
		"https://example.com/a\rb",
		"https://example.com/\x00",
		"https://example.com/\x7f",
		"https://example.com/\u0085", // C1 control
		"https://example.com/\u202e", // bidi override
		"https://example.com/a b",
		" https://example.com/",
		"https://example.com/\t",
		"javascript:alert(1)",
		"JavaScript:alert(1)",
		"data:text/html,hi",
		"file:///etc/passwd",
		"ftp://example.com/",
		"gopher://example.com/",
		"example.com/path",
		"//example.com/path",
		"/relative",
		"http:example.com",
		"https://user:pass@example.com/",
		"https://user@example.com/",
		"https://example.com\\@evil.example/",
		"https://",
		"https:///path",
		"https://:443/",
		"https://example.com:0/",
		"https://example.com:99999/",
		"https://example.com:abc/",
		"https://example.com:/",
		"https://[fe80::1%25eth0]/",
		"https://[not-an-ip]/",
		"https://2130706433/",
		"https://0x7f.1/",
		"https://127.1/",
		"https://example.0x1f/",
		"https://a..b/",
		"https://example.com../",
		"https://-a.example/",
		"https://a-.example/",
		"https://ex_ample.com/",
		"https://exa%41mple.com/",
		"https://xn--a.example/", // invalid punycode
		"https://" + strings.Repeat("a", 64) + ".example/",
		"https://example.com/" + strings.Repeat("a", maxURLLength),
		"https://example.com/\xff", // invalid UTF-8
	}
	for _, in := range cases {
		u, err := ValidateURL(in)
		if !errors.Is(err, ErrInvalidURL) {
			t.Errorf("ValidateURL(%q) = %v, %v; want ErrInvalidURL", in, u, err)
		}
	}
}

// covers N-06: error messages must not carry the raw URL (log injection).
func TestValidateURL_N06_ErrorDoesNotEchoURL(t *testing.T) {
	_, err := ValidateURL("https://example.com/\r\nSet-Cookie: x=1")
	requireErrorIs(t, err, ErrInvalidURL)
	if strings.Contains(err.Error(), "Set-Cookie") || strings.ContainsAny(err.Error(), "\r\n") {
		t.Errorf("error echoes the URL: %q", err.Error())
	}
}

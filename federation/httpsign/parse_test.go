package httpsign

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// "sig" base64-encoded, for short test headers.
const b64 = "c2ln"

func TestParseSignatureHeader_Valid(t *testing.T) {
	created := time.Unix(1700000000, 0).UTC()
	expires := time.Unix(1700000300, 0).UTC()
	cases := []struct {
		name string
		in   string
		want Signature
	}{
		{
			name: "mastodon style",
			in:   `keyId="https://a.test/users/x#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="` + b64 + `"`,
			want: Signature{KeyID: "https://a.test/users/x#main-key", Algorithm: "rsa-sha256",
				Headers: []string{"(request-target)", "host", "date", "digest"}, Signature: []byte("sig")},
		},
		{
			name: "authorization scheme, spaces around commas, upper-case header names",
			in:   `Signature keyId="k" , headers="(Request-Target) Host Date",  signature="` + b64 + `"`,
			want: Signature{KeyID: "k", Headers: []string{"(request-target)", "host", "date"}, Signature: []byte("sig")},
		},
		{
			name: "unquoted created/expires, unknown parameter ignored",
			in:   `keyId="k",algorithm="hs2019",created=1700000000,expires="1700000300",headers="(created) (expires)",x-extra=foo,signature="` + b64 + `"`,
			want: Signature{KeyID: "k", Algorithm: "hs2019", Headers: []string{"(created)", "(expires)"},
				Signature: []byte("sig"), Created: &created, Expires: &expires},
		},
		{
			name: "escaped quote and comma inside keyId",
			in:   `keyId="https://a.test/k\"1,2",signature="` + b64 + `"`,
			want: Signature{KeyID: `https://a.test/k"1,2`, Headers: []string{"(created)"}, Signature: []byte("sig")},
		},
		{
			name: "default headers for rsa-sha256 is date",
			in:   `keyId="k",algorithm="rsa-sha256",signature="` + b64 + `"`,
			want: Signature{KeyID: "k", Algorithm: "rsa-sha256", Headers: []string{"date"}, Signature: []byte("sig")},
		},
		{
			name: "parameter order does not matter",
			in:   `signature="` + b64 + `",keyId="k"`,
			want: Signature{KeyID: "k", Headers: []string{"(created)"}, Signature: []byte("sig")},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSignatureHeader(tc.in)
			noErr(t, err)
			if !reflect.DeepEqual(*got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestParseSignatureHeader_Malformed(t *testing.T) {
	cases := map[string]string{
		"empty":                  ``,
		"scheme only":            `Signature`,
		"missing keyId":          `signature="` + b64 + `"`,
		"empty keyId":            `keyId="",signature="` + b64 + `"`,
		"missing signature":      `keyId="k",headers="date"`,
		"empty signature":        `keyId="k",signature=""`,
		"bad base64":             `keyId="k",signature="not base64!"`,
		"unpadded base64":        `keyId="k",signature="c2lnbg"`,
		"duplicate keyId":        `keyId="a",keyId="b",signature="` + b64 + `"`,
		"duplicate differs case": `keyId="a",keyid="b",signature="` + b64 + `"`,
		"duplicate signature":    `keyId="a",signature="` + b64 + `",signature="` + b64 + `"`,
		"unterminated quote":     `keyId="k,signature="` + b64,
		"quote inside token":     `keyId=k"x",signature="` + b64 + `"`,
		"no equals":              `keyId,signature="` + b64 + `"`,
		"space before equals":    `keyId ="k",signature="` + b64 + `"`,
		"trailing comma":         `keyId="k",signature="` + b64 + `",`,
		"double comma":           `keyId="k",,signature="` + b64 + `"`,
		"missing comma":          `keyId="k" signature="` + b64 + `"`,
		"control character":      "keyId=\"k\x00\",signature=\"" + b64 + "\"",
		"newline":                "keyId=\"k\n\",signature=\"" + b64 + "\"",
		"dangling escape":        `keyId="k\`,
		"created not a number":   `keyId="k",created="soon",signature="` + b64 + `"`,
		"created negative":       `keyId="k",created=-5,signature="` + b64 + `"`,
		"created huge":           `keyId="k",created=99999999999999,signature="` + b64 + `"`,
		"expires fractional":     `keyId="k",expires=1.5,signature="` + b64 + `"`,
		"empty headers":          `keyId="k",headers=" ",signature="` + b64 + `"`,
		"unknown pseudo-header":  `keyId="k",headers="(foo) date",signature="` + b64 + `"`,
		"bad header name":        `keyId="k",headers="da:te",signature="` + b64 + `"`,
		"empty value":            `keyId=,signature="` + b64 + `"`,
		"not key=value at all":   `hello world`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			sig, err := ParseSignatureHeader(in)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("got (%+v, %v), want ErrMalformed", sig, err)
			}
		})
	}
}

// Error messages quote attacker input; keep them short.
func TestParseSignatureHeader_ErrorsAreBounded(t *testing.T) {
	_, err := ParseSignatureHeader(`keyId="k",headers="` + strings.Repeat("(x)", 1000) + `",signature="` + b64 + `"`)
	isErr(t, err, ErrMalformed)
	if len(err.Error()) > 200 {
		t.Fatalf("error is %d bytes long", len(err.Error()))
	}
}

func FuzzParseSignatureHeader(f *testing.F) {
	seeds := []string{
		`keyId="https://a.test/users/x#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="` + b64 + `"`,
		`Signature keyId="k",algorithm="hs2019",created=1700000000,expires=1700000300,headers="(request-target) (created) (expires)",signature="` + b64 + `"`,
		`keyId="k\"",signature="` + b64 + `"`,
		`keyId="a",keyId="b"`,
		`keyId="k,signature=`,
		`,,,`,
		`Signature `,
		"keyId=\"\xff\",signature=\"" + b64 + "\"",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		sig, err := ParseSignatureHeader(in)
		if err != nil {
			if sig != nil {
				t.Fatalf("non-nil signature with error %v", err)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if sig.KeyID == "" || len(sig.Signature) == 0 || len(sig.Headers) == 0 {
			t.Fatalf("accepted an incomplete signature: %+v", sig)
		}
		for _, h := range sig.Headers {
			if h == "" || h != strings.ToLower(h) {
				t.Fatalf("bad header name %q", h)
			}
		}
	})
}

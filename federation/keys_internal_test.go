package federation

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
)

// Issue 12 (hygiene): the parsed-key cache is bounded. Keys arrive from
// any signer; a peer inventing keys must not grow it without end.
func TestKeyCacheIsBounded(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	base := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	var k keyCache
	for i := range maxCachedKeys + 100 {
		// The same key under distinct PEM texts (trailing blank lines) is
		// what a hostile peer can mint for free.
		p := base + pemPadding(i)
		if _, err := k.publicKey(p); err != nil {
			t.Fatal(err)
		}
	}
	if n := k.public.Len(); n > maxCachedKeys {
		t.Fatalf("%d keys cached, bound is %d", n, maxCachedKeys)
	}
	if _, err := k.publicKey(base); err != nil {
		t.Fatal(err)
	}
}

func pemPadding(i int) string {
	out := make([]byte, 0, 16)
	for range i % 7 {
		out = append(out, '\n')
	}
	for range i / 7 {
		out = append(out, ' ')
	}
	return string(out)
}

package httpsign

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
)

func TestKeys_RoundTrip(t *testing.T) {
	key, _ := keys(t)
	if key.N.BitLen() != 2048 {
		t.Fatalf("key is %d bits, want 2048", key.N.BitLen())
	}

	privPEM := EncodePrivateKey(key)
	if !strings.HasPrefix(privPEM, "-----BEGIN PRIVATE KEY-----") {
		t.Fatalf("private key is not PKCS#8 PEM: %.40q", privPEM)
	}
	priv, err := ParsePrivateKey(privPEM)
	noErr(t, err)
	if !priv.Equal(key) {
		t.Fatal("private key changed in round trip")
	}

	pubPEM, err := EncodePublicKey(&key.PublicKey)
	noErr(t, err)
	if !strings.HasPrefix(pubPEM, "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("public key is not PKIX PEM: %.40q", pubPEM)
	}
	pub, err := ParsePublicKey(pubPEM)
	noErr(t, err)
	if !pub.Equal(&key.PublicKey) {
		t.Fatal("public key changed in round trip")
	}
}

func TestKeys_PKCS1Forms(t *testing.T) {
	key, _ := keys(t)
	privPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	priv, err := ParsePrivateKey(string(privPEM))
	noErr(t, err)
	if !priv.Equal(key) {
		t.Fatal("PKCS#1 private key mismatch")
	}

	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)})
	// Leading whitespace, as found in some actor documents.
	pub, err := ParsePublicKey("\n  " + string(pubPEM))
	noErr(t, err)
	if !pub.Equal(&key.PublicKey) {
		t.Fatal("PKCS#1 public key mismatch")
	}
}

func TestKeys_Rejected(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	noErr(t, err)
	ecDER, err := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	noErr(t, err)
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	noErr(t, err)
	edDER, err := x509.MarshalPKIXPublicKey(edPub)
	noErr(t, err)
	edPrivDER, err := x509.MarshalPKCS8PrivateKey(edPriv)
	noErr(t, err)

	// A 512-bit modulus, built by hand because crypto/rsa refuses to generate one.
	small := &rsa.PublicKey{N: new(big.Int).SetBit(big.NewInt(1), 511, 1), E: 65537}
	smallDER, err := x509.MarshalPKIXPublicKey(small)
	noErr(t, err)

	pemOf := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	publicCases := map[string]string{
		"ECDSA key":       pemOf("PUBLIC KEY", ecDER),
		"Ed25519 key":     pemOf("PUBLIC KEY", edDER),
		"512-bit RSA key": pemOf("PUBLIC KEY", smallDER),
		"not PEM":         "hello",
		"empty":           "",
		"garbage DER":     pemOf("PUBLIC KEY", []byte{1, 2, 3}),
		"certificate":     pemOf("CERTIFICATE", []byte{1, 2, 3}),
	}
	for name, in := range publicCases {
		t.Run("public/"+name, func(t *testing.T) {
			if _, err := ParsePublicKey(in); err == nil {
				t.Fatal("expected an error")
			}
		})
	}
	privateCases := map[string]string{
		"Ed25519 key": pemOf("PRIVATE KEY", edPrivDER),
		"not PEM":     "hello",
		"garbage DER": pemOf("RSA PRIVATE KEY", []byte{1, 2, 3}),
		"public key":  pemOf("PUBLIC KEY", ecDER),
	}
	for name, in := range privateCases {
		t.Run("private/"+name, func(t *testing.T) {
			if _, err := ParsePrivateKey(in); err == nil {
				t.Fatal("expected an error")
			}
		})
	}

	if _, err := EncodePublicKey(nil); err == nil {
		t.Fatal("EncodePublicKey(nil): expected an error")
	}
	if EncodePrivateKey(nil) != "" {
		t.Fatal("EncodePrivateKey(nil): expected empty string")
	}
}

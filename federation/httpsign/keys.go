package httpsign

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// keyBits is the size Mastodon and GoToSocial generate.
const keyBits = 2048

// minPublicKeyBits is the smallest remote key we accept; crypto/rsa refuses
// smaller keys anyway, and failing at parse time gives a clearer error.
const minPublicKeyBits = 1024

// GenerateKey creates a new RSA-2048 key pair.
func GenerateKey() (*rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("httpsign: generate key: %w", err)
	}
	return key, nil
}

// EncodePrivateKey encodes key as a PKCS #8 "PRIVATE KEY" PEM block, falling
// back to PKCS #1 "RSA PRIVATE KEY" should PKCS #8 marshalling ever fail.
// It returns "" for a nil key.
func EncodePrivateKey(key *rsa.PrivateKey) string {
	if key == nil {
		return ""
	}
	if der, err := x509.MarshalPKCS8PrivateKey(key); err == nil {
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	der := x509.MarshalPKCS1PrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}))
}

// EncodePublicKey encodes pub as a PKIX "PUBLIC KEY" PEM block, the form
// Mastodon publishes in publicKeyPem.
func EncodePublicKey(pub *rsa.PublicKey) (string, error) {
	if pub == nil {
		return "", errors.New("httpsign: encode public key: nil key")
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("httpsign: encode public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// ParsePrivateKey parses a PKCS #8 "PRIVATE KEY" or PKCS #1 "RSA PRIVATE KEY"
// PEM block holding an RSA key. Errors never include the key material.
func ParsePrivateKey(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errors.New("httpsign: parse private key: no PEM block")
	}
	switch block.Type {
	case "PRIVATE KEY":
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsign: parse private key: %w", err)
		}
		rsaKey, ok := key.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("httpsign: parse private key: %T is not an RSA key", key)
		}
		return rsaKey, nil
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsign: parse private key: %w", err)
		}
		return key, nil
	default:
		return nil, fmt.Errorf("httpsign: parse private key: unexpected PEM type %q", block.Type)
	}
}

// ParsePublicKey parses a PKIX "PUBLIC KEY" (what Mastodon publishes) or a
// PKCS #1 "RSA PUBLIC KEY" PEM block. Non-RSA keys are rejected: VerifyRequest
// only does RSA, and accepting another type here would invite algorithm
// confusion later.
func ParsePublicKey(s string) (*rsa.PublicKey, error) {
	// Trimmed because actor documents sometimes indent the PEM, and pem.Decode
	// only finds a BEGIN line at the start of a line.
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errors.New("httpsign: parse public key: no PEM block")
	}
	var pub *rsa.PublicKey
	switch block.Type {
	case "PUBLIC KEY":
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsign: parse public key: %w", err)
		}
		rsaKey, ok := key.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("httpsign: parse public key: %T is not an RSA key", key)
		}
		pub = rsaKey
	case "RSA PUBLIC KEY":
		key, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsign: parse public key: %w", err)
		}
		pub = key
	default:
		return nil, fmt.Errorf("httpsign: parse public key: unexpected PEM type %q", block.Type)
	}
	if pub.N.BitLen() < minPublicKeyBits {
		return nil, fmt.Errorf("httpsign: parse public key: %d-bit RSA key is too small", pub.N.BitLen())
	}
	return pub, nil
}

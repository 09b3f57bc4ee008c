// Package auth holds the secrets side of logging in: password hashing and
// opaque tokens that are stored only as hashes (U-03, U-04).
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's minimum (19 MiB, t=2, p=1), cheap enough
// for the smallest VPS.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// MinPasswordLength is enforced on every new password.
const MinPasswordLength = 8

var ErrWeakPassword = fmt.Errorf("password must have at least %d characters", MinPasswordLength)

// HashPassword returns a PHC-style argon2id string.
func HashPassword(password string) (string, error) {
	if len([]rune(password)) < MinPasswordLength {
		return "", ErrWeakPassword
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword compares in constant time; a malformed hash never matches.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var memory, iterations uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &iterations, &threads); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if errors.Join(err1, err2) != nil || len(want) == 0 || memory > 1<<20 || iterations > 16 || threads == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, iterations, memory, threads, uint32(len(want)))
	derivations.Add(1)
	return subtle.ConstantTimeCompare(got, want) == 1
}

// derivations counts argon2id derivations made to check passwords: a
// test shows that a login matching nobody costs the same work as a wrong
// password (U-07) by counting them rather than timing them.
var derivations atomic.Int64

// PasswordChecks returns how many passwords were checked with a full
// derivation since the process started.
func PasswordChecks() int64 { return derivations.Load() }

// NewToken returns a random URL-safe token of 32 bytes.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the OS is broken; nothing safe to do
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is what we store and look tokens up by: a database dump must
// not yield usable tokens (U-03).
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

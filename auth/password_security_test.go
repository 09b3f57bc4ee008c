package auth

import (
	"strings"
	"testing"
)

// TestU04_Argon2idParameters: passwords are hashed with argon2id at
// OWASP's minimum (19 MiB, t=2, p=1) and a fresh salt each time; unlike
// bcrypt there is no 72-byte cut, so long passwords differing late do not
// match each other.
func TestU04_Argon2idParameters(t *testing.T) {
	h1, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("correct horse battery")
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash parameters: %s", h1)
	}
	if h1 == h2 {
		t.Fatal("two hashes of one password are equal: no fresh salt")
	}
	long := strings.Repeat("p", 100)
	h, err := HashPassword(long + "A")
	if err != nil {
		t.Fatal(err)
	}
	if CheckPassword(h, long+"B") || !CheckPassword(h, long+"A") {
		t.Fatal("long passwords are not compared in full")
	}
}

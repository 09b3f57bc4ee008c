package auth

import "testing"

func TestPasswordRoundTrip_U04(t *testing.T) {
	hash, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(hash, "correct horse battery") {
		t.Fatal("right password refused")
	}
	if CheckPassword(hash, "correct horse batterz") {
		t.Fatal("wrong password accepted")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$x$y$z$w", hash[:len(hash)-4]} {
		if CheckPassword(bad, "correct horse battery") {
			t.Fatalf("malformed hash %q matched", bad)
		}
	}
	if _, err := HashPassword("short"); err == nil {
		t.Fatal("short password accepted")
	}
}

func TestTokenHash_U03(t *testing.T) {
	tok := NewToken()
	if HashToken(tok) == tok || len(HashToken(tok)) != 64 || NewToken() == tok {
		t.Fatal("token hashing is not doing its job")
	}
}

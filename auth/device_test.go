package auth

import "testing"

func TestDeviceToken(t *testing.T) {
	key, other := []byte("0123456789abcdef0123456789abcdef"), []byte("fedcba9876543210fedcba9876543210")
	v := NewDeviceToken(key, "01USER")
	if id, ok := DeviceUser(key, v); !ok || id != "01USER" {
		t.Fatalf("genuine token: %q %v", id, ok)
	}
	for _, bad := range []string{"", "01USER", "01USER.x", "01OTHER" + v[len("01USER"):], v + "x"} {
		if _, ok := DeviceUser(key, bad); ok {
			t.Errorf("forged token %q accepted", bad)
		}
	}
	if _, ok := DeviceUser(other, v); ok {
		t.Error("token accepted under another server's key")
	}
}

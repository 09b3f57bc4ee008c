package auth

import (
	"crypto/subtle"
	"strings"
)

// A device cookie (OWASP's "slow down online guessing attacks with device
// cookies") marks a browser in which a person logged in before. The login
// throttle spares it: however many failures strangers heap on a login
// name, its owner's own browsers still get in with the right password
// (issue 12). The cookie names the user and carries a random nonce and an
// HMAC of both under a server key, so it cannot be made for anyone else.

// DeviceCookie is the cookie's name; DevicePurpose the server key's
// purpose (ServerSecret.Key).
const (
	DeviceCookie  = "coopol_device"
	DevicePurpose = "login device"
	// DeviceCookieMaxAge is how long a browser stays known: a year.
	DeviceCookieMaxAge = 365 * 24 * 3600
)

// NewDeviceToken is a device cookie value for userID.
func NewDeviceToken(key []byte, userID string) string {
	nonce := NewToken()[:22]
	return userID + "." + nonce + "." + BoundToken(key, userID+"."+nonce)
}

// DeviceUser returns the user a device cookie value was made for, and
// whether it is genuine.
func DeviceUser(key []byte, value string) (string, bool) {
	userID, rest, ok := strings.Cut(value, ".")
	if !ok || userID == "" {
		return "", false
	}
	nonce, mac, ok := strings.Cut(rest, ".")
	if !ok || nonce == "" {
		return "", false
	}
	want := BoundToken(key, userID+"."+nonce)
	if subtle.ConstantTimeCompare([]byte(want), []byte(mac)) != 1 {
		return "", false
	}
	return userID, true
}

package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"
)

// ServerSecret is a key only this server knows, derived from a secret it
// already keeps in its database (the instance actor's private key), so
// that every replica of an instance derives the same key and it survives
// restarts. It is loaded once, on first use.
type ServerSecret struct {
	// Load returns the stored secret the key derives from.
	Load func(ctx context.Context) (string, error)

	mu  sync.Mutex
	key []byte
}

// Key returns the server key for one purpose (keys of different purposes
// are unrelated).
func (s *ServerSecret) Key(ctx context.Context, purpose string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == nil {
		if s.Load == nil {
			return nil, errors.New("server secret: no loader")
		}
		raw, err := s.Load(ctx)
		if err != nil {
			return nil, err
		}
		if len(raw) < 32 {
			return nil, errors.New("server secret: stored secret too short")
		}
		sum := sha256.Sum256([]byte("coopol server secret\x00" + raw))
		s.key = sum[:]
	}
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(purpose))
	return mac.Sum(nil), nil
}

// BoundToken is base64url(HMAC-SHA256(key, value)): a token that only the
// holder of key can compute from value.
func BoundToken(key []byte, value string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

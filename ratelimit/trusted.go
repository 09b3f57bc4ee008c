package ratelimit

import (
	"context"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	lru "github.com/hashicorp/golang-lru/v2"
)

// Failing on purpose must not lock the owner out (issue 12). A login name
// over its LoginAccount limit stays open to the addresses that logged in
// with it before and to its owner's browsers (device cookies), and is
// only slowed down for everyone else (the slow lane); an address over its
// BadToken limit stays open to the tokens that worked from it: the limits
// bound the guessing of strangers, not the people they protect. Both memories are bounded LRUs, so that
// they cost the same whatever an attacker sends.

const maxRemembered = 100_000

type trust struct {
	once   sync.Once
	logins *lru.Cache[string, struct{}]  // login name + "|" + address that logged in with it
	tokens *lru.Cache[string, struct{}]  // TokenKey of tokens that were accepted
	turns  *lru.Cache[string, time.Time] // login name → next turn in the slow lane
	mu     sync.Mutex                    // books turns
}

func (t *trust) init() {
	t.once.Do(func() {
		t.logins, _ = lru.New[string, struct{}](maxRemembered)
		t.tokens, _ = lru.New[string, struct{}](maxRemembered)
		t.turns, _ = lru.New[string, time.Time](maxRemembered)
	})
}

// AccountBlocked reports whether login is over its failure limit for this
// client. It is not for an address that logged in with it before, nor for
// a browser its owner logged in from (TrustedDevice). Anyone else waits
// for the login's turn in the slow lane (one attempt per Spacing, waiting
// up to MaxWait), so that the owner's right password still gets in; only
// when no turn comes within MaxWait is the attempt refused, with the
// time of the next turn in Retry-After.
func (s *Set) AccountBlocked(c *gin.Context, login string) (Result, bool) {
	login = NormalizeLogin(login)
	if login == "" {
		return Result{}, false
	}
	r := s.LoginAccount.Peek(c.Request.Context(), login)
	if !r.Reached {
		return r, false
	}
	s.trust.init()
	if s.trust.logins.Contains(login + "|" + ClientKey(c)) {
		return r, false
	}
	if s.TrustedDevice != nil && s.TrustedDevice(c, login) {
		return r, false
	}
	if s.slowLane.Spacing <= 0 {
		return r, true
	}
	wait, ok := s.slowLaneTurn(login)
	if !ok {
		r.Reset = s.Now().Add(wait)
		return r, true
	}
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.Request.Context().Done():
			return r, true
		}
	}
	return r, false
}

// slowLaneTurn books login's next turn: how long to wait for it, or, when
// it is further than MaxWait, false and how long until it.
func (s *Set) slowLaneTurn(login string) (time.Duration, bool) {
	s.trust.mu.Lock()
	defer s.trust.mu.Unlock()
	now := s.Now()
	turn := now
	if next, ok := s.trust.turns.Get(login); ok && next.After(now) {
		turn = next
	}
	wait := turn.Sub(now)
	if wait > s.slowLane.MaxWait {
		return wait, false
	}
	s.trust.turns.Add(login, turn.Add(s.slowLane.Spacing))
	return wait, true
}

// LoginSucceeded remembers that this address logged in as login.
func (s *Set) LoginSucceeded(c *gin.Context, login string) {
	if login = NormalizeLogin(login); login != "" {
		s.trust.init()
		s.trust.logins.Add(login+"|"+ClientKey(c), struct{}{})
	}
}

// LoginFailed records a failed attempt for login. The failure that uses
// up the login's budget calls OnLoginFailures, once per window, so that
// the owner can be told.
func (s *Set) LoginFailed(c *gin.Context, login string) {
	login = NormalizeLogin(login)
	if login == "" {
		return
	}
	r := s.LoginAccount.Take(c.Request.Context(), login)
	if r.Limit > 0 && r.Remaining == 0 && !r.Reached && s.OnLoginFailures != nil {
		s.OnLoginFailures(context.WithoutCancel(c.Request.Context()), login)
	}
}

func (s *Set) tokenTrusted(tok string) bool {
	s.trust.init()
	return s.trust.tokens.Contains(TokenKey(tok))
}

// TrustToken trusts a token just issued: over BadToken, it still gets
// through from an address flooded with bad tokens.
func (s *Set) TrustToken(tok string) { s.trustToken(tok) }

func (s *Set) trustToken(tok string) {
	s.trust.init()
	s.trust.tokens.Add(TokenKey(tok), struct{}{})
}

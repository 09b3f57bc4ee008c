package ratelimit

import (
	"context"
	"sync"

	"github.com/gin-gonic/gin"
	lru "github.com/hashicorp/golang-lru/v2"
)

// Failing on purpose must not lock the owner out (issue 12). A login name
// over its LoginAccount limit stays open to the addresses that logged in
// with it before, and an address over its BadToken limit stays open to the
// tokens that worked from it: the limits bound the guessing of strangers,
// not the people they protect. Both memories are bounded LRUs, so that
// they cost the same whatever an attacker sends.

const maxRemembered = 100_000

type trust struct {
	once   sync.Once
	logins *lru.Cache[string, struct{}] // login name + "|" + address that logged in with it
	tokens *lru.Cache[string, struct{}] // TokenKey of tokens that were accepted
}

func (t *trust) init() {
	t.once.Do(func() {
		t.logins, _ = lru.New[string, struct{}](maxRemembered)
		t.tokens, _ = lru.New[string, struct{}](maxRemembered)
	})
}

// AccountBlocked reports whether login is over its failure limit for this
// client: it is not for an address that logged in with it before.
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
	return r, true
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

func (s *Set) trustToken(tok string) {
	s.trust.init()
	s.trust.tokens.Add(TokenKey(tok), struct{}{})
}

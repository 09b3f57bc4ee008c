package server

import (
	"net/netip"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/ratelimit"
	"github.com/coopol/coopol/storage"
)

// rateLimitsOf turns the operator's http.rate_limits into the limiters'
// configuration.
func rateLimitsOf(c config.RateLimits) ratelimit.Config {
	r := func(l config.RateLimit) ratelimit.Rate { return ratelimit.Rate{Limit: l.Requests, Period: l.Period} }
	return ratelimit.Config{
		Login: r(c.Login), LoginAccount: r(c.LoginAccount), Registration: r(c.Registration),
		APIAnonymous: r(c.APIAnonymous), APIAuthenticated: r(c.APIAuthenticated),
		BadToken: r(c.BadToken), Inbox: r(c.Inbox),
		LoginSlowLane: ratelimit.Defaults().LoginSlowLane,
	}
}

// exceptRateLimits skips limit for clients in http.rate_limit_exceptions
// (validated prefixes). The address is gin's ClientIP, which believes
// X-Forwarded-For only from http.trusted_proxies.
func exceptRateLimits(prefixes []string, limit gin.HandlerFunc) gin.HandlerFunc {
	var except []netip.Prefix
	for _, s := range prefixes {
		if p, err := netip.ParsePrefix(s); err == nil {
			except = append(except, p.Masked())
		}
	}
	if len(except) == 0 {
		return limit
	}
	return func(c *gin.Context) {
		if ip, err := netip.ParseAddr(c.ClientIP()); err == nil {
			ip = ip.Unmap()
			for _, p := range except {
				if p.Contains(ip) {
					c.Next()
					return
				}
			}
		}
		limit(c)
	}
}

// trustedDevice reports whether a login attempt comes from a browser in
// which the owner of login logged in before: its device cookie (set by
// the web and OAuth login forms) is genuine and names that person. The
// login throttle spares such browsers (issue 12).
func trustedDevice(store *storage.Storage, secret *auth.ServerSecret) func(c *gin.Context, login string) bool {
	return func(c *gin.Context, login string) bool {
		value, err := c.Cookie(auth.DeviceCookie)
		if err != nil || value == "" {
			return false
		}
		ctx := c.Request.Context()
		key, err := secret.Key(ctx, auth.DevicePurpose)
		if err != nil {
			return false
		}
		userID, ok := auth.DeviceUser(key, value)
		if !ok {
			return false
		}
		u, err := store.UserByLogin(ctx, login)
		return err == nil && u.ID == userID
	}
}

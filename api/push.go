package api

import (
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/httpclient"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/push"
	"github.com/coopol/coopol/storage"
)

// webPushSubscriptionJSON is Mastodon's WebPushSubscription.
type webPushSubscriptionJSON struct {
	ID        string          `json:"id"`
	Endpoint  string          `json:"endpoint"`
	Standard  bool            `json:"standard"`
	Alerts    map[string]bool `json:"alerts"`
	Policy    string          `json:"policy"`
	ServerKey string          `json:"server_key"`
}

// vapidPublicKey is the instance's VAPID public key, created on first
// use; "" (push unavailable) if the database cannot give it.
func (h *Handlers) vapidPublicKey(c *gin.Context) string {
	keys, err := push.Keys(c.Request.Context(), h.Store)
	if err != nil {
		h.Log.Error("push: VAPID keys", "err", err)
		return ""
	}
	return keys.PublicKey
}

func (h *Handlers) pushEntity(c *gin.Context, sub *model.PushSubscription) webPushSubscriptionJSON {
	alerts := map[string]bool{}
	for _, a := range push.Alerts {
		alerts[a] = sub.Alerts[a]
	}
	for a, on := range sub.Alerts {
		if strings.HasPrefix(a, "coopol.") {
			alerts[a] = on
		}
	}
	return webPushSubscriptionJSON{ID: sub.ID, Endpoint: sub.Endpoint, Alerts: alerts, Policy: sub.Policy, ServerKey: h.vapidPublicKey(c)}
}

// nestedParam reads a[b][c] from a form, or {"a":{"b":{"c":…}}} from JSON.
func nestedParam(p *params, path ...string) string {
	if p.json != nil {
		var cur any = map[string]any(p.json)
		for _, k := range path {
			m, ok := cur.(map[string]any)
			if !ok {
				return ""
			}
			cur = m[k]
		}
		switch v := cur.(type) {
		case string:
			return v
		case bool:
			if v {
				return "true"
			}
			return "false"
		}
		return ""
	}
	key := path[0]
	for _, k := range path[1:] {
		key += "[" + k + "]"
	}
	return p.form.Get(key)
}

// pushData reads data[alerts][type] and data[policy]; alerts keeps the
// previous values of types not named (Mastodon's PUT).
func pushData(p *params, alerts map[string]bool, policy string) (map[string]bool, string, bool) {
	out := map[string]bool{}
	for k, v := range alerts {
		out[k] = v
	}
	names := append([]string(nil), push.Alerts...)
	if m, ok := p.json["data"].(map[string]any); ok {
		if a, ok := m["alerts"].(map[string]any); ok {
			for k := range a {
				if strings.HasPrefix(k, "coopol.") {
					names = append(names, k)
				}
			}
		}
	}
	for k := range p.form {
		if name, ok := strings.CutPrefix(k, "data[alerts]["); ok && strings.HasPrefix(name, "coopol.") {
			names = append(names, strings.TrimSuffix(name, "]"))
		}
	}
	for _, name := range names {
		if v, ok := parseBool(nestedParam(p, "data", "alerts", name)); ok {
			out[name] = v
		}
	}
	if v := nestedParam(p, "data", "policy"); v != "" {
		policy = v
	}
	switch policy {
	case model.PushPolicyAll, model.PushPolicyFollowed, model.PushPolicyFollower, model.PushPolicyNone:
		return out, policy, true
	}
	return nil, "", false
}

// decodeKey reads a base64url key as browsers give it (padding optional).
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// createPushSubscription: POST /api/v1/push/subscription (push). It
// replaces the token's earlier subscription.
func (h *Handlers) createPushSubscription(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	endpoint := nestedParam(p, "subscription", "endpoint")
	if u, err := httpclient.ValidateURL(endpoint); err != nil || endpoint == "" || u.Host == "" {
		ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: Endpoint is not a valid URL")
		return
	}
	if len(endpoint) > 2048 {
		ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: Endpoint is too long")
		return
	}
	p256dh, auth := nestedParam(p, "subscription", "keys", "p256dh"), nestedParam(p, "subscription", "keys", "auth")
	pub, err := decodeKey(p256dh)
	if err == nil {
		_, err = ecdh.P256().NewPublicKey(pub)
	}
	if err != nil {
		ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: keys.p256dh is not a P-256 public key")
		return
	}
	secret, err := decodeKey(auth)
	if err != nil || len(secret) != 16 {
		ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: keys.auth must be 16 bytes")
		return
	}
	alerts, policy, ok := pushData(p, nil, model.PushPolicyAll)
	if !ok {
		ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: policy must be all, followed, follower or none")
		return
	}
	sub := &model.PushSubscription{
		ID: model.NewID(h.now()), TokenID: CurrentToken(c).ID, AccountID: CurrentAccount(c).ID,
		Endpoint: endpoint, P256dh: base64.RawURLEncoding.EncodeToString(pub), Auth: base64.RawURLEncoding.EncodeToString(secret),
		Alerts: alerts, Policy: policy, CreatedAt: h.now(),
	}
	if err := h.Store.UpsertPushSubscription(c.Request.Context(), sub); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, h.pushEntity(c, sub))
}

// tokenPushSubscription loads the subscription of the request's token,
// answering 404 when there is none.
func (h *Handlers) tokenPushSubscription(c *gin.Context) (*model.PushSubscription, bool) {
	sub, err := h.Store.PushSubscriptionByToken(c.Request.Context(), CurrentToken(c).ID)
	if errors.Is(err, storage.ErrNotFound) {
		ErrorJSON(c, http.StatusNotFound, "Record not found")
		return nil, false
	}
	if err != nil {
		h.internalError(c, err)
		return nil, false
	}
	return sub, true
}

// getPushSubscription: GET /api/v1/push/subscription (push).
func (h *Handlers) getPushSubscription(c *gin.Context) {
	if sub, ok := h.tokenPushSubscription(c); ok {
		c.JSON(http.StatusOK, h.pushEntity(c, sub))
	}
}

// updatePushSubscription: PUT /api/v1/push/subscription (push): alerts
// and policy only.
func (h *Handlers) updatePushSubscription(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	sub, ok := h.tokenPushSubscription(c)
	if !ok {
		return
	}
	alerts, policy, ok := pushData(p, sub.Alerts, sub.Policy)
	if !ok {
		ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: policy must be all, followed, follower or none")
		return
	}
	if err := h.Store.UpdatePushSubscriptionData(c.Request.Context(), sub.TokenID, alerts, policy); err != nil {
		h.internalError(c, err)
		return
	}
	sub.Alerts, sub.Policy = alerts, policy
	c.JSON(http.StatusOK, h.pushEntity(c, sub))
}

// deletePushSubscription: DELETE /api/v1/push/subscription (push).
func (h *Handlers) deletePushSubscription(c *gin.Context) {
	if err := h.Store.DeletePushSubscription(c.Request.Context(), CurrentToken(c).ID); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

// Package federation is Coopol's ActivityPub transport: discovery
// (WebFinger, host-meta, NodeInfo), actor and object documents, inboxes,
// signed fetches of remote documents and signed delivery. It parses and
// authenticates; the domain (package social) decides.
package federation

import (
	"context"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/httpclient"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/uris"
)

// Domain is what the ActivityPub endpoints ask of the domain layer
// (social.Service). Federation sits below it: it authenticates, parses and
// serves documents, and hands each authenticated activity up through this
// interface; social decides. Keeping the dependency an interface keeps the
// package arrows pointing down.
type Domain interface {
	// Receive applies an authenticated activity; a refusal is an
	// *ap.RejectedError.
	Receive(ctx context.Context, actor *model.Account, in *ap.Incoming) error
	InstanceActor(ctx context.Context) (*model.Account, error)
	CanView(ctx context.Context, viewer *model.Account, st *model.Status) (bool, error)
	PostForStatus(ctx context.Context, st *model.Status) (*ap.Post, error)
	IsLocalURI(uri string) bool
	IsPartySection(domain string) bool
	IsVerifiedAdherent(ctx context.Context, account *model.Account) bool
}

// Federation holds what the handlers, fetcher and delivery worker share.
type Federation struct {
	cfg    config.Config
	store  *storage.Storage
	social Domain
	uris   uris.Layout
	client *httpclient.Client
	log    *slog.Logger
	now    func() time.Time

	inflight inflight // deliveries in progress per host
	metrics  *metrics
	keys     keyCache // parsed keys, by PEM

	keyMu       sync.Mutex
	instanceKey *rsa.PrivateKey
	instanceURI string
}

// New builds the federation transport. client is the SSRF-safe client
// every remote request goes through; now is the domain's clock.
func New(cfg config.Config, store *storage.Storage, domain Domain, now func() time.Time, clientCfg httpclient.Config, log *slog.Logger) *Federation {
	f := &Federation{cfg: cfg, store: store, social: domain, uris: uris.New(cfg.BaseURL()), log: log, now: now, metrics: newMetrics()}
	clientCfg.AllowedPrivate = cfg.PrivatePrefixes()
	clientCfg.Timeout = cfg.Federation.RequestTimeout
	clientCfg.UserAgent = "Coopol/" + Version + " (+" + cfg.BaseURL() + "/)"
	// A signature is only valid for the URL it was made for: re-sign our
	// fetches on each redirect hop. Deliveries are not redirected.
	clientCfg.OnRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.Method != http.MethodGet {
			return fmt.Errorf("refusing to follow a redirect of a %s", req.Method)
		}
		key, keyID, err := f.signingKey(req.Context())
		if err != nil {
			return err
		}
		return httpsign.SignRequest(req, keyID, key, nil, f.now())
	}
	f.client = httpclient.New(clientCfg)
	return f
}

// Register mounts the federation routes.
func (f *Federation) Register(r *gin.Engine) {
	r.GET("/.well-known/webfinger", f.webfinger)
	r.GET("/.well-known/host-meta", f.hostMeta)
	r.GET("/.well-known/nodeinfo", f.nodeinfoLinks)
	r.GET("/nodeinfo/:version", f.nodeinfo)
	r.GET("/actor", f.instanceActor)
	r.POST("/actor/inbox", f.inbox)
	r.GET("/actor/outbox", f.instanceOutbox)
	r.POST("/inbox", f.inbox)
	r.GET("/users/:username", f.actor)
	r.POST("/users/:username/inbox", f.inbox)
	r.GET("/users/:username/outbox", f.outbox)
	r.GET("/users/:username/followers", f.followers)
	r.GET("/users/:username/following", f.following)
	r.GET("/users/:username/collections/featured", f.featured)
	r.GET("/users/:username/members", f.members)
	r.GET("/users/:username/statuses/:id", f.status)
	r.GET("/activities/:id", f.activity)
	r.GET("/metrics", f.serveMetrics)
}

// wantsActivityJSON reports whether the client asked for AS2 rather than
// HTML (content negotiation on the same URLs).
func wantsActivityJSON(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/activity+json") ||
		(strings.Contains(accept, "application/ld+json") && !strings.Contains(accept, "text/html"))
}

// writeAS2 answers an ActivityStreams document.
func writeAS2(c *gin.Context, status int, doc ap.Document) {
	body, err := doc.JSON()
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Header("Vary", "Accept")
	c.Data(status, ap.ContentType+"; charset=utf-8", body)
}

// signingKey returns the instance actor's key (it signs our fetches so
// that remote servers do not learn which member is looking, H-13).
func (f *Federation) signingKey(ctx context.Context) (*rsa.PrivateKey, string, error) {
	f.keyMu.Lock()
	defer f.keyMu.Unlock()
	if f.instanceKey != nil {
		return f.instanceKey, f.instanceURI, nil
	}
	actor, err := f.social.InstanceActor(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("instance actor: %w", err)
	}
	key, err := f.keys.privateKey(actor.PrivateKeyPEM)
	if err != nil {
		return nil, "", fmt.Errorf("instance actor key: %w", err)
	}
	f.instanceKey, f.instanceURI = key, actor.PublicKeyID
	return key, f.instanceURI, nil
}

// domainAllowed applies domain blocks and the allow-list mode.
func (f *Federation) domainAllowed(ctx context.Context, host string) (bool, error) {
	host = strings.TrimSuffix(strings.ToLower((&url.URL{Host: host}).Hostname()), ".") // "x.org:80" and "x.org." are x.org
	kind, err := f.store.DomainRule(ctx, host)
	if err != nil {
		return false, err
	}
	if kind == "block" {
		return false, nil
	}
	if f.cfg.Federation.Mode == "allowlist" {
		if kind == "allow" {
			return true, nil
		}
		for _, d := range f.cfg.Federation.Allowlist {
			if strings.EqualFold(d, host) {
				return true, nil
			}
		}
		return false, nil
	}
	return true, nil
}

func (f *Federation) isLocal(uri string) bool { return f.social.IsLocalURI(uri) }

// localAccount loads a local account by the :username route parameter,
// hiding the instance actor's internal username.
func (f *Federation) localAccount(c *gin.Context) (*model.Account, bool) {
	a, err := f.store.LocalAccount(c.Request.Context(), c.Param("username"))
	if err != nil || a.ActorType == model.ActorApplication || a.SuspendedAt != nil {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "not found"})
		return nil, false
	}
	return a, true
}

func mustParse(raw string) *url.URL {
	u, _ := url.Parse(raw)
	return u
}

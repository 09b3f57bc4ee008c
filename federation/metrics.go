package federation

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/coopol/coopol/federation/ap"
)

// metrics count federation failures by reason (a fixed, small set of
// labels: never a host or an actor, which would leak who talks to whom
// and grow without bound). Each instance has its own registry, served at
// /metrics to whoever holds metrics.token.
type metrics struct {
	registry       *prometheus.Registry
	inboxRefused   *prometheus.CounterVec
	fetchFailed    *prometheus.CounterVec
	deliveryFailed *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		inboxRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopol_federation_inbox_refused_total",
			Help: "Inbox POSTs refused, by reason (signature, origin, parse errors...).",
		}, []string{"reason"}),
		fetchFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopol_federation_fetch_failures_total",
			Help: "Failed resolutions of remote actors and objects (WebFinger, signed GETs), by reason.",
		}, []string{"reason"}),
		deliveryFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopol_federation_delivery_failures_total",
			Help: "Failed delivery attempts to remote inboxes, by reason.",
		}, []string{"reason"}),
	}
	m.registry.MustRegister(m.inboxRefused, m.fetchFailed, m.deliveryFailed)
	return m
}

// The logs below say which server and why, never more: error texts name
// actors and inboxes (people), so they stay out.

// inboxRefused logs and counts a refused inbox POST.
func (f *Federation) inboxRefused(host, reason string, status int) {
	f.metrics.inboxRefused.WithLabelValues(reason).Inc()
	f.log.Info("federation: inbox refused", "peer", orUnknown(host), "reason", reason, "status", status)
}

// fetchFailed logs and counts a failed resolution.
func (f *Federation) fetchFailed(host, reason string) {
	f.metrics.fetchFailed.WithLabelValues(reason).Inc()
	f.log.Info("federation: fetch failed", "peer", orUnknown(host), "reason", reason)
}

// deliveryFailed logs and counts a failed delivery attempt; status is the
// HTTP status the inbox answered (0 when it did not answer).
func (f *Federation) deliveryFailed(host, reason string, status int) {
	f.metrics.deliveryFailed.WithLabelValues(reason).Inc()
	f.log.Warn("federation: delivery failed", "peer", orUnknown(host), "reason", reason, "status", status)
}

func orUnknown(host string) string {
	if host == "" {
		return "unknown"
	}
	return host
}

// signerHost is the host named by a request's signature keyId, read
// without verifying anything: only to say in the logs who was refused.
func signerHost(r *http.Request) string {
	header := r.Header.Get("Signature")
	if header == "" {
		header = r.Header.Get("Authorization")
	}
	_, rest, ok := strings.Cut(header, `keyId="`)
	if !ok {
		return ""
	}
	keyID, _, _ := strings.Cut(rest, `"`)
	return ap.Host(keyID)
}

// serveMetrics answers Prometheus scrapes that carry the configured
// bearer token; without a token configured, /metrics does not exist.
func (f *Federation) serveMetrics(c *gin.Context) {
	want := "Bearer " + f.cfg.Metrics.Token
	if f.cfg.Metrics.Token == "" || subtle.ConstantTimeCompare([]byte(c.GetHeader("Authorization")), []byte(want)) != 1 {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "not found"})
		return
	}
	promhttp.HandlerFor(f.metrics.registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(f.log.Handler(), slog.LevelWarn)}).ServeHTTP(c.Writer, c.Request)
}

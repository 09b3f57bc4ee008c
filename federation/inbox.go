package federation

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/federation/ap"
)

// maxInboxBody bounds what we read from a POST (C-08, Mastodon's 1 MiB).
const maxInboxBody = 1 << 20

// inbox receives activities on the shared inbox and personal inboxes.
// Processing is synchronous: a 202 means it is stored, and a crash before
// that makes the sender retry. Every refusal happens before any
// side effect.
func (f *Federation) inbox(c *gin.Context) {
	r := c.Request
	ctx := r.Context()
	if c.Param("username") != "" {
		if _, ok := f.localAccount(c); !ok {
			return
		}
	}
	// Every refusal is logged (peer host and reason, nothing personal)
	// and counted: federation failures must be visible (issue 15).
	peer := signerHost(r)
	refuse := func(status int, reason, msg string) {
		f.inboxRefused(peer, reason, status)
		c.AbortWithStatusJSON(status, gin.H{"error": msg})
	}
	if !isActivityContentType(r.Header.Get("Content-Type")) {
		refuse(http.StatusUnsupportedMediaType, "content_type", "content type must be application/activity+json")
		return
	}
	if r.ContentLength > maxInboxBody {
		refuse(http.StatusRequestEntityTooLarge, "too_large", "body too large")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, r.Body, maxInboxBody))
	if err != nil {
		refuse(http.StatusRequestEntityTooLarge, "too_large", "body too large")
		return
	}
	// Authenticate before parsing: an unsigned body costs us nothing.
	signer, err := f.authenticate(ctx, r, body)
	if err != nil {
		var ae *authError
		if errors.As(err, &ae) {
			f.inboxRefused(peer, ae.reason, ae.status)
		}
		f.refuse(c, err)
		return
	}
	peer = signer.Domain
	doc, err := decodeJSON(body)
	if err != nil {
		refuse(http.StatusBadRequest, "malformed", err.Error())
		return
	}
	if _, err := ap.ToType(ctx, doc); err != nil {
		refuse(http.StatusBadRequest, "malformed", err.Error())
		return
	}
	in, err := ap.ParseIncoming(doc)
	if err != nil {
		refuse(http.StatusBadRequest, "malformed", err.Error())
		return
	}
	// H-08: a valid signature proves nothing about someone else's
	// activity. Forwarded activities are not trusted (H-14).
	if in.Actor != signer.URI {
		refuse(http.StatusUnauthorized, "actor_mismatch", "signer is not the activity's actor")
		return
	}
	if !ap.SameOrigin(in.ID, signer.URI) {
		refuse(http.StatusBadRequest, "origin", "activity id is not on the actor's origin")
		return
	}
	if in.Object != nil && in.Type == "Create" && !ap.SameOrigin(in.ObjectID, signer.URI) {
		refuse(http.StatusBadRequest, "origin", "object is not on the actor's origin")
		return
	}
	if seen, err := f.store.IsSeen(ctx, in.ID); err != nil {
		f.refuse(c, err)
		return
	} else if seen {
		c.Status(http.StatusAccepted) // processed once, acknowledged every time
		return
	}
	err = f.social.Receive(ctx, signer, in)
	var rej *ap.RejectedError
	switch {
	case errors.As(err, &rej):
		refuse(http.StatusBadRequest, "rejected", in.Type+": "+rej.Reason)
		return
	case err != nil:
		f.metrics.inboxRefused.WithLabelValues("error").Inc()
		f.log.Error("inbox: processing failed", "type", in.Type, "peer", peer, "err", err)
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		return
	}
	if _, err := f.store.MarkSeen(ctx, f.store.DB, in.ID, f.now()); err != nil {
		f.log.Warn("inbox: could not record activity id", "err", err)
	}
	c.Status(http.StatusAccepted)
}

func isActivityContentType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/activity+json":
		return true
	case "application/ld+json":
		return params["profile"] == "" || params["profile"] == "https://www.w3.org/ns/activitystreams"
	}
	return false
}

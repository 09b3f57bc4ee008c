package federation

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/social"
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
	if !isActivityContentType(r.Header.Get("Content-Type")) {
		c.AbortWithStatusJSON(http.StatusUnsupportedMediaType, gin.H{"error": "content type must be application/activity+json"})
		return
	}
	if r.ContentLength > maxInboxBody {
		c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, gin.H{"error": "body too large"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, r.Body, maxInboxBody))
	if err != nil {
		c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, gin.H{"error": "body too large"})
		return
	}
	// Authenticate before parsing: an unsigned body costs us nothing.
	signer, err := f.authenticate(ctx, r, body)
	if err != nil {
		f.refuse(c, err)
		return
	}
	doc, err := decodeJSON(body)
	if err != nil {
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	if _, err := ap.ToType(ctx, doc); err != nil {
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	in, err := ap.ParseIncoming(doc)
	if err != nil {
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	// H-08: a valid signature proves nothing about someone else's
	// activity. Forwarded activities are not trusted (H-14).
	if in.Actor != signer.URI {
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "signer is not the activity's actor"})
		return
	}
	if !ap.SameOrigin(in.ID, signer.URI) {
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": "activity id is not on the actor's origin"})
		return
	}
	if in.Object != nil && in.Type == "Create" && !ap.SameOrigin(in.ObjectID, signer.URI) {
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": "object is not on the actor's origin"})
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
	var rej *social.RejectedError
	switch {
	case errors.As(err, &rej):
		f.log.Info("inbox: activity refused", "type", in.Type, "actor", signer.URI, "reason", rej.Reason)
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": rej.Reason})
		return
	case err != nil:
		f.log.Error("inbox: processing failed", "type", in.Type, "actor", signer.URI, "err", err)
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

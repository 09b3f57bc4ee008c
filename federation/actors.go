package federation

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
)

const outboxPageSize = 20

func (f *Federation) actorDocument(a *model.Account) (ap.Document, error) {
	return ap.LocalActor(a)
}

// instanceActor is always served without a signature: remote servers
// must be able to fetch it to verify our signed fetches.
func (f *Federation) instanceActor(c *gin.Context) {
	a, err := f.social.InstanceActor(c.Request.Context())
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	doc, err := f.actorDocument(a)
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	writeAS2(c, http.StatusOK, doc)
}

// instanceOutbox is the instance actor's advertised outbox: it never
// publishes anything, but peers log an error for an outbox that 404s.
func (f *Federation) instanceOutbox(c *gin.Context) {
	doc := collection(f.uris.InstanceActor()+"/outbox", 0)
	doc["orderedItems"] = []any{}
	writeAS2(c, http.StatusOK, doc)
}

// actor serves a person's or group's actor document; browsers are sent
// to the profile page.
func (f *Federation) actor(c *gin.Context) {
	a, ok := f.localAccount(c)
	if !ok {
		return
	}
	if !wantsActivityJSON(c.Request) {
		c.Redirect(http.StatusSeeOther, a.URL)
		return
	}
	// Actor documents (with their keys) stay public even in authorized
	// fetch mode: peers need them to verify our signatures.
	doc, err := f.actorDocument(a)
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	f.vouchForAdherent(c, a, doc)
	if a.IsGroup() {
		if err := f.addGroupInfo(c.Request.Context(), a, doc); err != nil {
			f.refuse(c, err)
			return
		}
	}
	writeAS2(c, http.StatusOK, doc)
}

// vouchForAdherent tells one of the party's sections, and only a signed
// fetch from one, that a person here is a verified adherent, so that its
// groups may admit them as such. Unsigned and other fetches see nothing:
// party membership is not public.
func (f *Federation) vouchForAdherent(c *gin.Context, a *model.Account, doc ap.Document) {
	if a.ActorType != model.ActorPerson || (c.GetHeader("Signature") == "" && c.GetHeader("Authorization") == "") {
		return
	}
	// What a signed fetch sees may differ: keep it out of shared caches.
	c.Header("Cache-Control", "private, no-store")
	ctx := c.Request.Context()
	signer, err := f.authenticate(ctx, c.Request, nil)
	if err != nil || !f.social.IsPartySection(signer.Domain) || !f.social.IsVerifiedAdherent(ctx, a) {
		return
	}
	ap.AssertAdherent(doc)
}

func (f *Federation) refuse(c *gin.Context, err error) {
	var ae *authError
	if errors.As(err, &ae) {
		c.AbortWithStatusJSON(ae.status, gin.H{"error": ae.msg})
		return
	}
	f.log.Error("federation request failed", "path", c.FullPath(), "err", err)
	c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
}

// collection answers a collection that shows only its size.
func collection(id string, total int) ap.Document {
	return ap.Document{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "OrderedCollection", "totalItems": total}
}

// followers and following show counts only: who follows whom among
// party members is sensitive (P-05).
func (f *Federation) followers(c *gin.Context) { f.followCollection(c, true) }
func (f *Federation) following(c *gin.Context) { f.followCollection(c, false) }

func (f *Federation) followCollection(c *gin.Context, followers bool) {
	a, ok := f.localAccount(c)
	if !ok {
		return
	}
	if _, err := f.viewer(c.Request); err != nil {
		f.refuse(c, err)
		return
	}
	nFollowers, nFollowing, err := f.store.CountFollows(c.Request.Context(), a.ID)
	if err != nil {
		f.refuse(c, err)
		return
	}
	if followers {
		writeAS2(c, http.StatusOK, collection(a.FollowersURI, nFollowers))
		return
	}
	writeAS2(c, http.StatusOK, collection(a.FollowingURI, nFollowing))
}

func (f *Federation) featured(c *gin.Context) {
	a, ok := f.localAccount(c)
	if !ok {
		return
	}
	doc := collection(a.FeaturedURI, 0)
	doc["orderedItems"] = []any{}
	writeAS2(c, http.StatusOK, doc)
}

// members exposes at most a count, and only to a signed member (P-05);
// anyone else gets 404, which confirms nothing.
func (f *Federation) members(c *gin.Context) {
	a, ok := f.localAccount(c)
	if !ok || !a.IsGroup() {
		if ok {
			c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "not found"})
		}
		return
	}
	viewer, err := f.viewer(c.Request)
	if err != nil || viewer == nil {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "not found"})
		return
	}
	member, err := f.store.IsMember(c.Request.Context(), a.ID, viewer.ID)
	if err != nil || !member {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "not found"})
		return
	}
	n, err := f.store.CountMembers(c.Request.Context(), a.ID)
	if err != nil {
		f.refuse(c, err)
		return
	}
	writeAS2(c, http.StatusOK, collection(a.MembersURI, n))
}

// outbox pages the public activities of an actor, newest first.
func (f *Federation) outbox(c *gin.Context) {
	a, ok := f.localAccount(c)
	if !ok {
		return
	}
	viewer, err := f.viewer(c.Request)
	if err != nil {
		f.refuse(c, err)
		return
	}
	ctx := c.Request.Context()
	public := []string{model.VisibilityPublic, model.VisibilityUnlisted}
	if a.IsGroup() {
		f.groupOutbox(c, a, viewer)
		return
	}
	if c.Query("page") != "true" {
		total, err := f.store.CountStatuses(ctx, a.ID, public)
		if err != nil {
			f.refuse(c, err)
			return
		}
		doc := collection(a.OutboxURI, total)
		doc["first"] = a.OutboxURI + "?page=true"
		doc["last"] = a.OutboxURI + "?page=true&min_id=0"
		writeAS2(c, http.StatusOK, doc)
		return
	}
	statuses, err := f.store.AccountStatuses(ctx, a.ID, public, c.Query("max_id"), outboxPageSize)
	if err != nil {
		f.refuse(c, err)
		return
	}
	items := make([]any, 0, len(statuses))
	for i := range statuses {
		st := &statuses[i]
		var item ap.Document
		if st.ReblogOfID != nil {
			original, err := f.store.StatusByID(ctx, *st.ReblogOfID)
			if err != nil {
				continue
			}
			item, err = ap.BuildActivity(&ap.Activity{ID: st.URI, Type: "Announce", Actor: a.URI, ObjectIRI: original.URI,
				To: []string{ap.Public}, Cc: []string{a.FollowersURI}, Published: st.CreatedAt}, nil)
			if err != nil {
				continue
			}
		} else {
			post, err := f.social.PostForStatus(ctx, st)
			if err != nil {
				continue
			}
			obj, extra, err := ap.PostType(post)
			if err != nil {
				continue
			}
			item, err = ap.BuildActivity(&ap.Activity{ID: st.URI + "/activity", Type: "Create", Actor: a.URI, Object: obj,
				To: post.To, Cc: post.Cc, Published: st.CreatedAt}, extra)
			if err != nil {
				continue
			}
		}
		delete(item, "@context")
		items = append(items, item)
	}
	page := ap.Document{
		"@context": "https://www.w3.org/ns/activitystreams", "id": a.OutboxURI + "?page=true&max_id=" + c.Query("max_id"),
		"type": "OrderedCollectionPage", "partOf": a.OutboxURI, "orderedItems": items,
	}
	if len(statuses) == outboxPageSize {
		page["next"] = a.OutboxURI + "?page=true&max_id=" + statuses[len(statuses)-1].ID
	}
	writeAS2(c, http.StatusOK, page)
}

// status serves a post to whoever may see it; to anyone else it does
// not exist (P-02).
func (f *Federation) status(c *gin.Context) {
	a, ok := f.localAccount(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	st, err := f.store.StatusByID(ctx, c.Param("id"))
	if err != nil || st.AccountID != a.ID || st.ReblogOfID != nil {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "not found"})
		return
	}
	viewer, err := f.viewer(c.Request)
	if err != nil {
		f.refuse(c, err)
		return
	}
	if visible, err := f.social.CanView(ctx, viewer, st); err != nil || !visible {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "not found"})
		return
	}
	if !wantsActivityJSON(c.Request) {
		c.Redirect(http.StatusSeeOther, st.URL)
		return
	}
	post, err := f.social.PostForStatus(ctx, st)
	if err != nil {
		f.refuse(c, err)
		return
	}
	doc, err := ap.PostDocument(post)
	if err != nil {
		f.refuse(c, err)
		return
	}
	writeAS2(c, http.StatusOK, doc)
}

// activity serves an activity we emitted, if it was public.
func (f *Federation) activity(c *gin.Context) {
	act, err := f.store.OutboxActivity(c.Request.Context(), c.Param("id"))
	if err != nil || !act.Public {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "not found"})
		return
	}
	c.Header("Vary", "Accept")
	c.Data(http.StatusOK, ap.ContentType+"; charset=utf-8", []byte(act.Body))
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

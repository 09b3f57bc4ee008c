package federation

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
)

// groupOutbox pages the public discussions, events and actions of a
// group, newest first, so that a new follower's server can fetch its
// history. Posts of this server are embedded in their Create; a remote
// member's post is an Announce of its id, to be fetched from its origin
// (a reader trusts nothing we relay about another server).
//
// Members-only posts appear only to a fetch signed by a current member
// (a new member's server fetching the history on their behalf, signed
// with the member's key), each one asked of the audience rule
// (social.CanView), and only posts of this server, embedded: anyone
// else, other members' servers' instance actors included, gets the
// public items only, and the answer is never cached for others.
func (f *Federation) groupOutbox(c *gin.Context, group *model.Account, viewer *model.Account) {
	ctx := c.Request.Context()
	public := []string{model.VisibilityPublic, model.VisibilityUnlisted}
	visibilities := public
	if viewer != nil && !viewer.IsLocal() {
		visibilities = append(slices.Clone(public), model.VisibilityMembers)
		c.Header("Cache-Control", "private, no-store")
	}
	if c.Query("page") != "true" {
		total, err := f.store.CountGroupStatuses(ctx, group.ID, public)
		if err != nil {
			f.refuse(c, err)
			return
		}
		doc := collection(group.OutboxURI, total)
		doc["first"] = group.OutboxURI + "?page=true"
		writeAS2(c, http.StatusOK, doc)
		return
	}
	statuses, err := f.store.GroupStatuses(ctx, group.ID, visibilities, c.Query("max_id"), outboxPageSize)
	if err != nil {
		f.refuse(c, err)
		return
	}
	items := make([]any, 0, len(statuses))
	for i := range statuses {
		st := &statuses[i]
		if st.Visibility == model.VisibilityMembers {
			if !st.Local {
				continue // a remote member's post is fetched from its origin, by its rules
			}
			if ok, err := f.social.CanView(ctx, viewer, st); err != nil || !ok {
				continue
			}
		}
		var item ap.Document
		if st.Local {
			post, err := f.social.PostForStatus(ctx, st)
			if err != nil {
				continue
			}
			obj, extra, err := ap.PostType(post)
			if err != nil {
				continue
			}
			item, err = ap.BuildActivity(&ap.Activity{ID: st.URI + "/activity", Type: "Create", Actor: st.Account.URI, Object: obj,
				To: post.To, Cc: post.Cc, Published: st.CreatedAt}, extra)
			if err != nil {
				continue
			}
		} else {
			item, err = ap.BuildActivity(&ap.Activity{ID: group.URI + "#announce-" + st.ID, Type: "Announce", Actor: group.URI, ObjectIRI: st.URI,
				To: []string{ap.Public}, Cc: []string{group.FollowersURI}, Published: st.CreatedAt}, nil)
			if err != nil {
				continue
			}
		}
		delete(item, "@context")
		items = append(items, item)
	}
	// The page's id is the address it was asked at (A-01 on the reader's side).
	pageID := group.OutboxURI + "?page=true"
	if maxID := c.Query("max_id"); maxID != "" {
		pageID += "&max_id=" + url.QueryEscape(maxID)
	}
	page := ap.Document{
		"@context": "https://www.w3.org/ns/activitystreams", "id": pageID,
		"type": "OrderedCollectionPage", "partOf": group.OutboxURI, "orderedItems": items,
	}
	if len(statuses) == outboxPageSize {
		page["next"] = group.OutboxURI + "?page=true&max_id=" + statuses[len(statuses)-1].ID
	}
	writeAS2(c, http.StatusOK, page)
}

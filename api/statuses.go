package api

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// idempotencyWindow is how long an Idempotency-Key replays its status.
const idempotencyWindow = time.Hour

// apiVisibilities are the visibilities a client may ask for: Mastodon's,
// and Coopol's "members" (with group_id).
var apiVisibilities = []string{model.VisibilityPublic, model.VisibilityUnlisted, model.VisibilityPrivate, model.VisibilityDirect, model.VisibilityMembers}

// unsupportedStatusParams refuses, with 422, what Coopol cannot store yet:
// accepting and dropping it would lose what the person wrote.
func unsupportedStatusParams(c *gin.Context, p *params) bool {
	return false
}

// createStatus: POST /api/v1/statuses (form or JSON). With an
// Idempotency-Key header, the same key from the same account within an
// hour answers the status the first request created, without posting
// twice (clients retry on flaky networks).
func (h *Handlers) createStatus(c *gin.Context) {
	p, ok := h.params(c)
	if !ok || unsupportedStatusParams(c, p) {
		return
	}
	user, author := CurrentUser(c), CurrentAccount(c)
	visibility := p.Get("visibility")
	if visibility == "" {
		visibility = user.DefaultVisibility
	}
	if !slices.Contains(apiVisibilities, visibility) {
		ErrorJSON(c, http.StatusUnprocessableEntity, "visibility must be one of "+strings.Join(apiVisibilities, ", "))
		return
	}
	sensitive, _ := parseBool(p.Get("sensitive"))
	in := social.NewStatus{
		Text: p.Get("status"), SpoilerText: p.Get("spoiler_text"), Sensitive: sensitive, Visibility: visibility,
		Language: p.Get("language"), InReplyToID: p.Get("in_reply_to_id"), GroupID: p.Get("group_id"),
	}
	poll, ok, msg := parsePoll(p)
	if !ok {
		ErrorJSON(c, http.StatusUnprocessableEntity, msg)
		return
	}
	in.Poll = poll
	for _, id := range p.List("media_ids") {
		if id != "" {
			in.MediaIDs = append(in.MediaIDs, id)
		}
	}
	if p.Get("scheduled_at") != "" {
		at, ok := parseScheduledAt(p.Get("scheduled_at"))
		if !ok {
			ErrorJSON(c, http.StatusUnprocessableEntity, "scheduled_at must be an ISO 8601 date and time")
			return
		}
		h.scheduleStatus(c, author, in, at)
		return
	}
	ctx := c.Request.Context()
	key := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
	if len(key) > 200 {
		ErrorJSON(c, http.StatusUnprocessableEntity, "Idempotency-Key is too long")
		return
	}
	if key != "" {
		replay, err := h.Store.ReserveIdempotencyKey(ctx, author.ID, key, h.now(), idempotencyWindow)
		if errors.Is(err, storage.ErrKeyInFlight) {
			ErrorJSON(c, http.StatusConflict, "A request with this Idempotency-Key is already being processed")
			return
		}
		if err != nil {
			h.internalError(c, err)
			return
		}
		if replay != "" {
			st, err := h.Store.StatusByID(ctx, replay)
			if err != nil {
				h.domainError(c, err)
				return
			}
			h.respondStatus(c, author, st, nil)
			return
		}
	}
	st, err := h.Social.CreateStatus(ctx, author, in)
	if err != nil {
		if key != "" {
			if rerr := h.Store.ReleaseIdempotencyKey(ctx, author.ID, key); rerr != nil {
				h.Log.Warn("release idempotency key", "err", rerr)
			}
		}
		h.domainError(c, err)
		return
	}
	if key != "" {
		if err := h.Store.CompleteIdempotencyKey(ctx, author.ID, key, st.ID); err != nil {
			h.Log.Warn("record idempotency key", "err", err) // the post exists; a retry may duplicate it
		}
	}
	if app := CurrentApplication(c); app != nil {
		if err := h.Store.SetStatusApplication(ctx, st.ID, app.ID); err != nil {
			h.Log.Warn("record status application", "err", err)
		} else {
			st.ApplicationID = &app.ID
		}
	}
	h.respondStatus(c, author, st, nil)
}

// respondStatus renders one status; text, when set, is the source text
// (DELETE answers it so that clients can offer "delete and redraft").
func (h *Handlers) respondStatus(c *gin.Context, viewer *model.Account, st *model.Status, text *string) {
	out, ok, err := h.renderStatus(c.Request.Context(), viewer, st)
	if err != nil {
		h.internalError(c, err)
		return
	}
	if !ok {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	out.Text = text
	c.JSON(http.StatusOK, out)
}

// visibleStatusParam loads the :id status if the viewer may see it;
// otherwise answers 404 (never 403: that would confirm it exists).
func (h *Handlers) visibleStatusParam(c *gin.Context) (*model.Status, bool) {
	st, err := h.Social.VisibleStatus(c.Request.Context(), CurrentAccount(c), c.Param("id"))
	if err != nil {
		h.domainError(c, err)
		return nil, false
	}
	return st, true
}

// getStatus: GET /api/v1/statuses/:id.
func (h *Handlers) getStatus(c *gin.Context) {
	st, ok := h.visibleStatusParam(c)
	if !ok {
		return
	}
	h.respondStatus(c, CurrentAccount(c), st, nil)
}

// deleteStatus: DELETE /api/v1/statuses/:id — answers the deleted status
// with its source text.
func (h *Handlers) deleteStatus(c *gin.Context) {
	st, ok := h.visibleStatusParam(c)
	if !ok {
		return
	}
	viewer := CurrentAccount(c)
	if st.AccountID != viewer.ID {
		ErrorJSON(c, http.StatusForbidden, msgNotAllowed)
		return
	}
	out, rendered, err := h.renderStatus(c.Request.Context(), viewer, st)
	if err != nil {
		h.internalError(c, err)
		return
	}
	if err := h.Social.DeleteStatus(c.Request.Context(), viewer, st.ID); err != nil {
		h.domainError(c, err)
		return
	}
	if !rendered {
		c.JSON(http.StatusOK, gin.H{})
		return
	}
	text := st.SourceText
	out.Text = &text
	c.JSON(http.StatusOK, out)
}

// editStatus: PUT /api/v1/statuses/:id.
func (h *Handlers) editStatus(c *gin.Context) {
	p, ok := h.params(c)
	if !ok || unsupportedStatusParams(c, p) {
		return
	}
	viewer := CurrentAccount(c)
	ctx := c.Request.Context()
	current, err := h.Social.VisibleStatus(ctx, viewer, c.Param("id"))
	if err != nil {
		h.domainError(c, err)
		return
	}
	in := social.NewStatus{Text: p.Get("status"), SpoilerText: current.SpoilerText, Sensitive: current.Sensitive, Language: p.Get("language")}
	if p.has("spoiler_text") {
		in.SpoilerText = p.Get("spoiler_text")
	}
	if v, ok := parseBool(p.Get("sensitive")); ok {
		in.Sensitive = v
	}
	// Clients send the whole new state, as Mastodon reads it: the media
	// and poll not sent are removed.
	in.SetMedia, in.MediaIDs = true, p.List("media_ids")
	attrs, msg := parseMediaAttributes(p)
	if msg != "" {
		ErrorJSON(c, http.StatusUnprocessableEntity, msg)
		return
	}
	in.MediaAttributes = attrs
	poll, ok, msg := parsePoll(p)
	if !ok {
		ErrorJSON(c, http.StatusUnprocessableEntity, msg)
		return
	}
	in.SetPoll, in.Poll = true, poll
	st, err := h.Social.EditStatus(ctx, viewer, current.ID, in)
	if err != nil {
		h.domainError(c, err)
		return
	}
	h.respondStatus(c, viewer, st, nil)
}

// statusSource: GET /api/v1/statuses/:id/source — one's own posts only.
func (h *Handlers) statusSource(c *gin.Context) {
	st, ok := h.visibleStatusParam(c)
	if !ok {
		return
	}
	if st.AccountID != CurrentAccount(c).ID || st.ReblogOfID != nil {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": st.ID, "text": st.SourceText, "spoiler_text": st.SpoilerText})
}

// statusHistory: GET /api/v1/statuses/:id/history — every version,
// oldest first, the current one last.
func (h *Handlers) statusHistory(c *gin.Context) {
	st, ok := h.visibleStatusParam(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	edits, err := h.Store.StatusEdits(ctx, st.ID)
	if err != nil {
		h.internalError(c, err)
		return
	}
	account, err := h.renderAccount(ctx, st.Account)
	if err != nil {
		h.internalError(c, err)
		return
	}
	var pastIDs []string
	for _, e := range edits {
		pastIDs = append(pastIDs, e.MediaIDs...)
	}
	past, err := h.Store.MediaByIDs(ctx, pastIDs)
	if err != nil {
		h.internalError(c, err)
		return
	}
	current, err := h.Store.MediaForStatus(ctx, st.ID)
	if err != nil {
		h.internalError(c, err)
		return
	}
	version := func(content, spoiler string, sensitive bool, at time.Time, media []model.MediaAttachment) gin.H {
		attachments := make([]any, 0, len(media))
		for i := range media {
			attachments = append(attachments, h.mediaEntity(&media[i]))
		}
		return gin.H{"content": content, "spoiler_text": spoiler, "sensitive": sensitive, "created_at": isoTime(at),
			"account": account, "poll": nil, "media_attachments": attachments, "emojis": []any{}}
	}
	out := make([]gin.H, 0, len(edits)+1)
	for _, e := range edits {
		var media []model.MediaAttachment
		for _, id := range e.MediaIDs {
			if m, ok := past[id]; ok {
				media = append(media, m)
			}
		}
		out = append(out, version(e.Content, e.SpoilerText, e.Sensitive, e.CreatedAt, media))
	}
	at := st.CreatedAt
	if st.EditedAt != nil {
		at = *st.EditedAt
	}
	out = append(out, version(st.Content, st.SpoilerText, st.Sensitive, at, current))
	c.JSON(http.StatusOK, out)
}

// maxThreadSize bounds the statuses a context looks at.
const maxThreadSize = 4096

// statusContext: GET /api/v1/statuses/:id/context — the ancestors and
// descendants the viewer may see, without those of accounts they block
// or mute.
func (h *Handlers) statusContext(c *gin.Context) {
	st, ok := h.visibleStatusParam(c)
	if !ok {
		return
	}
	viewer := CurrentAccount(c)
	ctx := c.Request.Context()
	out := contextJSON{Ancestors: []statusJSON{}, Descendants: []statusJSON{}}
	if st.ReblogOfID != nil {
		c.JSON(http.StatusOK, out)
		return
	}
	nodes, err := h.Store.ThreadStructure(ctx, st.ThreadID, maxThreadSize)
	if err != nil {
		h.internalError(c, err)
		return
	}
	byID := map[string]storage.ThreadNode{}
	children := map[string][]string{}
	ids := make([]string, 0, len(nodes))
	for _, n := range nodes {
		byID[n.ID] = n
		ids = append(ids, n.ID)
		if n.InReplyToID != nil {
			children[*n.InReplyToID] = append(children[*n.InReplyToID], n.ID)
		}
	}
	visible, err := h.Store.VisibleStatusIDs(ctx, ids, h.visibleFilter(viewer))
	if err != nil {
		h.internalError(c, err)
		return
	}
	hidden := map[string]bool{}
	if viewer != nil {
		var authors []string
		for _, n := range nodes {
			authors = append(authors, n.AccountID)
		}
		rels, err := h.Store.Relationships(ctx, viewer.ID, authors, h.now())
		if err != nil {
			h.internalError(c, err)
			return
		}
		for _, r := range rels {
			if r.Blocking || r.Muting {
				hidden[r.ID] = true
			}
		}
	}
	show := func(id string) bool { return visible[id] && !hidden[byID[id].AccountID] }
	var ancestors []string
	seen := map[string]bool{st.ID: true}
	for cur := byID[st.ID]; cur.InReplyToID != nil && !seen[*cur.InReplyToID]; {
		parent, ok := byID[*cur.InReplyToID]
		if !ok {
			break
		}
		seen[parent.ID] = true
		if show(parent.ID) {
			ancestors = append(ancestors, parent.ID)
		}
		cur = parent
	}
	slices.Reverse(ancestors)
	var descendants []string
	var walk func(id string)
	walk = func(id string) {
		for _, child := range children[id] {
			if seen[child] {
				continue
			}
			seen[child] = true
			if show(child) {
				descendants = append(descendants, child)
			}
			walk(child)
		}
	}
	walk(st.ID)
	for _, part := range []struct {
		ids []string
		out *[]statusJSON
	}{{ancestors, &out.Ancestors}, {descendants, &out.Descendants}} {
		sts, err := h.Store.StatusesByIDs(ctx, part.ids)
		if err != nil {
			h.internalError(c, err)
			return
		}
		rendered, err := h.renderStatuses(ctx, viewer, sts)
		if err != nil {
			h.internalError(c, err)
			return
		}
		*part.out = append(*part.out, rendered...)
	}
	c.JSON(http.StatusOK, out)
}

// favouritedBy: GET /api/v1/statuses/:id/favourited_by.
func (h *Handlers) favouritedBy(c *gin.Context) {
	st, ok := h.visibleStatusParam(c)
	if !ok {
		return
	}
	p := pageParams(c, defaultAccountLimit, maxAccountLimit)
	entries, err := h.Store.FavouritedByPage(c.Request.Context(), st.ID, p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondAccountPage(c, entries, p)
}

// rebloggedBy: GET /api/v1/statuses/:id/reblogged_by.
func (h *Handlers) rebloggedBy(c *gin.Context) {
	st, ok := h.visibleStatusParam(c)
	if !ok {
		return
	}
	p := pageParams(c, defaultAccountLimit, maxAccountLimit)
	entries, err := h.Store.RebloggedByPage(c.Request.Context(), st.ID, p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondAccountPage(c, entries, p)
}

type statusAct int

const (
	actFavourite statusAct = iota
	actUnfavourite
	actReblog
	actUnreblog
	actBookmark
	actUnbookmark
	actPin
	actUnpin
)

// statusAction: POST /api/v1/statuses/:id/{favourite,unfavourite,reblog,
// unreblog,bookmark,unbookmark,pin,unpin}. Each answers the status as the
// viewer now sees it (reblog answers the boost, with the original nested).
func (h *Handlers) statusAction(act statusAct) gin.HandlerFunc {
	return func(c *gin.Context) {
		viewer := CurrentAccount(c)
		ctx := c.Request.Context()
		id := c.Param("id")
		var st *model.Status
		var err error
		s := h.Social
		if act != actUnreblog && act != actReblog {
			// Acting on a boost acts on what it boosts, as Mastodon.
			if st, err = s.VisibleStatus(ctx, viewer, id); err != nil {
				h.domainError(c, err)
				return
			}
			if st.ReblogOfID != nil {
				id = *st.ReblogOfID
			}
		}
		switch act {
		case actFavourite:
			st, err = s.Favourite(ctx, viewer, id)
		case actUnfavourite:
			st, err = s.Unfavourite(ctx, viewer, id)
		case actReblog:
			st, err = s.Reblog(ctx, viewer, id)
		case actUnreblog:
			if st, err = s.VisibleStatus(ctx, viewer, id); err == nil {
				if st.ReblogOfID != nil { // the boost's id was given
					if st, err = s.VisibleStatus(ctx, viewer, *st.ReblogOfID); err != nil {
						break
					}
				}
				err = s.Unreblog(ctx, viewer, st.ID)
			}
		case actBookmark:
			st, err = s.Bookmark(ctx, viewer, id)
		case actUnbookmark:
			st, err = s.Unbookmark(ctx, viewer, id)
		case actPin:
			st, err = s.Pin(ctx, viewer, id)
		case actUnpin:
			st, err = s.Unpin(ctx, viewer, id)
		}
		if err != nil {
			h.domainError(c, err)
			return
		}
		// Reload: counters changed.
		fresh, err := h.Store.StatusByID(ctx, st.ID)
		if err != nil {
			h.domainError(c, err)
			return
		}
		h.respondStatus(c, viewer, fresh, nil)
	}
}

// parseMediaAttributes reads an edit's media_attributes: a JSON list of
// {id, description, focus: "x,y"}, or the form fields
// media_attributes[][id] (or media_attributes[N][id]) and the like.
func parseMediaAttributes(p *params) ([]social.MediaAttribute, string) {
	type raw struct {
		id, description, focus   string
		hasDescription, hasFocus bool
	}
	var items []raw
	if list, ok := p.json["media_attributes"].([]any); ok {
		for _, v := range list {
			obj, _ := v.(map[string]any)
			r := raw{id: anyString(obj["id"]), description: anyString(obj["description"]), focus: anyString(obj["focus"])}
			_, r.hasDescription = obj["description"]
			_, r.hasFocus = obj["focus"]
			items = append(items, r)
		}
	} else {
		ids := p.form["media_attributes[][id]"]
		descs, foci := p.form["media_attributes[][description]"], p.form["media_attributes[][focus]"]
		for i, id := range ids {
			r := raw{id: id}
			if i < len(descs) {
				r.description, r.hasDescription = descs[i], true
			}
			if i < len(foci) {
				r.focus, r.hasFocus = foci[i], true
			}
			items = append(items, r)
		}
		for i := 0; i < 2*social.MaxMediaAttachments; i++ {
			prefix := "media_attributes[" + strconv.Itoa(i) + "]"
			id := p.form.Get(prefix + "[id]")
			if id == "" {
				continue
			}
			r := raw{id: id, description: p.form.Get(prefix + "[description]"), focus: p.form.Get(prefix + "[focus]")}
			_, r.hasDescription = p.form[prefix+"[description]"]
			_, r.hasFocus = p.form[prefix+"[focus]"]
			items = append(items, r)
		}
	}
	out := make([]social.MediaAttribute, 0, len(items))
	for _, r := range items {
		if r.id == "" {
			return nil, "media_attributes need an id"
		}
		a := social.MediaAttribute{ID: r.id}
		if r.hasDescription {
			d := r.description
			a.Description = &d
		}
		if r.hasFocus && r.focus != "" {
			xs, ys, ok := strings.Cut(r.focus, ",")
			x, errX := strconv.ParseFloat(strings.TrimSpace(xs), 64)
			y, errY := strconv.ParseFloat(strings.TrimSpace(ys), 64)
			if !ok || errX != nil || errY != nil {
				return nil, "focus must be two numbers between -1.0 and 1.0"
			}
			a.FocusX, a.FocusY = &x, &y
		}
		out = append(out, a)
	}
	return out, ""
}

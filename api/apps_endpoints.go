package api

// Endpoints every Mastodon app uses beyond the first slice (issue 15):
// reports, conversation mutes, private notes, followed hashtags, statuses
// and accounts by id, the link timeline, and the instance's pages and
// rules.

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// appsRoutes mounts them; socialRoutes calls it.
func (h *Handlers) appsRoutes(v1, v2 *gin.RouterGroup) {
	opt := h.OptionalScope
	v1.POST("/reports", h.RequireScope("write:reports"), h.createReport)
	v1.POST("/statuses/:id/mute", h.RequireScope("write:mutes"), h.muteConversation(true))
	v1.POST("/statuses/:id/unmute", h.RequireScope("write:mutes"), h.muteConversation(false))
	v1.POST("/accounts/:id/note", h.RequireScope("write:accounts"), h.setAccountNote)
	v1.GET("/statuses", opt("read:statuses"), h.statusesByID)
	v1.GET("/accounts", opt("read:accounts"), h.accountsByID)
	v1.GET("/timelines/link", opt("read:statuses"), h.linkTimeline)
	v1.GET("/followed_tags", h.RequireScope("read:follows"), h.followedTags)
	v1.POST("/tags/:name/follow", h.RequireScope("write:follows"), h.followTag(true))
	v1.POST("/tags/:name/unfollow", h.RequireScope("write:follows"), h.followTag(false))
	h.filterRoutes(v1, v2)
	h.filterV1Routes(v1)
	h.scheduledRoutes(v1)
	h.groupedNotificationRoutes(v1, v2)
}

// createReport: POST /api/v1/reports (account_id, status_ids[],
// comment, category; forward and rule_ids[] are not kept) — into the section
// dashboard's queue of reports.
func (h *Handlers) createReport(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	viewer := CurrentAccount(c)
	target, err := h.Store.AccountByID(ctx, p.Get("account_id"))
	if err != nil || target.SuspendedAt != nil {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	category := p.Get("category")
	if category == "" {
		category = "other"
	}
	if !slices.Contains([]string{"spam", "legal", "violation", "other"}, category) {
		ErrorJSON(c, http.StatusUnprocessableEntity, "category must be spam, legal, violation or other")
		return
	}
	r, err := h.Social.Report(ctx, viewer, target, p.List("status_ids"), p.Get("comment"))
	if err != nil {
		h.domainError(c, err)
		return
	}
	account, err := h.renderAccount(ctx, target)
	if err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{
		"id": r.ID, "action_taken": false, "action_taken_at": nil, "category": category, "comment": r.Comment,
		"forwarded": false, "created_at": isoTime(r.CreatedAt), "status_ids": r.StatusIDs,
		"rule_ids": p.List("rule_ids"), "target_account": account,
	})
}

// muteConversation: POST /api/v1/statuses/:id/mute and /unmute — no
// more notifications from that discussion (muted in the entity).
func (h *Handlers) muteConversation(mute bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		st, ok := h.visibleStatusParam(c)
		if !ok {
			return
		}
		viewer := CurrentAccount(c)
		ctx := c.Request.Context()
		var err error
		if mute {
			err = h.Store.MuteThread(ctx, viewer.ID, st.ThreadID, h.now())
		} else {
			err = h.Store.UnmuteThread(ctx, viewer.ID, st.ThreadID)
		}
		if err != nil {
			h.internalError(c, err)
			return
		}
		h.respondStatus(c, viewer, st, nil)
	}
}

// maxNoteChars bounds a private note (Mastodon's limit).
const maxNoteChars = 2000

// setAccountNote: POST /api/v1/accounts/:id/note (comment) — a private
// note only its writer sees, in the relationship.
func (h *Handlers) setAccountNote(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	target, ok := h.accountParam(c)
	if !ok {
		return
	}
	comment := strings.TrimSpace(p.Get("comment"))
	if text.CountChars(comment) > maxNoteChars {
		ErrorJSON(c, http.StatusUnprocessableEntity, "the note is too long")
		return
	}
	ctx := c.Request.Context()
	viewer := CurrentAccount(c)
	if err := h.Store.SetAccountNote(ctx, viewer.ID, target.ID, comment, h.now()); err != nil {
		h.internalError(c, err)
		return
	}
	rels, err := h.Store.Relationships(ctx, viewer.ID, []string{target.ID}, h.now())
	if err != nil || len(rels) == 0 {
		h.internalError(c, err)
		return
	}
	out := relationshipEntity(rels[0])
	out.Note = comment
	c.JSON(http.StatusOK, out)
}

// statusesByID: GET /api/v1/statuses?id[]= — those the viewer may see,
// in the order asked; unknown or hidden ids are left out.
func (h *Handlers) statusesByID(c *gin.Context) {
	ids := queryList(c, "id")
	if len(ids) > maxStatusLimit {
		ErrorJSON(c, http.StatusUnprocessableEntity, "at most "+strconv.Itoa(maxStatusLimit)+" ids")
		return
	}
	ctx := c.Request.Context()
	viewer := CurrentAccount(c)
	visible, err := h.Store.VisibleStatusIDs(ctx, ids, h.visibleFilter(viewer))
	if err != nil {
		h.internalError(c, err)
		return
	}
	var shown []string
	for _, id := range ids {
		if visible[id] && !slices.Contains(shown, id) {
			shown = append(shown, id)
		}
	}
	sts, err := h.Store.StatusesByIDs(ctx, shown)
	if err != nil {
		h.internalError(c, err)
		return
	}
	out, err := h.renderStatuses(ctx, viewer, sts)
	if err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// accountsByID: GET /api/v1/accounts?id[]=.
func (h *Handlers) accountsByID(c *gin.Context) {
	ids := queryList(c, "id")
	if len(ids) > maxAccountLimit {
		ErrorJSON(c, http.StatusUnprocessableEntity, "at most "+strconv.Itoa(maxAccountLimit)+" ids")
		return
	}
	ctx := c.Request.Context()
	accounts, err := h.Store.AccountsByIDs(ctx, ids)
	if err != nil {
		h.internalError(c, err)
		return
	}
	kept := accounts[:0]
	for _, a := range accounts {
		if a.SuspendedAt == nil {
			kept = append(kept, a)
		}
	}
	out, err := h.renderAccounts(ctx, kept)
	if err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// linkTimeline: GET /api/v1/timelines/link?url= — public posts that link
// to url (Mastodon limits it to trending links; Coopol has no trends and
// answers every public post linking there).
func (h *Handlers) linkTimeline(c *gin.Context) {
	u := strings.TrimSpace(c.Query("url"))
	if !isURL(u) {
		ErrorJSON(c, http.StatusUnprocessableEntity, "url must be an http(s) URL")
		return
	}
	viewer := CurrentAccount(c)
	p := pageParams(c, defaultStatusLimit, maxStatusLimit)
	entries, err := h.Store.LinkTimeline(c.Request.Context(), u, h.visibleFilter(viewer), p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondStatusPage(c, viewer, entries, p)
}

// followedTags: GET /api/v1/followed_tags.
func (h *Handlers) followedTags(c *gin.Context) {
	ctx := c.Request.Context()
	viewer := CurrentAccount(c)
	p := pageParams(c, 100, 200)
	entries, err := h.Store.FollowedTagsPage(ctx, viewer.ID, p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	tags, err := h.Store.TagsByIDs(ctx, storage.Items(entries))
	if err != nil {
		h.internalError(c, err)
		return
	}
	out := make([]tagJSON, 0, len(entries))
	for _, e := range entries {
		if t, ok := tags[e.ID]; ok {
			entity := h.tagEntity(t.Name)
			entity.Following = true
			out = append(out, entity)
		}
	}
	h.setLink(c, entries, p, true)
	c.JSON(http.StatusOK, out)
}

// followTag: POST /api/v1/tags/:name/follow and /unfollow — public posts
// with the tag then enter the home timeline.
func (h *Handlers) followTag(follow bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		name := text.NormalizeTag(c.Param("name"))
		if name == "" || strings.ContainsAny(name, " @#") {
			ErrorJSON(c, http.StatusNotFound, msgNotFound)
			return
		}
		ctx := c.Request.Context()
		viewer := CurrentAccount(c)
		var tag *model.Tag
		var err error
		if follow {
			tag, err = h.Store.EnsureTag(ctx, name, h.now())
			if err == nil {
				err = h.Store.FollowTag(ctx, viewer.ID, tag.ID, h.now())
			}
		} else {
			tag, err = h.Store.TagByName(ctx, name)
			if err == nil {
				err = h.Store.UnfollowTag(ctx, viewer.ID, tag.ID)
			}
		}
		if err != nil {
			h.domainError(c, err)
			return
		}
		out := h.tagEntity(tag.Name)
		out.Following = follow
		c.JSON(http.StatusOK, out)
	}
}

// ---- Instance pages and rules ----

// instancePageRoutes mounts the public pages and the staff's editing
// endpoints (Coopol's extension: Mastodon edits them in its admin UI).
func (h *Handlers) instancePageRoutes(v1 *gin.RouterGroup) {
	v1.GET("/instance/extended_description", h.instancePage("about"))
	v1.GET("/instance/privacy_policy", h.instancePage("privacy"))
	v1.GET("/instance/terms_of_service", h.instancePage("terms"))
	v1.GET("/instance/rules", h.instanceRules)
	staff := []gin.HandlerFunc{h.RequireScope("admin:write"), h.RequireStaff()}
	v1.PUT("/coopol/instance/pages/:name", append(staff, h.setInstancePage)...)
	v1.PUT("/coopol/instance/rules", append(staff, h.setInstanceRules)...)
}

// instancePage answers {updated_at, content} (an empty page until staff
// write it; Mastodon answers the same shape).
func (h *Handlers) instancePage(name string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := h.Store.GetInstancePage(c.Request.Context(), name)
		if err == storage.ErrNotFound {
			c.JSON(http.StatusOK, gin.H{"updated_at": nil, "content": ""})
			return
		}
		if err != nil {
			h.internalError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"updated_at": isoTime(p.UpdatedAt), "content": p.Content})
	}
}

// maxPageChars bounds an instance page.
const maxPageChars = 100_000

// setInstancePage: PUT /api/v1/coopol/instance/pages/:name (content, in
// HTML; sanitised like a post) — staff only.
func (h *Handlers) setInstancePage(c *gin.Context) {
	name := c.Param("name")
	if !slices.Contains(storage.InstancePageNames, name) {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	p, ok := h.params(c)
	if !ok {
		return
	}
	content := p.Get("content")
	if len(content) > maxPageChars {
		ErrorJSON(c, http.StatusUnprocessableEntity, "the page is too long")
		return
	}
	page := &storage.InstancePage{Name: name, Content: text.SanitizeRemote(content), UpdatedAt: h.now()}
	if err := h.Store.SetInstancePage(c.Request.Context(), page); err != nil {
		h.internalError(c, err)
		return
	}
	h.Log.Info("instance page changed", "page", name)
	c.JSON(http.StatusOK, gin.H{"updated_at": isoTime(page.UpdatedAt), "content": page.Content})
}

type ruleJSON struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Hint string `json:"hint"`
}

func (h *Handlers) rulesJSON(c *gin.Context) ([]ruleJSON, bool) {
	rules, err := h.Store.InstanceRules(c.Request.Context())
	if err != nil {
		h.internalError(c, err)
		return nil, false
	}
	out := make([]ruleJSON, 0, len(rules))
	for _, r := range rules {
		out = append(out, ruleJSON{ID: r.ID, Text: r.Text, Hint: r.Hint})
	}
	return out, true
}

// instanceRules: GET /api/v1/instance/rules.
func (h *Handlers) instanceRules(c *gin.Context) {
	if out, ok := h.rulesJSON(c); ok {
		c.JSON(http.StatusOK, out)
	}
}

// setInstanceRules: PUT /api/v1/coopol/instance/rules (JSON: {"rules":
// [{"text", "hint"}]}) — replaces the rules, staff only.
func (h *Handlers) setInstanceRules(c *gin.Context) {
	var body struct {
		Rules []struct {
			Text string `json:"text"`
			Hint string `json:"hint"`
		} `json:"rules"`
	}
	if err := c.ShouldBindJSON(&body); err != nil {
		ErrorJSON(c, http.StatusBadRequest, "expected {\"rules\": [{\"text\": ...}]}")
		return
	}
	if len(body.Rules) > 50 {
		ErrorJSON(c, http.StatusUnprocessableEntity, "at most 50 rules")
		return
	}
	now := h.now()
	rules := make([]storage.InstanceRule, 0, len(body.Rules))
	for i, r := range body.Rules {
		t := strings.TrimSpace(r.Text)
		if t == "" || text.CountChars(t) > 1000 || text.CountChars(r.Hint) > 1000 {
			ErrorJSON(c, http.StatusUnprocessableEntity, "a rule has a text of at most 1000 characters")
			return
		}
		rules = append(rules, storage.InstanceRule{ID: model.NewID(now.Add(time.Duration(i))), Text: t, Hint: strings.TrimSpace(r.Hint), Position: i, CreatedAt: now})
	}
	if err := h.Store.ReplaceInstanceRules(c.Request.Context(), rules); err != nil {
		h.internalError(c, err)
		return
	}
	h.instanceRules(c)
}

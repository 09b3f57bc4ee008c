package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// Timelines: every query goes through the domain's VisibleFilter, so that
// who may see a post is decided in one place (social/audience.go).

// homeTimeline: GET /api/v1/timelines/home.
func (h *Handlers) homeTimeline(c *gin.Context) {
	viewer := CurrentAccount(c)
	p := pageParams(c, defaultStatusLimit, maxStatusLimit)
	entries, err := h.Store.HomeTimelineCached(c.Request.Context(), viewer.ID, h.visibleFilter(viewer), h.now(), p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondStatusPage(c, viewer, entries, p)
}

func viewerID(a *model.Account) string {
	if a == nil {
		return ""
	}
	return a.ID
}

// publicTimeline: GET /api/v1/timelines/public (local, remote, only_media).
func (h *Handlers) publicTimeline(c *gin.Context) {
	if queryBool(c, "only_media") {
		c.JSON(http.StatusOK, []any{}) // no media attachments yet
		return
	}
	viewer := CurrentAccount(c)
	p := pageParams(c, defaultStatusLimit, maxStatusLimit)
	opts := storage.PublicOptions{Local: queryBool(c, "local"), Remote: queryBool(c, "remote")}
	entries, err := h.Store.PublicTimelineCached(c.Request.Context(), viewerID(viewer), h.visibleFilter(viewer), opts, h.now(), p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondStatusPage(c, viewer, entries, p)
}

// tagTimeline: GET /api/v1/timelines/tag/:hashtag (local, remote).
func (h *Handlers) tagTimeline(c *gin.Context) {
	tag := text.NormalizeTag(c.Param("hashtag"))
	if tag == "" || queryBool(c, "only_media") {
		c.JSON(http.StatusOK, []any{})
		return
	}
	viewer := CurrentAccount(c)
	p := pageParams(c, defaultStatusLimit, maxStatusLimit)
	opts := storage.PublicOptions{Local: queryBool(c, "local"), Remote: queryBool(c, "remote"), Tag: tag}
	entries, err := h.Store.PublicTimelineCached(c.Request.Context(), viewerID(viewer), h.visibleFilter(viewer), opts, h.now(), p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondStatusPage(c, viewer, entries, p)
}

// getTag: GET /api/v1/tags/:name.
func (h *Handlers) getTag(c *gin.Context) {
	t, err := h.Store.TagByName(c.Request.Context(), text.NormalizeTag(c.Param("name")))
	if err != nil {
		h.domainError(c, err)
		return
	}
	out := h.tagEntity(t.Name)
	if out.Following, err = h.Store.FollowsTag(c.Request.Context(), viewerID(CurrentAccount(c)), t.Name); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// favourites: GET /api/v1/favourites, paged by the like.
func (h *Handlers) favourites(c *gin.Context) {
	viewer := CurrentAccount(c)
	p := pageParams(c, defaultStatusLimit, maxStatusLimit)
	entries, err := h.Store.FavouritesPage(c.Request.Context(), viewer.ID, h.visibleFilter(viewer), p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondStatusPage(c, viewer, entries, p)
}

// bookmarks: GET /api/v1/bookmarks, paged by the bookmark.
func (h *Handlers) bookmarks(c *gin.Context) {
	viewer := CurrentAccount(c)
	p := pageParams(c, defaultStatusLimit, maxStatusLimit)
	entries, err := h.Store.BookmarksPage(c.Request.Context(), viewer.ID, h.visibleFilter(viewer), p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondStatusPage(c, viewer, entries, p)
}

// ---- Conversations ----

type conversationJSON struct {
	ID         string        `json:"id"`
	Unread     bool          `json:"unread"`
	Accounts   []accountJSON `json:"accounts"`
	LastStatus *statusJSON   `json:"last_status"`
}

// renderConversations renders direct-message threads: the other
// participants, the last message the viewer may see, and whether it is
// unread.
func (h *Handlers) renderConversations(ctx context.Context, viewer *model.Account, threadIDs []string) ([]conversationJSON, error) {
	filter := h.visibleFilter(viewer)
	byThread, err := h.Store.ConversationStatuses(ctx, threadIDs, filter)
	if err != nil {
		return nil, err
	}
	states, err := h.Store.ConversationStates(ctx, viewer.ID, threadIDs)
	if err != nil {
		return nil, err
	}
	var all, last []string
	for _, t := range threadIDs {
		ids := byThread[t]
		all = append(all, ids...)
		if len(ids) > 0 {
			last = append(last, ids[len(ids)-1])
		}
	}
	mentions, err := h.Store.StatusMentions(ctx, all)
	if err != nil {
		return nil, err
	}
	statuses, err := h.Store.StatusesByIDs(ctx, all)
	if err != nil {
		return nil, err
	}
	byID := map[string]*model.Status{}
	for i := range statuses {
		byID[statuses[i].ID] = &statuses[i]
	}
	lastStatuses := make([]model.Status, 0, len(last))
	for _, id := range last {
		if st, ok := byID[id]; ok {
			lastStatuses = append(lastStatuses, *st)
		}
	}
	rendered, err := h.renderStatuses(ctx, viewer, lastStatuses)
	if err != nil {
		return nil, err
	}
	renderedByID := map[string]statusJSON{}
	for _, r := range rendered {
		renderedByID[r.ID] = r
	}
	out := make([]conversationJSON, 0, len(threadIDs))
	for _, t := range threadIDs {
		ids := byThread[t]
		if len(ids) == 0 {
			continue
		}
		var participants []model.Account
		seen := map[string]bool{viewer.ID: true}
		add := func(a model.Account) {
			if !seen[a.ID] {
				seen[a.ID] = true
				participants = append(participants, a)
			}
		}
		for _, id := range ids {
			if st, ok := byID[id]; ok && st.Account != nil {
				add(*st.Account)
			}
			for _, a := range mentions[id] {
				add(a)
			}
		}
		accounts, err := h.renderAccounts(ctx, participants)
		if err != nil {
			return nil, err
		}
		lastID := ids[len(ids)-1]
		conv := conversationJSON{ID: t, Accounts: accounts}
		if r, ok := renderedByID[lastID]; ok {
			conv.LastStatus = &r
			conv.Unread = lastID > states[t].LastReadID && byID[lastID].AccountID != viewer.ID
		}
		out = append(out, conv)
	}
	return out, nil
}

// conversations: GET /api/v1/conversations — direct-message threads the
// viewer takes part in, newest activity first.
func (h *Handlers) conversations(c *gin.Context) {
	viewer := CurrentAccount(c)
	p := pageParams(c, defaultStatusLimit, maxStatusLimit)
	entries, err := h.Store.ConversationsPage(c.Request.Context(), viewer.ID, h.visibleFilter(viewer), p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	out, err := h.renderConversations(c.Request.Context(), viewer, storage.Items(entries))
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.setLink(c, entries, p, false)
	c.JSON(http.StatusOK, out)
}

// conversationParam finds the :id conversation (a thread with a direct
// message the viewer may see) and its last status id.
func (h *Handlers) conversationParam(c *gin.Context) (string, string, bool) {
	viewer := CurrentAccount(c)
	id := c.Param("id")
	byThread, err := h.Store.ConversationStatuses(c.Request.Context(), []string{id}, h.visibleFilter(viewer))
	if err != nil {
		h.internalError(c, err)
		return "", "", false
	}
	ids := byThread[id]
	if len(ids) == 0 {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return "", "", false
	}
	return id, ids[len(ids)-1], true
}

// readConversation: POST /api/v1/conversations/:id/read.
func (h *Handlers) readConversation(c *gin.Context) {
	id, last, ok := h.conversationParam(c)
	if !ok {
		return
	}
	viewer := CurrentAccount(c)
	if err := h.Store.MarkConversation(c.Request.Context(), viewer.ID, id, last, false); err != nil {
		h.internalError(c, err)
		return
	}
	out, err := h.renderConversations(c.Request.Context(), viewer, []string{id})
	if err != nil {
		h.internalError(c, err)
		return
	}
	if len(out) == 0 {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	c.JSON(http.StatusOK, out[0])
}

// hideConversation: DELETE /api/v1/conversations/:id — hides it until a
// new message arrives (the messages themselves stay).
func (h *Handlers) hideConversation(c *gin.Context) {
	id, last, ok := h.conversationParam(c)
	if !ok {
		return
	}
	if err := h.Store.MarkConversation(c.Request.Context(), CurrentAccount(c).ID, id, last, true); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

// ---- Markers ----

var markerTimelines = []string{"home", "notifications"}

func markerEntity(m storage.Marker) gin.H {
	return gin.H{"last_read_id": m.LastReadID, "version": m.Version, "updated_at": isoTime(m.UpdatedAt)}
}

// getMarkers: GET /api/v1/markers?timeline[]=home&timeline[]=notifications.
func (h *Handlers) getMarkers(c *gin.Context) {
	var timelines []string
	for _, t := range queryList(c, "timeline") {
		if slices.Contains(markerTimelines, t) && !slices.Contains(timelines, t) {
			timelines = append(timelines, t)
		}
	}
	markers, err := h.Store.Markers(c.Request.Context(), CurrentAccount(c).ID, timelines)
	if err != nil {
		h.internalError(c, err)
		return
	}
	out := gin.H{}
	for _, m := range markers {
		out[m.Timeline] = markerEntity(m)
	}
	c.JSON(http.StatusOK, out)
}

// setMarkers: POST /api/v1/markers (home[last_read_id]=…,
// notifications[last_read_id]=…, or the same as JSON objects).
func (h *Handlers) setMarkers(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	out := gin.H{}
	for _, t := range markerTimelines {
		id := p.Get(t + "[last_read_id]")
		if obj, ok := p.json[t].(map[string]any); ok {
			id, _ = obj["last_read_id"].(string)
		}
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if len(id) > 64 {
			ErrorJSON(c, http.StatusUnprocessableEntity, "last_read_id is not valid")
			return
		}
		m, err := h.Store.SetMarker(c.Request.Context(), CurrentAccount(c).ID, t, id, h.now())
		if err != nil {
			h.internalError(c, err)
			return
		}
		out[t] = markerEntity(*m)
	}
	c.JSON(http.StatusOK, out)
}

// ---- Lists ----

type listJSON struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	RepliesPolicy string `json:"replies_policy"`
	Exclusive     bool   `json:"exclusive"`
}

func listEntity(l *storage.List) listJSON {
	return listJSON{ID: l.ID, Title: l.Title, RepliesPolicy: l.RepliesPolicy, Exclusive: l.Exclusive}
}

var repliesPolicies = []string{"followed", "list", "none"}

const maxListTitleChars = 100

// listParam loads the viewer's :id list (404 for anyone else's).
func (h *Handlers) listParam(c *gin.Context) (*storage.List, bool) {
	l, err := h.Store.ListByID(c.Request.Context(), CurrentAccount(c).ID, c.Param("id"))
	if errors.Is(err, storage.ErrNotFound) {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return nil, false
	}
	if err != nil {
		h.internalError(c, err)
		return nil, false
	}
	return l, true
}

// lists: GET /api/v1/lists.
func (h *Handlers) lists(c *gin.Context) {
	lists, err := h.Store.Lists(c.Request.Context(), CurrentAccount(c).ID, "")
	if err != nil {
		h.internalError(c, err)
		return
	}
	out := make([]listJSON, len(lists))
	for i := range lists {
		out[i] = listEntity(&lists[i])
	}
	c.JSON(http.StatusOK, out)
}

// applyListParams sets title, replies_policy and exclusive from p.
func applyListParams(c *gin.Context, p *params, l *storage.List) bool {
	if p.has("title") || l.Title == "" {
		l.Title = strings.TrimSpace(p.Get("title"))
	}
	if l.Title == "" || text.CountChars(l.Title) > maxListTitleChars {
		ErrorJSON(c, http.StatusUnprocessableEntity, "title must be 1 to 100 characters")
		return false
	}
	if rp := p.Get("replies_policy"); rp != "" {
		if !slices.Contains(repliesPolicies, rp) {
			ErrorJSON(c, http.StatusUnprocessableEntity, "replies_policy must be one of "+strings.Join(repliesPolicies, ", "))
			return false
		}
		l.RepliesPolicy = rp
	}
	if v, ok := parseBool(p.Get("exclusive")); ok {
		l.Exclusive = v
	}
	return true
}

// createList: POST /api/v1/lists.
func (h *Handlers) createList(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	now := h.now()
	l := &storage.List{ID: model.NewID(now), AccountID: CurrentAccount(c).ID, RepliesPolicy: "list", CreatedAt: now, UpdatedAt: now}
	if !applyListParams(c, p, l) {
		return
	}
	if err := h.Store.CreateList(c.Request.Context(), l); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, listEntity(l))
}

// getList: GET /api/v1/lists/:id.
func (h *Handlers) getList(c *gin.Context) {
	if l, ok := h.listParam(c); ok {
		c.JSON(http.StatusOK, listEntity(l))
	}
}

// updateList: PUT /api/v1/lists/:id.
func (h *Handlers) updateList(c *gin.Context) {
	l, ok := h.listParam(c)
	if !ok {
		return
	}
	p, ok := h.params(c)
	if !ok || !applyListParams(c, p, l) {
		return
	}
	l.UpdatedAt = h.now()
	if err := h.Store.UpdateList(c.Request.Context(), l); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, listEntity(l))
}

// deleteList: DELETE /api/v1/lists/:id.
func (h *Handlers) deleteList(c *gin.Context) {
	l, ok := h.listParam(c)
	if !ok {
		return
	}
	if err := h.Store.DeleteList(c.Request.Context(), l.ID); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

// listAccounts: GET /api/v1/lists/:id/accounts (limit=0: all of them,
// in one page).
func (h *Handlers) listAccounts(c *gin.Context) {
	l, ok := h.listParam(c)
	if !ok {
		return
	}
	p := pageParams(c, defaultAccountLimit, maxAccountLimit)
	all := c.Query("limit") == "0"
	if all {
		p = storage.Page{}
	}
	entries, err := h.Store.ListAccountsPage(c.Request.Context(), l.ID, p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	if all {
		entries = append([]storage.Entry(nil), entries...)
		h.respondAccountPage(c, entries, storage.Page{Limit: len(entries) + 1})
		return
	}
	h.respondAccountPage(c, entries, p)
}

// addListAccounts: POST /api/v1/lists/:id/accounts (account_ids[]):
// only accounts the owner follows (or asked to follow), as Mastodon.
func (h *Handlers) addListAccounts(c *gin.Context) {
	l, ok := h.listParam(c)
	if !ok {
		return
	}
	p, ok := h.params(c)
	if !ok {
		return
	}
	ids := p.List("account_ids")
	if len(ids) == 0 {
		ErrorJSON(c, http.StatusUnprocessableEntity, "account_ids can't be blank")
		return
	}
	ctx := c.Request.Context()
	rels, err := h.Store.Relationships(ctx, CurrentAccount(c).ID, ids, h.now())
	if err != nil {
		h.internalError(c, err)
		return
	}
	for _, r := range rels {
		if !r.Following && !r.Requested {
			ErrorJSON(c, http.StatusUnprocessableEntity, "You can only add accounts you follow to a list")
			return
		}
	}
	if err := h.Store.AddListAccounts(ctx, l.ID, ids, h.now()); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

// removeListAccounts: DELETE /api/v1/lists/:id/accounts (account_ids[]).
func (h *Handlers) removeListAccounts(c *gin.Context) {
	l, ok := h.listParam(c)
	if !ok {
		return
	}
	p, ok := h.params(c)
	if !ok {
		return
	}
	if err := h.Store.RemoveListAccounts(c.Request.Context(), l.ID, p.List("account_ids")); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

// listTimeline: GET /api/v1/timelines/list/:id.
func (h *Handlers) listTimeline(c *gin.Context) {
	l, ok := h.listParam(c)
	if !ok {
		return
	}
	viewer := CurrentAccount(c)
	p := pageParams(c, defaultStatusLimit, maxStatusLimit)
	entries, err := h.Store.ListTimelineCached(c.Request.Context(), viewer.ID, l.ID, l.RepliesPolicy, h.visibleFilter(viewer), h.now(), p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondStatusPage(c, viewer, entries, p)
}

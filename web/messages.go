package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// Private messages as conversations (issue 16): the list of one's
// direct-message threads, one line per correspondent or group of
// correspondents, and a thread page to read and answer. What was read is
// kept in conversation_states, the table /api/v1/conversations uses, so
// that the pages and Mastodon apps agree on what is unread. Who may read
// a message is the audience rule's answer (VisibleFilter) every time.

// conversationView is one line of the list, or the head of a thread.
type conversationView struct {
	ID   string // the thread
	Path string
	// With are the other participants, Names them in one phrase.
	With  []accountView
	Names string
	// Last is the newest message the viewer may see.
	Last        *model.Status
	LastAuthor  accountView
	LastMine    bool
	LastPreview string
	LastAt      time.Time
	Unread      bool
}

func conversationPath(threadID string) string { return "/messages/" + threadID }

// loadedConversation is what loadConversations read of one thread.
type loadedConversation struct {
	view     conversationView
	statuses []model.Status // oldest first, only those the viewer may see
}

// loadConversations reads threads (in the given order) with what the
// viewer may see of them; threads with nothing visible are left out.
func (h *Handlers) loadConversations(c *gin.Context, viewer *model.Account, threadIDs []string) ([]loadedConversation, error) {
	ctx := c.Request.Context()
	visible := storage.StatusFilter(h.Social.VisibleFilter(viewer))
	byThread, err := h.Store.ConversationStatuses(ctx, threadIDs, visible)
	if err != nil {
		return nil, err
	}
	var all []string
	for _, t := range threadIDs {
		all = append(all, byThread[t]...)
	}
	statuses, err := h.Store.StatusesByIDs(ctx, all)
	if err != nil {
		return nil, err
	}
	byID := map[string]model.Status{}
	for _, st := range statuses {
		byID[st.ID] = st
	}
	mentions, err := h.Store.StatusMentions(ctx, all)
	if err != nil {
		return nil, err
	}
	unread, err := h.Store.UnreadConversations(ctx, viewer.ID, threadIDs, visible)
	if err != nil {
		return nil, err
	}
	out := make([]loadedConversation, 0, len(threadIDs))
	for _, t := range threadIDs {
		var lc loadedConversation
		seen := map[string]bool{viewer.ID: true}
		add := func(a *model.Account) {
			if a != nil && !seen[a.ID] {
				seen[a.ID] = true
				lc.view.With = append(lc.view.With, h.accountView(a))
			}
		}
		for _, id := range byThread[t] {
			st, ok := byID[id]
			if !ok {
				continue
			}
			lc.statuses = append(lc.statuses, st)
			add(st.Account)
			for i := range mentions[id] {
				add(&mentions[id][i])
			}
		}
		if len(lc.statuses) == 0 {
			continue
		}
		last := lc.statuses[len(lc.statuses)-1]
		lc.view.ID, lc.view.Path, lc.view.Unread = t, conversationPath(t), unread[t]
		lc.view.Last, lc.view.LastAt, lc.view.LastMine = &last, last.CreatedAt, last.AccountID == viewer.ID
		lc.view.LastAuthor = h.accountView(last.Account)
		lc.view.LastPreview = preview(stripMentions(text.StripHTML(last.Content)), 140)
		lc.view.Names = h.joinNames(c, lc.view.With)
		out = append(out, lc)
	}
	return out, nil
}

// stripMentions drops the leading "@alice @bob" of a direct message: the
// list already says who it is with.
func stripMentions(s string) string {
	s = strings.TrimSpace(s)
	for strings.HasPrefix(s, "@") {
		_, rest, ok := strings.Cut(s, " ")
		if !ok {
			return s
		}
		s = strings.TrimSpace(rest)
	}
	return s
}

// preview shortens s to about n characters, on a word boundary.
func preview(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexFunc(string(r), unicode.IsSpace); i > n/2 {
		return string(r)[:i] + "…"
	}
	return string(r) + "…"
}

// joinNames says "Aline", "Aline et Bruno", "Aline, Bruno et Chloé".
func (h *Handlers) joinNames(c *gin.Context, with []accountView) string {
	names := make([]string, 0, len(with))
	for _, a := range with {
		names = append(names, a.Name)
	}
	switch len(names) {
	case 0:
		return h.t(c, "messages.only_you")
	case 1:
		return names[0]
	}
	return h.t(c, "messages.and", "First", strings.Join(names[:len(names)-1], ", "), "Last", names[len(names)-1])
}

type messagesData struct {
	Conversations []conversationView
	Older         string
	Compose       *composeData
}

// messagesPage lists the viewer's conversations, newest activity first,
// and a form to start one.
func (h *Handlers) messagesPage(c *gin.Context) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	visible := storage.StatusFilter(h.Social.VisibleFilter(v.Account))
	entries, err := h.Store.ConversationsPage(ctx, v.Account.ID, visible, storage.Page{MaxID: c.Query("max_id"), Limit: pageSize})
	if err != nil {
		h.fail(c, err)
		return
	}
	threadIDs := make([]string, 0, len(entries))
	for _, e := range entries {
		threadIDs = append(threadIDs, e.ID)
	}
	loaded, err := h.loadConversations(c, v.Account, threadIDs)
	if err != nil {
		h.fail(c, err)
		return
	}
	d := &messagesData{Older: olderKey(entries)}
	for _, lc := range loaded {
		d.Conversations = append(d.Conversations, lc.view)
	}
	if d.Compose, err = h.composeFor(c, composeOptions{Direct: true}); err != nil {
		h.fail(c, err)
		return
	}
	d.Compose.To = c.Query("to")
	p := h.newPage(c, h.t(c, "messages.title"), d)
	p.Nav = "messages"
	h.render(c, http.StatusOK, "messages", p)
}

type conversationData struct {
	Conversation conversationView
	Messages     []statusView
	Compose      *composeData
}

// conversationPage shows one thread and the answer form. Someone the
// audience rule lets see none of its messages gets the 404 page, as for
// a thread that does not exist.
func (h *Handlers) conversationPage(c *gin.Context) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	loaded, err := h.loadConversations(c, v.Account, []string{c.Param("id")})
	if err != nil {
		h.fail(c, err)
		return
	}
	if len(loaded) == 0 {
		h.notFound(c)
		return
	}
	lc := loaded[0]
	d := &conversationData{Conversation: lc.view}
	if d.Messages, err = h.statusViews(ctx, v.Account, lc.statuses); err != nil {
		h.fail(c, err)
		return
	}
	if d.Compose, err = h.composeFor(c, composeOptions{Direct: true, ReplyTo: lc.view.Last}); err != nil {
		h.fail(c, err)
		return
	}
	d.Compose.Back = lc.view.Path
	if err := h.Store.MarkConversation(ctx, v.Account.ID, lc.view.ID, lc.view.Last.ID, false); err != nil {
		h.Log.Warn("web: mark conversation read", "err", err)
	}
	ids := make([]string, 0, len(lc.statuses))
	for _, st := range lc.statuses {
		ids = append(ids, st.ID)
	}
	if err := h.Store.MarkMessageNotificationsRead(ctx, v.Account.ID, ids); err != nil {
		h.Log.Warn("web: mark message notifications read", "err", err)
	}
	d.Conversation.Unread = false
	p := h.newPage(c, h.t(c, "messages.with", "Names", lc.view.Names), d)
	p.Nav = "messages"
	h.render(c, http.StatusOK, "conversation", p)
}

// directReplyTo lists who a direct answer to parent goes to: its author
// and everyone it mentions, but not the one who answers.
func (h *Handlers) directReplyTo(ctx context.Context, viewer *model.Account, parent *model.Status) (string, error) {
	mentions, err := h.Store.StatusMentions(ctx, []string{parent.ID})
	if err != nil {
		return "", err
	}
	var handles []string
	add := func(a *model.Account) {
		if a != nil && a.ID != viewer.ID && !slices.Contains(handles, a.Acct()) {
			handles = append(handles, a.Acct())
		}
	}
	add(parent.Account)
	for i := range mentions[parent.ID] {
		add(&mentions[parent.ID][i])
	}
	return strings.Join(handles, " "), nil
}

const frenchVowels = "aeiouàâäéèêëîïôöùûüæœAEIOUÀÂÄÉÈÊËÎÏÔÖÙÛÜÆŒ"

// startsWithVowel says whether French elides before name ("d’Aline",
// "d’Yves", but "de Yann"). Names starting with "h" keep "de": whether
// the h is mute is a matter of the name, and "de Hugo" is never wrong.
func startsWithVowel(name string) bool {
	name = strings.TrimSpace(name)
	r, size := utf8.DecodeRuneInString(name)
	if r == 'y' || r == 'Y' {
		next, _ := utf8.DecodeRuneInString(name[size:])
		return next != utf8.RuneError && !strings.ContainsRune(frenchVowels, next)
	}
	return strings.ContainsRune(frenchVowels, r)
}

package web

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// The logged-in person's home timeline, writing posts, and what one does
// to a post (like, boost, delete).

type timelineData struct {
	Compose  *composeData
	Statuses []statusView
	Older    string
	// Newest is the id the live updates start after.
	Newest string
}

func (h *Handlers) homeTimeline(c *gin.Context) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	now := h.now() // before rendering: what ends after it is rendered as not ended yet
	entries, err := h.Store.HomeTimelineCached(ctx, v.Account.ID, storage.StatusFilter(h.Social.VisibleFilter(v.Account)), now,
		storage.Page{MaxID: c.Query("max_id"), Limit: pageSize})
	if err != nil {
		h.fail(c, err)
		return
	}
	asked, kept := h.askKept(c, entries, now)
	defer h.kept.Release(asked)
	if kept != nil {
		h.writeHTML(c, http.StatusOK, kept.Body, true)
		return
	}
	d := &timelineData{Older: olderKey(entries)}
	if c.Query("max_id") == "" {
		if len(entries) > 0 {
			d.Newest = entries[0].Key
		} else {
			d.Newest = "0"
		}
	}
	if d.Statuses, err = h.loadStatuses(ctx, v.Account, entries); err != nil {
		h.fail(c, err)
		return
	}
	if d.Compose, err = h.composeFor(c, composeOptions{}); err != nil {
		h.fail(c, err)
		return
	}
	p := h.newPage(c, h.t(c, "home.title"), d)
	p.Nav = "home"
	if body, ok := h.renderBody(c, "timeline", p); ok {
		h.kept.Keep(asked, statusesEnd(d.Statuses, now), "", body)
		h.writeHTML(c, http.StatusOK, body, true)
	}
}

// homeUpdates answers the live timeline script: the posts newer than
// `since`, as HTML to insert, and their newest id in a header.
func (h *Handlers) homeUpdates(c *gin.Context) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	since := c.Query("since")
	entries, err := h.Store.HomeTimelineCached(ctx, v.Account.ID, storage.StatusFilter(h.Social.VisibleFilter(v.Account)), h.now(),
		storage.Page{MinID: since, Limit: pageSize})
	if err != nil {
		h.fail(c, err)
		return
	}
	if len(entries) == 0 {
		c.Header("Cache-Control", "private, no-store")
		c.Status(http.StatusNoContent)
		return
	}
	views, err := h.loadStatuses(ctx, v.Account, entries)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Header("X-Newest-Id", entries[0].Key)
	p := &page{Lang: h.msgs.choose(c.Request), CSRF: h.csrfToken(c), Path: "/home", Viewer: &viewerView{Account: h.accountView(v.Account)}}
	h.renderFragment(c, "statuses", map[string]any{"S": views, "P": p})
}

// composeData fills the post form.
type composeData struct {
	// Groups the viewer may post in (members-only posts need one).
	Groups []accountView
	// GroupID is preselected (group page) or fixed (reply in a group).
	GroupID    string
	GroupFixed bool
	ReplyTo    *statusView
	Visibility string
	Text       string
	Spoiler    string
	Error      string
	Back       string
	MaxChars   int
	// To is the recipients field of a direct message.
	To     string
	Direct bool
	// Media: attachments can be added (the media service is there).
	Media bool
	// PollOptions are the poll's option fields (typed values kept).
	PollOptions []string
	PollMinutes string

	// VisibilityFixed: a reply in a members-only thread stays
	// members-only (the domain forces it); the form offers no choice.
	VisibilityFixed bool
}

type composeOptions struct {
	ReplyTo *model.Status
	Group   *model.Account
	Direct  bool
}

// composeFor prepares the form: a reply keeps its parent's audience
// (the domain enforces it anyway), a group page posts in the group.
func (h *Handlers) composeFor(c *gin.Context, o composeOptions) (*composeData, error) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	d := &composeData{Visibility: v.User.DefaultVisibility, Back: c.Request.URL.RequestURI(), MaxChars: h.Config.Instance.MaxStatusChars,
		Direct: o.Direct, Media: h.Media != nil, PollOptions: make([]string, social.MaxPollOptions), PollMinutes: "1440"}
	if d.Visibility == "" {
		d.Visibility = model.VisibilityPublic
	}
	groups, err := h.Store.GroupsOf(ctx, v.Account.ID)
	if err != nil {
		return nil, err
	}
	for i := range groups {
		d.Groups = append(d.Groups, h.accountView(&groups[i]))
	}
	if o.ReplyTo != nil && o.ReplyTo.Visibility == model.VisibilityDirect {
		// A reply in a conversation stays private: the form offers no
		// visibility, group or poll, and goes to everyone in it.
		d.Direct = true
	}
	switch {
	case d.Direct:
		d.Visibility = model.VisibilityDirect
		if o.ReplyTo != nil {
			rv := h.statusView(o.ReplyTo)
			d.ReplyTo = &rv
			if d.To, err = h.directReplyTo(ctx, v.Account, o.ReplyTo); err != nil {
				return nil, err
			}
		}
	case o.ReplyTo != nil:
		rv := h.statusView(o.ReplyTo)
		d.ReplyTo = &rv
		d.Visibility = o.ReplyTo.Visibility
		if o.ReplyTo.GroupID != nil {
			d.GroupID, d.GroupFixed = *o.ReplyTo.GroupID, true
		}
		mention := !o.ReplyTo.Account.IsLocal() || o.ReplyTo.AccountID != v.Account.ID
		if o.ReplyTo.Visibility == model.VisibilityMembers && o.ReplyTo.GroupID != nil {
			d.VisibilityFixed = true
			// A removed author may not be mentioned in the group's thread.
			if ok, err := h.Store.IsMember(ctx, *o.ReplyTo.GroupID, o.ReplyTo.AccountID); err != nil {
				return nil, err
			} else if !ok {
				mention = false
			}
		}
		if mention {
			d.Text = "@" + o.ReplyTo.Account.Acct() + " "
		}
	case o.Group != nil:
		d.GroupID, d.GroupFixed = o.Group.ID, true
		d.Visibility = model.VisibilityMembers
	}
	return d, nil
}

// createStatus publishes a post from the form; on a refusal the form
// comes back with what was typed.
func (h *Handlers) createStatus(c *gin.Context) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	in := social.NewStatus{
		Text: c.PostForm("text"), SpoilerText: strings.TrimSpace(c.PostForm("spoiler_text")),
		Visibility: c.PostForm("visibility"), InReplyToID: c.PostForm("in_reply_to_id"), GroupID: c.PostForm("group_id"),
	}
	to := strings.TrimSpace(c.PostForm("to"))
	in.Poll = parsePoll(c)
	ids, err := h.uploadForm(c, v.Account)
	if msg := h.uploadMessage(c, err); msg != "" {
		h.composeAgain(c, in, to, msg)
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	in.MediaIDs = ids
	direct := c.PostForm("direct") == "1"
	if in.InReplyToID != "" && !direct {
		// A reply in a conversation stays private, whatever the form
		// said, and goes to everyone in it.
		if parent, err := h.Social.VisibleStatus(ctx, v.Account, in.InReplyToID); err == nil && parent.Visibility == model.VisibilityDirect {
			direct = true
			if to, err = h.directReplyTo(ctx, v.Account, parent); err != nil {
				h.fail(c, err)
				return
			}
		}
	}
	if direct {
		// A private message is in no group and carries no poll.
		in.Visibility, in.GroupID, in.Poll = model.VisibilityDirect, "", nil
		if to == "" && in.InReplyToID == "" {
			h.composeAgain(c, in, to, h.t(c, "messages.to_required"))
			return
		}
		in.Text = mentionLine(to) + in.Text
	}
	st, err := h.Social.CreateStatus(ctx, v.Account, in)
	var ve *social.ValidationError
	switch {
	case errors.As(err, &ve):
		h.composeAgain(c, in, to, h.domainMessage(c, ve.Msg))
		return
	case errors.Is(err, social.ErrForbidden):
		h.composeAgain(c, in, to, h.t(c, "compose.forbidden"))
		return
	case err != nil:
		h.fail(c, err)
		return
	}
	if st.Visibility == model.VisibilityDirect {
		// After sending, one stays in the conversation, which one has
		// read up to one's own message.
		if err := h.Store.MarkConversation(ctx, v.Account.ID, st.ThreadID, st.ID, false); err != nil {
			h.Log.Warn("web: mark conversation read", "err", err)
		}
		h.flash(c, "flash.sent")
		c.Redirect(http.StatusSeeOther, conversationPath(st.ThreadID))
		return
	}
	h.flash(c, "flash.posted")
	back := localPath(c.PostForm("back"), "")
	if back == "" || in.InReplyToID != "" {
		back = statusPath(st)
	}
	c.Redirect(http.StatusSeeOther, back)
}

var handleRe = regexp.MustCompile(`@?([A-Za-z0-9_]+(?:@[A-Za-z0-9.-]+)?)`)

// mentionLine turns "alice, @bob@other.example" into "@alice @bob@other.example ".
func mentionLine(to string) string {
	var b strings.Builder
	for _, m := range handleRe.FindAllStringSubmatch(to, 20) {
		b.WriteString("@" + m[1] + " ")
	}
	return b.String()
}

// composeAgain shows the full form with what was typed and why it was
// refused.
func (h *Handlers) composeAgain(c *gin.Context, in social.NewStatus, to, msg string) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	o := composeOptions{Direct: c.PostForm("direct") == "1"}
	if in.InReplyToID != "" {
		if parent, err := h.Social.VisibleStatus(ctx, v.Account, in.InReplyToID); err == nil {
			o.ReplyTo = parent
		}
	}
	d, err := h.composeFor(c, o)
	if err != nil {
		h.fail(c, err)
		return
	}
	d.Text, d.Spoiler, d.Error = c.PostForm("text"), in.SpoilerText, msg
	if d.ReplyTo == nil || !d.Direct {
		d.To = to
	}
	for i := range d.PollOptions {
		d.PollOptions[i] = c.PostForm("poll_option_" + strconv.Itoa(i))
	}
	if m := c.PostForm("poll_minutes"); m != "" {
		d.PollMinutes = m
	}
	if in.Visibility != "" {
		d.Visibility = in.Visibility
	}
	if !d.GroupFixed {
		d.GroupID = in.GroupID
	}
	d.Back = localPath(c.PostForm("back"), "/home")
	p := h.newPage(c, h.t(c, "compose.title"), d)
	h.render(c, http.StatusUnprocessableEntity, "compose", p)
}

// composePage is the post form alone (the fallback of every compose box).
func (h *Handlers) composePage(c *gin.Context) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	o := composeOptions{Direct: c.Query("direct") == "1"}
	if id := c.Query("reply_to"); id != "" {
		parent, err := h.Social.VisibleStatus(ctx, v.Account, id)
		if err != nil {
			h.fail(c, err)
			return
		}
		o.ReplyTo = parent
	}
	d, err := h.composeFor(c, o)
	if err != nil {
		h.fail(c, err)
		return
	}
	if d.ReplyTo == nil || !d.Direct {
		d.To = c.Query("to") // a private answer goes to the conversation
	}
	d.Back = "/home"
	p := h.newPage(c, h.t(c, "compose.title"), d)
	p.Nav = "compose"
	h.render(c, http.StatusOK, "compose", p)
}

// statusAction: like, boost (and undo), delete.
func (h *Handlers) statusAction(c *gin.Context) {
	ctx := c.Request.Context()
	v := viewerOf(c)
	id := c.Param("id")
	back := localPath(c.PostForm("back"), "/home")
	var err error
	switch c.Param("action") {
	case "favourite":
		_, err = h.Social.Favourite(ctx, v.Account, id)
	case "unfavourite":
		_, err = h.Social.Unfavourite(ctx, v.Account, id)
	case "reblog":
		_, err = h.Social.Reblog(ctx, v.Account, id)
	case "unreblog":
		err = h.Social.Unreblog(ctx, v.Account, id)
	case "vote":
		h.vote(c)
		return
	case "delete":
		st, lookErr := h.Social.VisibleStatus(ctx, v.Account, id)
		if lookErr == nil && strings.HasPrefix(back, statusPath(st)) {
			back = "/home" // the page of what was deleted is gone
		}
		if err = h.Social.DeleteStatus(ctx, v.Account, id); err == nil {
			h.flash(c, "flash.deleted")
		}
	default:
		h.notFound(c)
		return
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, back)
}

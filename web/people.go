package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/ratelimit"
	"github.com/coopol/coopol/social"
)

// Following people, joining groups, one's own profile.

// accountParam loads the account of the :id route parameter.
func (h *Handlers) accountParam(c *gin.Context) (*model.Account, bool) {
	a, err := h.Store.AccountByID(c.Request.Context(), c.Param("id"))
	if err != nil || a.ActorType == model.ActorApplication || a.SuspendedAt != nil {
		h.notFound(c)
		return nil, false
	}
	return a, true
}

func (h *Handlers) follow(c *gin.Context) {
	target, ok := h.accountParam(c)
	if !ok {
		return
	}
	if _, err := h.Social.Follow(c.Request.Context(), viewerOf(c).Account, target); err != nil {
		h.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, localPath(c.PostForm("back"), accountPath(target)))
}

func (h *Handlers) unfollow(c *gin.Context) {
	target, ok := h.accountParam(c)
	if !ok {
		return
	}
	if err := h.Social.Unfollow(c.Request.Context(), viewerOf(c).Account, target); err != nil {
		h.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, localPath(c.PostForm("back"), accountPath(target)))
}

func (h *Handlers) joinGroup(c *gin.Context) {
	group, ok := h.accountParam(c)
	if !ok {
		return
	}
	m, err := h.Social.JoinGroup(c.Request.Context(), viewerOf(c).Account, group)
	if err != nil {
		h.fail(c, err)
		return
	}
	if m.State == "accepted" {
		h.flash(c, "flash.joined")
	} else {
		h.flash(c, "flash.join_requested")
	}
	c.Redirect(http.StatusSeeOther, localPath(c.PostForm("back"), accountPath(group)))
}

func (h *Handlers) leaveGroup(c *gin.Context) {
	group, ok := h.accountParam(c)
	if !ok {
		return
	}
	if err := h.Social.LeaveGroup(c.Request.Context(), viewerOf(c).Account, group); err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.left")
	c.Redirect(http.StatusSeeOther, localPath(c.PostForm("back"), accountPath(group)))
}

// answerJoinRequest: a group's moderator accepts or refuses someone.
func (h *Handlers) answerJoinRequest(c *gin.Context) {
	group, ok := h.accountParam(c)
	if !ok {
		return
	}
	member, err := h.Store.AccountByID(c.Request.Context(), c.Param("account"))
	if err != nil {
		h.notFound(c)
		return
	}
	accept := c.PostForm("decision") == "accept"
	if err := h.Social.AnswerJoinRequest(c.Request.Context(), viewerOf(c).Account, group, member, accept); err != nil {
		h.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, localPath(c.PostForm("back"), accountPath(group)))
}

// createGroup: members (not sympathisants: the domain says) create
// thematic groups.
func (h *Handlers) createGroup(c *gin.Context) {
	form := newGroupForm{
		Username: strings.TrimSpace(c.PostForm("username")), DisplayName: strings.TrimSpace(c.PostForm("display_name")),
		Note: c.PostForm("note"), Openness: c.PostForm("openness"),
		Admission: c.PostForm("admission"), SympathisantsMayJoin: c.PostForm("sympathisants_may_join") == "1",
	}
	group, err := h.Social.CreateGroup(c.Request.Context(), viewerOf(c).Account, social.NewGroup{
		Username: form.Username, DisplayName: form.DisplayName, Note: form.Note, Openness: form.Openness,
		Admission: form.Admission, SympathisantsMayJoin: form.SympathisantsMayJoin,
	})
	var ve *social.ValidationError
	if errors.As(err, &ve) {
		form.Error = h.domainMessage(c, ve.Msg)
		h.renderGroups(c, http.StatusUnprocessableEntity, form)
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.group_created")
	c.Redirect(http.StatusSeeOther, accountPath(group))
}

type settingsData struct {
	Account      accountView
	DisplayName  string
	Note         string
	Fields       []model.Field
	Locked       bool
	Discoverable bool
	Error        string
	PassError    string
	Groups       []accountView
	Role         string
	MaxNote      int
	// DirectoryVisible: a sympathisant's choice to be found by name in
	// search by people of this instance (members always are).
	DirectoryVisible bool
	// Mail: the e-mail notification choices (nil without SMTP).
	Mail *mailSettings
}

func (h *Handlers) settingsPage(c *gin.Context) {
	v := viewerOf(c)
	note, fields, err := h.Social.ProfileSource(c.Request.Context(), v.Account)
	if err != nil {
		h.fail(c, err)
		return
	}
	d := &settingsData{DisplayName: v.Account.DisplayName, Note: note, Fields: fields, Locked: v.Account.Locked, Discoverable: v.Account.Discoverable}
	h.renderSettings(c, http.StatusOK, d)
}

func (h *Handlers) renderSettings(c *gin.Context, status int, d *settingsData) {
	v := viewerOf(c)
	d.Account, d.Role, d.MaxNote = h.accountView(v.Account), v.User.Role, social.MaxNoteChars
	d.DirectoryVisible, _ = h.Store.DirectoryVisible(c.Request.Context(), v.Account.ID)
	for len(d.Fields) < social.MaxProfileFields {
		d.Fields = append(d.Fields, model.Field{})
	}
	groups, err := h.Store.GroupsOf(c.Request.Context(), v.Account.ID)
	if err != nil {
		h.fail(c, err)
		return
	}
	for i := range groups {
		d.Groups = append(d.Groups, h.accountView(&groups[i]))
	}
	if err := h.loadMailSettings(c, d); err != nil {
		h.fail(c, err)
		return
	}
	p := h.newPage(c, h.t(c, "settings.title"), d)
	p.Nav = "settings"
	h.render(c, status, "settings", p)
}

func (h *Handlers) saveSettings(c *gin.Context) {
	v := viewerOf(c)
	d := &settingsData{
		DisplayName: strings.TrimSpace(c.PostForm("display_name")), Note: c.PostForm("note"),
		Locked: c.PostForm("locked") == "1", Discoverable: c.PostForm("discoverable") == "1",
	}
	for i := range social.MaxProfileFields {
		name, value := strings.TrimSpace(c.PostForm("field_name_"+strconv.Itoa(i))), strings.TrimSpace(c.PostForm("field_value_"+strconv.Itoa(i)))
		d.Fields = append(d.Fields, model.Field{Name: name, Value: value})
	}
	_, err := h.Social.UpdateProfile(c.Request.Context(), v.Account, social.ProfileUpdate{
		DisplayName: &d.DisplayName, Note: &d.Note, Fields: &d.Fields, Locked: &d.Locked, Discoverable: &d.Discoverable,
	})
	var ve *social.ValidationError
	if errors.As(err, &ve) {
		d.Error = h.domainMessage(c, ve.Msg)
		h.renderSettings(c, http.StatusUnprocessableEntity, d)
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	if v.User.Role == model.RoleSympathisant {
		if err := h.Store.SetDirectoryVisible(c.Request.Context(), v.Account.ID, c.PostForm("directory_visible") == "1"); err != nil {
			h.fail(c, err)
			return
		}
	}
	h.flash(c, "flash.profile_saved")
	c.Redirect(http.StatusSeeOther, "/settings")
}

// changePassword needs the current password: a session left open on a
// shared computer must not be enough to take the account.
func (h *Handlers) changePassword(c *gin.Context) {
	v := viewerOf(c)
	again := func(status int, msg string) {
		note, fields, _ := h.Social.ProfileSource(c.Request.Context(), v.Account)
		d := &settingsData{DisplayName: v.Account.DisplayName, Note: note, Fields: fields, Locked: v.Account.Locked,
			Discoverable: v.Account.Discoverable, PassError: msg}
		h.renderSettings(c, status, d)
	}
	if r := h.mailForms.Take(c.Request.Context(), ratelimit.ClientKey(c)); r.Reached {
		tooMany(c, r, h.now())
		again(http.StatusTooManyRequests, h.t(c, "login.too_many"))
		return
	}
	if !auth.CheckPassword(v.User.PasswordHash, c.PostForm("current")) {
		again(http.StatusUnprocessableEntity, h.t(c, "settings.wrong_password"))
		return
	}
	hash, err := auth.HashPassword(c.PostForm("password"))
	if errors.Is(err, auth.ErrWeakPassword) {
		again(http.StatusUnprocessableEntity, h.t(c, "reset.weak", "Min", auth.MinPasswordLength))
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	if err := h.Store.SetUserPassword(c.Request.Context(), v.User.ID, hash, h.now()); err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.password_saved")
	c.Redirect(http.StatusSeeOther, "/settings")
}

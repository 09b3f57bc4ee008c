package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// A group's settings page, for its admins (the section's, for its
// staff): its name, description, territory and pictures, and for a
// thematic group its admission rules and its members. Every change goes
// through the domain calls the API uses (social/group_settings.go,
// social/groups.go, social/admission.go): the same permissions, the
// same federation (an Update of the Group actor, a Remove to an excluded
// member's server).

// groupSettingsPath is the settings form's route (its body may carry two
// pictures: web/csrf.go).
const groupSettingsPath = "/groups/:id/settings"

type groupSettingsData struct {
	Group     accountView
	IsSection bool
	// The form's values: what the editors typed.
	Name, Note, Territory string
	AvatarURL, HeaderURL  string
	Uploads               bool
	// Admission rules (thematic groups).
	Openness, Admission  string
	SympathisantsMayJoin bool
	Members              []groupMemberRow
	Invited, Banned      []accountView
	// Errors, already in the reader's language.
	Error, AdmissionError, MembersError string
	Invite                              string
}

type groupMemberRow struct {
	Account accountView
	Role    string
	// Self: the viewer (they leave rather than remove themselves);
	// Creator: the founder, whose role does not change.
	Self, Creator bool
}

// editableGroup loads the :id group and checks that the viewer may edit
// it; anyone else gets a 404, as if the page did not exist.
func (h *Handlers) editableGroup(c *gin.Context) (*model.Account, bool) {
	group, err := h.Store.AccountByID(c.Request.Context(), c.Param("id"))
	if err != nil || !group.IsGroup() || !group.IsLocal() || group.SuspendedAt != nil {
		h.notFound(c)
		return nil, false
	}
	ok, err := h.Social.CanEditGroup(c.Request.Context(), viewerOf(c).Account, group)
	if err != nil {
		h.fail(c, err)
		return nil, false
	}
	if !ok {
		h.notFound(c)
		return nil, false
	}
	return group, true
}

// editableGroupMember is editableGroup plus the person the URL names
// (:account); false when either is missing (the answer is written).
func (h *Handlers) editableGroupMember(c *gin.Context) (group, member *model.Account, ok bool) {
	if group, ok = h.editableGroup(c); !ok {
		return nil, nil, false
	}
	member, err := h.Store.AccountByID(c.Request.Context(), c.Param("account"))
	if err != nil {
		h.notFound(c)
		return nil, nil, false
	}
	return group, member, true
}

func (h *Handlers) groupSettings(c *gin.Context) {
	group, ok := h.editableGroup(c)
	if !ok {
		return
	}
	d, err := h.groupSettingsData(c, group)
	if err != nil {
		h.fail(c, err)
		return
	}
	h.renderGroupSettings(c, http.StatusOK, d)
}

func (h *Handlers) renderGroupSettings(c *gin.Context, status int, d *groupSettingsData) {
	title := h.t(c, "groupsettings.title", "Group", d.Group.Name)
	p := h.newPage(c, title, d)
	if d.IsSection {
		p.Nav = "dashboard"
	} else {
		p.Nav = "groups"
	}
	h.render(c, status, "group_settings", p)
}

func (h *Handlers) groupSettingsData(c *gin.Context, group *model.Account) (*groupSettingsData, error) {
	ctx := c.Request.Context()
	g, err := h.Store.GroupByAccountID(ctx, group.ID)
	if err != nil {
		return nil, err
	}
	note, err := h.Social.GroupSource(ctx, group)
	if err != nil {
		return nil, err
	}
	d := &groupSettingsData{
		Group: h.accountView(group), IsSection: g.Kind == "section",
		Name: group.DisplayName, Note: note, Territory: g.Territory, Uploads: h.Media != nil,
		Openness: g.Openness, Admission: g.Admission, SympathisantsMayJoin: g.SympathisantsMayJoin,
	}
	// The pictures are this server's files: shown by their path, as the
	// pages' own images are (the CSP allows only 'self').
	if group.AvatarMediaID != nil {
		d.AvatarURL = strings.TrimPrefix(group.AvatarRemoteURL, h.Config.BaseURL())
	}
	if group.HeaderMediaID != nil {
		d.HeaderURL = strings.TrimPrefix(group.HeaderRemoteURL, h.Config.BaseURL())
	}
	if d.Admission == "" {
		d.Admission = social.AdmitSection
	}
	if d.IsSection {
		return d, nil // its members follow verification and roles (dashboard)
	}
	viewer := viewerOf(c).Account
	ms, accounts, err := h.Store.Members(ctx, group.ID, storage.MemberAccepted)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		d.Members = append(d.Members, groupMemberRow{Account: h.accountView(&accounts[i]), Role: ms[i].Role,
			Self: accounts[i].ID == viewer.ID, Creator: ms[i].Role == social.RoleCreator})
	}
	_, invited, err := h.Store.Members(ctx, group.ID, storage.MemberInvited)
	if err != nil {
		return nil, err
	}
	for i := range invited {
		d.Invited = append(d.Invited, h.accountView(&invited[i]))
	}
	_, banned, err := h.Store.Members(ctx, group.ID, "banned")
	if err != nil {
		return nil, err
	}
	for i := range banned {
		d.Banned = append(d.Banned, h.accountView(&banned[i]))
	}
	return d, nil
}

// saveGroupSettings changes the group's public face; followers' and
// members' servers get an Update of the Group actor.
func (h *Handlers) saveGroupSettings(c *gin.Context) {
	group, ok := h.editableGroup(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	name, note, territory := c.PostForm("display_name"), c.PostForm("note"), c.PostForm("territory")
	in := social.GroupProfile{DisplayName: &name, Note: &note, Territory: &territory}
	again := func(status int, msg string) {
		d, err := h.groupSettingsData(c, group)
		if err != nil {
			h.fail(c, err)
			return
		}
		d.Name, d.Note, d.Territory, d.Error = name, note, territory, msg
		h.renderGroupSettings(c, status, d)
	}
	// The pictures are stored under the group's account, only once the
	// viewer is known to edit it (editableGroup above).
	if h.Media != nil && c.Request.MultipartForm != nil {
		for key, dst := range map[string]**model.MediaAttachment{"avatar": &in.Avatar, "header": &in.Header} {
			files := c.Request.MultipartForm.File[key]
			if len(files) == 0 || (files[0].Size == 0 && files[0].Filename == "") {
				continue
			}
			m, err := h.uploadOne(ctx, group, files[0], "")
			if err != nil {
				msg := h.uploadMessage(c, err)
				if msg == "" {
					h.fail(c, err)
					return
				}
				again(http.StatusUnprocessableEntity, msg)
				return
			}
			if m.Type != model.MediaImage {
				again(http.StatusUnprocessableEntity, h.t(c, "groupsettings.image_only"))
				return
			}
			*dst = m
		}
	}
	_, err := h.Social.UpdateGroupProfile(ctx, viewerOf(c).Account, group, in)
	var ve *social.ValidationError
	if errors.As(err, &ve) {
		again(http.StatusUnprocessableEntity, h.domainMessage(c, ve.Msg))
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	h.Log.Info("web: group settings saved", "group", group.Username, "by", viewerOf(c).Account.Username)
	h.flash(c, "flash.group_settings_saved")
	c.Redirect(http.StatusSeeOther, "/groups/"+group.ID+"/settings")
}

// saveGroupAdmission changes who may join and how (issue 12).
func (h *Handlers) saveGroupAdmission(c *gin.Context) {
	group, ok := h.editableGroup(c)
	if !ok {
		return
	}
	in := social.AdmissionRules{Openness: c.PostForm("openness"), Admission: c.PostForm("admission"),
		SympathisantsMayJoin: c.PostForm("sympathisants_may_join") == "1"}
	if in.Openness == "" || in.Admission == "" {
		h.groupSettingsError(c, group, "admission", h.t(c, "groupsettings.choose"))
		return
	}
	_, err := h.Social.SetGroupAdmission(c.Request.Context(), viewerOf(c).Account, group, in)
	if h.groupChangeFailed(c, group, "admission", err) {
		return
	}
	h.flash(c, "flash.group_admission_saved")
	c.Redirect(http.StatusSeeOther, "/groups/"+group.ID+"/settings#admission")
}

// inviteGroupMember invites someone by handle (alice, or
// alice@other.example, fetched if unknown).
func (h *Handlers) inviteGroupMember(c *gin.Context) {
	group, ok := h.editableGroup(c)
	if !ok {
		return
	}
	handle := strings.TrimPrefix(strings.TrimSpace(c.PostForm("handle")), "@")
	username, domain, _ := strings.Cut(handle, "@")
	if username == "" || strings.ContainsAny(handle, " /\x00") {
		h.groupSettingsError(c, group, "members", h.t(c, "groupsettings.invite_unknown"))
		return
	}
	invitee, err := h.Social.FindHandle(c.Request.Context(), username, domain, true)
	if err != nil || invitee.SuspendedAt != nil || invitee.IsGroup() || invitee.ActorType == model.ActorApplication {
		h.groupSettingsError(c, group, "members", h.t(c, "groupsettings.invite_unknown"))
		return
	}
	err = h.Social.InviteMember(c.Request.Context(), viewerOf(c).Account, group, invitee)
	if h.groupChangeFailed(c, group, "members", err) {
		return
	}
	h.flash(c, "flash.group_invited")
	c.Redirect(http.StatusSeeOther, "/groups/"+group.ID+"/settings#members")
}

// removeGroupMember excludes a member (ban=1: for good). The domain
// drops their membership at once, so they stop reading members-only
// posts, and tells their server with Remove.
func (h *Handlers) removeGroupMember(c *gin.Context) {
	group, member, ok := h.editableGroupMember(c)
	if !ok {
		return
	}
	ban := c.PostForm("ban") == "1"
	err := h.Social.RemoveMember(c.Request.Context(), viewerOf(c).Account, group, member, ban)
	if h.groupChangeFailed(c, group, "members", err) {
		return
	}
	h.Log.Info("web: group member removed", "group", group.Username, "ban", ban, "by", viewerOf(c).Account.Username)
	if ban {
		h.flash(c, "flash.group_member_banned")
	} else {
		h.flash(c, "flash.group_member_removed")
	}
	c.Redirect(http.StatusSeeOther, "/groups/"+group.ID+"/settings#members")
}

func (h *Handlers) setGroupMemberRole(c *gin.Context) {
	group, member, ok := h.editableGroupMember(c)
	if !ok {
		return
	}
	err := h.Social.SetMemberRole(c.Request.Context(), viewerOf(c).Account, group, member, c.PostForm("role"))
	if h.groupChangeFailed(c, group, "members", err) {
		return
	}
	h.flash(c, "flash.group_role_saved")
	c.Redirect(http.StatusSeeOther, "/groups/"+group.ID+"/settings#members")
}

// groupChangeFailed renders the page again with the domain's refusal in
// the part concerned (where: admission or members), and reports whether
// err was one.
func (h *Handlers) groupChangeFailed(c *gin.Context, group *model.Account, where string, err error) bool {
	if err == nil {
		return false
	}
	var ve *social.ValidationError
	if errors.As(err, &ve) {
		h.groupSettingsError(c, group, where, h.domainMessage(c, ve.Msg))
		return true
	}
	if errors.Is(err, storage.ErrNotFound) {
		h.notFound(c)
		return true
	}
	h.fail(c, err)
	return true
}

func (h *Handlers) groupSettingsError(c *gin.Context, group *model.Account, where, msg string) {
	d, err := h.groupSettingsData(c, group)
	if err != nil {
		h.fail(c, err)
		return
	}
	if where == "admission" {
		d.AdmissionError = msg
	} else {
		d.MembersError = msg
		d.Invite = strings.TrimSpace(c.PostForm("handle"))
	}
	h.renderGroupSettings(c, http.StatusUnprocessableEntity, d)
}

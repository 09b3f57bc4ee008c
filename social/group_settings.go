package social

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// Limits of a group's (or the section's) public face.
const (
	MaxGroupNameChars      = 100
	MaxGroupNoteChars      = 5000
	MaxGroupTerritoryChars = 200
)

// GroupProfile is a change of a local group's public face: its name,
// description, territory and pictures. Nil fields are left alone.
type GroupProfile struct {
	DisplayName *string
	Note        *string // plain text, as typed
	Territory   *string
	// Avatar and Header are images uploaded for the group (the media
	// package stores them under the group's account).
	Avatar, Header *model.MediaAttachment
}

// CanEditGroup reports whether account may change a local group's
// settings: the section's staff for the section, a thematic group's
// creator and admins for theirs (moderators moderate posts and members,
// they do not change what the group is).
func (s *Service) CanEditGroup(ctx context.Context, account, group *model.Account) (bool, error) {
	if account == nil || !account.IsLocal() || !group.IsLocal() || !group.IsGroup() {
		return false, nil
	}
	if s.isSection(group) {
		u, err := s.Store.UserByAccountID(ctx, account.ID)
		if err != nil {
			return false, nil
		}
		return u.IsStaff() && u.DisabledAt == nil, nil
	}
	role, err := s.GroupRole(ctx, account, group.ID)
	if err != nil {
		return false, err
	}
	return role == RoleCreator || role == RoleAdmin, nil
}

// GroupSource is what a group's settings form shows: the text its
// editors typed, not the HTML others see.
func (s *Service) GroupSource(ctx context.Context, group *model.Account) (note string, err error) {
	note, _, err = s.ProfileSource(ctx, group)
	return note, err
}

// UpdateGroupProfile changes a local group's name, description,
// territory and pictures, in the database (which wins over the config
// for the section once edited), and tells every server that follows the
// group or hosts one of its members with an Update of the Group actor.
func (s *Service) UpdateGroupProfile(ctx context.Context, editor, group *model.Account, in GroupProfile) (*model.Account, error) {
	ok, err := s.CanEditGroup(ctx, editor, group)
	if err != nil {
		return nil, err
	}
	if !ok {
		if !group.IsLocal() || !group.IsGroup() {
			return nil, ErrNotFound
		}
		return nil, ErrForbidden
	}
	g, err := s.Store.GroupByAccountID(ctx, group.ID)
	if err != nil {
		return nil, err
	}
	note, err := s.GroupSource(ctx, group)
	if err != nil {
		return nil, err
	}
	updated := *group
	if in.DisplayName != nil {
		name := strings.TrimSpace(*in.DisplayName)
		if name == "" {
			return nil, invalid("the name must not be empty")
		}
		if text.CountChars(name) > MaxGroupNameChars || strings.ContainsAny(name, "\r\n\x00") {
			return nil, invalid("the name is too long (at most %d characters)", MaxGroupNameChars)
		}
		updated.DisplayName = name
	}
	if in.Note != nil {
		if text.CountChars(*in.Note) > MaxGroupNoteChars || strings.ContainsRune(*in.Note, 0) {
			return nil, invalid("the description is too long (at most %d characters)", MaxGroupNoteChars)
		}
		note = strings.TrimSpace(*in.Note)
	}
	if in.Territory != nil {
		territory := strings.TrimSpace(*in.Territory)
		// The same rule as a remote group's territory (federation/ap).
		if text.CountChars(territory) > MaxGroupTerritoryChars || strings.ContainsAny(territory, "<>\r\n\x00") {
			return nil, invalid("the territory is too long or holds forbidden characters (at most %d characters, no < > or line breaks)", MaxGroupTerritoryChars)
		}
		g.Territory = territory
	}
	updated.Note = ""
	if note != "" {
		updated.Note = s.format(ctx, note).html
	}
	for _, pic := range []struct {
		m       *model.MediaAttachment
		id      **string
		address *string
	}{{in.Avatar, &updated.AvatarMediaID, &updated.AvatarRemoteURL}, {in.Header, &updated.HeaderMediaID, &updated.HeaderRemoteURL}} {
		if pic.m == nil {
			continue
		}
		if pic.m.AccountID != group.ID || pic.m.Type != model.MediaImage || pic.m.StatusID != nil {
			return nil, invalid("avatar and header must be images uploaded for the group")
		}
		*pic.id = &pic.m.ID
		if s.MediaURL != nil {
			*pic.address = s.MediaURL(pic.m)
		}
	}
	now := s.now()
	updated.UpdatedAt, g.UpdatedAt = now, now
	src := &storage.AccountSource{AccountID: group.ID, Note: note, Fields: group.Fields, UpdatedAt: now}
	if src.Fields == nil {
		src.Fields = []model.Field{}
	}
	members, err := s.Store.CountMembers(ctx, group.ID)
	if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.UpdateProfile(ctx, tx, &updated, src); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(g).Column("territory", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		return s.publishGroupUpdate(ctx, tx, &updated, g, members)
	})
	if err != nil {
		return nil, err
	}
	s.Log.Info("group settings changed", "group", group.Username)
	return &updated, nil
}

// publishGroupUpdate sends Update{Group} — the very document a GET of
// the actor serves, with its kind, territory and openness — to the
// servers of the group's followers and of its members, so that their
// pages show the new name, description and pictures.
func (s *Service) publishGroupUpdate(ctx context.Context, tx bun.Tx, a *model.Account, g *model.Group, n int) error {
	followers, err := s.Store.FollowerInboxes(ctx, tx, a.ID)
	if err != nil {
		return err
	}
	members, err := s.Store.MemberInboxes(ctx, tx, a.ID)
	if err != nil {
		return err
	}
	inboxes := followers
	for _, in := range members {
		if !slices.Contains(inboxes, in) {
			inboxes = append(inboxes, in)
		}
	}
	if len(inboxes) == 0 {
		return nil
	}
	doc, err := ap.LocalActor(a)
	if err != nil {
		return err
	}
	ap.AddGroupInfo(doc, ap.GroupInfo{Kind: g.Kind, Territory: g.Territory, Openness: g.Openness, MemberCount: &n,
		Calendar: s.Config.BaseURL() + "/users/" + a.Username + "/calendar.ics"})
	object := maps.Clone(doc)
	delete(object, "@context")
	_, id := s.newActivityID()
	return s.publishDocument(ctx, tx, a, ap.Document{"@context": doc["@context"], "id": id, "type": "Update", "actor": a.URI,
		"object": object, "to": []string{ap.Public}, "cc": []string{a.FollowersURI},
		"published": a.UpdatedAt.UTC().Format(time.RFC3339)}, inboxes)
}

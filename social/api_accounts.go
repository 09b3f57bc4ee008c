package social

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// Profile limits, as Mastodon's.
const (
	MaxDisplayNameChars = 30
	MaxNoteChars        = 500
	MaxProfileFields    = 4
	MaxFieldChars       = 255
)

// ProfileUpdate is a partial profile change: nil fields are left alone.
// Note and field values are plain text, as people type them.
type ProfileUpdate struct {
	DisplayName  *string
	Note         *string
	Locked       *bool
	Bot          *bool
	Discoverable *bool
	Indexable    *bool
	Fields       *[]model.Field
	// Avatar and Header are uploads of the person's (media package), an
	// image each; their files' URLs are what others see.
	Avatar, Header *model.MediaAttachment
}

// ProfileSource returns the plain text of a local profile: what the
// person typed, rather than the HTML shown to others.
func (s *Service) ProfileSource(ctx context.Context, account *model.Account) (note string, fields []model.Field, err error) {
	src, err := s.Store.AccountSourceOf(ctx, account.ID)
	if errors.Is(err, storage.ErrNotFound) {
		// Never edited here (created by an admin command): the HTML's text.
		fields = make([]model.Field, 0, len(account.Fields))
		for _, f := range account.Fields {
			fields = append(fields, model.Field{Name: f.Name, Value: text.StripHTML(f.Value)})
		}
		return text.StripHTML(account.Note), fields, nil
	} else if err != nil {
		return "", nil, err
	}
	if src.Fields == nil {
		src.Fields = []model.Field{}
	}
	return src.Note, src.Fields, nil
}

// UpdateProfile changes a local person's profile and tells their
// followers' servers (Update of the actor).
func (s *Service) UpdateProfile(ctx context.Context, account *model.Account, in ProfileUpdate) (*model.Account, error) {
	if !account.IsLocal() {
		return nil, ErrForbidden
	}
	note, fields, err := s.ProfileSource(ctx, account)
	if err != nil {
		return nil, err
	}
	updated := *account
	if in.DisplayName != nil {
		if text.CountChars(*in.DisplayName) > MaxDisplayNameChars {
			return nil, invalid("display name is too long (at most %d characters)", MaxDisplayNameChars)
		}
		updated.DisplayName = *in.DisplayName
	}
	if in.Note != nil {
		if text.CountChars(*in.Note) > MaxNoteChars {
			return nil, invalid("bio is too long (at most %d characters)", MaxNoteChars)
		}
		note = *in.Note
	}
	if in.Fields != nil {
		if len(*in.Fields) > MaxProfileFields {
			return nil, invalid("at most %d profile fields", MaxProfileFields)
		}
		fields = fields[:0]
		for _, f := range *in.Fields {
			if f.Name == "" && f.Value == "" {
				continue
			}
			if text.CountChars(f.Name) > MaxFieldChars || text.CountChars(f.Value) > MaxFieldChars {
				return nil, invalid("profile fields are limited to %d characters", MaxFieldChars)
			}
			fields = append(fields, model.Field{Name: f.Name, Value: f.Value})
		}
	}
	if in.Locked != nil {
		updated.Locked = *in.Locked
	}
	if in.Bot != nil {
		updated.Bot = *in.Bot
	}
	if in.Discoverable != nil {
		updated.Discoverable = *in.Discoverable
	}
	if in.Indexable != nil {
		updated.Indexable = *in.Indexable
	}
	updated.Note = ""
	if note != "" {
		updated.Note = s.format(ctx, note).html
	}
	updated.Fields = make([]model.Field, 0, len(fields))
	for _, f := range fields {
		value := text.Format(f.Value, s.URIs.Tag(""), nil).HTML
		// A field value is one line: drop the paragraph Format wraps it in.
		if len(value) >= 7 && value[:3] == "<p>" && value[len(value)-4:] == "</p>" {
			value = value[3 : len(value)-4]
		}
		updated.Fields = append(updated.Fields, model.Field{Name: f.Name, Value: value})
	}
	for _, pic := range []struct {
		m       *model.MediaAttachment
		id      **string
		address *string
	}{{in.Avatar, &updated.AvatarMediaID, &updated.AvatarRemoteURL}, {in.Header, &updated.HeaderMediaID, &updated.HeaderRemoteURL}} {
		if pic.m == nil {
			continue
		}
		if pic.m.AccountID != account.ID || pic.m.Type != model.MediaImage || pic.m.StatusID != nil {
			return nil, invalid("avatar and header must be images you uploaded")
		}
		// avatar_remote_url holds the address others load the picture
		// from, ours or a remote server's.
		*pic.id = &pic.m.ID
		if s.MediaURL != nil {
			*pic.address = s.MediaURL(pic.m)
		}
	}
	updated.UpdatedAt = s.now()
	src := &storage.AccountSource{AccountID: account.ID, Note: note, Fields: fields, UpdatedAt: updated.UpdatedAt}
	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.UpdateProfile(ctx, tx, &updated, src); err != nil {
			return err
		}
		return s.publishActorUpdate(ctx, tx, &updated)
	})
	if err != nil {
		return nil, err
	}
	return &updated, nil
}

// publishActorUpdate sends Update{actor} to the servers of the account's
// followers, so that they refresh the profile.
func (s *Service) publishActorUpdate(ctx context.Context, tx bun.Tx, a *model.Account) error {
	inboxes, err := s.Store.FollowerInboxes(ctx, tx, a.ID)
	if err != nil || len(inboxes) == 0 {
		return err
	}
	// The object is the very document a GET serves (one builder), its
	// context carried by the Update so its extra terms keep their meaning.
	doc, err := ap.LocalActor(a)
	if err != nil {
		return err
	}
	object := maps.Clone(doc)
	delete(object, "@context")
	_, id := s.newActivityID()
	return s.publishDocument(ctx, tx, a, ap.Document{"@context": doc["@context"], "id": id, "type": "Update", "actor": a.URI,
		"object": object, "to": []string{ap.Public}, "cc": []string{a.FollowersURI},
		"published": a.UpdatedAt.UTC().Format(time.RFC3339)}, inboxes)
}

// Mute hides target from account's timelines (and, with notifications,
// from their notifications) for duration (0 = until unmuted). Mutes are
// private: nothing is sent to anyone.
func (s *Service) Mute(ctx context.Context, account, target *model.Account, notifications bool, duration time.Duration) error {
	if account.ID == target.ID {
		return invalid("you cannot mute yourself")
	}
	if duration < 0 {
		return invalid("duration must not be negative")
	}
	now := s.now()
	m := &storage.Mute{ID: model.NewID(now), AccountID: account.ID, TargetAccountID: target.ID, HideNotifications: notifications, CreatedAt: now}
	if duration > 0 {
		until := now.Add(duration)
		m.ExpiresAt = &until
	}
	return s.Store.UpsertMute(ctx, m)
}

// Unmute lifts a mute.
func (s *Service) Unmute(ctx context.Context, account, target *model.Account) error {
	return s.Store.DeleteMute(ctx, account.ID, target.ID)
}

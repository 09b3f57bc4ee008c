package social

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/federation/httpsign"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// NewStatus is a post as a member writes it (API or web form).
type NewStatus struct {
	Text        string
	SpoilerText string
	Sensitive   bool
	Visibility  string
	Language    string
	InReplyToID string
	GroupID     string
	Title       string
	Poll        *NewPoll
	MediaIDs    []string

	// For edits (Mastodon's PUT /api/v1/statuses/:id sends the whole new
	// state): SetMedia replaces the attachments by MediaIDs, with
	// MediaAttributes fixing their alt text and focus; SetPoll replaces
	// the poll by Poll (nil removes it).
	SetMedia        bool
	MediaAttributes []MediaAttribute
	SetPoll         bool
}

// MediaAttribute changes an attachment's description and focus point
// during an edit (nil leaves it as it is).
type MediaAttribute struct {
	ID          string
	Description *string
	FocusX      *float64
	FocusY      *float64
}

// MaxMediaAttachments per post, as Mastodon's UIs expect.
const MaxMediaAttachments = 4

var visibilities = []string{model.VisibilityPublic, model.VisibilityUnlisted, model.VisibilityPrivate, model.VisibilityDirect, model.VisibilityMembers}

// formatted is a post's text turned into HTML with its mentions resolved.
type formatted struct {
	html      string
	mentioned []model.Account
	tags      []string
}

func (s *Service) format(ctx context.Context, src string) formatted {
	var mentioned []model.Account
	seen := map[string]bool{}
	result := text.Format(src, s.URIs.Tag(""), func(m text.Mention) (string, bool) {
		var acc *model.Account
		var err error
		if m.Domain == "" || strings.EqualFold(m.Domain, s.Config.Host) {
			acc, err = s.Store.LocalAccount(ctx, m.Username)
		} else if s.Resolver != nil {
			acc, err = s.Resolver.ResolveHandle(ctx, m.Username, m.Domain)
		} else {
			return "", false
		}
		if err != nil {
			return "", false
		}
		if !seen[acc.ID] {
			seen[acc.ID] = true
			mentioned = append(mentioned, *acc)
		}
		if acc.URL != "" {
			return acc.URL, true
		}
		return acc.URI, true
	})
	return formatted{html: result.HTML, mentioned: mentioned, tags: result.Tags}
}

// CreateStatus publishes a local post.
func (s *Service) CreateStatus(ctx context.Context, author *model.Account, in NewStatus) (*model.Status, error) {
	if in.Visibility == "" {
		in.Visibility = model.VisibilityPublic
	}
	if !slices.Contains(visibilities, in.Visibility) {
		return nil, invalid("visibility must be one of %s", strings.Join(visibilities, ", "))
	}
	if strings.TrimSpace(in.Text) == "" && len(in.MediaIDs) == 0 {
		return nil, invalid("text can't be blank")
	}
	if len(in.MediaIDs) > MaxMediaAttachments {
		return nil, invalid("at most %d media attachments", MaxMediaAttachments)
	}
	if n := text.CountChars(in.Text) + text.CountChars(in.SpoilerText); n > s.Config.Instance.MaxStatusChars {
		return nil, invalid("text is too long (%d characters, at most %d)", n, s.Config.Instance.MaxStatusChars)
	}
	now := s.now()
	id := model.NewID(now)
	st := &model.Status{
		ID: id, URI: s.URIs.Status(author.Username, id), URL: s.URIs.StatusURL(author.Username, id),
		AccountID: author.ID, Local: true, APType: "Note", Title: in.Title, SourceText: in.Text,
		SpoilerText: in.SpoilerText, Sensitive: in.Sensitive || in.SpoilerText != "", Language: in.Language,
		Visibility: in.Visibility, ThreadID: id, CreatedAt: now, UpdatedAt: now, Account: author,
	}
	if st.Language == "" {
		st.Language = s.Config.Instance.Language
	}
	var poll *model.Poll
	if in.Poll != nil {
		if err := s.validatePoll(in.Poll); err != nil {
			return nil, err
		}
		expires := now.Add(in.Poll.ExpiresIn)
		st.APType = "Question"
		poll = &model.Poll{StatusID: st.ID, Options: in.Poll.Options, Votes: make([]int, len(in.Poll.Options)),
			Multiple: in.Poll.Multiple, HideTotals: in.Poll.HideTotals, ExpiresAt: &expires}
	}
	if in.GroupID != "" {
		group, err := s.postableGroup(ctx, author, in.GroupID)
		if err != nil {
			return nil, err
		}
		st.GroupID = &group.ID
	}
	var parent *model.Status
	if in.InReplyToID != "" {
		p, err := s.Store.StatusByID(ctx, in.InReplyToID)
		if err != nil {
			return nil, invalid("the post you reply to does not exist")
		}
		if ok, err := s.CanView(ctx, author, p); err != nil {
			return nil, err
		} else if !ok {
			return nil, invalid("the post you reply to does not exist")
		}
		parent = p
		st.InReplyToID, st.InReplyToURI, st.InReplyToAccountID, st.ThreadID = &p.ID, p.URI, &p.AccountID, p.ThreadID
		if p.GroupID != nil && st.GroupID == nil {
			// Replies stay in the group discussion, with its audience.
			if _, err := s.postableGroup(ctx, author, *p.GroupID); err != nil {
				return nil, err
			}
			st.GroupID = p.GroupID
			if p.Visibility == model.VisibilityMembers {
				st.Visibility = model.VisibilityMembers
			}
		}
		if p.Visibility == model.VisibilityMembers {
			// A reply in a members-only discussion stays in it, whatever
			// the client asked: nothing public may carry the parent's id
			// or author.
			if p.GroupID == nil || *st.GroupID != *p.GroupID {
				return nil, invalid("a reply in a members-only discussion stays in its group")
			}
			st.Visibility = model.VisibilityMembers
		}
		if s.threadLocked(ctx, p) {
			return nil, invalid("this discussion is locked")
		}
	}
	if st.Visibility == model.VisibilityMembers && st.GroupID == nil {
		return nil, invalid("members-only posts belong to a group: choose one")
	}
	f := s.format(ctx, in.Text)
	st.Content = f.html
	if err := s.checkMembersOnlyMentions(ctx, st, f.mentioned); err != nil {
		return nil, err
	}
	recipients := f.mentioned
	if parent != nil && parent.AccountID != author.ID && !slices.ContainsFunc(recipients, func(a model.Account) bool { return a.ID == parent.AccountID }) {
		// The parent's author is told of the reply only while they may
		// read it: a removed member is not (members-only threads).
		if ok, err := s.CanView(ctx, parent.Account, st); err != nil {
			return nil, err
		} else if ok || st.Visibility != model.VisibilityMembers {
			recipients = append(recipients, *parent.Account)
		}
	}
	rows := make([]model.StatusRecipient, 0, len(recipients))
	for _, a := range recipients {
		rows = append(rows, model.StatusRecipient{AccountID: a.ID, Mentioned: true})
	}
	err := s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.InsertStatus(ctx, tx, st, rows, f.tags); err != nil {
			return err
		}
		if poll != nil {
			if err := s.Store.UpsertPoll(ctx, tx, poll); err != nil {
				return err
			}
		}
		if err := s.Store.AttachMedia(ctx, tx, st.ID, in.MediaIDs, author.ID); err != nil {
			if errors.Is(err, storage.ErrMediaNotAttachable) {
				return invalid("media attachments must be your own, not yet posted, uploads")
			}
			return err
		}
		if parent != nil {
			if err := s.Store.AdjustCount(ctx, tx, parent.ID, "replies_count", 1); err != nil {
				return err
			}
		}
		for i := range recipients {
			if err := s.notify(ctx, tx, &recipients[i], "mention", author, &st.ID); err != nil {
				return err
			}
		}
		if err := s.publishStatus(ctx, tx, "Create", st, recipients, f.tags); err != nil {
			return err
		}
		if err := s.notifySubscribers(ctx, tx, st, author); err != nil {
			return err
		}
		if err := s.queueCardFetch(ctx, tx, st); err != nil {
			return err
		}
		s.emit(ctx, tx, "status", st.ID, "")
		return nil
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// publishStatus sends Create or Update of a local status to its audience.
func (s *Service) publishStatus(ctx context.Context, tx bun.Tx, typ string, st *model.Status, recipients []model.Account, tags []string) error {
	author := st.Account
	var group *model.Account
	if st.GroupID != nil {
		g, err := s.Store.AccountByID(ctx, *st.GroupID)
		if err != nil {
			return err
		}
		group = g
	}
	post := ap.PostFromStatus(st, ap.StatusContext{
		Author: author, Mentioned: recipients, Tags: tags, TagURL: s.URIs.Tag, InReplyToURI: st.InReplyToURI, Group: group,
	})
	if group != nil && st.Visibility != model.VisibilityMembers {
		post.Cc = append(post.Cc, group.URI) // FEP-1b12: the group is addressed
	}
	if err := s.attachEvent(ctx, tx, st, post); err != nil {
		return err
	}
	if err := s.attachPoll(ctx, tx, st, post); err != nil {
		return err
	}
	if err := s.attachMedia(ctx, tx, st, post); err != nil {
		return err
	}
	obj, extra, err := ap.PostType(post)
	if err != nil {
		return err
	}
	inboxes, err := s.deliveryInboxes(ctx, tx, st, recipients)
	if err != nil {
		return err
	}
	if group != nil && !group.IsLocal() {
		inboxes = appendUnique(inboxes, group.InboxURI) // the group validates and redistributes
	}
	_, activityID := s.newActivityID()
	published := st.CreatedAt
	if st.EditedAt != nil {
		published = *st.EditedAt
	}
	doc, err := ap.BuildActivity(&ap.Activity{ID: activityID, Type: typ, Actor: author.URI, Object: obj, To: post.To, Cc: post.Cc, Published: published}, extra)
	if err != nil {
		return err
	}
	if object, ok := doc["object"].(map[string]any); ok && st.EditedAt != nil {
		// Sub-second precision: an event's gauge may change several times
		// a second, and receivers drop an Update not newer than the last.
		object["updated"] = st.EditedAt.UTC().Format(time.RFC3339Nano)
	}
	if object, ok := doc["object"].(map[string]any); ok && group != nil && !group.IsLocal() {
		// The group relays the post to servers that cannot fetch it
		// (members-only) nor trust the group for it: the author's proof
		// lets them check it (see trustRelayedPost).
		key, err := httpsign.ParsePrivateKey(author.PrivateKeyPEM)
		if err != nil {
			return err
		}
		if err := ap.SignObject(object, author.PublicKeyID, key, s.now()); err != nil {
			return err
		}
	}
	if err := s.publishDocument(ctx, tx, author, doc, inboxes); err != nil {
		return err
	}
	if group != nil && group.IsLocal() {
		raw, err := doc.JSON()
		if err != nil {
			return err
		}
		return s.groupAnnounce(ctx, tx, group, raw, st)
	}
	return nil
}

func appendUnique(list []string, item string) []string {
	if item == "" || slices.Contains(list, item) {
		return list
	}
	return append(list, item)
}

// ownStatus loads a status that account may modify.
func (s *Service) ownStatus(ctx context.Context, account *model.Account, id string) (*model.Status, error) {
	st, err := s.Store.StatusByID(ctx, id)
	if err != nil {
		return nil, mapNotFound(err)
	}
	if st.AccountID != account.ID {
		if ok, _ := s.CanView(ctx, account, st); ok {
			return nil, ErrForbidden
		}
		return nil, ErrNotFound
	}
	return st, nil
}

// EditStatus changes a local post's text; the old version is kept and
// followers receive an Update with `updated` (Mastodon shows an edit
// only then).
func (s *Service) EditStatus(ctx context.Context, author *model.Account, id string, in NewStatus) (*model.Status, error) {
	st, err := s.ownStatus(ctx, author, id)
	if err != nil {
		return nil, err
	}
	if st.ReblogOfID != nil {
		return nil, invalid("a boost cannot be edited")
	}
	if st.APType == "Event" && in.SetPoll {
		in.SetPoll = false // an event's own fields are edited elsewhere
	}
	currentMedia, err := s.Store.MediaForStatus(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	previousMediaIDs := make([]string, len(currentMedia))
	for i, m := range currentMedia {
		previousMediaIDs[i] = m.ID
	}
	mediaIDs := previousMediaIDs
	if in.SetMedia {
		mediaIDs = uniqueIDs(in.MediaIDs)
	}
	if strings.TrimSpace(in.Text) == "" && len(mediaIDs) == 0 {
		return nil, invalid("text can't be blank")
	}
	if len(mediaIDs) > MaxMediaAttachments {
		return nil, invalid("at most %d media attachments", MaxMediaAttachments)
	}
	if n := text.CountChars(in.Text) + text.CountChars(in.SpoilerText); n > s.Config.Instance.MaxStatusChars {
		return nil, invalid("text is too long (%d characters, at most %d)", n, s.Config.Instance.MaxStatusChars)
	}
	for _, attr := range in.MediaAttributes {
		if !slices.Contains(mediaIDs, attr.ID) {
			return nil, invalid("media_attributes name an attachment that is not in the post")
		}
		if attr.Description != nil && text.CountChars(*attr.Description) > MaxMediaDescriptionChars {
			return nil, invalid("a media description has at most %d characters", MaxMediaDescriptionChars)
		}
		for _, f := range []*float64{attr.FocusX, attr.FocusY} {
			if f != nil && (*f < -1 || *f > 1) {
				return nil, invalid("focus must be two numbers between -1.0 and 1.0")
			}
		}
	}
	if in.SetPoll && in.Poll != nil {
		if err := s.validatePoll(in.Poll); err != nil {
			return nil, err
		}
	}
	previous := *st
	f := s.format(ctx, in.Text)
	if err := s.checkMembersOnlyMentions(ctx, st, f.mentioned); err != nil {
		return nil, err
	}
	now := s.now()
	st.Content, st.SourceText, st.SpoilerText = f.html, in.Text, in.SpoilerText
	st.Sensitive = in.Sensitive || in.SpoilerText != ""
	if in.Language != "" {
		st.Language = in.Language
	}
	st.UpdatedAt, st.EditedAt = now, &now
	old, err := s.Store.StatusRecipients(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	recipients := f.mentioned
	for _, a := range old { // an edit never narrows who already received the post
		if !slices.ContainsFunc(recipients, func(r model.Account) bool { return r.ID == a.ID }) {
			recipients = append(recipients, a)
		}
	}
	rows := make([]model.StatusRecipient, 0, len(recipients))
	for _, a := range recipients {
		rows = append(rows, model.StatusRecipient{AccountID: a.ID, Mentioned: true})
	}
	if in.SetPoll {
		st.APType = "Note"
		if in.Poll != nil {
			st.APType = "Question"
		}
	}
	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.UpdateStatusContent(ctx, tx, st, &previous, rows, f.tags, previousMediaIDs...); err != nil {
			return err
		}
		if in.SetMedia {
			if err := s.Store.ReplaceStatusMedia(ctx, tx, st.ID, mediaIDs, author.ID); err != nil {
				if errors.Is(err, storage.ErrMediaNotAttachable) {
					return invalid("media attachments must be your own, not yet posted, uploads")
				}
				return err
			}
		}
		for _, attr := range in.MediaAttributes {
			if err := s.Store.UpdateMediaAttributes(ctx, tx, attr.ID, st.ID, attr.Description, attr.FocusX, attr.FocusY); err != nil {
				return err
			}
		}
		if in.SetPoll {
			if err := s.replacePoll(ctx, tx, st, previous.APType == "Question", in.Poll); err != nil {
				return err
			}
		}
		if err := s.publishStatus(ctx, tx, "Update", st, recipients, f.tags); err != nil {
			return err
		}
		if err := s.notifyEdit(ctx, tx, st, author); err != nil {
			return err
		}
		if err := s.queueCardFetch(ctx, tx, st); err != nil {
			return err
		}
		s.emit(ctx, tx, "status.update", st.ID, "")
		return nil
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// DeleteStatus removes a local post (or boost) and tells everyone who
// received it.
func (s *Service) DeleteStatus(ctx context.Context, author *model.Account, id string) error {
	st, err := s.ownStatus(ctx, author, id)
	if err != nil {
		return err
	}
	if st.ReblogOfID != nil {
		return s.Unreblog(ctx, author, *st.ReblogOfID)
	}
	recipients, err := s.Store.StatusRecipients(ctx, st.ID)
	if err != nil {
		return err
	}
	var group *model.Account
	if st.GroupID != nil {
		if group, err = s.Store.AccountByID(ctx, *st.GroupID); err != nil {
			return err
		}
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		inboxes, err := s.deliveryInboxes(ctx, tx, st, recipients)
		if err != nil {
			return err
		}
		if err := s.Store.DeleteStatus(ctx, tx, st.ID); err != nil {
			return err
		}
		if st.InReplyToID != nil {
			if err := s.Store.AdjustCount(ctx, tx, *st.InReplyToID, "replies_count", -1); err != nil {
				return err
			}
		}
		if err := s.Store.AddTombstone(ctx, tx, st.URI, s.now()); err != nil {
			return err
		}
		s.emit(ctx, tx, "delete", st.ID, "")
		var mentionIRIs []string
		for _, a := range recipients {
			mentionIRIs = append(mentionIRIs, a.URI)
		}
		membersURI := ""
		if group != nil {
			membersURI = group.MembersURI
			if !group.IsLocal() {
				inboxes = appendUnique(inboxes, group.InboxURI) // the group relays it to its members
			}
		}
		to, cc := ap.Addressing(st.Visibility, author.FollowersURI, membersURI, mentionIRIs)
		_, actID := s.newActivityID()
		doc, err := ap.BuildActivity(&ap.Activity{ID: actID, Type: "Delete", Actor: author.URI, Object: ap.Tombstone(st.URI), To: to, Cc: cc}, nil)
		if err != nil {
			return err
		}
		if err := s.publishDocument(ctx, tx, author, doc, inboxes); err != nil {
			return err
		}
		if group != nil && group.IsLocal() {
			// The group relays the deletion to every server it sent the
			// post to: members' and, for a public post, followers'.
			raw, err := doc.JSON()
			if err != nil {
				return err
			}
			return s.groupAnnounce(ctx, tx, group, raw, st)
		}
		return nil
	})
}

// visibleStatus loads a status the viewer may see, or ErrNotFound.
func (s *Service) visibleStatus(ctx context.Context, viewer *model.Account, id string) (*model.Status, error) {
	st, err := s.Store.StatusByID(ctx, id)
	if err != nil {
		return nil, mapNotFound(err)
	}
	if ok, err := s.CanView(ctx, viewer, st); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrNotFound
	}
	return st, nil
}

// Favourite likes a post.
func (s *Service) Favourite(ctx context.Context, account *model.Account, statusID string) (*model.Status, error) {
	st, err := s.visibleStatus(ctx, account, statusID)
	if err != nil {
		return nil, err
	}
	_, uri := s.newActivityID()
	fav := &model.Favourite{ID: model.NewID(s.now()), AccountID: account.ID, StatusID: st.ID, URI: uri, CreatedAt: s.now()}
	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		created, err := s.Store.InsertFavourite(ctx, tx, fav)
		if err != nil || !created {
			return err
		}
		if err := s.Store.AdjustCount(ctx, tx, st.ID, "favourites_count", 1); err != nil {
			return err
		}
		if st.Account.IsLocal() {
			return s.notify(ctx, tx, st.Account, "favourite", account, &st.ID)
		}
		return s.publish(ctx, tx, account, &ap.Activity{ID: uri, Type: "Like", Actor: account.URI, ObjectIRI: st.URI, To: []string{st.Account.URI}}, nil, []string{st.Account.InboxURI})
	})
	return st, err
}

// Unfavourite withdraws a like.
func (s *Service) Unfavourite(ctx context.Context, account *model.Account, statusID string) (*model.Status, error) {
	st, err := s.visibleStatus(ctx, account, statusID)
	if err != nil {
		return nil, err
	}
	fav, err := s.Store.Favourite(ctx, account.ID, st.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return st, nil
	} else if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		if removed, err := s.Store.DeleteFavourite(ctx, tx, account.ID, st.ID); err != nil || !removed {
			return err
		}
		if err := s.Store.AdjustCount(ctx, tx, st.ID, "favourites_count", -1); err != nil {
			return err
		}
		if st.Account.IsLocal() {
			return nil
		}
		inner, err := ap.ActivityType(&ap.Activity{ID: fav.URI, Type: "Like", Actor: account.URI, ObjectIRI: st.URI})
		if err != nil {
			return err
		}
		_, id := s.newActivityID()
		return s.publish(ctx, tx, account, &ap.Activity{ID: id, Type: "Undo", Actor: account.URI, Object: inner, To: []string{st.Account.URI}}, nil, []string{st.Account.InboxURI})
	})
	return st, err
}

// Reblog boosts a public or unlisted post to one's followers; boosting
// anything narrower would widen its audience (P-03).
func (s *Service) Reblog(ctx context.Context, account *model.Account, statusID string) (*model.Status, error) {
	st, err := s.visibleStatus(ctx, account, statusID)
	if err != nil {
		return nil, err
	}
	if st.ReblogOfID != nil {
		return s.Reblog(ctx, account, *st.ReblogOfID)
	}
	if st.Visibility != model.VisibilityPublic && st.Visibility != model.VisibilityUnlisted {
		return nil, ErrForbidden
	}
	if existing, err := s.Store.Reblog(ctx, account.ID, st.ID); err == nil {
		return existing, nil
	}
	now := s.now()
	id, uri := s.newActivityID()
	boost := &model.Status{ID: id, URI: uri, URL: st.URL, AccountID: account.ID, Local: true, APType: "Announce",
		Visibility: model.VisibilityPublic, ReblogOfID: &st.ID, ThreadID: id, CreatedAt: now, UpdatedAt: now, Account: account}
	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.InsertStatus(ctx, tx, boost, nil, nil); err != nil {
			return err
		}
		if err := s.Store.AdjustCount(ctx, tx, st.ID, "reblogs_count", 1); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, st.Account, "reblog", account, &st.ID); err != nil {
			return err
		}
		s.emit(ctx, tx, "status", boost.ID, "")
		inboxes, err := s.deliveryInboxes(ctx, tx, boost, []model.Account{*st.Account})
		if err != nil {
			return err
		}
		return s.publish(ctx, tx, account, &ap.Activity{ID: uri, Type: "Announce", Actor: account.URI, ObjectIRI: st.URI,
			To: []string{ap.Public}, Cc: []string{st.Account.URI, account.FollowersURI}, Published: now}, nil, inboxes)
	})
	if err != nil {
		return nil, err
	}
	return boost, nil
}

// Unreblog withdraws a boost.
func (s *Service) Unreblog(ctx context.Context, account *model.Account, statusID string) error {
	boost, err := s.Store.Reblog(ctx, account.ID, statusID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	original, err := s.Store.StatusByID(ctx, statusID)
	if err != nil {
		return mapNotFound(err)
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		inboxes, err := s.deliveryInboxes(ctx, tx, boost, []model.Account{*original.Account})
		if err != nil {
			return err
		}
		if err := s.Store.DeleteStatus(ctx, tx, boost.ID); err != nil {
			return err
		}
		if err := s.Store.AdjustCount(ctx, tx, original.ID, "reblogs_count", -1); err != nil {
			return err
		}
		inner, err := ap.ActivityType(&ap.Activity{ID: boost.URI, Type: "Announce", Actor: account.URI, ObjectIRI: original.URI})
		if err != nil {
			return err
		}
		_, id := s.newActivityID()
		return s.publish(ctx, tx, account, &ap.Activity{ID: id, Type: "Undo", Actor: account.URI, Object: inner,
			To: []string{ap.Public}, Cc: []string{original.Account.URI, account.FollowersURI}}, nil, inboxes)
	})
}

// PostForStatus describes a local status for the wire (fetches, outbox).
func (s *Service) PostForStatus(ctx context.Context, st *model.Status) (*ap.Post, error) {
	recipients, err := s.Store.StatusRecipients(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	tags, err := s.Store.StatusTags(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	author := st.Account
	if author == nil {
		if author, err = s.Store.AccountByID(ctx, st.AccountID); err != nil {
			return nil, err
		}
	}
	var group *model.Account
	if st.GroupID != nil {
		if group, err = s.Store.AccountByID(ctx, *st.GroupID); err != nil {
			return nil, err
		}
	}
	post := ap.PostFromStatus(st, ap.StatusContext{Author: author, Mentioned: recipients, Tags: tags, TagURL: s.URIs.Tag, InReplyToURI: st.InReplyToURI, Group: group})
	if group != nil && st.Visibility != model.VisibilityMembers {
		post.Cc = append(post.Cc, group.URI)
	}
	if err := s.attachEvent(ctx, s.Store.DB, st, post); err != nil {
		return nil, err
	}
	if err := s.attachPoll(ctx, s.Store.DB, st, post); err != nil {
		return nil, err
	}
	if err := s.attachMedia(ctx, s.Store.DB, st, post); err != nil {
		return nil, err
	}
	return post, nil
}

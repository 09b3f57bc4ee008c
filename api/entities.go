package api

import (
	"context"
	"html"
	"time"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// Mastodon entities (docs.joinmastodon.org/entities/), as clients
// dereference them: ids are strings, times ISO 8601 in UTC with
// milliseconds, lists are [] rather than null.

// isoTime formats a time as Mastodon does.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func isoTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := isoTime(*t)
	return &s
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func boolPtr(b bool) *bool { return &b }

// Default images, served by this package (static.go): clients load
// avatar and header URLs without checking them.
const (
	defaultAvatarPath = "/avatars/original/missing.png"
	defaultHeaderPath = "/headers/original/missing.png"
)

type fieldJSON struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"`
	VerifiedAt *string `json:"verified_at"`
}

type sourceJSON struct {
	Privacy             string      `json:"privacy"`
	Sensitive           bool        `json:"sensitive"`
	Language            string      `json:"language"`
	Note                string      `json:"note"`
	Fields              []fieldJSON `json:"fields"`
	FollowRequestsCount int         `json:"follow_requests_count"`
	HideCollections     bool        `json:"hide_collections"`
	Discoverable        bool        `json:"discoverable"`
	Indexable           bool        `json:"indexable"`
	AttributionDomains  []string    `json:"attribution_domains"`
}

// accountJSON is the Account entity (CredentialAccount with Source).
type accountJSON struct {
	ID              string      `json:"id"`
	Username        string      `json:"username"`
	Acct            string      `json:"acct"`
	DisplayName     string      `json:"display_name"`
	Locked          bool        `json:"locked"`
	Bot             bool        `json:"bot"`
	Discoverable    bool        `json:"discoverable"`
	Indexable       bool        `json:"indexable"`
	Group           bool        `json:"group"`
	CreatedAt       string      `json:"created_at"`
	Note            string      `json:"note"`
	URL             string      `json:"url"`
	URI             string      `json:"uri"`
	Avatar          string      `json:"avatar"`
	AvatarStatic    string      `json:"avatar_static"`
	Header          string      `json:"header"`
	HeaderStatic    string      `json:"header_static"`
	FollowersCount  int         `json:"followers_count"`
	FollowingCount  int         `json:"following_count"`
	StatusesCount   int         `json:"statuses_count"`
	LastStatusAt    *string     `json:"last_status_at"`
	HideCollections bool        `json:"hide_collections"`
	Noindex         bool        `json:"noindex"`
	Emojis          []any       `json:"emojis"`
	Roles           []any       `json:"roles"`
	Fields          []fieldJSON `json:"fields"`
	Source          *sourceJSON `json:"source,omitempty"`
}

type mentionJSON struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

type tagRefJSON struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type applicationRefJSON struct {
	Name    string  `json:"name"`
	Website *string `json:"website"`
}

// coopolStatusJSON is Coopol's extension of the Status entity.
//
// Members-only posts ("members" visibility: the members of a group, see
// product.md) are not a Mastodon visibility, and clients reject values
// they do not know. The Status entity therefore says "private" (the
// closest Mastodon audience: not public, not boostable) and the real
// audience is here: {"visibility": "members", "group_id": "<group
// account id>"}. Every status carries this object; for other audiences
// visibility repeats the Mastodon value and group_id is the group the
// post was made in, or null.
type coopolStatusJSON struct {
	Visibility string  `json:"visibility"`
	GroupID    *string `json:"group_id"`
}

// statusJSON is the Status entity.
type statusJSON struct {
	ID                 string              `json:"id"`
	CreatedAt          string              `json:"created_at"`
	InReplyToID        *string             `json:"in_reply_to_id"`
	InReplyToAccountID *string             `json:"in_reply_to_account_id"`
	Sensitive          bool                `json:"sensitive"`
	SpoilerText        string              `json:"spoiler_text"`
	Visibility         string              `json:"visibility"`
	Language           *string             `json:"language"`
	URI                string              `json:"uri"`
	URL                *string             `json:"url"`
	RepliesCount       int                 `json:"replies_count"`
	ReblogsCount       int                 `json:"reblogs_count"`
	FavouritesCount    int                 `json:"favourites_count"`
	EditedAt           *string             `json:"edited_at"`
	Favourited         *bool               `json:"favourited,omitempty"`
	Reblogged          *bool               `json:"reblogged,omitempty"`
	Muted              *bool               `json:"muted,omitempty"`
	Bookmarked         *bool               `json:"bookmarked,omitempty"`
	Pinned             *bool               `json:"pinned,omitempty"`
	Filtered           []any               `json:"filtered,omitzero"`
	Content            string              `json:"content"`
	Text               *string             `json:"text,omitempty"`
	Reblog             *statusJSON         `json:"reblog"`
	Application        *applicationRefJSON `json:"application"`
	Account            accountJSON         `json:"account"`
	MediaAttachments   []any               `json:"media_attachments"`
	Mentions           []mentionJSON       `json:"mentions"`
	Tags               []tagRefJSON        `json:"tags"`
	Emojis             []any               `json:"emojis"`
	Card               any                 `json:"card"`
	Poll               any                 `json:"poll"`
	Coopol             coopolStatusJSON    `json:"coopol"`
}

type relationshipJSON struct {
	ID                  string   `json:"id"`
	Following           bool     `json:"following"`
	ShowingReblogs      bool     `json:"showing_reblogs"`
	Notifying           bool     `json:"notifying"`
	Languages           []string `json:"languages"`
	FollowedBy          bool     `json:"followed_by"`
	Blocking            bool     `json:"blocking"`
	BlockedBy           bool     `json:"blocked_by"`
	Muting              bool     `json:"muting"`
	MutingNotifications bool     `json:"muting_notifications"`
	Requested           bool     `json:"requested"`
	RequestedBy         bool     `json:"requested_by"`
	DomainBlocking      bool     `json:"domain_blocking"`
	Endorsed            bool     `json:"endorsed"`
	Note                string   `json:"note"`
}

type notificationJSON struct {
	ID        string      `json:"id"`
	Type      string      `json:"type"`
	GroupKey  string      `json:"group_key"`
	CreatedAt string      `json:"created_at"`
	Account   accountJSON `json:"account"`
	Status    *statusJSON `json:"status,omitempty"`
	// Report is the report an admin.report notification is about.
	Report *reportJSON `json:"report,omitempty"`
}

// reportJSON is Mastodon's Report entity.
type reportJSON struct {
	ID            string      `json:"id"`
	ActionTaken   bool        `json:"action_taken"`
	ActionTakenAt *string     `json:"action_taken_at"`
	Category      string      `json:"category"`
	Comment       string      `json:"comment"`
	Forwarded     bool        `json:"forwarded"`
	CreatedAt     string      `json:"created_at"`
	StatusIDs     []string    `json:"status_ids"`
	RuleIDs       []string    `json:"rule_ids"`
	TargetAccount accountJSON `json:"target_account"`
}

type contextJSON struct {
	Ancestors   []statusJSON `json:"ancestors"`
	Descendants []statusJSON `json:"descendants"`
}

type tagJSON struct {
	Name      string `json:"name"`
	URL       string `json:"url"`
	History   []any  `json:"history"`
	Following bool   `json:"following"`
}

// ---- Rendering ----

// mastodonVisibility maps a Coopol visibility to the one clients know.
func mastodonVisibility(v string) string {
	if v == model.VisibilityMembers {
		return model.VisibilityPrivate
	}
	return v
}

func (h *Handlers) tagURL(name string) string { return text.TagHref(h.Social.URIs.Tag(""), name) }

func (h *Handlers) tagEntity(name string) tagJSON {
	return tagJSON{Name: name, URL: h.tagURL(name), History: []any{}}
}

// renderAccounts renders accounts with their counters.
func (h *Handlers) renderAccounts(ctx context.Context, accounts []model.Account) ([]accountJSON, error) {
	ids := make([]string, len(accounts))
	for i, a := range accounts {
		ids[i] = a.ID
	}
	stats, err := h.Store.AccountStatsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]accountJSON, len(accounts))
	for i := range accounts {
		out[i] = h.accountEntity(&accounts[i], stats[accounts[i].ID])
	}
	return out, nil
}

// renderAccount renders one account.
func (h *Handlers) renderAccount(ctx context.Context, a *model.Account) (accountJSON, error) {
	out, err := h.renderAccounts(ctx, []model.Account{*a})
	if err != nil {
		return accountJSON{}, err
	}
	return out[0], nil
}

func (h *Handlers) accountEntity(a *model.Account, st storage.AccountStats) accountJSON {
	base := h.Config.BaseURL()
	avatar, header := base+defaultAvatarPath, base+defaultHeaderPath
	if a.AvatarRemoteURL != "" {
		avatar = a.AvatarRemoteURL
	}
	if a.HeaderRemoteURL != "" {
		header = a.HeaderRemoteURL
	}
	url := a.URL
	if url == "" {
		url = a.URI
	}
	fields := make([]fieldJSON, 0, len(a.Fields))
	for _, f := range a.Fields {
		fields = append(fields, fieldJSON{Name: f.Name, Value: f.Value, VerifiedAt: isoTimePtr(f.VerifiedAt)})
	}
	var lastStatus *string
	if st.LastStatusAt != nil {
		d := st.LastStatusAt.UTC().Format(time.DateOnly) // a day, as Mastodon
		lastStatus = &d
	}
	created := a.CreatedAt.UTC().Truncate(24 * time.Hour)
	return accountJSON{
		ID: a.ID, Username: a.Username, Acct: a.Acct(), DisplayName: a.DisplayName,
		Locked: a.Locked, Bot: a.Bot || a.ActorType == model.ActorService || a.ActorType == model.ActorApplication,
		Discoverable: a.Discoverable, Indexable: a.Indexable, Group: a.IsGroup(),
		CreatedAt: isoTime(created), Note: a.Note, URL: url, URI: a.URI,
		Avatar: avatar, AvatarStatic: avatar, Header: header, HeaderStatic: header,
		FollowersCount: st.Followers, FollowingCount: st.Following, StatusesCount: st.Statuses,
		LastStatusAt: lastStatus,
		// Who follows whom among members is sensitive: the lists are
		// shown to their owner only (accounts.go), and clients are told.
		HideCollections: true, Noindex: !a.Indexable,
		Emojis: []any{}, Roles: []any{}, Fields: fields,
	}
}

// statusRenderer renders statuses for one viewer, loading what the
// entities need in a few batch queries.
type statusRenderer struct {
	h      *Handlers
	ctx    context.Context
	viewer *model.Account

	reblogs      map[string]*model.Status
	mentions     map[string][]model.Account
	tags         map[string][]string
	flags        storage.ViewerFlags
	apps         map[string]model.OAuthApplication
	accountsJSON map[string]accountJSON
	media        map[string][]model.MediaAttachment
	cards        map[string]*model.PreviewCard
	polls        map[string]*model.Poll
	ownVotes     map[string][]int
	mutedThreads map[string]bool
	filters      []activeFilter
}

// renderStatuses renders statuses the viewer may see. Boosts whose
// original the viewer may not see (its author blocks them) or that is
// gone are left out.
func (h *Handlers) renderStatuses(ctx context.Context, viewer *model.Account, sts []model.Status) ([]statusJSON, error) {
	r := &statusRenderer{h: h, ctx: ctx, viewer: viewer, reblogs: map[string]*model.Status{}}
	if err := r.load(sts); err != nil {
		return nil, err
	}
	out := make([]statusJSON, 0, len(sts))
	for i := range sts {
		st := &sts[i]
		if st.ReblogOfID != nil && r.reblogs[*st.ReblogOfID] == nil {
			continue
		}
		entity := r.entity(st)
		if entity.Reblog != nil && hiddenByFilter(ctx, filterResults(entity.Reblog.Filtered)) ||
			hiddenByFilter(ctx, filterResults(entity.Filtered)) {
			continue // a hide filter of this timeline's context
		}
		out = append(out, entity)
	}
	return out, nil
}

// renderStatus renders one status (ErrNotFound-free: the caller checked
// visibility); ok is false for a boost of something the viewer may not
// see.
func (h *Handlers) renderStatus(ctx context.Context, viewer *model.Account, st *model.Status) (statusJSON, bool, error) {
	out, err := h.renderStatuses(ctx, viewer, []model.Status{*st})
	if err != nil || len(out) == 0 {
		return statusJSON{}, false, err
	}
	return out[0], true, nil
}

func (r *statusRenderer) load(sts []model.Status) error {
	ctx, h := r.ctx, r.h
	var reblogIDs []string
	for _, st := range sts {
		if st.ReblogOfID != nil {
			reblogIDs = append(reblogIDs, *st.ReblogOfID)
		}
	}
	if len(reblogIDs) > 0 {
		originals, err := h.Store.StatusesByIDs(ctx, reblogIDs)
		if err != nil {
			return err
		}
		visible, err := h.Store.VisibleStatusIDsCached(ctx, viewerID(r.viewer), reblogIDs, storage.StatusFilter(h.Social.VisibleFilter(r.viewer)))
		if err != nil {
			return err
		}
		for i := range originals {
			if visible[originals[i].ID] && originals[i].Account != nil {
				r.reblogs[originals[i].ID] = &originals[i]
			}
		}
	}
	var contentIDs, appIDs []string
	var accounts []model.Account
	seenAccount := map[string]bool{}
	addAccount := func(a *model.Account) {
		if a != nil && !seenAccount[a.ID] {
			seenAccount[a.ID] = true
			accounts = append(accounts, *a)
		}
	}
	var pollIDs []string
	addContent := func(st *model.Status) {
		contentIDs = append(contentIDs, st.ID)
		if st.APType == "Question" {
			pollIDs = append(pollIDs, st.ID)
		}
		if st.ApplicationID != nil {
			appIDs = append(appIDs, *st.ApplicationID)
		}
		addAccount(st.Account)
	}
	for i := range sts {
		addAccount(sts[i].Account)
		if sts[i].ReblogOfID == nil {
			addContent(&sts[i])
		}
	}
	for _, st := range r.reblogs {
		addContent(st)
	}
	pieces, err := h.Store.PiecesOfStatuses(ctx, contentIDs)
	if err != nil {
		return err
	}
	r.mentions, r.tags, r.media, r.cards = pieces.Mentions, pieces.Tags, pieces.Media, pieces.Cards
	reader := viewerID(r.viewer)
	if r.apps, err = h.Store.ApplicationsByIDs(ctx, appIDs); err != nil {
		return err
	}
	// Every status rendered has passed the audience rules already.
	if r.polls, r.ownVotes, err = h.Store.PollsForStatusesCached(ctx, pollIDs, reader); err != nil {
		return err
	}
	var threadIDs []string
	for _, st := range sts {
		threadIDs = append(threadIDs, st.ThreadID)
	}
	for _, st := range r.reblogs {
		threadIDs = append(threadIDs, st.ThreadID)
	}
	if r.flags, err = h.Store.ViewerStateFor(ctx, reader, contentIDs, threadIDs); err != nil {
		return err
	}
	r.mutedThreads = r.flags.MutedThreads
	if r.filters, err = h.loadFilters(ctx, r.viewer); err != nil {
		return err
	}
	rendered, err := h.renderAccounts(ctx, accounts)
	if err != nil {
		return err
	}
	r.accountsJSON = make(map[string]accountJSON, len(rendered))
	for _, a := range rendered {
		r.accountsJSON[a.ID] = a
	}
	return nil
}

func (r *statusRenderer) entity(st *model.Status) statusJSON {
	var out statusJSON
	if st.ReblogOfID != nil {
		original := r.entity(r.reblogs[*st.ReblogOfID])
		out = statusJSON{
			ID: st.ID, CreatedAt: isoTime(st.CreatedAt), Visibility: mastodonVisibility(st.Visibility),
			URI: st.URI, URL: strPtr(original.URI), Content: "", Reblog: &original,
			MediaAttachments: []any{}, Mentions: []mentionJSON{}, Tags: []tagRefJSON{}, Emojis: []any{},
			Coopol: coopolStatusJSON{Visibility: st.Visibility},
		}
		if original.URL != nil {
			out.URL = original.URL
		}
		if r.viewer != nil {
			// Mastodon repeats the original's flags on the boost.
			out.Favourited, out.Reblogged, out.Bookmarked = original.Favourited, original.Reblogged, original.Bookmarked
			out.Muted, out.Filtered = original.Muted, original.Filtered
		}
	} else {
		content := st.Content
		if st.Title != "" && st.APType != "Note" {
			content = "<p><strong>" + html.EscapeString(st.Title) + "</strong></p>" + content
		}
		url := st.URL
		if url == "" {
			url = st.URI
		}
		out = statusJSON{
			ID: st.ID, CreatedAt: isoTime(st.CreatedAt), InReplyToID: st.InReplyToID,
			Sensitive: st.Sensitive, SpoilerText: st.SpoilerText, Visibility: mastodonVisibility(st.Visibility),
			Language: strPtr(st.Language), URI: st.URI, URL: &url,
			RepliesCount: st.RepliesCount, ReblogsCount: st.ReblogsCount, FavouritesCount: st.FavouritesCount,
			EditedAt: isoTimePtr(st.EditedAt), Content: content,
			MediaAttachments: []any{}, Mentions: []mentionJSON{}, Tags: []tagRefJSON{}, Emojis: []any{},
			Coopol: coopolStatusJSON{Visibility: st.Visibility, GroupID: st.GroupID},
		}
		if st.InReplyToID != nil {
			out.InReplyToAccountID = st.InReplyToAccountID
		}
		for _, a := range r.mentions[st.ID] {
			u := a.URL
			if u == "" {
				u = a.URI
			}
			out.Mentions = append(out.Mentions, mentionJSON{ID: a.ID, Username: a.Username, URL: u, Acct: a.Acct()})
		}
		for _, name := range r.tags[st.ID] {
			out.Tags = append(out.Tags, tagRefJSON{Name: name, URL: r.h.tagURL(name)})
		}
		if poll := r.polls[st.ID]; poll != nil {
			p := r.h.pollEntity(poll, st, r.viewer, r.ownVotes[st.ID])
			out.Poll = &p
		}
		if card := r.cards[st.ID]; card != nil {
			out.Card = r.h.cardEntity(card)
		}
		for i := range r.media[st.ID] {
			out.MediaAttachments = append(out.MediaAttachments, r.h.mediaEntity(&r.media[st.ID][i]))
		}
		if st.ApplicationID != nil {
			if app, ok := r.apps[*st.ApplicationID]; ok {
				out.Application = &applicationRefJSON{Name: app.Name, Website: strPtr(app.Website)}
			}
		}
		if r.viewer != nil {
			out.Favourited = boolPtr(r.flags.Favourited[st.ID])
			out.Reblogged = boolPtr(r.flags.Reblogged[st.ID])
			out.Bookmarked = boolPtr(r.flags.Bookmarked[st.ID])
			out.Muted = boolPtr(r.mutedThreads[st.ThreadID])
			out.Filtered = []any{}
			for _, m := range matchFilters(r.filters, st, r.media[st.ID]) {
				out.Filtered = append(out.Filtered, m)
			}
			if st.AccountID == r.viewer.ID {
				out.Pinned = boolPtr(r.flags.Pinned[st.ID])
			}
		}
	}
	if a, ok := r.accountsJSON[st.AccountID]; ok {
		out.Account = a
	} else if st.Account != nil {
		out.Account = r.h.accountEntity(st.Account, storage.AccountStats{})
	}
	return out
}

// relationshipEntity renders a relationship.
func relationshipEntity(r storage.Relationship) relationshipJSON {
	return relationshipJSON{
		ID: r.ID, Following: r.Following, ShowingReblogs: (r.Following || r.Requested) && r.ShowingReblogs,
		Notifying: r.Notifying, Languages: nil, FollowedBy: r.FollowedBy, Blocking: r.Blocking, BlockedBy: r.BlockedBy,
		Muting: r.Muting, MutingNotifications: r.MutingNotifications, Requested: r.Requested, RequestedBy: r.RequestedBy,
	}
}

// filterResults recovers the filter results of a rendered status.
func filterResults(filtered []any) []filterResultJSON {
	var out []filterResultJSON
	for _, f := range filtered {
		if r, ok := f.(filterResultJSON); ok {
			out = append(out, r)
		}
	}
	return out
}

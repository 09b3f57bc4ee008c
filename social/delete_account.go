package social

// A member's data rights (GDPR articles 15, 17 and 20): an export of
// everything they put on the instance, and the deletion of their account.
//
// The export holds the member's own data and nothing private of anyone
// else: their profile and login details (never the password hash, tokens
// or signing key), their posts, whom they follow and who follows them
// (as public actor ids), their group memberships and event sign-ups
// (never the groups' member lists nor the events' participant lists).
//
// Deletion keeps only a tombstone: the account row, emptied of
// everything personal and marked gone, so that its username cannot be
// taken by someone else (who would then inherit its ActivityPub id) and
// its key can sign the Delete that tells other servers, plus a row in
// tombstones. Everything else goes, in one transaction with the Delete's
// deliveries: posts, media, memberships, sign-ups, follows,
// likes, lists, notifications, the login with its sessions and tokens.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// ArchiveFormat names the export's JSON format; ArchiveVersion changes
// when a field changes meaning.
const (
	ArchiveFormat  = "coopol-account-export"
	ArchiveVersion = 1
)

// Archive is a member's data export.
type Archive struct {
	Format     string              `json:"format"`
	Version    int                 `json:"version"`
	ExportedAt time.Time           `json:"exported_at"`
	Instance   string              `json:"instance"`
	Profile    ArchiveProfile      `json:"profile"`
	Login      *ArchiveLogin       `json:"login,omitempty"`
	Statuses   []ArchiveStatus     `json:"statuses"`
	Following  []ArchiveRelation   `json:"following"`
	Followers  []ArchiveRelation   `json:"followers"`
	Groups     []ArchiveMembership `json:"groups"`
	SignUps    []ArchiveSignUp     `json:"event_sign_ups"`
	Favourites []string            `json:"favourites"` // ids (URIs) of liked posts
	Bookmarks  []string            `json:"bookmarks"`
	Blocks     []string            `json:"blocks"` // actor ids
	Mutes      []string            `json:"mutes"`
	Lists      []ArchiveList       `json:"lists"`
	Media      []ArchiveMedia      `json:"media"`
}

type ArchiveProfile struct {
	ID           string        `json:"id"`
	URI          string        `json:"uri"`
	URL          string        `json:"url"`
	Username     string        `json:"username"`
	DisplayName  string        `json:"display_name"`
	Note         string        `json:"note"`        // HTML
	NoteSource   string        `json:"note_source"` // as typed
	Fields       []model.Field `json:"fields"`
	FieldsSource []model.Field `json:"fields_source,omitempty"`
	Locked       bool          `json:"locked"`
	Discoverable bool          `json:"discoverable"`
	Indexable    bool          `json:"indexable"`
	Bot          bool          `json:"bot"`
	AlsoKnownAs  []string      `json:"also_known_as"`
	CreatedAt    time.Time     `json:"created_at"`
}

type ArchiveLogin struct {
	Email             string     `json:"email"`
	Role              string     `json:"role"`
	Approved          bool       `json:"approved"`
	MemberVerifiedAt  *time.Time `json:"member_verified_at,omitempty"`
	Locale            string     `json:"locale"`
	DefaultVisibility string     `json:"default_visibility"`
	CreatedAt         time.Time  `json:"created_at"`
	LastSeenAt        *time.Time `json:"last_seen_at,omitempty"`
}

type ArchiveStatus struct {
	ID          string        `json:"id"`
	URI         string        `json:"uri"`
	URL         string        `json:"url"`
	CreatedAt   time.Time     `json:"created_at"`
	EditedAt    *time.Time    `json:"edited_at,omitempty"`
	Type        string        `json:"type"`
	Visibility  string        `json:"visibility"`
	Title       string        `json:"title,omitempty"`
	Text        string        `json:"text"`    // as typed
	Content     string        `json:"content"` // HTML
	SpoilerText string        `json:"spoiler_text,omitempty"`
	Sensitive   bool          `json:"sensitive"`
	Language    string        `json:"language,omitempty"`
	InReplyTo   string        `json:"in_reply_to,omitempty"` // id of the post replied to
	BoostOf     string        `json:"boost_of,omitempty"`    // id of the post boosted
	Group       string        `json:"group,omitempty"`       // id of the group it was posted in
	Tags        []string      `json:"tags"`
	Mentions    []string      `json:"mentions"` // actor ids addressed
	Media       []string      `json:"media"`    // media ids (see media)
	Event       *ArchiveEvent `json:"event,omitempty"`
	Poll        []string      `json:"poll_options,omitempty"`
}

type ArchiveEvent struct {
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	StartAt   time.Time  `json:"start_at"`
	EndAt     *time.Time `json:"end_at,omitempty"`
	PlaceName string     `json:"place_name,omitempty"`
	Address   string     `json:"street_address,omitempty"`
	Locality  string     `json:"locality,omitempty"`
	Capacity  *int       `json:"capacity,omitempty"`
}

type ArchiveRelation struct {
	Account string    `json:"account"` // actor id
	Acct    string    `json:"acct"`
	State   string    `json:"state"`
	Since   time.Time `json:"since"`
}

type ArchiveMembership struct {
	Group         string    `json:"group"` // actor id
	Acct          string    `json:"acct"`
	Name          string    `json:"name"`
	Role          string    `json:"role"`
	State         string    `json:"state"`
	SectionStatus string    `json:"section_status,omitempty"`
	Since         time.Time `json:"since"`
}

type ArchiveSignUp struct {
	Event    string     `json:"event"` // event id (URI)
	Title    string     `json:"title"`
	Kind     string     `json:"kind"`
	StartAt  time.Time  `json:"start_at"`
	EndAt    *time.Time `json:"end_at,omitempty"`
	Place    string     `json:"place_name,omitempty"`
	Locality string     `json:"locality,omitempty"`
	Slot     string     `json:"slot,omitempty"`
	State    string     `json:"state"`
	Since    time.Time  `json:"since"`
}

type ArchiveList struct {
	Title    string   `json:"title"`
	Accounts []string `json:"accounts"` // actor ids
}

type ArchiveMedia struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	ContentType string    `json:"content_type"`
	Description string    `json:"description,omitempty"`
	File        string    `json:"file,omitempty"` // path under media.path
	RemoteURL   string    `json:"remote_url,omitempty"`
	Status      string    `json:"status,omitempty"` // id (URI) of the post
	CreatedAt   time.Time `json:"created_at"`
}

// ErrAccountGone is returned for an account already deleted.
var ErrAccountGone = errors.New("this account has been deleted")

// personAccount checks that account is a local person still here.
func personAccount(account *model.Account) error {
	if account == nil || !account.IsLocal() || account.ActorType != model.ActorPerson {
		return ErrNotFound
	}
	if account.GoneAt != nil {
		return ErrAccountGone
	}
	return nil
}

// ExportAccount gathers a local person's data.
func (s *Service) ExportAccount(ctx context.Context, account *model.Account) (*Archive, error) {
	if err := personAccount(account); err != nil {
		return nil, err
	}
	db := s.Store.DB
	id := account.ID
	a := &Archive{
		Format: ArchiveFormat, Version: ArchiveVersion, ExportedAt: s.now(), Instance: s.URIs.Base,
		Profile: ArchiveProfile{
			ID: account.ID, URI: account.URI, URL: account.URL, Username: account.Username, DisplayName: account.DisplayName,
			Note: account.Note, Fields: nonNil(account.Fields), Locked: account.Locked, Discoverable: account.Discoverable,
			Indexable: account.Indexable, Bot: account.Bot, AlsoKnownAs: nonNil(account.AlsoKnownAs), CreatedAt: account.CreatedAt,
		},
	}
	if src, err := s.Store.AccountSourceOf(ctx, id); err == nil {
		a.Profile.NoteSource, a.Profile.FieldsSource = src.Note, src.Fields
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if u, err := s.Store.UserByAccountID(ctx, id); err == nil {
		a.Login = &ArchiveLogin{Email: u.Email, Role: u.Role, Approved: u.Approved, MemberVerifiedAt: u.MemberVerifiedAt,
			Locale: u.Locale, DefaultVisibility: u.DefaultVisibility, CreatedAt: u.CreatedAt, LastSeenAt: u.LastSeenAt}
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}

	var err error
	if a.Statuses, err = s.archiveStatuses(ctx, id); err != nil {
		return nil, fmt.Errorf("export posts: %w", err)
	}
	if a.Following, err = archiveRelations(ctx, db, "f.target_account_id", "f.account_id", id); err != nil {
		return nil, fmt.Errorf("export following: %w", err)
	}
	if a.Followers, err = archiveRelations(ctx, db, "f.account_id", "f.target_account_id", id); err != nil {
		return nil, fmt.Errorf("export followers: %w", err)
	}
	var groups []struct {
		URI           string    `bun:"uri"`
		Username      string    `bun:"username"`
		Domain        string    `bun:"domain"`
		Name          string    `bun:"display_name"`
		Role          string    `bun:"role"`
		State         string    `bun:"state"`
		SectionStatus string    `bun:"section_status"`
		Since         time.Time `bun:"created_at"`
	}
	if err := db.NewRaw(`SELECT g.uri, g.username, g.domain, g.display_name, m.role, m.state, m.section_status, m.created_at
		FROM memberships m JOIN accounts g ON g.id = m.group_account_id WHERE m.account_id = ? ORDER BY m.created_at`, id).Scan(ctx, &groups); err != nil {
		return nil, fmt.Errorf("export groups: %w", err)
	}
	a.Groups = make([]ArchiveMembership, 0, len(groups))
	for _, g := range groups {
		a.Groups = append(a.Groups, ArchiveMembership{Group: g.URI, Acct: acctOf(g.Username, g.Domain), Name: g.Name, Role: g.Role,
			State: g.State, SectionStatus: g.SectionStatus, Since: g.Since})
	}
	a.SignUps = []ArchiveSignUp{}
	if err := db.NewRaw(`SELECT e.uri AS event, e.title, e.kind, coalesce(sl.start_at, e.start_at) AS start_at, coalesce(sl.end_at, e.end_at) AS end_at,
		e.place_name AS place, e.locality, p.slot_id AS slot, p.state, p.created_at AS since
		FROM participations p JOIN events e ON e.id = p.event_id LEFT JOIN event_slots sl ON sl.id = p.slot_id
		WHERE p.account_id = ? ORDER BY e.start_at`, id).Scan(ctx, &a.SignUps); err != nil {
		return nil, fmt.Errorf("export sign-ups: %w", err)
	}
	for _, l := range []struct {
		into        *[]string
		what, query string
	}{
		{&a.Favourites, "likes", `SELECT s.uri FROM favourites f JOIN statuses s ON s.id = f.status_id WHERE f.account_id = ? ORDER BY f.id`},
		{&a.Bookmarks, "bookmarks", `SELECT s.uri FROM bookmarks b JOIN statuses s ON s.id = b.status_id WHERE b.account_id = ? ORDER BY b.id`},
		{&a.Blocks, "blocks", `SELECT t.uri FROM blocks b JOIN accounts t ON t.id = b.target_account_id WHERE b.account_id = ? ORDER BY b.id`},
		{&a.Mutes, "mutes", `SELECT t.uri FROM mutes m JOIN accounts t ON t.id = m.target_account_id WHERE m.account_id = ? ORDER BY m.id`},
	} {
		*l.into = []string{}
		if err := db.NewRaw(l.query, id).Scan(ctx, l.into); err != nil {
			return nil, fmt.Errorf("export %s: %w", l.what, err)
		}
	}
	var listRows []struct {
		ID    string `bun:"id"`
		Title string `bun:"title"`
	}
	if err := db.NewRaw(`SELECT id, title FROM lists WHERE account_id = ? ORDER BY id`, id).Scan(ctx, &listRows); err != nil {
		return nil, fmt.Errorf("export lists: %w", err)
	}
	a.Lists = []ArchiveList{}
	for _, l := range listRows {
		members := []string{}
		if err := db.NewRaw(`SELECT t.uri FROM list_accounts la JOIN accounts t ON t.id = la.account_id WHERE la.list_id = ? ORDER BY la.id`, l.ID).Scan(ctx, &members); err != nil {
			return nil, fmt.Errorf("export lists: %w", err)
		}
		a.Lists = append(a.Lists, ArchiveList{Title: l.Title, Accounts: members})
	}
	a.Media = []ArchiveMedia{}
	if err := db.NewRaw(`SELECT m.id, m.type, m.content_type, m.description, m.file_path AS file, m.remote_url, coalesce(s.uri, '') AS status, m.created_at
		FROM media_attachments m LEFT JOIN statuses s ON s.id = m.status_id WHERE m.account_id = ? ORDER BY m.id`, id).Scan(ctx, &a.Media); err != nil {
		return nil, fmt.Errorf("export media: %w", err)
	}
	return a, nil
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func acctOf(username, domain string) string {
	if domain == "" {
		return username
	}
	return username + "@" + domain
}

func archiveRelations(ctx context.Context, db bun.IDB, otherCol, selfCol, id string) ([]ArchiveRelation, error) {
	var rows []struct {
		URI      string    `bun:"uri"`
		Username string    `bun:"username"`
		Domain   string    `bun:"domain"`
		State    string    `bun:"state"`
		Since    time.Time `bun:"since"`
	}
	err := db.NewRaw(`SELECT a.uri, a.username, a.domain, f.state, f.created_at AS since
		FROM follows f JOIN accounts a ON a.id = `+otherCol+` WHERE `+selfCol+` = ? ORDER BY f.created_at`, id).Scan(ctx, &rows)
	out := make([]ArchiveRelation, 0, len(rows))
	for _, r := range rows {
		out = append(out, ArchiveRelation{Account: r.URI, Acct: acctOf(r.Username, r.Domain), State: r.State, Since: r.Since})
	}
	return out, err
}

func (s *Service) archiveStatuses(ctx context.Context, id string) ([]ArchiveStatus, error) {
	db := s.Store.DB
	var sts []model.Status
	if err := db.NewSelect().Model(&sts).Where("s.account_id = ?", id).Order("s.id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]ArchiveStatus, 0, len(sts))
	index := map[string]int{}
	for _, st := range sts {
		index[st.ID] = len(out)
		out = append(out, ArchiveStatus{
			ID: st.ID, URI: st.URI, URL: st.URL, CreatedAt: st.CreatedAt, EditedAt: st.EditedAt, Type: st.APType,
			Visibility: st.Visibility, Title: st.Title, Text: st.SourceText, Content: st.Content, SpoilerText: st.SpoilerText,
			Sensitive: st.Sensitive, Language: st.Language, InReplyTo: st.InReplyToURI,
			Tags: []string{}, Mentions: []string{}, Media: []string{},
		})
	}
	if len(out) == 0 {
		return out, nil
	}
	var pairs []struct {
		StatusID string `bun:"status_id"`
		Value    string `bun:"value"`
	}
	for _, q := range []struct {
		query string
		add   func(*ArchiveStatus, string)
	}{
		{`SELECT s.id AS status_id, p.uri AS value FROM statuses s JOIN statuses p ON p.id = s.in_reply_to_id WHERE s.account_id = ?`,
			func(a *ArchiveStatus, v string) { a.InReplyTo = v }},
		{`SELECT s.id AS status_id, b.uri AS value FROM statuses s JOIN statuses b ON b.id = s.reblog_of_id WHERE s.account_id = ?`,
			func(a *ArchiveStatus, v string) { a.BoostOf = v }},
		{`SELECT s.id AS status_id, g.uri AS value FROM statuses s JOIN accounts g ON g.id = s.group_id WHERE s.account_id = ?`,
			func(a *ArchiveStatus, v string) { a.Group = v }},
		{`SELECT st.status_id, t.name AS value FROM status_tags st JOIN tags t ON t.id = st.tag_id JOIN statuses s ON s.id = st.status_id WHERE s.account_id = ? ORDER BY t.name`,
			func(a *ArchiveStatus, v string) { a.Tags = append(a.Tags, v) }},
		{`SELECT r.status_id, a.uri AS value FROM status_recipients r JOIN accounts a ON a.id = r.account_id JOIN statuses s ON s.id = r.status_id WHERE s.account_id = ? ORDER BY a.uri`,
			func(a *ArchiveStatus, v string) { a.Mentions = append(a.Mentions, v) }},
		{`SELECT m.status_id, m.id AS value FROM media_attachments m JOIN statuses s ON s.id = m.status_id WHERE s.account_id = ? ORDER BY m.id`,
			func(a *ArchiveStatus, v string) { a.Media = append(a.Media, v) }},
	} {
		pairs = pairs[:0]
		if err := db.NewRaw(q.query, id).Scan(ctx, &pairs); err != nil {
			return nil, err
		}
		for _, p := range pairs {
			if i, ok := index[p.StatusID]; ok {
				q.add(&out[i], p.Value)
			}
		}
	}
	var events []model.Event
	if err := db.NewSelect().Model(&events).Where("e.status_id IN (SELECT id FROM statuses WHERE account_id = ?)", id).Scan(ctx); err != nil {
		return nil, err
	}
	for _, ev := range events {
		if i, ok := index[ev.StatusID]; ok {
			out[i].Event = &ArchiveEvent{Kind: ev.Kind, Title: ev.Title, StartAt: ev.StartAt, EndAt: ev.EndAt, PlaceName: ev.PlaceName,
				Address: ev.StreetAddress, Locality: ev.Locality, Capacity: ev.Capacity}
		}
	}
	var polls []model.Poll
	if err := db.NewSelect().Model(&polls).Where("status_id IN (SELECT id FROM statuses WHERE account_id = ?)", id).Scan(ctx); err != nil {
		return nil, err
	}
	for _, p := range polls {
		if i, ok := index[p.StatusID]; ok {
			out[i].Poll = p.Options
		}
	}
	return out, nil
}

// DeletionSummary tells what DeleteAccount removed.
type DeletionSummary struct {
	Statuses    int `json:"statuses"`
	Media       int `json:"media"`
	Memberships int `json:"memberships"`
	SignUps     int `json:"sign_ups"`
	Follows     int `json:"follows"`
	// Servers is how many remote inboxes the Delete goes to.
	Servers int `json:"servers"`
}

// DeleteAccount deletes a local person's account and tells every server
// that knew them. It is final. Media files are removed after the
// transaction commits.
func (s *Service) DeleteAccount(ctx context.Context, account *model.Account) (*DeletionSummary, error) {
	if err := personAccount(account); err != nil {
		return nil, err
	}
	id := account.ID
	sum := &DeletionSummary{}

	// Sign-ups for local events give their place back first (the next
	// person waiting is promoted and the gauge goes down), each in its own
	// transaction, as withdrawing by hand would.
	var local []struct {
		EventID string `bun:"event_id"`
		SlotID  string `bun:"slot_id"`
	}
	if err := s.Store.DB.NewRaw(`SELECT p.event_id, p.slot_id FROM participations p JOIN events e ON e.id = p.event_id
		JOIN accounts o ON o.id = e.account_id WHERE p.account_id = ? AND o.domain = '' AND e.account_id <> ?`, id, id).Scan(ctx, &local); err != nil {
		return nil, err
	}
	for _, l := range local {
		ev, err := s.Store.EventByID(ctx, l.EventID)
		if err != nil {
			return nil, err
		}
		p, err := s.Store.Participation(ctx, s.Store.DB, l.EventID, l.SlotID, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		if err := s.releasePlace(ctx, ev, account, p); err != nil {
			return nil, fmt.Errorf("withdraw from event %s: %w", ev.ID, err)
		}
		sum.SignUps++
	}

	var files []string
	err := s.Store.InTx(ctx, func(tx bun.Tx) error {
		inboxes, err := s.AccountDeletionInboxes(ctx, tx, id)
		if err != nil {
			return err
		}
		sum.Servers = len(inboxes)
		var media []struct {
			File  string `bun:"file_path"`
			Thumb string `bun:"thumbnail_path"`
		}
		if err := tx.NewRaw(`SELECT file_path, thumbnail_path FROM media_attachments WHERE account_id = ?`, id).Scan(ctx, &media); err != nil {
			return err
		}
		for _, m := range media {
			files = append(files, m.File, m.Thumb)
		}
		sum.Media = len(media)
		var statusIDs []string
		if err := tx.NewRaw(`SELECT id FROM statuses WHERE account_id = ?`, id).Scan(ctx, &statusIDs); err != nil {
			return err
		}
		sum.Statuses = len(statusIDs)
		if err := s.undoCounts(ctx, tx, id); err != nil {
			return err
		}
		var groups []string
		if err := tx.NewRaw(`SELECT group_account_id FROM memberships WHERE account_id = ? AND role IN ('creator', 'admin')
			AND group_account_id IN (SELECT id FROM accounts WHERE domain = '')`, id).Scan(ctx, &groups); err != nil {
			return err
		}
		for _, step := range []struct {
			table, where string
			count        *int
		}{
			{"statuses", "account_id = ?0", nil}, // recipients, tags, edits, polls, events and their sign-ups go with them
			{"favourites", "account_id = ?0", nil},
			{"bookmarks", "account_id = ?0", nil},
			{"status_pins", "account_id = ?0", nil},
			{"follows", "account_id = ?0 OR target_account_id = ?0", &sum.Follows},
			{"blocks", "account_id = ?0 OR target_account_id = ?0", nil},
			{"mutes", "account_id = ?0 OR target_account_id = ?0", nil},
			{"memberships", "account_id = ?0", &sum.Memberships},
			{"participations", "account_id = ?0", nil},
			{"participant_phones", "account_id = ?0", nil},
			{"notifications", "account_id = ?0 OR from_account_id = ?0", nil},
			{"status_recipients", "account_id = ?0", nil},
			{"lists", "account_id = ?0", nil},
			{"list_accounts", "account_id = ?0", nil},
			{"markers", "account_id = ?0", nil},
			{"conversation_states", "account_id = ?0", nil},
			{"idempotency_keys", "account_id = ?0", nil},
			{"account_sources", "account_id = ?0", nil},
			{"calendar_tokens", "account_id = ?0", nil},
			{"mail_preferences", "account_id = ?0", nil},
			{"mail_digests", "account_id = ?0", nil},
			{"media_attachments", "account_id = ?0", nil},
			{"outbox_activities", "account_id = ?0", nil}, // their pending deliveries are then dropped
			{"users", "account_id = ?0", nil},             // with its tokens, codes, sessions and resets
		} {
			res, err := tx.NewDelete().TableExpr(step.table).Where(step.where, id).Exec(ctx)
			if err != nil {
				return fmt.Errorf("delete %s: %w", step.table, err)
			}
			if step.count != nil {
				n, _ := res.RowsAffected()
				*step.count += int(n)
			}
		}
		if _, err := tx.NewRaw(`UPDATE reports SET account_id = NULL WHERE account_id = ?`, id).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewRaw(`UPDATE groups SET created_by_account_id = NULL WHERE created_by_account_id = ?`, id).Exec(ctx); err != nil {
			return err
		}
		for _, g := range groups {
			if n, err := tx.NewSelect().TableExpr("memberships").Where("group_account_id = ? AND role IN ('creator', 'admin') AND state = 'accepted'", g).Count(ctx); err != nil {
				return err
			} else if n == 0 {
				s.Log.Warn("account deletion leaves a group without administrator", "group", g)
			}
		}
		now := s.now()
		tomb := *account
		tomb.DisplayName, tomb.Note, tomb.Fields, tomb.AlsoKnownAs = "", "", []model.Field{}, []string{}
		tomb.AvatarMediaID, tomb.HeaderMediaID, tomb.AvatarRemoteURL, tomb.HeaderRemoteURL = nil, nil, "", ""
		tomb.Discoverable, tomb.Indexable, tomb.MovedToURI, tomb.LastStatusAt = false, false, "", nil
		tomb.SuspendedAt, tomb.GoneAt, tomb.UpdatedAt = &now, &now, now
		if _, err := tx.NewUpdate().Model(&tomb).Column("display_name", "note", "fields", "also_known_as", "avatar_media_id", "header_media_id",
			"avatar_remote_url", "header_remote_url", "discoverable", "indexable", "moved_to_uri", "last_status_at",
			"suspended_at", "gone_at", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := s.Store.AddTombstone(ctx, tx, account.URI, now); err != nil {
			return err
		}
		for _, sid := range statusIDs {
			s.emit(ctx, tx, "delete", sid, "")
		}
		_, actID := s.newActivityID()
		return s.publish(ctx, tx, &tomb, &ap.Activity{ID: actID, Type: "Delete", Actor: account.URI, ObjectIRI: account.URI,
			To: []string{ap.Public}, Published: now}, nil, inboxes)
	})
	if err != nil {
		return nil, err
	}
	removed := s.removeMediaFiles(files)
	s.Log.Info("account deleted", "username", account.Username, "statuses", sum.Statuses, "media_files", removed, "servers", sum.Servers)
	return sum, nil
}

// AccountDeletionInboxes lists the remote inboxes (shared where
// possible) of every server that knew accountID: its followers and those
// it follows, whom its posts addressed or answered, whose posts it liked
// or boosted, the groups it belonged to or posted in and their remote
// members, the organisers of the events it signed up for.
func (s *Service) AccountDeletionInboxes(ctx context.Context, db bun.IDB, accountID string) ([]string, error) {
	var inboxes []string
	err := db.NewRaw(`SELECT DISTINCT CASE WHEN a.shared_inbox_uri <> '' THEN a.shared_inbox_uri ELSE a.inbox_uri END AS inbox
		FROM accounts a WHERE a.domain <> '' AND a.gone_at IS NULL AND a.id IN (
			SELECT account_id FROM follows WHERE target_account_id = ?0
			UNION SELECT target_account_id FROM follows WHERE account_id = ?0
			UNION SELECT r.account_id FROM status_recipients r JOIN statuses s ON s.id = r.status_id WHERE s.account_id = ?0
			UNION SELECT in_reply_to_account_id FROM statuses WHERE account_id = ?0 AND in_reply_to_account_id IS NOT NULL
			UNION SELECT o.account_id FROM statuses s JOIN statuses o ON o.id = s.reblog_of_id WHERE s.account_id = ?0
			UNION SELECT o.account_id FROM favourites f JOIN statuses o ON o.id = f.status_id WHERE f.account_id = ?0
			UNION SELECT group_account_id FROM memberships WHERE account_id = ?0
			UNION SELECT group_id FROM statuses WHERE account_id = ?0 AND group_id IS NOT NULL
			UNION SELECT e.account_id FROM participations p JOIN events e ON e.id = p.event_id WHERE p.account_id = ?0
			UNION SELECT m.account_id FROM memberships m WHERE m.state = 'accepted' AND m.group_account_id IN (
				SELECT group_account_id FROM memberships WHERE account_id = ?0
				UNION SELECT group_id FROM statuses WHERE account_id = ?0 AND group_id IS NOT NULL)
		) ORDER BY inbox`, accountID).Scan(ctx, &inboxes)
	out := inboxes[:0]
	for _, in := range inboxes {
		if in != "" && !s.IsLocalURI(in) {
			out = append(out, in)
		}
	}
	return out, err
}

// undoCounts takes accountID's replies, boosts and likes off the
// counters of the posts they concerned, and its votes off local polls.
func (s *Service) undoCounts(ctx context.Context, tx bun.Tx, accountID string) error {
	for _, c := range []struct{ column, query string }{
		{"replies_count", `SELECT in_reply_to_id AS id, count(*) AS n FROM statuses WHERE account_id = ? AND in_reply_to_id IS NOT NULL GROUP BY in_reply_to_id`},
		{"reblogs_count", `SELECT reblog_of_id AS id, count(*) AS n FROM statuses WHERE account_id = ? AND reblog_of_id IS NOT NULL GROUP BY reblog_of_id`},
		{"favourites_count", `SELECT status_id AS id, count(*) AS n FROM favourites WHERE account_id = ? GROUP BY status_id`},
	} {
		var rows []struct {
			ID string `bun:"id"`
			N  int    `bun:"n"`
		}
		if err := tx.NewRaw(c.query, accountID).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			if err := s.Store.AdjustCount(ctx, tx, r.ID, c.column, -r.N); err != nil {
				return err
			}
		}
	}
	var polls []string
	if err := tx.NewRaw(`SELECT DISTINCT v.status_id FROM poll_votes v JOIN statuses s ON s.id = v.status_id
		WHERE v.account_id = ? AND s.local AND s.account_id <> ?`, accountID, accountID).Scan(ctx, &polls); err != nil {
		return err
	}
	if _, err := tx.NewDelete().TableExpr("poll_votes").Where("account_id = ?", accountID).Exec(ctx); err != nil {
		return err
	}
	for _, statusID := range polls {
		p, err := s.Store.Poll(ctx, tx, statusID)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if err := s.Store.TallyPoll(ctx, tx, p); err != nil {
			return err
		}
	}
	return nil
}

// removeMediaFiles deletes uploaded files (paths relative to media.path)
// and returns how many went. A file that cannot be removed is logged:
// its database row is gone, so nothing serves it any more.
func (s *Service) removeMediaFiles(paths []string) int {
	n := 0
	for _, p := range paths {
		if p == "" || !filepath.IsLocal(p) {
			continue
		}
		err := os.Remove(filepath.Join(s.Config.Media.Path, p))
		switch {
		case err == nil:
			n++
		case !errors.Is(err, os.ErrNotExist):
			s.Log.Warn("account deletion: media file not removed", "err", err)
		}
	}
	return n
}

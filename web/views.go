package web

import (
	"context"
	"hash/fnv"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// Views are what templates show: plain values, with links as paths on
// this site (so that pages work whatever host name the browser used).

type accountView struct {
	ID       string
	Username string
	// Handle is "alice" here, "alice@other.example" elsewhere.
	Handle string
	// Name is the display name, or the username.
	Name    string
	Path    string
	Initial string
	// Hue picks one of a few avatar colours (no image is fetched from
	// other servers: that would tell them who reads what).
	Hue       int
	Note      template.HTML
	IsGroup   bool
	IsLocal   bool
	Locked    bool
	Bot       bool
	RemoteURL string
}

func (h *Handlers) accountView(a *model.Account) accountView {
	if a == nil {
		return accountView{}
	}
	v := accountView{
		ID: a.ID, Username: a.Username, Handle: a.Acct(), Name: strings.TrimSpace(a.DisplayName),
		Path: accountPath(a), IsGroup: a.IsGroup(), IsLocal: a.IsLocal(), Locked: a.Locked, Bot: a.Bot,
		Note: safeNote(a),
	}
	if v.Name == "" {
		v.Name = a.Username
	}
	if r, _ := utf8.DecodeRuneInString(v.Name); r != utf8.RuneError {
		v.Initial = string(unicode.ToUpper(r))
	}
	f := fnv.New32a()
	f.Write([]byte(a.ID))
	v.Hue = int(f.Sum32() % 6)
	if !a.IsLocal() {
		v.RemoteURL = a.URL
		if v.RemoteURL == "" {
			v.RemoteURL = a.URI
		}
	}
	return v
}

// safeNote is a profile's HTML: made by the domain (text.Format) for
// local accounts; for remote ones it is sanitized again here, whatever
// path the actor came by.
func safeNote(a *model.Account) template.HTML {
	if a.IsLocal() {
		return template.HTML(a.Note) //nolint:gosec // text.Format output
	}
	return template.HTML(text.SanitizeRemote(a.Note)) //nolint:gosec // sanitized
}

// safeFieldValue is a profile field's value, as safeNote.
func safeFieldValue(a *model.Account, value string) template.HTML {
	if a.IsLocal() {
		return template.HTML(value) //nolint:gosec // text.Format output
	}
	return template.HTML(text.SanitizeRemote(value)) //nolint:gosec // sanitized
}

// accountPath is an account's page here: /@alice, or /@bob@other.example
// for someone of another server.
func accountPath(a *model.Account) string {
	return "/@" + a.Acct()
}

type statusView struct {
	ID string
	// Path is the post's page here.
	Path        string
	Author      accountView
	Content     template.HTML
	SpoilerText string
	Title       string
	Visibility  string
	Created     time.Time
	Edited      bool
	Group       *accountView
	// InReplyTo is the path of the post this one answers, if known here.
	InReplyTo string
	Replies   int
	Favs      int
	Boosts    int
	// What the viewer did with it, and may do.
	Favourited, Reblogged, Mine, CanBoost bool
	// BoostedBy is set when the post shows because someone boosted it.
	BoostedBy *accountView
	// Event is set for the post of an event or field action.
	Event     *eventView
	Media     []mediaView
	Poll      *pollView
	RemoteURL string
	Card      *cardView
}

// statusViews turns statuses (already filtered by the domain's
// VisibleFilter) into views. Boosts show their original, which must be
// visible to the viewer too: otherwise the boost is left out.
func (h *Handlers) statusViews(ctx context.Context, viewerAcc *model.Account, statuses []model.Status) ([]statusView, error) {
	var originalIDs []string
	for _, st := range statuses {
		if st.ReblogOfID != nil {
			originalIDs = append(originalIDs, *st.ReblogOfID)
		}
	}
	originals := map[string]model.Status{}
	if len(originalIDs) > 0 {
		visible, err := h.Store.VisibleStatusIDsCached(ctx, idOf(viewerAcc), originalIDs, h.Social.VisibleFilter(viewerAcc))
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, id := range originalIDs {
			if visible[id] {
				ids = append(ids, id)
			}
		}
		rows, err := h.Store.StatusesByIDs(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, st := range rows {
			originals[st.ID] = st
		}
	}
	// What is shown: each status, or the original of a boost.
	shown := make([]model.Status, 0, len(statuses))
	boosters := map[int]*model.Account{}
	for _, st := range statuses {
		if st.ReblogOfID != nil {
			o, ok := originals[*st.ReblogOfID]
			if !ok {
				continue
			}
			boosters[len(shown)] = st.Account
			shown = append(shown, o)
			continue
		}
		shown = append(shown, st)
	}
	ids := make([]string, 0, len(shown))
	groupIDs := []string{}
	replyIDs := []string{}
	for _, st := range shown {
		ids = append(ids, st.ID)
		if st.GroupID != nil {
			groupIDs = append(groupIDs, *st.GroupID)
		}
		if st.InReplyToID != nil {
			replyIDs = append(replyIDs, *st.InReplyToID)
		}
	}
	groups, err := h.Store.AccountsByIDs(ctx, groupIDs)
	if err != nil {
		return nil, err
	}
	groupByID := map[string]*model.Account{}
	for i := range groups {
		groupByID[groups[i].ID] = &groups[i]
	}
	// A reply links to its parent only if the viewer may see it too.
	visibleParents, err := h.Store.VisibleStatusIDsCached(ctx, idOf(viewerAcc), replyIDs, storage.StatusFilter(h.Social.VisibleFilter(viewerAcc)))
	if err != nil {
		return nil, err
	}
	var parentIDs []string
	for _, id := range replyIDs {
		if visibleParents[id] {
			parentIDs = append(parentIDs, id)
		}
	}
	parents, err := h.Store.StatusesByIDs(ctx, parentIDs)
	if err != nil {
		return nil, err
	}
	parentPath := map[string]string{}
	for i := range parents {
		parentPath[parents[i].ID] = statusPath(&parents[i])
	}
	events, err := h.Store.WebEventsByStatusIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	viewerID := ""
	if viewerAcc != nil {
		viewerID = viewerAcc.ID
	}
	flags, err := h.Store.ViewerFlagsFor(ctx, viewerID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]statusView, 0, len(shown))
	for i := range shown {
		st := &shown[i]
		v := h.statusView(st)
		if st.GroupID != nil {
			if g := groupByID[*st.GroupID]; g != nil {
				gv := h.accountView(g)
				v.Group = &gv
			}
		}
		if st.InReplyToID != nil {
			v.InReplyTo = parentPath[*st.InReplyToID]
		}
		if ev := events[st.ID]; ev != nil {
			ev.Status = st
			ev.Status.Account = st.Account
			evv := h.eventView(ev)
			v.Event = &evv
		}
		if b := boosters[i]; b != nil {
			bv := h.accountView(b)
			v.BoostedBy = &bv
		}
		v.Favourited, v.Reblogged = flags.Favourited[st.ID], flags.Reblogged[st.ID]
		v.Mine = viewerID != "" && st.AccountID == viewerID
		v.CanBoost = viewerID != "" && (st.Visibility == model.VisibilityPublic || st.Visibility == model.VisibilityUnlisted)
		out = append(out, v)
	}
	byID := make(map[string]*model.Status, len(shown))
	for i := range shown {
		byID[shown[i].ID] = &shown[i]
	}
	if err := h.attachMedia(ctx, out, byID); err != nil {
		return nil, err
	}
	if err := h.attachPolls(ctx, viewerAcc, out, byID); err != nil {
		return nil, err
	}
	if err := h.attachCards(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// statusView is one status without its relations.
func (h *Handlers) statusView(st *model.Status) statusView {
	v := statusView{
		ID: st.ID, Path: statusPath(st), Author: h.accountView(st.Account),
		// Status content is HTML the domain produced: text.Format for
		// local posts, text.SanitizeRemote for remote ones.
		Content:     template.HTML(st.Content), //nolint:gosec
		SpoilerText: st.SpoilerText, Title: st.Title, Visibility: st.Visibility, Created: st.CreatedAt,
		Edited: st.EditedAt != nil && st.APType != "Event", Replies: st.RepliesCount, Favs: st.FavouritesCount, Boosts: st.ReblogsCount,
	}
	if !st.Local {
		v.RemoteURL = st.URL
		if v.RemoteURL == "" {
			v.RemoteURL = st.URI
		}
	}
	return v
}

// statusPath is a status's page here.
func statusPath(st *model.Status) string {
	if st.Account == nil {
		return ""
	}
	return accountPath(st.Account) + "/" + st.ID
}

// loadStatuses loads statuses by id in order and makes views.
func (h *Handlers) loadStatuses(ctx context.Context, viewerAcc *model.Account, entries []storage.Entry) ([]statusView, error) {
	rows, err := h.Store.StatusesByIDs(ctx, storage.Items(entries))
	if err != nil {
		return nil, err
	}
	return h.statusViews(ctx, viewerAcc, rows)
}

type eventView struct {
	ID, Path, Title  string
	Kind, ActionKind string
	Start            time.Time
	End              *time.Time
	TZ               string
	Place, Address   string
	// GeoURI opens the phone's map app at the place (geo:lat,lon, only
	// with coordinates); MapURL is OpenStreetMap at the place, or a
	// search for the address text without coordinates.
	GeoURI          template.URL
	MapURL          string
	OnlineURL       string
	Cancelled       bool
	HasCapacity     bool
	Capacity, Going int
	Remaining       int
	Full            bool
	Waiting         int // people on the waiting list (event page only)
	Slots           []slotView
	Organizer       accountView
	Visibility      string
	Content         template.HTML
	IsAction        bool
	SummaryText     string
	Local           bool // published here: its organisers can edit it here
}

type slotView struct {
	ID          string
	Start, End  time.Time
	Need, Going int
	Remaining   int
	Full        bool
	Waiting     int // people on the waiting list (event page only)
	// MyState is the viewer's participation in the slot ("" = none).
	MyState string
}

func (h *Handlers) eventView(ev *model.Event) eventView {
	v := eventView{
		ID: ev.ID, Path: "/events/" + ev.ID, Title: ev.Title, Kind: ev.Kind, ActionKind: ev.ActionKind,
		Start: ev.StartAt, End: ev.EndAt, TZ: ev.Timezone, OnlineURL: ev.OnlineURL,
		Cancelled: ev.EventStatus == "CANCELLED", Going: ev.ParticipantCount, IsAction: ev.Kind == model.EventKindFieldAction,
	}
	v.Place = strings.Join(nonEmpty(ev.PlaceName, ev.Locality), ", ")
	v.Address = strings.Join(nonEmpty(ev.StreetAddress, strings.TrimSpace(ev.PostalCode+" "+ev.Locality)), ", ")
	v.GeoURI, v.MapURL = mapLinks(ev)
	if ev.Capacity != nil {
		v.HasCapacity, v.Capacity = true, *ev.Capacity
		v.Remaining = ev.Remaining()
		v.Full = v.Remaining == 0
	}
	for _, s := range ev.Slots {
		sv := slotView{ID: s.ID, Start: s.StartAt, End: s.EndAt, Need: s.Need, Going: s.ParticipantCount}
		sv.Remaining = max(s.Need-s.ParticipantCount, 0)
		sv.Full = sv.Remaining == 0
		v.Slots = append(v.Slots, sv)
	}
	if ev.Status != nil {
		v.Local = ev.Status.Local
		v.Visibility = ev.Status.Visibility
		v.Content = template.HTML(ev.Status.Content) //nolint:gosec // text.Format / SanitizeRemote
		v.SummaryText = text.StripHTML(ev.Status.Content)
		if ev.Status.Account != nil {
			v.Organizer = h.accountView(ev.Status.Account)
		}
	}
	return v
}

// mapLinks answers "where is the meeting point?" on the street: a geo:
// URI (RFC 5870) that phones open in their map app, and an OpenStreetMap
// link, both at the coordinates when the event has them; otherwise an
// OpenStreetMap search for the address text. Coordinates are numbers
// formatted here, so the geo: URI cannot carry anything else.
func mapLinks(ev *model.Event) (template.URL, string) {
	if lat, lon := ev.Latitude, ev.Longitude; lat != nil && lon != nil &&
		*lat >= -90 && *lat <= 90 && *lon >= -180 && *lon <= 180 && (*lat != 0 || *lon != 0) {
		la, lo := strconv.FormatFloat(*lat, 'f', -1, 64), strconv.FormatFloat(*lon, 'f', -1, 64)
		return template.URL("geo:" + la + "," + lo), //nolint:gosec // two formatted numbers
			"https://www.openstreetmap.org/?mlat=" + la + "&mlon=" + lo + "#map=18/" + la + "/" + lo
	}
	query := strings.Join(nonEmpty(ev.StreetAddress, ev.PostalCode, ev.Locality), " ")
	if ev.StreetAddress == "" && ev.PlaceName != "" {
		query = strings.Join(nonEmpty(ev.PlaceName, ev.PostalCode, ev.Locality), " ")
	}
	if query == "" {
		return "", ""
	}
	return "", "https://www.openstreetmap.org/search?query=" + url.QueryEscape(query)
}

func nonEmpty(values ...string) []string {
	var out []string
	for _, s := range values {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// excerpt is the first n characters of an HTML text, as plain text.
func excerpt(html string, n int) string {
	s := strings.Join(strings.Fields(text.StripHTML(html)), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n])) + "…"
}

// idOf is an account's id, "" for an anonymous reader.
func idOf(a *model.Account) string {
	if a == nil {
		return ""
	}
	return a.ID
}

package api

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// verifyCredentials: GET /api/v1/accounts/verify_credentials — the
// signed-in account with its source (what the person typed).
func (h *Handlers) verifyCredentials(c *gin.Context) {
	h.respondCredentials(c, CurrentUser(c), CurrentAccount(c))
}

func (h *Handlers) respondCredentials(c *gin.Context, u *model.User, a *model.Account) {
	ctx := c.Request.Context()
	out, err := h.renderAccount(ctx, a)
	if err != nil {
		h.internalError(c, err)
		return
	}
	note, fields, err := h.Social.ProfileSource(ctx, a)
	if err != nil {
		h.internalError(c, err)
		return
	}
	requests, err := h.Store.CountFollowRequests(ctx, a.ID)
	if err != nil {
		h.internalError(c, err)
		return
	}
	src := &sourceJSON{
		Privacy: mastodonVisibility(u.DefaultVisibility), Language: u.Locale, Note: note,
		Fields: make([]fieldJSON, 0, len(fields)), FollowRequestsCount: requests,
		HideCollections: true, Discoverable: a.Discoverable, Indexable: a.Indexable, AttributionDomains: []string{},
	}
	for _, f := range fields {
		src.Fields = append(src.Fields, fieldJSON{Name: f.Name, Value: f.Value})
	}
	out.Source = src
	c.JSON(http.StatusOK, out)
}

var fieldAttrKey = regexp.MustCompile(`^fields_attributes\[(\d+)\]\[(name|value)\]$`)

// fieldsAttributes reads fields_attributes in its three client spellings:
// a JSON array, a JSON object keyed by index, or form keys
// fields_attributes[0][name]. ok is false when absent.
func fieldsAttributes(p *params) (fields []model.Field, ok bool) {
	entry := func(v any) model.Field {
		m, _ := v.(map[string]any)
		name, _ := m["name"].(string)
		value, _ := m["value"].(string)
		return model.Field{Name: name, Value: value}
	}
	if v, present := p.json["fields_attributes"]; present {
		switch v := v.(type) {
		case []any:
			for _, item := range v {
				fields = append(fields, entry(item))
			}
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Slice(keys, func(i, j int) bool { a, _ := strconv.Atoi(keys[i]); b, _ := strconv.Atoi(keys[j]); return a < b })
			for _, k := range keys {
				fields = append(fields, entry(v[k]))
			}
		}
		return fields, true
	}
	byIndex := map[int]*model.Field{}
	for key, values := range p.form {
		m := fieldAttrKey.FindStringSubmatch(key)
		if m == nil || len(values) == 0 {
			continue
		}
		i, err := strconv.Atoi(m[1])
		if err != nil || i > 100 {
			continue
		}
		if byIndex[i] == nil {
			byIndex[i] = &model.Field{}
		}
		if m[2] == "name" {
			byIndex[i].Name = values[0]
		} else {
			byIndex[i].Value = values[0]
		}
	}
	if len(byIndex) == 0 {
		return nil, false
	}
	idx := make([]int, 0, len(byIndex))
	for i := range byIndex {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		fields = append(fields, *byIndex[i])
	}
	return fields, true
}

// has reports whether a parameter was sent at all.
func (p *params) has(key string) bool {
	if _, ok := p.json[key]; ok {
		return true
	}
	_, ok := p.form[key]
	return ok
}

// parsePictureForm reads a multipart body holding an avatar or a header:
// pictures are larger than the usual API body limit. It answers the
// client itself when it returns false.
func (h *Handlers) parsePictureForm(c *gin.Context) bool {
	if h.Media == nil || !strings.HasPrefix(c.GetHeader("Content-Type"), "multipart/form-data") {
		return true
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 2*h.Media.MaxUploadSize()+1<<20)
	if err := c.Request.ParseMultipartForm(8 << 20); err != nil {
		ErrorJSON(c, http.StatusRequestEntityTooLarge, "the pictures are too large")
		return false
	}
	return true
}

// uploadPictures stores the avatar and header files of a parsed
// multipart form under owner (an account's profile, a group's). Either
// may be nil. It answers the client itself when it returns false.
func (h *Handlers) uploadPictures(c *gin.Context, owner *model.Account) (avatar, header *model.MediaAttachment, ok bool) {
	mf := c.Request.MultipartForm
	if mf == nil || (len(mf.File["avatar"]) == 0 && len(mf.File["header"]) == 0) {
		return nil, nil, true
	}
	if h.Media == nil {
		ErrorJSON(c, http.StatusUnprocessableEntity, "Avatar and header uploads are not available")
		return nil, nil, false
	}
	for key, dst := range map[string]**model.MediaAttachment{"avatar": &avatar, "header": &header} {
		if len(mf.File[key]) == 0 {
			continue
		}
		f, err := mf.File[key][0].Open()
		if err != nil {
			ErrorJSON(c, http.StatusUnprocessableEntity, key+" could not be read")
			return nil, nil, false
		}
		m, err := h.Media.Upload(c.Request.Context(), owner, f, mf.File[key][0].Filename, "", 0, 0)
		f.Close()
		if err != nil {
			h.mediaError(c, err)
			return nil, nil, false
		}
		*dst = m
	}
	return avatar, header, true
}

// updateCredentials: PATCH /api/v1/accounts/update_credentials.
func (h *Handlers) updateCredentials(c *gin.Context) {
	if !h.parsePictureForm(c) {
		return
	}
	p, ok := h.params(c)
	if !ok {
		return
	}
	var in social.ProfileUpdate
	if in.Avatar, in.Header, ok = h.uploadPictures(c, CurrentAccount(c)); !ok {
		return
	}
	str := func(key string) *string {
		if !p.has(key) {
			return nil
		}
		v := p.Get(key)
		return &v
	}
	flag := func(key string) *bool {
		if !p.has(key) {
			return nil
		}
		v, _ := parseBool(p.Get(key))
		return &v
	}
	in.DisplayName, in.Note = str("display_name"), str("note")
	in.Locked, in.Bot, in.Discoverable, in.Indexable = flag("locked"), flag("bot"), flag("discoverable"), flag("indexable")
	if fields, ok := fieldsAttributes(p); ok {
		in.Fields = &fields
	}
	user := CurrentUser(c)
	privacy := p.Get("source[privacy]")
	if privacy == "" {
		if src, ok := p.json["source"].(map[string]any); ok {
			privacy, _ = src["privacy"].(string)
		}
	}
	if privacy != "" && !slices.Contains(mastodonVisibilities, privacy) {
		ErrorJSON(c, http.StatusUnprocessableEntity, "source[privacy] must be one of "+strings.Join(mastodonVisibilities, ", "))
		return
	}
	ctx := c.Request.Context()
	updated, err := h.Social.UpdateProfile(ctx, CurrentAccount(c), in)
	if err != nil {
		h.domainError(c, err)
		return
	}
	if privacy != "" && privacy != user.DefaultVisibility {
		if err := h.Store.SetUserDefaultVisibility(ctx, user.ID, privacy, h.now()); err != nil {
			h.internalError(c, err)
			return
		}
		u := *user
		u.DefaultVisibility = privacy
		user = &u
	}
	h.respondCredentials(c, user, updated)
}

// getAccount: GET /api/v1/accounts/:id.
func (h *Handlers) getAccount(c *gin.Context) {
	a, ok := h.accountParam(c)
	if !ok {
		return
	}
	out, err := h.renderAccount(c.Request.Context(), a)
	if err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// splitAcct splits "user", "@user", "user@domain" or "@user@domain".
func splitAcct(acct string) (username, domain string, ok bool) {
	acct = strings.TrimPrefix(strings.TrimSpace(acct), "@")
	username, domain, _ = strings.Cut(acct, "@")
	if username == "" || strings.Contains(domain, "@") || strings.ContainsAny(acct, " /?#") {
		return "", "", false
	}
	return username, domain, true
}

// lookupAccount: GET /api/v1/accounts/lookup?acct= — accounts already
// known here (search with resolve=true fetches new ones).
func (h *Handlers) lookupAccount(c *gin.Context) {
	username, domain, ok := splitAcct(c.Query("acct"))
	if !ok {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	a, err := h.Social.FindHandle(c.Request.Context(), username, domain, false)
	if err != nil {
		h.domainError(c, err)
		return
	}
	if a.SuspendedAt != nil {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	out, err := h.renderAccount(c.Request.Context(), a)
	if err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// searchAccounts: GET /api/v1/accounts/search?q= (older clients' mention
// autocompletion).
func (h *Handlers) searchAccounts(c *gin.Context) {
	limit := defaultAccountLimit
	if n, err := strconv.Atoi(c.Query("limit")); err == nil && n > 0 {
		limit = min(n, maxAccountLimit)
	}
	offset, _ := strconv.Atoi(c.Query("offset"))
	accounts, err := h.findAccounts(c, c.Query("q"), queryBool(c, "resolve"), queryBool(c, "following"), limit, max(offset, 0))
	if err != nil {
		h.internalError(c, err)
		return
	}
	out, err := h.renderAccounts(c.Request.Context(), accounts)
	if err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// accountStatuses: GET /api/v1/accounts/:id/statuses — what the viewer
// may see of the account's posts.
func (h *Handlers) accountStatuses(c *gin.Context) {
	a, ok := h.accountParam(c)
	if !ok {
		return
	}
	viewer := CurrentAccount(c)
	p := pageParams(c, defaultStatusLimit, maxStatusLimit)
	ctx := c.Request.Context()
	if queryBool(c, "only_media") {
		// No media attachments yet: truthfully nothing.
		c.JSON(http.StatusOK, []any{})
		return
	}
	if queryBool(c, "pinned") {
		if p.MaxID != "" || p.MinID != "" || p.SinceID != "" {
			c.JSON(http.StatusOK, []any{}) // pins come in one page
			return
		}
		ids, err := h.Store.PinnedStatuses(ctx, a.ID, h.visibleFilter(viewer))
		if err != nil {
			h.internalError(c, err)
			return
		}
		sts, err := h.Store.StatusesByIDs(ctx, ids)
		if err != nil {
			h.internalError(c, err)
			return
		}
		out, err := h.renderStatuses(ctx, viewer, sts)
		if err != nil {
			h.internalError(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
		return
	}
	entries, err := h.Store.AccountTimelineCached(ctx, viewerID(viewer), a.ID, h.visibleFilter(viewer), storage.AccountTimelineOptions{
		ExcludeReplies: queryBool(c, "exclude_replies"), ExcludeReblogs: queryBool(c, "exclude_reblogs"), Tag: c.Query("tagged"),
	}, h.now(), p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondStatusPage(c, viewer, entries, p)
}

// accountFollowers and accountFollowing: GET /api/v1/accounts/:id/followers
// and /following. Who follows whom among party members is sensitive
// (product.md: membership is special-category data, P-05): the lists are
// shown to the account itself only; everyone else gets an empty list
// (and hide_collections: true on the account), as Mastodon answers for
// hidden collections. The counts stay public, as in the ActivityPub
// collections.
func (h *Handlers) accountFollowers(c *gin.Context) { h.accountFollows(c, true) }
func (h *Handlers) accountFollowing(c *gin.Context) { h.accountFollows(c, false) }

func (h *Handlers) accountFollows(c *gin.Context, followers bool) {
	a, ok := h.accountParam(c)
	if !ok {
		return
	}
	viewer := CurrentAccount(c)
	if viewer == nil || viewer.ID != a.ID {
		c.JSON(http.StatusOK, []any{})
		return
	}
	p := pageParams(c, defaultAccountLimit, maxAccountLimit)
	entries, err := h.Store.FollowsPage(c.Request.Context(), a.ID, followers, model.FollowAccepted, p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondAccountPage(c, entries, p)
}

// respondRelationship answers the viewer's relationship with target.
func (h *Handlers) respondRelationship(c *gin.Context, target *model.Account) {
	rels, err := h.Store.Relationships(c.Request.Context(), CurrentAccount(c).ID, []string{target.ID}, h.now())
	if err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, relationshipEntity(rels[0]))
}

// follow: POST /api/v1/accounts/:id/follow (reblogs, notify). A remote
// follow stays "requested" until the other server accepts it.
func (h *Handlers) follow(c *gin.Context) {
	target, ok := h.accountParam(c)
	if !ok {
		return
	}
	p, ok := h.params(c)
	if !ok {
		return
	}
	viewer := CurrentAccount(c)
	ctx := c.Request.Context()
	f, err := h.Social.Follow(ctx, viewer, target)
	if err != nil {
		h.domainError(c, err)
		return
	}
	reblogs, notify := f.ShowReblogs, f.Notify
	if v, ok := parseBool(p.Get("reblogs")); ok {
		reblogs = v
	}
	if v, ok := parseBool(p.Get("notify")); ok {
		notify = v
	}
	if reblogs != f.ShowReblogs || notify != f.Notify {
		if err := h.Store.SetFollowOptions(ctx, viewer.ID, target.ID, reblogs, notify); err != nil {
			h.internalError(c, err)
			return
		}
	}
	h.respondRelationship(c, target)
}

// accountAction runs a domain action on the :id account, then answers
// the relationship.
func (h *Handlers) accountAction(c *gin.Context, act func(viewer, target *model.Account) error) {
	target, ok := h.accountParam(c)
	if !ok {
		return
	}
	if err := act(CurrentAccount(c), target); err != nil {
		h.domainError(c, err)
		return
	}
	h.respondRelationship(c, target)
}

func (h *Handlers) unfollow(c *gin.Context) {
	h.accountAction(c, func(v, t *model.Account) error { return h.Social.Unfollow(c.Request.Context(), v, t) })
}

func (h *Handlers) block(c *gin.Context) {
	h.accountAction(c, func(v, t *model.Account) error { return h.Social.Block(c.Request.Context(), v, t) })
}

func (h *Handlers) unblock(c *gin.Context) {
	h.accountAction(c, func(v, t *model.Account) error { return h.Social.Unblock(c.Request.Context(), v, t) })
}

// removeFromFollowers: POST /api/v1/accounts/:id/remove_from_followers.
func (h *Handlers) removeFromFollowers(c *gin.Context) {
	h.accountAction(c, func(v, t *model.Account) error {
		err := h.Social.AnswerFollowRequest(c.Request.Context(), v, t, false)
		if errors.Is(err, social.ErrNotFound) {
			return nil // not a follower: nothing to do
		}
		return err
	})
}

// mute: POST /api/v1/accounts/:id/mute (notifications, duration in seconds).
func (h *Handlers) mute(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	notifications := true
	if v, ok := parseBool(p.Get("notifications")); ok {
		notifications = v
	}
	var duration time.Duration
	if d := p.Get("duration"); d != "" {
		n, err := strconv.ParseInt(d, 10, 64)
		if err != nil || n < 0 || n > 10*365*24*3600 {
			ErrorJSON(c, http.StatusUnprocessableEntity, "duration must be a number of seconds")
			return
		}
		duration = time.Duration(n) * time.Second
	}
	h.accountAction(c, func(v, t *model.Account) error {
		return h.Social.Mute(c.Request.Context(), v, t, notifications, duration)
	})
}

func (h *Handlers) unmute(c *gin.Context) {
	h.accountAction(c, func(v, t *model.Account) error { return h.Social.Unmute(c.Request.Context(), v, t) })
}

// relationships: GET /api/v1/accounts/relationships?id[]=…
func (h *Handlers) relationships(c *gin.Context) {
	ids := queryList(c, "id")
	if len(ids) > maxAccountLimit {
		ids = ids[:maxAccountLimit]
	}
	ctx := c.Request.Context()
	accounts, err := h.Store.AccountsByIDs(ctx, ids)
	if err != nil {
		h.internalError(c, err)
		return
	}
	known := make([]string, 0, len(accounts))
	for _, a := range accounts {
		if !slices.Contains(known, a.ID) {
			known = append(known, a.ID)
		}
	}
	rels, err := h.Store.Relationships(ctx, CurrentAccount(c).ID, known, h.now())
	if err != nil {
		h.internalError(c, err)
		return
	}
	notes, err := h.Store.AccountNotes(ctx, CurrentAccount(c).ID, known)
	if err != nil {
		h.internalError(c, err)
		return
	}
	out := make([]relationshipJSON, len(rels))
	for i, r := range rels {
		out[i] = relationshipEntity(r)
		out[i].Note = notes[r.ID]
	}
	c.JSON(http.StatusOK, out)
}

// familiarFollowers: GET /api/v1/accounts/familiar_followers — never
// revealed (member graphs are sensitive): an empty list per account.
func (h *Handlers) familiarFollowers(c *gin.Context) {
	out := []gin.H{}
	for _, id := range queryList(c, "id") {
		out = append(out, gin.H{"id": id, "accounts": []any{}})
	}
	c.JSON(http.StatusOK, out)
}

// accountLists: GET /api/v1/accounts/:id/lists — the viewer's lists that
// contain the account.
func (h *Handlers) accountLists(c *gin.Context) {
	a, ok := h.accountParam(c)
	if !ok {
		return
	}
	lists, err := h.Store.Lists(c.Request.Context(), CurrentAccount(c).ID, a.ID)
	if err != nil {
		h.internalError(c, err)
		return
	}
	out := make([]listJSON, len(lists))
	for i := range lists {
		out[i] = listEntity(&lists[i])
	}
	c.JSON(http.StatusOK, out)
}

// followRequests: GET /api/v1/follow_requests.
func (h *Handlers) followRequests(c *gin.Context) {
	p := pageParams(c, defaultAccountLimit, maxAccountLimit)
	entries, err := h.Store.FollowsPage(c.Request.Context(), CurrentAccount(c).ID, true, model.FollowPending, p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondAccountPage(c, entries, p)
}

// answerFollowRequest: POST /api/v1/follow_requests/:id/authorize|reject.
func (h *Handlers) answerFollowRequest(accept bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		h.accountAction(c, func(v, follower *model.Account) error {
			return h.Social.AnswerFollowRequest(c.Request.Context(), v, follower, accept)
		})
	}
}

// blocks: GET /api/v1/blocks.
func (h *Handlers) blocks(c *gin.Context) {
	p := pageParams(c, defaultAccountLimit, maxAccountLimit)
	entries, err := h.Store.BlocksPage(c.Request.Context(), CurrentAccount(c).ID, p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondAccountPage(c, entries, p)
}

// mutes: GET /api/v1/mutes.
func (h *Handlers) mutes(c *gin.Context) {
	p := pageParams(c, defaultAccountLimit, maxAccountLimit)
	entries, err := h.Store.MutesPage(c.Request.Context(), CurrentAccount(c).ID, h.now(), p)
	if err != nil {
		h.internalError(c, err)
		return
	}
	h.respondAccountPage(c, entries, p)
}

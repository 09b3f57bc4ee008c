package api

// Filters v2 (/api/v2/filters): keywords and statuses an account does
// not want to see, in some contexts, behind a warning (warn) or not at
// all (hide). Every status entity rendered for the account carries the
// filters it matches in `filtered`, and statuses matching a hide filter
// of the timeline's context are left out of it.

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

var filterContexts = []string{"home", "notifications", "public", "thread", "account"}

type filterKeywordJSON struct {
	ID        string `json:"id"`
	Keyword   string `json:"keyword"`
	WholeWord bool   `json:"whole_word"`
}

type filterStatusJSON struct {
	ID       string `json:"id"`
	StatusID string `json:"status_id"`
}

type filterJSON struct {
	ID           string              `json:"id"`
	Title        string              `json:"title"`
	Context      []string            `json:"context"`
	ExpiresAt    *string             `json:"expires_at"`
	FilterAction string              `json:"filter_action"`
	Keywords     []filterKeywordJSON `json:"keywords"`
	Statuses     []filterStatusJSON  `json:"statuses"`
}

type filterResultJSON struct {
	Filter         filterJSON `json:"filter"`
	KeywordMatches []string   `json:"keyword_matches"`
	StatusMatches  []string   `json:"status_matches"`
}

func filterEntity(f *storage.Filter) filterJSON {
	out := filterJSON{ID: f.ID, Title: f.Title, Context: f.Context, ExpiresAt: isoTimePtr(f.ExpiresAt), FilterAction: f.Action,
		Keywords: []filterKeywordJSON{}, Statuses: []filterStatusJSON{}}
	if out.Context == nil {
		out.Context = []string{}
	}
	for _, k := range f.Keywords {
		out.Keywords = append(out.Keywords, filterKeywordJSON{ID: k.ID, Keyword: k.Keyword, WholeWord: k.WholeWord})
	}
	for _, s := range f.Statuses {
		out.Statuses = append(out.Statuses, filterStatusJSON{ID: s.ID, StatusID: s.StatusID})
	}
	return out
}

func (h *Handlers) filterRoutes(v1, v2 *gin.RouterGroup) {
	read, write := h.RequireScope("read:filters"), h.RequireScope("write:filters")
	v2.GET("/filters", read, h.listFilters)
	v2.POST("/filters", write, h.saveFilter(true))
	v2.GET("/filters/:id", read, h.getFilter)
	v2.PUT("/filters/:id", write, h.saveFilter(false))
	v2.DELETE("/filters/:id", write, h.deleteFilter)
	v2.GET("/filters/:id/keywords", read, h.filterKeywords)
	v2.POST("/filters/:id/keywords", write, h.addFilterKeyword)
	v2.GET("/filters/keywords/:id", read, h.getFilterKeyword)
	v2.PUT("/filters/keywords/:id", write, h.updateFilterKeyword)
	v2.DELETE("/filters/keywords/:id", write, h.deleteFilterKeyword)
	v2.GET("/filters/:id/statuses", read, h.filterStatuses)
	v2.POST("/filters/:id/statuses", write, h.addFilterStatus)
	v2.GET("/filters/statuses/:id", read, h.getFilterStatus)
	v2.DELETE("/filters/statuses/:id", write, h.deleteFilterStatus)
}

func (h *Handlers) listFilters(c *gin.Context) {
	fs, err := h.Store.Filters(c.Request.Context(), CurrentAccount(c).ID)
	if err != nil {
		h.internalError(c, err)
		return
	}
	out := make([]filterJSON, 0, len(fs))
	for i := range fs {
		out = append(out, filterEntity(&fs[i]))
	}
	c.JSON(http.StatusOK, out)
}

func (h *Handlers) filterParam(c *gin.Context) (*storage.Filter, bool) {
	f, err := h.Store.Filter(c.Request.Context(), CurrentAccount(c).ID, c.Param("id"))
	if err != nil {
		h.domainError(c, err)
		return nil, false
	}
	return f, true
}

func (h *Handlers) getFilter(c *gin.Context) {
	if f, ok := h.filterParam(c); ok {
		c.JSON(http.StatusOK, filterEntity(f))
	}
}

// attributeList reads a Rails-style list of objects: a JSON array of
// objects under name, or form fields name[][field] (or name[N][field]).
func attributeList(p *params, name string, fields ...string) []map[string]string {
	var out []map[string]string
	if list, ok := p.json[name].([]any); ok {
		for _, v := range list {
			obj, _ := v.(map[string]any)
			m := map[string]string{}
			for _, f := range fields {
				if x, ok := obj[f]; ok {
					m[f] = anyString(x)
				}
			}
			out = append(out, m)
		}
		return out
	}
	if list, ok := p.json[name].(map[string]any); ok { // {"0": {...}}
		for i := 0; i < 100; i++ {
			obj, ok := list[strconv.Itoa(i)].(map[string]any)
			if !ok {
				break
			}
			m := map[string]string{}
			for _, f := range fields {
				if x, ok := obj[f]; ok {
					m[f] = anyString(x)
				}
			}
			out = append(out, m)
		}
		return out
	}
	// name[][field]: the n-th value of each field belongs to the n-th item.
	n := 0
	for _, f := range fields {
		n = max(n, len(p.form[name+"[]["+f+"]"]))
	}
	for i := 0; i < n; i++ {
		m := map[string]string{}
		for _, f := range fields {
			if vs := p.form[name+"[]["+f+"]"]; i < len(vs) {
				m[f] = vs[i]
			}
		}
		out = append(out, m)
	}
	for i := 0; i < 100; i++ {
		prefix := name + "[" + strconv.Itoa(i) + "]"
		m := map[string]string{}
		for _, f := range fields {
			if vs, ok := p.form[prefix+"["+f+"]"]; ok && len(vs) > 0 {
				m[f] = vs[0]
			}
		}
		if len(m) == 0 {
			break
		}
		out = append(out, m)
	}
	return out
}

// saveFilter: POST /api/v2/filters and PUT /api/v2/filters/:id (title,
// context[], filter_action, expires_in, keywords_attributes[]).
func (h *Handlers) saveFilter(create bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := h.params(c)
		if !ok {
			return
		}
		viewer := CurrentAccount(c)
		now := h.now()
		f := &storage.Filter{ID: model.NewID(now), AccountID: viewer.ID, Action: "warn", CreatedAt: now}
		if !create {
			if f, ok = h.filterParam(c); !ok {
				return
			}
		}
		f.UpdatedAt = now
		if create || p.has("title") {
			f.Title = strings.TrimSpace(p.Get("title"))
		}
		if create || p.has("context") || p.has("context[]") {
			f.Context = p.List("context")
		}
		if a := p.Get("filter_action"); a != "" {
			f.Action = a
		}
		if !readFilterExpiry(c, p, f, now) {
			return
		}
		if f.Title == "" || text.CountChars(f.Title) > 200 {
			ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: Title can't be blank")
			return
		}
		if !validFilterContext(c, f.Context) {
			return
		}
		if f.Action != "warn" && f.Action != "hide" {
			ErrorJSON(c, http.StatusUnprocessableEntity, "filter_action must be warn or hide")
			return
		}
		var keywords []storage.FilterKeyword
		var destroy []string
		for _, a := range attributeList(p, "keywords_attributes", "id", "keyword", "whole_word", "_destroy") {
			if d, _ := parseBool(a["_destroy"]); d && a["id"] != "" {
				destroy = append(destroy, a["id"])
				continue
			}
			k := storage.FilterKeyword{ID: a["id"], Keyword: strings.TrimSpace(a["keyword"]), WholeWord: true, CreatedAt: now}
			if w, ok := parseBool(a["whole_word"]); ok {
				k.WholeWord = w
			}
			if k.ID != "" && !slices.ContainsFunc(f.Keywords, func(x storage.FilterKeyword) bool { return x.ID == k.ID }) {
				ErrorJSON(c, http.StatusNotFound, msgNotFound)
				return
			}
			if k.ID == "" {
				k.ID = model.NewID(now.Add(time.Duration(len(keywords))))
			}
			if k.Keyword == "" || text.CountChars(k.Keyword) > 200 {
				ErrorJSON(c, http.StatusUnprocessableEntity, "a keyword has 1 to 200 characters")
				return
			}
			keywords = append(keywords, k)
		}
		if len(f.Keywords)+len(keywords) > 100 {
			ErrorJSON(c, http.StatusUnprocessableEntity, "at most 100 keywords")
			return
		}
		ctx := c.Request.Context()
		if err := h.Store.SaveFilter(ctx, f, keywords, destroy); err != nil {
			h.internalError(c, err)
			return
		}
		saved, err := h.Store.Filter(ctx, viewer.ID, f.ID)
		if err != nil {
			h.internalError(c, err)
			return
		}
		c.JSON(http.StatusOK, filterEntity(saved))
	}
}

func (h *Handlers) deleteFilter(c *gin.Context) {
	if err := h.Store.DeleteFilter(c.Request.Context(), CurrentAccount(c).ID, c.Param("id")); err != nil {
		h.domainError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

func (h *Handlers) filterKeywords(c *gin.Context) {
	if f, ok := h.filterParam(c); ok {
		c.JSON(http.StatusOK, filterEntity(f).Keywords)
	}
}

func (h *Handlers) addFilterKeyword(c *gin.Context) {
	f, ok := h.filterParam(c)
	if !ok {
		return
	}
	p, ok := h.params(c)
	if !ok {
		return
	}
	now := h.now()
	k := storage.FilterKeyword{ID: model.NewID(now), Keyword: strings.TrimSpace(p.Get("keyword")), WholeWord: true, CreatedAt: now}
	if w, ok := parseBool(p.Get("whole_word")); ok {
		k.WholeWord = w
	}
	if k.Keyword == "" || text.CountChars(k.Keyword) > 200 {
		ErrorJSON(c, http.StatusUnprocessableEntity, "a keyword has 1 to 200 characters")
		return
	}
	if err := h.Store.SaveFilter(c.Request.Context(), f, []storage.FilterKeyword{k}, nil); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, filterKeywordJSON{ID: k.ID, Keyword: k.Keyword, WholeWord: k.WholeWord})
}

func (h *Handlers) getFilterKeyword(c *gin.Context) {
	k, err := h.Store.FilterKeywordByID(c.Request.Context(), CurrentAccount(c).ID, c.Param("id"))
	if err != nil {
		h.domainError(c, err)
		return
	}
	c.JSON(http.StatusOK, filterKeywordJSON{ID: k.ID, Keyword: k.Keyword, WholeWord: k.WholeWord})
}

func (h *Handlers) updateFilterKeyword(c *gin.Context) {
	ctx := c.Request.Context()
	viewer := CurrentAccount(c)
	k, err := h.Store.FilterKeywordByID(ctx, viewer.ID, c.Param("id"))
	if err != nil {
		h.domainError(c, err)
		return
	}
	p, ok := h.params(c)
	if !ok {
		return
	}
	if p.has("keyword") {
		k.Keyword = strings.TrimSpace(p.Get("keyword"))
	}
	if w, ok := parseBool(p.Get("whole_word")); ok {
		k.WholeWord = w
	}
	if k.Keyword == "" || text.CountChars(k.Keyword) > 200 {
		ErrorJSON(c, http.StatusUnprocessableEntity, "a keyword has 1 to 200 characters")
		return
	}
	f, err := h.Store.Filter(ctx, viewer.ID, k.FilterID)
	if err != nil {
		h.domainError(c, err)
		return
	}
	if err := h.Store.SaveFilter(ctx, f, []storage.FilterKeyword{*k}, nil); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, filterKeywordJSON{ID: k.ID, Keyword: k.Keyword, WholeWord: k.WholeWord})
}

func (h *Handlers) deleteFilterKeyword(c *gin.Context) {
	if err := h.Store.DeleteFilterKeyword(c.Request.Context(), CurrentAccount(c).ID, c.Param("id")); err != nil {
		h.domainError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

func (h *Handlers) filterStatuses(c *gin.Context) {
	if f, ok := h.filterParam(c); ok {
		c.JSON(http.StatusOK, filterEntity(f).Statuses)
	}
}

func (h *Handlers) addFilterStatus(c *gin.Context) {
	f, ok := h.filterParam(c)
	if !ok {
		return
	}
	p, ok := h.params(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	viewer := CurrentAccount(c)
	st, err := h.Social.VisibleStatus(ctx, viewer, p.Get("status_id"))
	if err != nil {
		h.domainError(c, err)
		return
	}
	if slices.ContainsFunc(f.Statuses, func(x storage.FilterStatus) bool { return x.StatusID == st.ID }) {
		ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: Status has already been taken")
		return
	}
	fs := &storage.FilterStatus{ID: model.NewID(h.now()), FilterID: f.ID, StatusID: st.ID, CreatedAt: h.now()}
	if err := h.Store.AddFilterStatus(ctx, fs); err != nil {
		h.internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, filterStatusJSON{ID: fs.ID, StatusID: fs.StatusID})
}

func (h *Handlers) getFilterStatus(c *gin.Context) {
	fs, err := h.Store.FilterStatusByID(c.Request.Context(), CurrentAccount(c).ID, c.Param("id"))
	if err != nil {
		h.domainError(c, err)
		return
	}
	c.JSON(http.StatusOK, filterStatusJSON{ID: fs.ID, StatusID: fs.StatusID})
}

func (h *Handlers) deleteFilterStatus(c *gin.Context) {
	if err := h.Store.DeleteFilterStatus(c.Request.Context(), CurrentAccount(c).ID, c.Param("id")); err != nil {
		h.domainError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

// ---- Applying filters when rendering ----

type filterContextKey struct{}

// filterContextOf names the filter context of an endpoint (Mastodon's
// contexts), "" where none applies.
func filterContextOf(route string) string {
	switch {
	case strings.HasSuffix(route, "/timelines/home"), strings.Contains(route, "/timelines/list/"):
		return "home"
	case strings.Contains(route, "/timelines/"):
		return "public"
	case strings.HasSuffix(route, "/context"):
		return "thread"
	case strings.HasSuffix(route, "/accounts/:id/statuses"):
		return "account"
	case strings.Contains(route, "/notifications"):
		return "notifications"
	}
	return ""
}

// withFilterContext records the endpoint's filter context in the
// request's context, where rendering reads it.
func withFilterContext(c *gin.Context) {
	if fc := filterContextOf(c.FullPath()); fc != "" {
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), filterContextKey{}, fc))
	}
	c.Next()
}

// activeFilter is a filter with its keywords compiled.
type activeFilter struct {
	entity   filterJSON
	action   string
	contexts []string
	keywords []*regexp.Regexp
	words    []string
	statuses map[string]bool
}

// loadFilters compiles the viewer's unexpired filters.
func (h *Handlers) loadFilters(ctx context.Context, viewer *model.Account) ([]activeFilter, error) {
	if viewer == nil {
		return nil, nil
	}
	fs, err := h.Store.Filters(ctx, viewer.ID)
	if err != nil {
		return nil, err
	}
	now := h.now()
	var out []activeFilter
	for i := range fs {
		f := &fs[i]
		if f.ExpiresAt != nil && !f.ExpiresAt.After(now) {
			continue
		}
		af := activeFilter{entity: filterEntity(f), action: f.Action, contexts: f.Context, statuses: map[string]bool{}}
		for _, k := range f.Keywords {
			pattern := regexp.QuoteMeta(strings.ToLower(k.Keyword))
			if k.WholeWord {
				pattern = `(?:^|[^\pL\pN_])` + pattern + `(?:$|[^\pL\pN_])`
			}
			re, err := regexp.Compile(pattern)
			if err != nil {
				continue
			}
			af.keywords = append(af.keywords, re)
			af.words = append(af.words, k.Keyword)
		}
		for _, s := range f.Statuses {
			af.statuses[s.StatusID] = true
		}
		out = append(out, af)
	}
	return out, nil
}

// matchFilters lists the filters a status matches (its text, spoiler
// and media descriptions, or the status itself).
func matchFilters(filters []activeFilter, st *model.Status, media []model.MediaAttachment) []filterResultJSON {
	if len(filters) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(text.StripHTML(st.Content))
	b.WriteString("\n")
	b.WriteString(st.SpoilerText)
	for _, m := range media {
		b.WriteString("\n")
		b.WriteString(m.Description)
	}
	haystack := strings.ToLower(b.String())
	var out []filterResultJSON
	for _, f := range filters {
		var kws, sts []string
		for i, re := range f.keywords {
			if re.MatchString(haystack) {
				kws = append(kws, f.words[i])
			}
		}
		if f.statuses[st.ID] {
			sts = append(sts, st.ID)
		}
		if kws != nil || sts != nil {
			out = append(out, filterResultJSON{Filter: f.entity, KeywordMatches: kws, StatusMatches: sts})
		}
	}
	return out
}

// hiddenByFilter reports whether a rendered status matches a hide
// filter of the request's context.
func hiddenByFilter(ctx context.Context, results []filterResultJSON) bool {
	fc, _ := ctx.Value(filterContextKey{}).(string)
	if fc == "" {
		return false
	}
	for _, r := range results {
		if r.Filter.FilterAction == "hide" && slices.Contains(r.Filter.Context, fc) {
			return true
		}
	}
	return false
}

// readFilterExpiry applies expires_in (seconds; empty clears it) to f,
// for filters v2 and their v1 view alike. It answers the client itself
// when it returns false.
func readFilterExpiry(c *gin.Context, p *params, f *storage.Filter, now time.Time) bool {
	if !p.has("expires_in") {
		return true
	}
	f.ExpiresAt = nil
	if s := p.Get("expires_in"); s != "" {
		secs, err := strconv.Atoi(s)
		if err != nil || secs <= 0 {
			ErrorJSON(c, http.StatusUnprocessableEntity, "expires_in must be a number of seconds")
			return false
		}
		at := now.Add(time.Duration(secs) * time.Second)
		f.ExpiresAt = &at
	}
	return true
}

// validFilterContext refuses an empty or unknown context list.
func validFilterContext(c *gin.Context, contexts []string) bool {
	if len(contexts) == 0 || slices.ContainsFunc(contexts, func(x string) bool { return !slices.Contains(filterContexts, x) }) {
		ErrorJSON(c, http.StatusUnprocessableEntity, "context must be some of "+strings.Join(filterContexts, ", "))
		return false
	}
	return true
}

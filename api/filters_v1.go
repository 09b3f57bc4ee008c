package api

// Filters v1 (/api/v1/filters), a view over filters v2 as Mastodon 4
// keeps it for older apps: each keyword of a v2 filter is one v1 filter
// (its id is the keyword's), with the filter's context and expiry, and
// `irreversible` for a hide filter. Creating a v1 filter creates a v2
// filter titled with the phrase, with that one keyword. Changing the
// context, expiry or irreversibility through v1 is refused when the v2
// filter has other keywords (it would change them too), as Mastodon
// does. Deleting removes the keyword, and the v2 filter once it has no
// keyword or status left.

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

type filterV1JSON struct {
	ID           string   `json:"id"`
	Phrase       string   `json:"phrase"`
	Context      []string `json:"context"`
	WholeWord    bool     `json:"whole_word"`
	ExpiresAt    *string  `json:"expires_at"`
	Irreversible bool     `json:"irreversible"`
}

func filterV1Entity(f *storage.Filter, k *storage.FilterKeyword) filterV1JSON {
	ctx := f.Context
	if ctx == nil {
		ctx = []string{}
	}
	return filterV1JSON{ID: k.ID, Phrase: k.Keyword, Context: ctx, WholeWord: k.WholeWord,
		ExpiresAt: isoTimePtr(f.ExpiresAt), Irreversible: f.Action == "hide"}
}

func (h *Handlers) filterV1Routes(v1 *gin.RouterGroup) {
	read, write := h.RequireScope("read:filters"), h.RequireScope("write:filters")
	v1.GET("/filters", read, h.listFiltersV1)
	v1.POST("/filters", write, h.saveFilterV1(true))
	v1.GET("/filters/:id", read, h.getFilterV1)
	v1.PUT("/filters/:id", write, h.saveFilterV1(false))
	v1.DELETE("/filters/:id", write, h.deleteFilterV1)
}

// listFiltersV1: every keyword of every v2 filter, oldest filter first.
func (h *Handlers) listFiltersV1(c *gin.Context) {
	fs, err := h.Store.Filters(c.Request.Context(), CurrentAccount(c).ID)
	if err != nil {
		h.internalError(c, err)
		return
	}
	out := []filterV1JSON{}
	for i := range fs {
		for j := range fs[i].Keywords {
			out = append(out, filterV1Entity(&fs[i], &fs[i].Keywords[j]))
		}
	}
	c.JSON(http.StatusOK, out)
}

// filterV1Param loads the keyword of the URL and its v2 filter.
func (h *Handlers) filterV1Param(c *gin.Context) (*storage.Filter, *storage.FilterKeyword, bool) {
	ctx := c.Request.Context()
	viewer := CurrentAccount(c)
	k, err := h.Store.FilterKeywordByID(ctx, viewer.ID, c.Param("id"))
	if err != nil {
		h.domainError(c, err)
		return nil, nil, false
	}
	f, err := h.Store.Filter(ctx, viewer.ID, k.FilterID)
	if err != nil {
		h.domainError(c, err)
		return nil, nil, false
	}
	return f, k, true
}

func (h *Handlers) getFilterV1(c *gin.Context) {
	if f, k, ok := h.filterV1Param(c); ok {
		c.JSON(http.StatusOK, filterV1Entity(f, k))
	}
}

// saveFilterV1: POST /api/v1/filters and PUT /api/v1/filters/:id
// (phrase, context[], irreversible, whole_word, expires_in).
func (h *Handlers) saveFilterV1(create bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := h.params(c)
		if !ok {
			return
		}
		now := h.now()
		f := &storage.Filter{ID: model.NewID(now), AccountID: CurrentAccount(c).ID, Action: "warn", CreatedAt: now}
		k := &storage.FilterKeyword{ID: model.NewID(now.Add(time.Nanosecond)), WholeWord: true, CreatedAt: now}
		if !create {
			if f, k, ok = h.filterV1Param(c); !ok {
				return
			}
		}
		before := filterV1Entity(f, k)
		if create || p.has("phrase") {
			k.Keyword = strings.TrimSpace(p.Get("phrase"))
		}
		if w, ok := parseBool(p.Get("whole_word")); ok {
			k.WholeWord = w
		}
		if create || p.has("context") || p.has("context[]") {
			f.Context = p.List("context")
		}
		if v, ok := parseBool(p.Get("irreversible")); ok {
			f.Action = "warn"
			if v {
				f.Action = "hide"
			}
		}
		if !readFilterExpiry(c, p, f, now) {
			return
		}
		if k.Keyword == "" || text.CountChars(k.Keyword) > 200 {
			ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: Phrase can't be blank")
			return
		}
		if !validFilterContext(c, f.Context) {
			return
		}
		after := filterV1Entity(f, k)
		filterChanged := !slices.Equal(before.Context, after.Context) || before.Irreversible != after.Irreversible ||
			!equalTimePtr(before.ExpiresAt, after.ExpiresAt)
		if !create && filterChanged && len(f.Keywords) > 1 {
			ErrorJSON(c, http.StatusUnprocessableEntity, "this filter has several keywords: change its context, expiry or action with /api/v2/filters")
			return
		}
		if create {
			f.Title = k.Keyword
		}
		f.UpdatedAt = now
		if err := h.Store.SaveFilter(c.Request.Context(), f, []storage.FilterKeyword{*k}, nil); err != nil {
			h.internalError(c, err)
			return
		}
		c.JSON(http.StatusOK, after)
	}
}

func equalTimePtr(a, b *string) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// deleteFilterV1 removes the keyword, and its v2 filter when nothing is
// left in it.
func (h *Handlers) deleteFilterV1(c *gin.Context) {
	f, k, ok := h.filterV1Param(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	viewer := CurrentAccount(c)
	var err error
	if len(f.Keywords) == 1 && len(f.Statuses) == 0 {
		err = h.Store.DeleteFilter(ctx, viewer.ID, f.ID)
	} else {
		err = h.Store.DeleteFilterKeyword(ctx, viewer.ID, k.ID)
	}
	if err != nil {
		h.domainError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{})
}

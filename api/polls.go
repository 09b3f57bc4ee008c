package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

type pollOptionJSON struct {
	Title      string `json:"title"`
	VotesCount *int   `json:"votes_count"`
}

type pollJSON struct {
	ID          string           `json:"id"`
	ExpiresAt   *string          `json:"expires_at"`
	Expired     bool             `json:"expired"`
	Multiple    bool             `json:"multiple"`
	VotesCount  int              `json:"votes_count"`
	VotersCount *int             `json:"voters_count"`
	Options     []pollOptionJSON `json:"options"`
	Emojis      []any            `json:"emojis"`
	Voted       *bool            `json:"voted,omitempty"`
	OwnVotes    []int            `json:"own_votes,omitzero"` // nil only for anonymous viewers

	ends time.Time // when it ends, if it does: a rendered page is good until then
}

// pollEntity renders a poll; hidden totals stay hidden until it ends,
// except to its author.
func (h *Handlers) pollEntity(poll *model.Poll, st *model.Status, viewer *model.Account, own []int) pollJSON {
	now := h.now()
	out := pollJSON{ID: st.ID, Expired: poll.Expired(now), Multiple: poll.Multiple, Emojis: []any{}, Options: []pollOptionJSON{}}
	if poll.ExpiresAt != nil {
		out.ExpiresAt = strPtr(poll.ExpiresAt.UTC().Format(time.RFC3339Nano))
		out.ends = *poll.ExpiresAt
	}
	showTotals := !poll.HideTotals || out.Expired || (viewer != nil && viewer.ID == st.AccountID)
	for i, title := range poll.Options {
		o := pollOptionJSON{Title: title}
		if showTotals {
			n := 0
			if i < len(poll.Votes) {
				n = poll.Votes[i]
			}
			o.VotesCount = &n
			out.VotesCount += n
		}
		out.Options = append(out.Options, o)
	}
	voters := poll.VotersCount
	out.VotersCount = &voters
	if viewer != nil {
		voted := len(own) > 0 || viewer.ID == st.AccountID
		out.Voted = &voted
		out.OwnVotes = own
		if out.OwnVotes == nil {
			out.OwnVotes = []int{}
		}
	}
	return out
}

// statusPoll loads and renders the poll of a Question status, or nil.
func (h *Handlers) statusPoll(ctx context.Context, viewer *model.Account, st *model.Status) *pollJSON {
	if st.APType != "Question" {
		return nil
	}
	// Every status rendered has passed the audience rules already.
	poll, own, err := h.Social.PollOfVisible(ctx, viewer, st)
	if err != nil {
		return nil
	}
	p := h.pollEntity(poll, st, viewer, own)
	return &p
}

// parsePoll reads poll[options][], poll[expires_in], poll[multiple] and
// poll[hide_totals] (form) or a "poll" object (JSON).
func parsePoll(p *params) (*social.NewPoll, bool, string) {
	options := p.List("poll[options]")
	expires, multiple, hide := p.Get("poll[expires_in]"), p.Get("poll[multiple]"), p.Get("poll[hide_totals]")
	if obj, ok := p.json["poll"].(map[string]any); ok {
		for _, o := range toList(obj["options"]) {
			options = append(options, o)
		}
		expires, multiple, hide = anyString(obj["expires_in"]), anyString(obj["multiple"]), anyString(obj["hide_totals"])
	}
	if len(options) == 0 {
		return nil, true, ""
	}
	secs, err := strconv.Atoi(expires)
	if err != nil {
		return nil, false, "poll[expires_in] must be a number of seconds"
	}
	m, _ := parseBool(multiple)
	hd, _ := parseBool(hide)
	return &social.NewPoll{Options: options, ExpiresIn: time.Duration(secs) * time.Second, Multiple: m, HideTotals: hd}, true, ""
}

func toList(v any) []string {
	arr, _ := v.([]any)
	var out []string
	for _, item := range arr {
		if s, ok := item.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func anyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// getPoll: GET /api/v1/polls/:id (the id is the status id).
func (h *Handlers) getPoll(c *gin.Context) {
	viewer := CurrentAccount(c)
	st, err := h.Social.VisibleStatus(c.Request.Context(), viewer, c.Param("id"))
	if err != nil {
		h.domainError(c, err)
		return
	}
	p := h.statusPoll(c.Request.Context(), viewer, st)
	if p == nil {
		ErrorJSON(c, http.StatusNotFound, msgNotFound)
		return
	}
	c.JSON(http.StatusOK, p)
}

// votePoll: POST /api/v1/polls/:id/votes with choices[].
func (h *Handlers) votePoll(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	var choices []int
	for _, s := range p.List("choices") {
		n, err := strconv.Atoi(s)
		if err != nil {
			ErrorJSON(c, http.StatusUnprocessableEntity, "choices must be option indexes")
			return
		}
		choices = append(choices, n)
	}
	if raw, ok := p.json["choices"].([]any); ok {
		choices = choices[:0]
		for _, v := range raw {
			switch x := v.(type) {
			case float64:
				choices = append(choices, int(x))
			case string:
				n, err := strconv.Atoi(x)
				if err != nil {
					ErrorJSON(c, http.StatusUnprocessableEntity, "choices must be option indexes")
					return
				}
				choices = append(choices, n)
			}
		}
	}
	if _, err := h.Social.Vote(c.Request.Context(), CurrentAccount(c), c.Param("id"), choices); err != nil {
		h.domainError(c, err)
		return
	}
	h.getPoll(c)
}

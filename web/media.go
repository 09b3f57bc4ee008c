package web

import (
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/media"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
)

// Attachments (images, sounds, videos) and polls of posts.

type mediaView struct {
	Type        string // image, gifv, video, audio, unknown
	URL         string
	Preview     string
	Description string
	Width       int
	Height      int
	// Remote files are not embedded (the reader's browser would fetch
	// them from another server, telling it who reads what): a link is
	// shown instead.
	Remote bool
}

type pollView struct {
	Options    []pollOption
	Multiple   bool
	Expired    bool
	Voted      bool
	CanVote    bool
	Voters     int
	HideTotals bool
	ExpiresAt  *time.Time
}

type pollOption struct {
	Index   int
	Title   string
	Votes   int
	Percent int
	Mine    bool
}

// mediaURL is where the browser reads an attachment here: under /media/
// for public posts (the shared, cacheable route), under /web/media/ for
// the others, which checks the session's right to see the post.
func mediaURL(st *model.Status, rel string) string {
	if rel == "" {
		return ""
	}
	if st.Visibility == model.VisibilityPublic || st.Visibility == model.VisibilityUnlisted {
		return "/media/" + rel
	}
	return "/web/media/" + rel
}

// attachMedia and attachPolls complete views of statuses (already
// filtered by the domain's VisibleFilter).
func (h *Handlers) attachMedia(ctx context.Context, views []statusView, statuses map[string]*model.Status) error {
	ids := make([]string, 0, len(views))
	for _, v := range views {
		ids = append(ids, v.ID)
	}
	byStatus, err := h.Store.MediaForStatuses(ctx, ids)
	if err != nil {
		return err
	}
	for i := range views {
		st := statuses[views[i].ID]
		for _, m := range byStatus[views[i].ID] {
			mv := mediaView{Type: m.Type, Description: m.Description, Width: m.Width, Height: m.Height}
			if m.FilePath == "" {
				mv.Remote, mv.URL = true, m.RemoteURL
			} else {
				mv.URL, mv.Preview = mediaURL(st, m.FilePath), mediaURL(st, m.ThumbnailPath)
			}
			views[i].Media = append(views[i].Media, mv)
		}
	}
	return nil
}

func (h *Handlers) attachPolls(ctx context.Context, viewerAcc *model.Account, views []statusView, statuses map[string]*model.Status) error {
	now := h.now()
	var questions []string
	for _, v := range views {
		if st := statuses[v.ID]; st != nil && st.APType == "Question" {
			questions = append(questions, st.ID)
		}
	}
	viewerID := ""
	if viewerAcc != nil {
		viewerID = viewerAcc.ID
	}
	// Two statements for the whole page, however many polls it shows.
	polls, votes, err := h.Store.PollsForStatusesCached(ctx, questions, viewerID)
	if err != nil {
		return err
	}
	for i := range views {
		st := statuses[views[i].ID]
		if st == nil {
			continue
		}
		poll, ok := polls[st.ID]
		if !ok {
			continue
		}
		mine := votes[st.ID]
		pv := &pollView{Multiple: poll.Multiple, Expired: poll.Expired(now), Voted: len(mine) > 0, Voters: poll.VotersCount,
			HideTotals: poll.HideTotals, ExpiresAt: poll.ExpiresAt}
		pv.CanVote = viewerAcc != nil && !pv.Expired && !pv.Voted && st.AccountID != viewerAcc.ID
		total := 0
		for _, n := range poll.Votes {
			total += n
		}
		for j, title := range poll.Options {
			o := pollOption{Index: j, Title: title}
			if j < len(poll.Votes) {
				o.Votes = poll.Votes[j]
			}
			if total > 0 {
				o.Percent = o.Votes * 100 / total
			}
			for _, k := range mine {
				o.Mine = o.Mine || k == j
			}
			pv.Options = append(pv.Options, o)
		}
		views[i].Poll = pv
	}
	return nil
}

// privateMedia serves the files of posts that are not public, to those
// who may see the post (the domain's CanView, with the session's viewer).
func (h *Handlers) privateMedia(c *gin.Context) {
	if h.Media == nil {
		h.notFound(c)
		return
	}
	ctx := c.Request.Context()
	viewerAcc := accountOf(c)
	canSee := func(r *http.Request, m *model.MediaAttachment) bool {
		if m.StatusID == nil || m.Status == nil {
			return media.PublicOrUnattached(r, m)
		}
		ok, err := h.Social.CanView(ctx, viewerAcc, m.Status)
		return err == nil && ok
	}
	r := c.Request.Clone(ctx)
	r.URL.Path = "/media/" + strings.TrimPrefix(c.Param("path"), "/")
	h.Media.Handler(canSee).ServeHTTP(c.Writer, r)
}

// uploadForm stores the files of a compose form and returns their ids.
func (h *Handlers) uploadForm(c *gin.Context, account *model.Account) ([]string, error) {
	if h.Media == nil || c.Request.MultipartForm == nil {
		return nil, nil
	}
	description := strings.TrimSpace(c.PostForm("media_description"))
	var ids []string
	for _, fh := range c.Request.MultipartForm.File["media"] {
		if fh.Size == 0 && fh.Filename == "" {
			continue // the empty file input
		}
		if len(ids) == social.MaxMediaAttachments {
			return nil, errTooManyFiles
		}
		m, err := h.uploadOne(c.Request.Context(), account, fh, description)
		if err != nil {
			return nil, err
		}
		ids = append(ids, m.ID)
	}
	return ids, nil
}

var errTooManyFiles = errors.New("too many files")

func (h *Handlers) uploadOne(ctx context.Context, account *model.Account, fh *multipart.FileHeader, description string) (*model.MediaAttachment, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return h.Media.Upload(ctx, account, f, fh.Filename, description, 0, 0)
}

// uploadMessage says why an upload was refused, or "" if it was not the
// file's fault.
func (h *Handlers) uploadMessage(c *gin.Context, err error) string {
	switch {
	case errors.Is(err, errTooManyFiles):
		return h.t(c, "compose.media_too_many", "Max", social.MaxMediaAttachments)
	case errors.Is(err, media.ErrTooLarge), errors.Is(err, media.ErrTooManyPixels):
		return h.t(c, "compose.media_too_large")
	case errors.Is(err, media.ErrUnsupportedType):
		return h.t(c, "compose.media_unsupported")
	case errors.Is(err, media.ErrInvalidInput):
		return h.t(c, "compose.media_description")
	case media.IsRejected(err):
		return h.t(c, "compose.media_invalid")
	}
	return ""
}

// parsePoll reads the poll part of a compose form (nil: no poll).
func parsePoll(c *gin.Context) *social.NewPoll {
	var options []string
	for i := range social.MaxPollOptions {
		if o := strings.TrimSpace(c.PostForm("poll_option_" + strconv.Itoa(i))); o != "" {
			options = append(options, o)
		}
	}
	if len(options) == 0 {
		return nil
	}
	minutes, err := strconv.Atoi(c.PostForm("poll_minutes"))
	if err != nil || minutes <= 0 {
		minutes = 24 * 60
	}
	return &social.NewPoll{Options: options, ExpiresIn: time.Duration(minutes) * time.Minute, Multiple: c.PostForm("poll_multiple") == "1"}
}

// maxUpload is the body a compose form with files may send.
func (h *Handlers) maxUpload() int64 {
	if h.Media == nil {
		return maxFormBytes
	}
	return h.Media.MaxUploadSize()*int64(social.MaxMediaAttachments) + maxFormBytes
}

// vote answers a poll.
func (h *Handlers) vote(c *gin.Context) {
	var choices []int
	for _, s := range c.PostFormArray("choice") {
		n, err := strconv.Atoi(s)
		if err != nil {
			h.errorPage(c, http.StatusUnprocessableEntity, "error.invalid")
			return
		}
		choices = append(choices, n)
	}
	if _, err := h.Social.Vote(c.Request.Context(), viewerOf(c).Account, c.Param("id"), choices); err != nil {
		h.fail(c, err)
		return
	}
	h.flash(c, "flash.voted")
	c.Redirect(http.StatusSeeOther, localPath(c.PostForm("back"), "/home"))
}

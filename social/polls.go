package social

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/text"
)

// Poll limits, as advertised in /api/v2/instance.
const (
	MaxPollOptions       = 4
	MaxPollOptionChars   = 50
	MinPollExpiration    = 5 * time.Minute
	MaxPollExpiration    = 2629746 * time.Second
	pollUpdateMinimumGap = 0
)

// NewPoll is a poll attached to a new post (a quick opinion in a debate).
type NewPoll struct {
	Options    []string
	ExpiresIn  time.Duration
	Multiple   bool
	HideTotals bool
}

func (s *Service) validatePoll(in *NewPoll) error {
	if len(in.Options) < 2 || len(in.Options) > MaxPollOptions {
		return invalid("a poll has 2 to %d options", MaxPollOptions)
	}
	for i, o := range in.Options {
		in.Options[i] = strings.TrimSpace(o)
		if in.Options[i] == "" || len([]rune(in.Options[i])) > MaxPollOptionChars {
			return invalid("each poll option has 1 to %d characters", MaxPollOptionChars)
		}
	}
	if in.ExpiresIn < MinPollExpiration || in.ExpiresIn > MaxPollExpiration {
		return invalid("a poll lasts between 5 minutes and a month")
	}
	return nil
}

// attachPoll completes a post describing a poll.
func (s *Service) attachPoll(ctx context.Context, db bun.IDB, st *model.Status, post *ap.Post) error {
	if st.APType != "Question" {
		return nil
	}
	p, err := s.Store.Poll(ctx, db, st.ID)
	if err != nil {
		return err
	}
	post.Poll = &ap.Poll{Multiple: p.Multiple, Options: p.Options, Votes: p.Votes, VotersCount: p.VotersCount, Closed: p.Expired(s.now())}
	if p.ExpiresAt != nil {
		post.Poll.EndTime = *p.ExpiresAt
	}
	return nil
}

// Vote records voter's choices (option indexes) in a poll. A local poll
// counts them at once and re-sends its tallies; a remote poll gets one
// Create(Note) per choice, named after the option, as Mastodon sends.
func (s *Service) Vote(ctx context.Context, voter *model.Account, statusID string, choices []int) (*model.Poll, error) {
	st, err := s.visibleStatus(ctx, voter, statusID)
	if err != nil {
		return nil, err
	}
	poll, err := s.Store.Poll(ctx, s.Store.DB, st.ID)
	if err != nil {
		return nil, mapNotFound(err)
	}
	if poll.Expired(s.now()) {
		return nil, invalid("the poll has already ended")
	}
	if st.AccountID == voter.ID {
		return nil, invalid("you cannot vote in your own poll")
	}
	slices.Sort(choices)
	choices = slices.Compact(choices)
	if len(choices) == 0 || (!poll.Multiple && len(choices) > 1) {
		return nil, invalid("choose one option")
	}
	for _, c := range choices {
		if c < 0 || c >= len(poll.Options) {
			return nil, invalid("no such option")
		}
	}
	now := s.now()
	votes := make([]model.PollVote, 0, len(choices))
	for _, c := range choices {
		id, uri := s.newActivityID()
		votes = append(votes, model.PollVote{ID: id, StatusID: st.ID, AccountID: voter.ID, OptionIndex: c, URI: uri, CreatedAt: now})
	}
	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		created, err := s.Store.InsertPollVotes(ctx, tx, votes)
		if err != nil {
			return err
		}
		if !created {
			return invalid("you have already voted")
		}
		if st.Account.IsLocal() {
			return s.tallyAndPublish(ctx, tx, st, poll)
		}
		for _, v := range votes {
			doc := ap.Document{"@context": "https://www.w3.org/ns/activitystreams", "id": v.URI + "#create", "type": "Create",
				"actor": voter.URI, "to": []string{st.Account.URI},
				"object": map[string]any{"id": v.URI, "type": "Note", "name": poll.Options[v.OptionIndex], "attributedTo": voter.URI,
					"inReplyTo": st.URI, "to": []string{st.Account.URI}}}
			// The Create's own id must be one of ours for publishDocument.
			_, doc["id"] = s.newActivityID()
			if err := s.publishDocument(ctx, tx, voter, doc, []string{st.Account.InboxURI}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Store.Poll(ctx, s.Store.DB, st.ID)
}

func (s *Service) tallyAndPublish(ctx context.Context, tx bun.Tx, st *model.Status, poll *model.Poll) error {
	if err := s.Store.TallyPoll(ctx, tx, poll); err != nil {
		return err
	}
	now := s.now()
	st.EditedAt = &now
	if _, err := tx.NewUpdate().Model(st).Column("edited_at").WherePK().Exec(ctx); err != nil {
		return err
	}
	recipients, err := s.Store.StatusRecipients(ctx, st.ID)
	if err != nil {
		return err
	}
	tags, err := s.Store.StatusTags(ctx, st.ID)
	if err != nil {
		return err
	}
	return s.publishStatus(ctx, tx, "Update", st, recipients, tags)
}

// isVote reports whether a remote Create carries a vote in a local poll:
// a Note with a name, no content, replying to our Question.
func (s *Service) isVote(ctx context.Context, post *ap.Post) (*model.Status, bool) {
	if post.Type != "Note" || post.Name == "" || strings.TrimSpace(text.StripHTML(post.Content)) != "" || post.InReplyTo == "" || !s.IsLocalURI(post.InReplyTo) {
		return nil, false
	}
	st, err := s.Store.StatusByURI(ctx, post.InReplyTo)
	if err != nil || st.APType != "Question" {
		return nil, false
	}
	return st, true
}

// receiveVote counts a remote vote in a local poll.
func (s *Service) receiveVote(ctx context.Context, voter *model.Account, st *model.Status, post *ap.Post) error {
	if ok, err := s.CanView(ctx, voter, st); err != nil {
		return err
	} else if !ok {
		return rejected("no such poll")
	}
	poll, err := s.Store.Poll(ctx, s.Store.DB, st.ID)
	if err != nil {
		return err
	}
	if poll.Expired(s.now()) {
		return rejected("the poll has ended")
	}
	option := slices.Index(poll.Options, post.Name)
	if option < 0 {
		return rejected("no such option")
	}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		previous, err := tx.NewSelect().Model((*model.PollVote)(nil)).Where("status_id = ? AND account_id = ?", st.ID, voter.ID).Count(ctx)
		if err != nil {
			return err
		}
		if previous > 0 && !poll.Multiple {
			return nil // one vote per person in a single-choice poll
		}
		vote := &model.PollVote{ID: model.NewID(s.now()), StatusID: st.ID, AccountID: voter.ID, OptionIndex: option, URI: post.ID, CreatedAt: s.now()}
		res, err := tx.NewInsert().Model(vote).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		st.Account, err = s.Store.AccountByID(ctx, st.AccountID)
		if err != nil {
			return err
		}
		return s.tallyAndPublish(ctx, tx, st, poll)
	})
}

// storeRemotePoll keeps the options and tallies of a remote Question.
func (s *Service) storeRemotePoll(ctx context.Context, db bun.IDB, st *model.Status, post *ap.Post) error {
	if post.Poll == nil || len(post.Poll.Options) == 0 {
		return nil
	}
	p := &model.Poll{StatusID: st.ID, Options: post.Poll.Options, Votes: post.Poll.Votes, Multiple: post.Poll.Multiple, VotersCount: post.Poll.VotersCount}
	for i := range p.Options {
		p.Options[i] = text.StripHTML(p.Options[i])
	}
	if !post.Poll.EndTime.IsZero() {
		end := post.Poll.EndTime
		p.ExpiresAt = &end
	}
	if post.Poll.Closed {
		closed := s.now()
		if p.ExpiresAt != nil {
			closed = *p.ExpiresAt
		}
		p.ClosedAt = &closed
	}
	return s.Store.UpsertPoll(ctx, db, p)
}

// PollOf returns the poll of a status the viewer may see, with the
// viewer's own votes.
func (s *Service) PollOf(ctx context.Context, viewer *model.Account, statusID string) (*model.Poll, []int, error) {
	st, err := s.visibleStatus(ctx, viewer, statusID)
	if err != nil {
		return nil, nil, err
	}
	return s.PollOfVisible(ctx, viewer, st)
}

// PollOfVisible is PollOf for a status the caller has already checked
// the viewer may see (timelines render many at once).
func (s *Service) PollOfVisible(ctx context.Context, viewer *model.Account, st *model.Status) (*model.Poll, []int, error) {
	poll, err := s.Store.Poll(ctx, s.Store.DB, st.ID)
	if err != nil {
		return nil, nil, mapNotFound(err)
	}
	var own []int
	if viewer != nil {
		if own, err = s.Store.PollVotesOf(ctx, st.ID, viewer.ID); err != nil {
			return nil, nil, err
		}
	}
	return poll, own, nil
}

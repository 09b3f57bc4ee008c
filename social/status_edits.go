package social

import (
	"context"
	"slices"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// MaxMediaDescriptionChars bounds alt text, as the upload endpoint does.
const MaxMediaDescriptionChars = 1500

// uniqueIDs drops empty and repeated ids, keeping the order.
func uniqueIDs(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// replacePoll applies an edit's poll: nil removes it; new options reset
// the votes (a vote for "A" must not count for what replaced it), the
// same options keep them, as Mastodon does.
func (s *Service) replacePoll(ctx context.Context, tx bun.Tx, st *model.Status, hadPoll bool, in *NewPoll) error {
	var old *model.Poll
	if hadPoll {
		p, err := s.Store.Poll(ctx, tx, st.ID)
		if err == nil {
			old = p
		}
	}
	if in == nil {
		if old == nil {
			return nil
		}
		return s.Store.DeletePoll(ctx, tx, st.ID)
	}
	expires := s.now().Add(in.ExpiresIn)
	p := &model.Poll{StatusID: st.ID, Options: in.Options, Votes: make([]int, len(in.Options)),
		Multiple: in.Multiple, HideTotals: in.HideTotals, ExpiresAt: &expires}
	if old != nil && slices.Equal(old.Options, in.Options) && old.Multiple == in.Multiple {
		p.Votes, p.VotersCount, p.ExpiresAt = old.Votes, old.VotersCount, old.ExpiresAt
		return s.Store.UpsertPoll(ctx, tx, p)
	}
	if old != nil {
		if err := s.Store.DeletePoll(ctx, tx, st.ID); err != nil {
			return err
		}
	}
	return s.Store.UpsertPoll(ctx, tx, p)
}

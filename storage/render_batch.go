package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// Batch look-ups that keep a rendered page at a fixed number of queries
// whatever its length (issue 17).

// PollsForStatuses returns the polls of statusIDs and, when viewerID is
// set, the options viewerID chose in each: two queries for a whole page.
func (s *Storage) PollsForStatuses(ctx context.Context, statusIDs []string, viewerID string) (map[string]*model.Poll, map[string][]int, error) {
	polls, own := map[string]*model.Poll{}, map[string][]int{}
	if len(statusIDs) == 0 {
		return polls, own, nil
	}
	var rows []model.Poll
	if err := s.DB.NewSelect().Model(&rows).Where("status_id IN (?)", bun.In(statusIDs)).Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("polls: %w", err)
	}
	for i := range rows {
		polls[rows[i].StatusID] = &rows[i]
	}
	if viewerID == "" || len(rows) == 0 {
		return polls, own, nil
	}
	var votes []struct {
		StatusID    string `bun:"status_id"`
		OptionIndex int    `bun:"option_index"`
	}
	if err := s.DB.NewSelect().Model((*model.PollVote)(nil)).Column("status_id", "option_index").
		Where("status_id IN (?) AND account_id = ?", bun.In(statusIDs), viewerID).Order("status_id", "option_index").Scan(ctx, &votes); err != nil {
		return nil, nil, fmt.Errorf("poll votes: %w", err)
	}
	for _, v := range votes {
		own[v.StatusID] = append(own[v.StatusID], v.OptionIndex)
	}
	return polls, own, nil
}

// PollsForStatusesCached is PollsForStatuses through the timeline cache:
// a page's polls and the reader's votes are asked again only after a
// poll or a vote changed (row_changes 'q').
func (s *Storage) PollsForStatusesCached(ctx context.Context, statusIDs []string, viewerID string) (map[string]*model.Poll, map[string][]int, error) {
	if len(statusIDs) == 0 {
		return s.PollsForStatuses(ctx, statusIDs, viewerID)
	}
	key := timelineKey{viewer: viewerID, timeline: "polls " + strings.Join(statusIDs, ",")}
	got, err := keptWhileUnchanged(ctx, s, key, func(t *timelineCache) (*lru.Cache[timelineKey, counted[pollSet]], uint64) {
		return t.polls, t.pollChanges
	}, clonePollSet, func() (pollSet, error) {
		polls, own, err := s.PollsForStatuses(ctx, statusIDs, viewerID)
		return pollSet{polls: polls, own: own}, err
	})
	if err != nil {
		return nil, nil, err
	}
	return got.polls, got.own, nil
}

// pollSet is a page's polls and the reader's votes in them.
type pollSet struct {
	polls map[string]*model.Poll
	own   map[string][]int
}

func clonePollSet(p pollSet) pollSet {
	return pollSet{polls: clonePolls(p.polls), own: cloneVotes(p.own)}
}

func clonePolls(in map[string]*model.Poll) map[string]*model.Poll {
	out := make(map[string]*model.Poll, len(in))
	for id, p := range in {
		cp := *p
		cp.Options, cp.Votes = slices.Clone(p.Options), slices.Clone(p.Votes)
		cp.ExpiresAt, cp.ClosedAt = clonePtr(p.ExpiresAt), clonePtr(p.ClosedAt)
		out[id] = &cp
	}
	return out
}

func cloneVotes(in map[string][]int) map[string][]int {
	out := make(map[string][]int, len(in))
	for id, v := range in {
		out[id] = slices.Clone(v)
	}
	return out
}

package storage

import (
	"context"
	"fmt"

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

package storage

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// UpsertPoll stores a poll (remote tallies are replaced on update).
func (s *Storage) UpsertPoll(ctx context.Context, db bun.IDB, p *model.Poll) error {
	_, err := db.NewInsert().Model(p).On("CONFLICT (status_id) DO UPDATE").
		Set("options = EXCLUDED.options, votes = EXCLUDED.votes, multiple = EXCLUDED.multiple, voters_count = EXCLUDED.voters_count, expires_at = EXCLUDED.expires_at, closed_at = EXCLUDED.closed_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("upsert poll: %w", err)
	}
	return nil
}

func (s *Storage) Poll(ctx context.Context, db bun.IDB, statusID string) (*model.Poll, error) {
	p := new(model.Poll)
	err := db.NewSelect().Model(p).Where("status_id = ?", statusID).Scan(ctx)
	return p, notFound(err)
}

// PollVotesOf returns accountID's chosen options.
func (s *Storage) PollVotesOf(ctx context.Context, statusID, accountID string) ([]int, error) {
	var out []int
	err := s.DB.NewSelect().Model((*model.PollVote)(nil)).Column("option_index").
		Where("status_id = ? AND account_id = ?", statusID, accountID).Order("option_index").Scan(ctx, &out)
	return out, err
}

// InsertPollVotes records votes; false if the account had already voted.
func (s *Storage) InsertPollVotes(ctx context.Context, db bun.IDB, votes []model.PollVote) (bool, error) {
	if len(votes) == 0 {
		return false, nil
	}
	exists, err := db.NewSelect().Model((*model.PollVote)(nil)).Where("status_id = ? AND account_id = ?", votes[0].StatusID, votes[0].AccountID).Exists(ctx)
	if err != nil || exists {
		return false, err
	}
	if _, err := db.NewInsert().Model(&votes).Exec(ctx); err != nil {
		return false, fmt.Errorf("insert votes: %w", err)
	}
	return true, nil
}

// TallyPoll recounts a local poll's votes and voters from poll_votes.
func (s *Storage) TallyPoll(ctx context.Context, db bun.IDB, p *model.Poll) error {
	var rows []struct {
		OptionIndex int `bun:"option_index"`
		N           int `bun:"n"`
	}
	if err := db.NewSelect().Model((*model.PollVote)(nil)).ColumnExpr("option_index, count(*) AS n").
		Where("status_id = ?", p.StatusID).Group("option_index").Scan(ctx, &rows); err != nil {
		return err
	}
	p.Votes = make([]int, len(p.Options))
	for _, r := range rows {
		if r.OptionIndex >= 0 && r.OptionIndex < len(p.Votes) {
			p.Votes[r.OptionIndex] = r.N
		}
	}
	var voters int
	if err := db.NewSelect().Model((*model.PollVote)(nil)).ColumnExpr("count(DISTINCT account_id)").Where("status_id = ?", p.StatusID).Scan(ctx, &voters); err != nil {
		return err
	}
	p.VotersCount = voters
	return s.UpsertPoll(ctx, db, p)
}

// PollByStatusURI returns the poll of the status with that URI.
func (s *Storage) PollByStatusURI(ctx context.Context, uri string) (*model.Poll, error) {
	p := new(model.Poll)
	err := s.DB.NewSelect().Model(p).Where("status_id = (SELECT id FROM statuses WHERE uri = ?)", uri).Scan(ctx)
	return p, notFound(err)
}

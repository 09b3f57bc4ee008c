package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// ReplaceStatusMedia makes ids the attachments of a status being edited:
// those no longer listed are detached (kept for the edit history), the
// new ones must be accountID's unattached uploads (ErrMediaNotAttachable).
func (s *Storage) ReplaceStatusMedia(ctx context.Context, db bun.IDB, statusID string, ids []string, accountID string) error {
	q := db.NewUpdate().Model((*model.MediaAttachment)(nil)).Set("status_id = NULL").Where("status_id = ?", statusID)
	if len(ids) > 0 {
		q = q.Where("id NOT IN (?)", bun.In(ids))
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("detach media of %s: %w", statusID, err)
	}
	return s.AttachMedia(ctx, db, statusID, ids, accountID)
}

// UpdateMediaAttributes changes the description and focus of an
// attachment of statusID (nil leaves a value as it is).
func (s *Storage) UpdateMediaAttributes(ctx context.Context, db bun.IDB, id, statusID string, description *string, focusX, focusY *float64) error {
	q := db.NewUpdate().Model((*model.MediaAttachment)(nil)).Where("id = ? AND status_id = ?", id, statusID)
	set := false
	if description != nil {
		q, set = q.Set("description = ?", *description), true
	}
	if focusX != nil && focusY != nil {
		q, set = q.Set("focus_x = ?", *focusX).Set("focus_y = ?", *focusY), true
	}
	if !set {
		return nil
	}
	_, err := q.Exec(ctx)
	return err
}

// DeletePoll removes a status's poll and its votes (an edit replaced it).
func (s *Storage) DeletePoll(ctx context.Context, db bun.IDB, statusID string) error {
	if _, err := db.NewDelete().Model((*model.PollVote)(nil)).Where("status_id = ?", statusID).Exec(ctx); err != nil {
		return err
	}
	_, err := db.NewDelete().Model((*model.Poll)(nil)).Where("status_id = ?", statusID).Exec(ctx)
	return err
}

// MediaByIDs loads attachments by id, keyed by id (edit history).
func (s *Storage) MediaByIDs(ctx context.Context, ids []string) (map[string]model.MediaAttachment, error) {
	out := map[string]model.MediaAttachment{}
	ids = uniqueStrings(ids)
	if len(ids) == 0 {
		return out, nil
	}
	var rows []model.MediaAttachment
	if err := s.DB.NewSelect().Model(&rows).Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	for _, m := range rows {
		out[m.ID] = m
	}
	return out, nil
}

// StatusEdit is an earlier version of an edited status.
type StatusEdit struct {
	bun.BaseModel `bun:"table:status_edits"`

	ID          string    `bun:"id,pk"`
	StatusID    string    `bun:"status_id"`
	Content     string    `bun:"content"`
	SpoilerText string    `bun:"spoiler_text"`
	Sensitive   bool      `bun:"sensitive"`
	MediaIDs    []string  `bun:"media_ids,type:text"` // the version's attachments, in order
	CreatedAt   time.Time `bun:"created_at"`
}

// StatusEdits lists the earlier versions of a status, oldest first.
func (s *Storage) StatusEdits(ctx context.Context, statusID string) ([]StatusEdit, error) {
	var out []StatusEdit
	err := s.DB.NewSelect().Model(&out).Where("status_id = ?", statusID).Order("id ASC").Scan(ctx)
	return out, err
}

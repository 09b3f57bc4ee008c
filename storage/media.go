package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// ErrMediaNotAttachable is returned by AttachMedia when one of the ids is
// not an attachment of that account, or is already attached to another
// status. Nothing is attached then.
var ErrMediaNotAttachable = errors.New("media not found or already attached")

// InsertMedia stores a new media attachment row.
func (s *Storage) InsertMedia(ctx context.Context, m *model.MediaAttachment) error {
	if _, err := s.DB.NewInsert().Model(m).Exec(ctx); err != nil {
		return fmt.Errorf("insert media %s: %w", m.ID, err)
	}
	return nil
}

// MediaByID returns an attachment with its status (m.Status, nil when the
// attachment is not attached), or ErrNotFound.
func (s *Storage) MediaByID(ctx context.Context, id string) (*model.MediaAttachment, error) {
	m := new(model.MediaAttachment)
	err := s.DB.NewSelect().Model(m).Relation("Status").Where("ma.id = ?", id).Scan(ctx)
	return m, notFound(err)
}

// AttachMedia attaches the given media to a status. Only attachments owned
// by accountID that are unattached (or already attached to this very
// status, for edits) qualify; if any id does not, nothing is attached and
// ErrMediaNotAttachable is returned. db may be a transaction (the one that
// inserts the status) or nil.
func (s *Storage) AttachMedia(ctx context.Context, db bun.IDB, statusID string, ids []string, accountID string) error {
	if db == nil {
		db = s.DB
	}
	ids = uniqueStrings(ids)
	if len(ids) == 0 {
		return nil
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*model.MediaAttachment)(nil)).
			Set("status_id = ?", statusID).
			Where("id IN (?)", bun.In(ids)).
			Where("account_id = ?", accountID).
			Where("(status_id IS NULL OR status_id = ?)", statusID).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("attach media to status %s: %w", statusID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("attach media to status %s: %w", statusID, err)
		}
		if n != int64(len(ids)) {
			return ErrMediaNotAttachable // rolls back the partial update
		}
		return nil
	})
}

// UpdateMediaDescription sets the description and focus point of an
// attachment owned by accountID (ErrNotFound otherwise). Validation of
// lengths and ranges is the caller's (media.Service.Update).
func (s *Storage) UpdateMediaDescription(ctx context.Context, id, accountID, description string, focusX, focusY float64) error {
	res, err := s.DB.NewUpdate().Model((*model.MediaAttachment)(nil)).
		Set("description = ?", description).
		Set("focus_x = ?", focusX).
		Set("focus_y = ?", focusY).
		Where("id = ? AND account_id = ?", id, accountID).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("update media %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return nil
}

// MediaForStatus lists a status's attachments in upload order.
func (s *Storage) MediaForStatus(ctx context.Context, statusID string) ([]model.MediaAttachment, error) {
	out := []model.MediaAttachment{}
	err := s.DB.NewSelect().Model(&out).Where("status_id = ?", statusID).Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("media of status %s: %w", statusID, err)
	}
	return out, nil
}

// MediaForStatuses returns the attachments of many statuses at once
// (timelines), keyed by status id, each list in upload order.
func (s *Storage) MediaForStatuses(ctx context.Context, statusIDs []string) (map[string][]model.MediaAttachment, error) {
	out := map[string][]model.MediaAttachment{}
	statusIDs = uniqueStrings(statusIDs)
	if len(statusIDs) == 0 {
		return out, nil
	}
	var rows []model.MediaAttachment
	err := s.DB.NewSelect().Model(&rows).Where("status_id IN (?)", bun.In(statusIDs)).Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("media of statuses: %w", err)
	}
	for _, m := range rows {
		out[*m.StatusID] = append(out[*m.StatusID], m)
	}
	return out, nil
}

// MediaByAccount lists every attachment of an account (data export and
// account deletion).
func (s *Storage) MediaByAccount(ctx context.Context, accountID string) ([]model.MediaAttachment, error) {
	out := []model.MediaAttachment{}
	if err := s.DB.NewSelect().Model(&out).Where("account_id = ?", accountID).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("media of account %s: %w", accountID, err)
	}
	return out, nil
}

// DeleteMedia removes one attachment row (the caller removes its files).
func (s *Storage) DeleteMedia(ctx context.Context, id string) error {
	if _, err := s.DB.NewDelete().Model((*model.MediaAttachment)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("delete media %s: %w", id, err)
	}
	return nil
}

// DeleteOrphanMedia deletes up to limit attachments created before cutoff
// that belong to no status and are not used elsewhere (an account's avatar
// or header, a status's edit history), and returns the deleted rows so
// that the caller removes their files. Uploads a client never posted, and
// media of deleted statuses (status_id is set to NULL then), end here.
func (s *Storage) DeleteOrphanMedia(ctx context.Context, cutoff time.Time, limit int) ([]model.MediaAttachment, error) {
	if limit <= 0 {
		limit = 100
	}
	var orphans []model.MediaAttachment
	err := s.InTx(ctx, func(tx bun.Tx) error {
		err := tx.NewSelect().Model(&orphans).
			Where("ma.status_id IS NULL").
			Where("ma.created_at < ?", cutoff.UTC()).
			Where("NOT EXISTS (SELECT 1 FROM accounts a WHERE a.avatar_media_id = ma.id OR a.header_media_id = ma.id)").
			Where("NOT EXISTS (SELECT 1 FROM status_edits se WHERE se.media_ids LIKE '%' || ma.id || '%')").
			Order("ma.id").Limit(int64(limit)).Scan(ctx)
		if err != nil {
			return fmt.Errorf("find orphan media: %w", err)
		}
		if len(orphans) == 0 {
			return nil
		}
		ids := make([]string, len(orphans))
		for i, m := range orphans {
			ids[i] = m.ID
		}
		// Re-check status_id: a status may have claimed one meanwhile.
		var gone []string
		err = tx.NewDelete().Model((*model.MediaAttachment)(nil)).
			Where("id IN (?)", bun.In(ids)).Where("status_id IS NULL").
			Returning("id").Scan(ctx, &gone)
		if err != nil {
			return fmt.Errorf("delete orphan media: %w", err)
		}
		deleted := map[string]bool{}
		for _, id := range gone {
			deleted[id] = true
		}
		kept := orphans[:0]
		for _, m := range orphans {
			if deleted[m.ID] {
				kept = append(kept, m)
			}
		}
		orphans = kept
		return nil
	})
	if err != nil {
		return nil, err
	}
	return orphans, nil
}

func uniqueStrings(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

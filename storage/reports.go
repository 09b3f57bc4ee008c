package storage

import (
	"context"
	"time"

	"github.com/coopol/coopol/model"
)

// WebOpenReports lists unresolved reports, oldest first.
func (s *Storage) WebOpenReports(ctx context.Context, limit int) ([]model.Report, error) {
	var out []model.Report
	err := s.DB.NewSelect().Model(&out).Where("resolved_at IS NULL").Order("id ASC").Limit(int64(limit)).Scan(ctx)
	return out, err
}

// WebResolveReport closes a report.
func (s *Storage) WebResolveReport(ctx context.Context, id string, now time.Time) error {
	res, err := s.DB.NewUpdate().Model((*model.Report)(nil)).Set("resolved_at = ?", now).
		Where("id = ?", id).Where("resolved_at IS NULL").Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

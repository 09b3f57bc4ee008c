package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ErrKeyInFlight means another request with the same Idempotency-Key is
// still running.
var ErrKeyInFlight = errors.New("idempotency key in use")

// ReserveIdempotencyKey claims key for accountID. It returns the id of
// the status an earlier request with this key created within window
// (replay), "" when the caller now holds the key and should create the
// status, or ErrKeyInFlight.
func (s *Storage) ReserveIdempotencyKey(ctx context.Context, accountID, key string, now time.Time, window time.Duration) (string, error) {
	var replay string
	err := s.InTx(ctx, func(tx bun.Tx) error {
		var row struct {
			StatusID  sql.NullString `bun:"status_id"`
			CreatedAt time.Time      `bun:"created_at"`
		}
		err := tx.NewSelect().TableExpr("idempotency_keys").Column("status_id", "created_at").
			Where("account_id = ? AND idem_key = ?", accountID, key).Scan(ctx, &row)
		switch {
		case err == nil && now.Sub(row.CreatedAt) < window:
			if !row.StatusID.Valid {
				return ErrKeyInFlight
			}
			replay = row.StatusID.String
			return nil
		case err == nil: // expired: reuse the key
			if _, err := tx.NewDelete().TableExpr("idempotency_keys").Where("account_id = ? AND idem_key = ?", accountID, key).Exec(ctx); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.NewInsert().Model(&map[string]any{"account_id": accountID, "idem_key": key, "status_id": nil, "created_at": now}).
			TableExpr("idempotency_keys").Exec(ctx)
		if IsUniqueViolation(err) {
			return ErrKeyInFlight
		}
		return err
	})
	if err != nil {
		return "", err
	}
	// Old keys are of no use: drop them in passing.
	if _, err := s.DB.NewDelete().TableExpr("idempotency_keys").Where("created_at < ?", now.Add(-window)).Exec(ctx); err != nil {
		return replay, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return replay, nil
}

// CompleteIdempotencyKey records the status created under key.
func (s *Storage) CompleteIdempotencyKey(ctx context.Context, accountID, key, statusID string) error {
	_, err := s.DB.NewUpdate().TableExpr("idempotency_keys").Set("status_id = ?", statusID).
		Where("account_id = ? AND idem_key = ?", accountID, key).Exec(ctx)
	return err
}

// ReleaseIdempotencyKey frees a key whose request failed.
func (s *Storage) ReleaseIdempotencyKey(ctx context.Context, accountID, key string) error {
	_, err := s.DB.NewDelete().TableExpr("idempotency_keys").Where("account_id = ? AND idem_key = ? AND status_id IS NULL", accountID, key).Exec(ctx)
	return err
}

package storage

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// UpsertPushSubscription stores the subscription of an OAuth token,
// replacing the token's earlier one (Mastodon keeps one per token).
func (s *Storage) UpsertPushSubscription(ctx context.Context, sub *model.PushSubscription) error {
	return s.InTx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*model.PushSubscription)(nil)).Where("token_id = ?", sub.TokenID).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(sub).Exec(ctx)
		return err
	})
}

// UpdatePushSubscriptionData changes the alerts and policy of a token's
// subscription; ErrNotFound when it has none.
func (s *Storage) UpdatePushSubscriptionData(ctx context.Context, tokenID string, alerts map[string]bool, policy string) error {
	sub := &model.PushSubscription{Alerts: alerts, Policy: policy}
	res, err := s.DB.NewUpdate().Model(sub).Column("alerts", "policy").
		Where("token_id = ?", tokenID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// PushSubscriptionByToken returns the subscription of an OAuth token.
func (s *Storage) PushSubscriptionByToken(ctx context.Context, tokenID string) (*model.PushSubscription, error) {
	sub := new(model.PushSubscription)
	err := s.DB.NewSelect().Model(sub).Where("token_id = ?", tokenID).Scan(ctx)
	return sub, notFound(err)
}

// DeletePushSubscription removes a token's subscription (no error if none).
func (s *Storage) DeletePushSubscription(ctx context.Context, tokenID string) error {
	_, err := s.DB.NewDelete().Model((*model.PushSubscription)(nil)).Where("token_id = ?", tokenID).Exec(ctx)
	return err
}

// DeletePushSubscriptionByID removes a subscription the push service
// said is gone (404/410).
func (s *Storage) DeletePushSubscriptionByID(ctx context.Context, id string) error {
	_, err := s.DB.NewDelete().Model((*model.PushSubscription)(nil)).Where("id = ?", id).Exec(ctx)
	return err
}

// PushSubscriptionIDs lists the ids of an account's subscriptions: read
// when a notification is stored, so that an account without any costs a
// single indexed lookup and no job.
func (s *Storage) PushSubscriptionIDs(ctx context.Context, db bun.IDB, accountID string) ([]string, error) {
	if db == nil {
		db = s.DB
	}
	var ids []string
	err := db.NewSelect().Model((*model.PushSubscription)(nil)).Column("id").Where("account_id = ?", accountID).Order("id").Scan(ctx, &ids)
	return ids, err
}

// ActivePushSubscription returns one subscription whose token is still
// valid: the subscription of a revoked token receives nothing.
func (s *Storage) ActivePushSubscription(ctx context.Context, id string) (*model.PushSubscription, error) {
	sub := new(model.PushSubscription)
	err := s.DB.NewSelect().Model(sub).Where("ps.id = ?", id).
		Where("EXISTS (SELECT 1 FROM oauth_tokens t WHERE t.id = ps.token_id AND t.revoked_at IS NULL)").Scan(ctx)
	return sub, notFound(err)
}

// NotificationByID returns one notification.
func (s *Storage) NotificationByID(ctx context.Context, id string) (*model.Notification, error) {
	n := new(model.Notification)
	err := s.DB.NewSelect().Model(n).Where("id = ?", id).Scan(ctx)
	return n, notFound(err)
}

// VAPIDKeys returns the instance's VAPID key pair, storing newKeys first
// if there is none yet (first start). Several replicas starting at once
// agree on the first key stored.
func (s *Storage) VAPIDKeys(ctx context.Context, newKeys func() (*model.VAPIDKeys, error)) (*model.VAPIDKeys, error) {
	k := new(model.VAPIDKeys)
	err := s.DB.NewSelect().Model(k).Where("id = 1").Scan(ctx)
	if err == nil {
		return k, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	fresh, err := newKeys()
	if err != nil {
		return nil, err
	}
	fresh.ID = 1
	if _, err := s.DB.NewInsert().Model(fresh).On("CONFLICT (id) DO NOTHING").Exec(ctx); err != nil {
		return nil, err
	}
	if err := s.DB.NewSelect().Model(k).Where("id = 1").Scan(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

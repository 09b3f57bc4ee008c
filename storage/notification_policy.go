package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// NotificationPolicy says, per kind of sender, whether notifications are
// accepted, filtered (held as a request) or dropped (Mastodon 4.3).
type NotificationPolicy struct {
	bun.BaseModel `bun:"table:notification_policies"`

	AccountID          string    `bun:"account_id,pk"`
	ForNotFollowing    string    `bun:"for_not_following"`
	ForNotFollowers    string    `bun:"for_not_followers"`
	ForNewAccounts     string    `bun:"for_new_accounts"`
	ForPrivateMentions string    `bun:"for_private_mentions"`
	ForLimitedAccounts string    `bun:"for_limited_accounts"`
	UpdatedAt          time.Time `bun:"updated_at"`
}

// NotificationRequest gathers the notifications filtered from one sender.
type NotificationRequest struct {
	bun.BaseModel `bun:"table:notification_requests,alias:nr"`

	ID                 string    `bun:"id,pk"`
	AccountID          string    `bun:"account_id"`
	FromAccountID      string    `bun:"from_account_id"`
	LastStatusID       *string   `bun:"last_status_id"`
	NotificationsCount int       `bun:"notifications_count"`
	State              string    `bun:"state"`
	CreatedAt          time.Time `bun:"created_at"`
	UpdatedAt          time.Time `bun:"updated_at"`
}

// GetNotificationPolicy returns accountID's policy, all "accept" when
// never set.
func (s *Storage) GetNotificationPolicy(ctx context.Context, db bun.IDB, accountID string) (*NotificationPolicy, error) {
	if db == nil {
		db = s.DB
	}
	p := &NotificationPolicy{AccountID: accountID}
	err := db.NewSelect().Model(p).WherePK().Scan(ctx)
	if notFound(err) == ErrNotFound {
		return &NotificationPolicy{AccountID: accountID, ForNotFollowing: "accept", ForNotFollowers: "accept",
			ForNewAccounts: "accept", ForPrivateMentions: "accept", ForLimitedAccounts: "accept"}, nil
	}
	return p, err
}

func (s *Storage) SetNotificationPolicy(ctx context.Context, p *NotificationPolicy) error {
	_, err := s.DB.NewInsert().Model(p).On("CONFLICT (account_id) DO UPDATE").
		Set("for_not_following = EXCLUDED.for_not_following, for_not_followers = EXCLUDED.for_not_followers, " +
			"for_new_accounts = EXCLUDED.for_new_accounts, for_private_mentions = EXCLUDED.for_private_mentions, " +
			"for_limited_accounts = EXCLUDED.for_limited_accounts, updated_at = EXCLUDED.updated_at").Exec(ctx)
	return err
}

// NotificationRequestState is "" when accountID has no request from fromID.
func (s *Storage) NotificationRequestState(ctx context.Context, db bun.IDB, accountID, fromID string) (string, error) {
	var state []string
	err := db.NewSelect().Model((*NotificationRequest)(nil)).Column("state").
		Where("account_id = ? AND from_account_id = ?", accountID, fromID).Scan(ctx, &state)
	if err != nil || len(state) == 0 {
		return "", err
	}
	return state[0], nil
}

// HoldNotification counts one more filtered notification in the request
// from fromID (creating it, pending).
func (s *Storage) HoldNotification(ctx context.Context, db bun.IDB, accountID, fromID string, statusID *string, now time.Time) error {
	r := &NotificationRequest{ID: model.NewID(now), AccountID: accountID, FromAccountID: fromID, LastStatusID: statusID,
		NotificationsCount: 1, State: "pending", CreatedAt: now, UpdatedAt: now}
	_, err := db.NewInsert().Model(r).On("CONFLICT (account_id, from_account_id) DO UPDATE").
		Set("notifications_count = nr.notifications_count + 1, updated_at = EXCLUDED.updated_at, " +
			"last_status_id = COALESCE(EXCLUDED.last_status_id, nr.last_status_id)").Exec(ctx)
	return err
}

// NotificationRequestsPage pages accountID's pending requests.
func (s *Storage) NotificationRequestsPage(ctx context.Context, accountID string, p Page) ([]Entry, error) {
	q := s.DB.NewSelect().TableExpr("notification_requests AS nr").Where("nr.account_id = ? AND nr.state = 'pending'", accountID)
	return pageEntries(ctx, q, "nr.id", "nr.id", p)
}

// NotificationRequestsByIDs loads requests of accountID in the order of ids.
func (s *Storage) NotificationRequestsByIDs(ctx context.Context, accountID string, ids []string) ([]NotificationRequest, error) {
	var rows []NotificationRequest
	if len(ids) == 0 {
		return rows, nil
	}
	if err := s.DB.NewSelect().Model(&rows).Where("account_id = ? AND id IN (?)", accountID, bun.In(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	byID := map[string]NotificationRequest{}
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := make([]NotificationRequest, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// SetNotificationRequestState accepts or dismisses requests of accountID.
func (s *Storage) SetNotificationRequestState(ctx context.Context, accountID string, ids []string, state string, now time.Time) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res, err := s.DB.NewUpdate().Model((*NotificationRequest)(nil)).Set("state = ?", state).Set("updated_at = ?", now).
		Where("account_id = ? AND id IN (?)", accountID, bun.In(ids)).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// PendingNotificationRequests counts accountID's pending requests and
// the notifications they hold.
func (s *Storage) PendingNotificationRequests(ctx context.Context, accountID string) (requests, notifications int, err error) {
	var row struct {
		Requests      int `bun:"requests"`
		Notifications int `bun:"notifications"`
	}
	err = s.DB.NewSelect().Model((*NotificationRequest)(nil)).
		ColumnExpr("COUNT(*) AS requests").ColumnExpr("COALESCE(SUM(notifications_count), 0) AS notifications").
		Where("account_id = ? AND state = 'pending'", accountID).Scan(ctx, &row)
	return row.Requests, row.Notifications, err
}

package storage

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// MailPreferences returns what accountID wants by e-mail: the stored row,
// or the defaults when the person never chose.
func (s *Storage) MailPreferences(ctx context.Context, db bun.IDB, accountID string) (*model.MailPreferences, error) {
	if db == nil {
		db = s.DB
	}
	p := new(model.MailPreferences)
	err := db.NewSelect().Model(p).Where("account_id = ?", accountID).Scan(ctx)
	if errors.Is(notFound(err), ErrNotFound) {
		d := model.DefaultMailPreferences(accountID)
		return &d, nil
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// SaveMailPreferences stores a person's choices (all of them).
func (s *Storage) SaveMailPreferences(ctx context.Context, p *model.MailPreferences) error {
	_, err := s.DB.NewInsert().Model(p).On("CONFLICT (account_id) DO UPDATE").
		Set("frequency = EXCLUDED.frequency, messages = EXCLUDED.messages, mentions = EXCLUDED.mentions, signups = EXCLUDED.signups").
		Set("actions = EXCLUDED.actions, reminders = EXCLUDED.reminders, language = EXCLUDED.language, updated_at = EXCLUDED.updated_at").Exec(ctx)
	return err
}

// SetMailFrequency changes only the frequency (the unsubscribe link sets
// "never"), keeping the kinds chosen for when the person comes back.
func (s *Storage) SetMailFrequency(ctx context.Context, accountID, frequency string, at time.Time) error {
	p := model.DefaultMailPreferences(accountID)
	p.Frequency, p.UpdatedAt = frequency, at
	_, err := s.DB.NewInsert().Model(&p).On("CONFLICT (account_id) DO UPDATE").
		Set("frequency = EXCLUDED.frequency, updated_at = EXCLUDED.updated_at").Exec(ctx)
	return err
}

// mailable restricts a users query (alias u) to people mail may reach:
// approved, not disabled, their account neither suspended nor deleted.
func mailable(q *bun.SelectQuery) *bun.SelectQuery {
	return q.Where("u.approved = ?", true).Where("u.disabled_at IS NULL").Where("u.email <> ''").
		Where("EXISTS (SELECT 1 FROM accounts ma WHERE ma.id = u.account_id AND ma.suspended_at IS NULL AND ma.gone_at IS NULL)")
}

// MailRecipient returns the user of accountID with its account, or
// ErrNotFound when mail may not reach them (see mailable).
func (s *Storage) MailRecipient(ctx context.Context, accountID string) (*model.User, error) {
	u := new(model.User)
	err := s.DB.NewSelect().Model(u).Relation("Account").Where("u.account_id = ?", accountID).Apply(mailable).Scan(ctx)
	return u, notFound(err)
}

// DigestCandidates lists up to limit people mail may reach whose
// frequency is one of frequencies (withDefault: or who never chose, whose
// frequency is the default) and who have no digest row for period yet.
func (s *Storage) DigestCandidates(ctx context.Context, period string, frequencies []string, withDefault bool, limit int) ([]model.User, error) {
	var ids []string
	q := s.DB.NewSelect().TableExpr("users AS u").Column("u.id").
		Join("LEFT JOIN mail_preferences AS mp ON mp.account_id = u.account_id").
		Apply(mailable).
		Where("NOT EXISTS (SELECT 1 FROM mail_digests md WHERE md.account_id = u.account_id AND md.period = ?)", period).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			q = q.Where("mp.frequency IN (?)", bun.In(frequencies))
			if withDefault {
				q = q.WhereOr("mp.account_id IS NULL")
			}
			return q
		}).OrderExpr("u.id").Limit(int64(limit))
	if err := q.Scan(ctx, &ids); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var users []model.User
	err := s.DB.NewSelect().Model(&users).Relation("Account").Where("u.id IN (?)", bun.In(ids)).OrderExpr("u.id").Scan(ctx)
	return users, err
}

// LastDigestAt is when accountID's newest digest period was recorded
// (zero when never).
func (s *Storage) LastDigestAt(ctx context.Context, accountID string) (time.Time, error) {
	var d model.MailDigest
	err := s.DB.NewSelect().Model(&d).Where("account_id = ?", accountID).OrderExpr("sent_at DESC").Limit(1).Scan(ctx)
	if errors.Is(notFound(err), ErrNotFound) {
		return time.Time{}, nil
	}
	return d.SentAt, err
}

// ClaimDigest records d; false when the period was already recorded (by
// another run or replica), in which case nothing must be sent.
func (s *Storage) ClaimDigest(ctx context.Context, db bun.IDB, d *model.MailDigest) (bool, error) {
	res, err := db.NewInsert().Model(d).On("CONFLICT (account_id, period) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UnreadNotificationsBetween lists accountID's unread notifications
// created in (since, until], oldest first, at most limit.
func (s *Storage) UnreadNotificationsBetween(ctx context.Context, accountID string, since, until time.Time, limit int) ([]model.Notification, error) {
	var out []model.Notification
	err := s.DB.NewSelect().Model(&out).Where("account_id = ?", accountID).Where("read = ?", false).
		Where("created_at > ? AND created_at <= ?", since, until).OrderExpr("created_at, id").Limit(int64(limit)).Scan(ctx)
	return out, err
}

// NewPublicActions lists public, not cancelled events created in (since,
// until] that have not ended at now, organised by sectionID or by a group
// accountID follows, and not by accountID; soonest first.
func (s *Storage) NewPublicActions(ctx context.Context, accountID, sectionID string, since, until, now time.Time, limit int) ([]model.Event, error) {
	var ids []string
	organisers := "(SELECT ? UNION SELECT f.target_account_id FROM follows f JOIN accounts fa ON fa.id = f.target_account_id" +
		" WHERE f.account_id = ? AND f.state = 'accepted' AND fa.actor_type = 'Group')"
	err := s.DB.NewSelect().TableExpr("events AS e").Column("e.id").
		Join("JOIN statuses AS s ON s.id = e.status_id").
		Where("s.visibility = ?", model.VisibilityPublic).
		Where("e.event_status <> 'CANCELLED'").
		Where("e.created_at > ? AND e.created_at <= ?", since, until).
		Where("COALESCE(e.end_at, e.start_at) >= ?", now).
		Where("e.account_id <> ?", accountID).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("e.group_id IN "+organisers, sectionID, accountID).
				WhereOr("e.account_id IN "+organisers, sectionID, accountID)
		}).
		OrderExpr("e.start_at, e.id").Limit(int64(limit)).Scan(ctx, &ids)
	if err != nil {
		return nil, err
	}
	return s.eventsByIDs(ctx, ids)
}

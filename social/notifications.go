package social

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// notifySubscribers tells local followers who asked to be notified of an
// account's posts ("status" notifications, the bell in Mastodon apps).
func (s *Service) notifySubscribers(ctx context.Context, db bun.IDB, st *model.Status, author *model.Account) error {
	if st.ReblogOfID != nil || st.Visibility == model.VisibilityDirect || st.Visibility == model.VisibilityMembers {
		return nil
	}
	if st.InReplyToAccountID != nil && *st.InReplyToAccountID != st.AccountID {
		return nil // replies to others are not news for subscribers
	}
	var subscribers []model.Account
	err := db.NewSelect().Model(&subscribers).
		Where("id IN (SELECT account_id FROM follows WHERE target_account_id = ? AND state = 'accepted' AND notify = ?)", author.ID, true).
		Where("domain = ''").Scan(ctx)
	if err != nil {
		return err
	}
	for i := range subscribers {
		if err := s.notify(ctx, db, &subscribers[i], "status", author, &st.ID); err != nil {
			return err
		}
	}
	return nil
}

// notifyEdit tells local accounts who boosted a post that it was edited
// ("update"), so they know what they are now sharing.
func (s *Service) notifyEdit(ctx context.Context, db bun.IDB, st *model.Status, author *model.Account) error {
	if st.APType == "Event" || st.APType == "Question" {
		return nil // gauges and tallies change all the time: not edits
	}
	var boosters []model.Account
	err := db.NewSelect().Model(&boosters).
		Where("id IN (SELECT account_id FROM statuses WHERE reblog_of_id = ?)", st.ID).
		Where("domain = ''").Scan(ctx)
	if err != nil {
		return err
	}
	for i := range boosters {
		if err := s.notify(ctx, db, &boosters[i], "update", author, &st.ID); err != nil {
			return err
		}
	}
	return nil
}

// ClosePolls closes polls whose time is up: local polls send their final
// tallies, and local voters and authors get a "poll" notification. Run
// by the periodic job; each poll is closed once (replicas race safely).
func (s *Service) ClosePolls(ctx context.Context) (int, error) {
	now := s.now()
	var polls []model.Poll
	if err := s.Store.DB.NewSelect().Model(&polls).Where("closed_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ?", now).Limit(200).Scan(ctx); err != nil {
		return 0, err
	}
	closed := 0
	for i := range polls {
		p := &polls[i]
		err := s.Store.InTx(ctx, func(tx bun.Tx) error {
			res, err := tx.NewUpdate().Model((*model.Poll)(nil)).Set("closed_at = ?", now).Where("status_id = ? AND closed_at IS NULL", p.StatusID).Exec(ctx)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another replica closed it
			}
			closed++
			p.ClosedAt = &now
			st := new(model.Status)
			if err := tx.NewSelect().Model(st).Relation("Account").Where("s.id = ?", p.StatusID).Scan(ctx); err != nil {
				return err
			}
			var voters []model.Account
			if err := tx.NewSelect().Model(&voters).
				Where("id IN (SELECT account_id FROM poll_votes WHERE status_id = ?)", p.StatusID).Where("domain = ''").Scan(ctx); err != nil {
				return err
			}
			for j := range voters {
				if err := s.notify(ctx, tx, &voters[j], "poll", st.Account, &st.ID); err != nil {
					return err
				}
			}
			if st.Account.IsLocal() {
				// The author learns the result too, and every server the
				// poll went to gets the final tallies.
				n := &model.Notification{ID: model.NewID(now), AccountID: st.AccountID, Type: "poll", StatusID: &st.ID, CreatedAt: now}
				if err := s.Store.InsertNotification(ctx, tx, n); err != nil {
					return err
				}
				s.emit(ctx, tx, "notification", n.ID, st.AccountID)
				return s.tallyAndPublish(ctx, tx, st, p)
			}
			return nil
		})
		if err != nil {
			return closed, err
		}
	}
	return closed, nil
}

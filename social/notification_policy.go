package social

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// Notification policy (Mastodon 4.3): per kind of sender, a person
// accepts, filters (held in a request they may accept) or drops
// notifications. Policy values.
const (
	PolicyAccept = "accept"
	PolicyFilter = "filter"
	PolicyDrop   = "drop"
)

// newAccountAge is how young an account is "new" for the policy.
const newAccountAge = 30 * 24 * time.Hour

// unfilterableTypes are never held: they come from the server itself or
// answer what the person did.
var unfilterableTypes = map[string]bool{"poll": true, "update": true, "admin.sign_up": true, "admin.report": true}

// notificationWanted decides whether a notification reaches recipient:
// not when it is about a discussion they muted, nor when their policy
// filters or drops its sender (a filtered one is counted in a request).
func (s *Service) notificationWanted(ctx context.Context, db bun.IDB, recipient *model.Account, typ string, from *model.Account, statusID *string) (bool, error) {
	if statusID != nil {
		muted, err := s.Store.StatusThreadMuted(ctx, db, recipient.ID, *statusID)
		if err != nil || muted {
			return false, err
		}
	}
	if from == nil || unfilterableTypes[typ] {
		return true, nil
	}
	policy, err := s.Store.GetNotificationPolicy(ctx, db, recipient.ID)
	if err != nil {
		return false, err
	}
	action := PolicyAccept
	worse := func(a string) {
		if a == PolicyDrop || (a == PolicyFilter && action == PolicyAccept) {
			action = a
		}
	}
	if policy.ForNotFollowing != PolicyAccept || policy.ForPrivateMentions != PolicyAccept {
		follows, err := db.NewSelect().Model((*model.Follow)(nil)).
			Where("account_id = ? AND target_account_id = ? AND state = 'accepted'", recipient.ID, from.ID).Exists(ctx)
		if err != nil {
			return false, err
		}
		if !follows {
			worse(policy.ForNotFollowing)
			if typ == "mention" && statusID != nil {
				direct, err := db.NewSelect().Model((*model.Status)(nil)).Where("id = ? AND visibility = ?", *statusID, model.VisibilityDirect).Exists(ctx)
				if err != nil {
					return false, err
				}
				if direct {
					worse(policy.ForPrivateMentions)
				}
			}
		}
	}
	if policy.ForNotFollowers != PolicyAccept {
		followed, err := db.NewSelect().Model((*model.Follow)(nil)).
			Where("account_id = ? AND target_account_id = ? AND state = 'accepted'", from.ID, recipient.ID).Exists(ctx)
		if err != nil {
			return false, err
		}
		if !followed {
			worse(policy.ForNotFollowers)
		}
	}
	if policy.ForNewAccounts != PolicyAccept && from.CreatedAt.After(s.now().Add(-newAccountAge)) {
		worse(policy.ForNewAccounts)
	}
	if action == PolicyAccept {
		return true, nil
	}
	state, err := s.Store.NotificationRequestState(ctx, db, recipient.ID, from.ID)
	if err != nil {
		return false, err
	}
	switch {
	case state == "accepted":
		return true, nil
	case state == "dismissed" || action == PolicyDrop:
		return false, nil
	}
	return false, s.Store.HoldNotification(ctx, db, recipient.ID, from.ID, statusID, s.now())
}

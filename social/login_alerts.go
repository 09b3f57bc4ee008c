package social

import (
	"context"
	"errors"

	"github.com/coopol/coopol/storage"
)

// NotificationLoginFailures tells a person that someone failed to log in
// as them many times (the login rate limit was reached for their name).
const NotificationLoginFailures = "coopol.login_failures"

// NotifyLoginFailures tells the owner of login, if there is one, that the
// login failure limit was reached: their account is being guessed at. An
// unknown login is ignored (and says nothing to the caller).
func (s *Service) NotifyLoginFailures(ctx context.Context, login string) error {
	user, err := s.Store.UserByLogin(ctx, login)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if user.Account == nil {
		if user.Account, err = s.Store.AccountByID(ctx, user.AccountID); err != nil {
			return err
		}
	}
	s.Log.Warn("login failure limit reached for an account", "account", user.AccountID)
	// From the instance actor: Mastodon clients show only notifications
	// that come from an account.
	from, err := s.InstanceActor(ctx)
	if err != nil {
		return err
	}
	return s.notify(ctx, s.Store.DB, user.Account, NotificationLoginFailures, from, nil)
}

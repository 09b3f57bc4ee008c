package social

import (
	"context"
	"errors"
	"strings"

	"github.com/coopol/coopol/mail"
	"github.com/coopol/coopol/storage"
)

// NotificationLoginFailures tells a person that someone failed to log in
// as them many times (the login rate limit was reached for their name).
const NotificationLoginFailures = "coopol.login_failures"

// NotifyLoginFailures tells the owner of login, if there is one, that the
// login failure limit was reached: their account is being guessed at. They
// get a notification in the app and, when the instance sends mail, an
// e-mail. An unknown login is ignored (and says nothing to the caller).
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
	if err := s.notify(ctx, s.Store.DB, user.Account, NotificationLoginFailures, from, nil); err != nil {
		return err
	}
	// And by e-mail, when the instance sends mail: the owner may not open
	// the app before the guessing goes on.
	subject, body := loginFailuresMail(user.Locale, s.Config.Instance.Name, user.Account.Username, s.Config.BaseURL())
	return s.SendMail(ctx, nil, mail.Message{To: user.Email, Subject: subject, Text: body})
}

// loginFailuresMail is the warning mail, in the person's language (French
// unless they chose English).
func loginFailuresMail(locale, instance, username, base string) (subject, body string) {
	if strings.HasPrefix(locale, "en") {
		return "Failed logins to your account on " + instance,
			"Hello " + username + ",\n\n" +
				"Someone failed many times to log in to your account on " + instance + ". Nobody got in with a wrong password, " +
				"and you can still log in as usual: from a browser you used before at once, from anywhere else after a short wait.\n\n" +
				"If this was not you and your password is short or used elsewhere, change it:\n" + base + "/password/forgot\n"
	}
	return "Échecs de connexion à votre compte sur " + instance,
		"Bonjour " + username + ",\n\n" +
			"Quelqu’un a échoué de nombreuses fois à se connecter à votre compte sur " + instance + ". Personne n’est entré avec un mauvais mot de passe, " +
			"et vous pouvez toujours vous connecter : tout de suite depuis un navigateur déjà utilisé, après une courte attente depuis ailleurs.\n\n" +
			"Si ce n’était pas vous et que votre mot de passe est court ou sert ailleurs, changez-le :\n" + base + "/password/forgot\n"
}

package social

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/mail"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/queue"
	"github.com/coopol/coopol/storage"
)

// E-mail notifications, for members who do not open the app.
//
// Each person chooses which kinds of news go by mail and how often
// (model.MailPreferences): immediately, in a daily or weekly digest, or
// never. Who gets what is decided here, with the same audience rule as
// every other door: a notification about a post the person may no longer
// read is not mailed, and a mail never carries the text of anything that
// is not public (a private message, a members-only post or action): it
// says who did what and links to the page, behind login.

// Kinds of news a person can choose to get by mail.
const (
	MailMessages  = "messages"
	MailMentions  = "mentions"
	MailSignups   = "signups"
	MailActions   = "actions"
	MailReminders = "reminders"
)

// MailKinds lists the kinds in the order the settings page shows them.
var MailKinds = []string{MailMessages, MailMentions, MailSignups, MailActions, MailReminders}

// mailTypes says which notification types go by mail, of which kind, and
// whether they may go at once ("urgent"); the others wait for a digest
// (an organiser hears of each sign-up in the digest, not by one mail per
// person). Types not listed are never mailed.
var mailTypes = map[string]struct {
	kind   string
	urgent bool
}{
	"mention":                {MailMentions, true},
	"coopol.action_promoted": {MailSignups, true},
	NotificationEventChanged: {MailSignups, true},
	"coopol.action_signup":   {MailSignups, false},
	"coopol.action_cancel":   {MailSignups, false},
	"coopol.action_full":     {MailSignups, false},
	"coopol.action_reminder": {MailReminders, true},
}

// MailTextKeys lists the catalogue messages the mails use (the web's
// tests check both catalogues have them).
func MailTextKeys() []string {
	keys := []string{"mailnotif.hello", "mailnotif.immediate_body", "mailnotif.someone", "mailnotif.type.message",
		"mailnotif.type.event_cancelled", "mailnotif.digest_subject_daily", "mailnotif.digest_subject_weekly",
		"mailnotif.digest_news", "mailnotif.digest_actions", "mailnotif.digest_more", "mailnotif.footer",
		"notif.changed_" + ChangedTime, "notif.changed_" + ChangedPlace, "notif.changed_" + ChangedStatus}
	for typ := range mailTypes {
		keys = append(keys, typeKey(typ))
	}
	return keys
}

func typeKey(typ string) string {
	return "mailnotif.type." + strings.ReplaceAll(strings.TrimPrefix(typ, "coopol."), ".", "_")
}

// mailKindOf returns a notification's mail kind ("" when never mailed);
// a mention in a direct post is a private message.
func mailKindOf(n *model.Notification, st *model.Status) (kind string, urgent bool) {
	t, ok := mailTypes[n.Type]
	if !ok {
		return "", false
	}
	if n.Type == "mention" && st != nil && st.Visibility == model.VisibilityDirect {
		return MailMessages, true
	}
	return t.kind, t.urgent
}

// WantsMail reports whether p asks for kind by mail at all.
func WantsMail(p *model.MailPreferences, kind string) bool {
	if p.Frequency == model.MailNever {
		return false
	}
	switch kind {
	case MailMessages:
		return p.Messages
	case MailMentions:
		return p.Mentions
	case MailSignups:
		return p.Signups
	case MailActions:
		return p.Actions
	case MailReminders:
		return p.Reminders
	}
	return false
}

// mailsAtOnce reports whether a notification of kind goes in its own mail
// now: urgent kinds for people who chose "immediately", and reminders
// for everyone who wants them (in tomorrow's digest a reminder would come
// too late).
func mailsAtOnce(p *model.MailPreferences, kind string, urgent bool) bool {
	if !WantsMail(p, kind) {
		return false
	}
	return kind == MailReminders || (urgent && p.Frequency == model.MailImmediately)
}

// queueNotificationMail queues the mail of a new notification, in the
// transaction that stores it. Every notification goes through emit and
// so through here; the job decides (kind, audience, preferences) when it
// runs.
func (s *Service) queueNotificationMail(ctx context.Context, db bun.IDB, notificationID, accountID string) {
	if !s.MailEnabled() || s.Queue == nil || accountID == "" {
		return
	}
	p, err := s.Store.MailPreferences(ctx, db, accountID)
	if err != nil {
		s.Log.Warn("mail: read preferences", "err", err)
		return
	}
	if p.Frequency == model.MailNever {
		return
	}
	job := queue.NotificationMailArgs{NotificationID: notificationID}
	if tx, ok := db.(bun.Tx); ok {
		err = s.Queue.EnqueueTx(ctx, tx, job)
	} else {
		err = s.Queue.Enqueue(ctx, job)
	}
	if err != nil {
		s.Log.Warn("mail: queue notification mail", "err", err)
	}
}

// NotificationMailWorker mails one notification (queue.NotificationMailArgs).
type NotificationMailWorker struct {
	river.WorkerDefaults[queue.NotificationMailArgs]
	Social *Service
}

func (w *NotificationMailWorker) Work(ctx context.Context, job *river.Job[queue.NotificationMailArgs]) error {
	return w.Social.MailNotification(ctx, job.Args.NotificationID)
}

// MailNotification mails a notification to its recipient now, if they
// want it by mail at once, may be reached by mail, have not read it in
// the app yet and may still read what it is about. Anything else sends
// nothing.
func (s *Service) MailNotification(ctx context.Context, notificationID string) error {
	if !s.MailEnabled() || s.MailText == nil {
		return nil
	}
	n, err := s.Store.NotificationByID(ctx, notificationID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // rolled back, dismissed or the account deleted
	}
	if err != nil || n.Read {
		return err
	}
	u, err := s.Store.MailRecipient(ctx, n.AccountID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // suspended, disabled, deleted or not approved
	}
	if err != nil {
		return err
	}
	p, err := s.Store.MailPreferences(ctx, nil, n.AccountID)
	if err != nil {
		return err
	}
	item, ok, err := s.mailItem(ctx, u, n)
	if err != nil || !ok || !mailsAtOnce(p, item.kind, item.urgent) {
		return err
	}
	lang := s.mailLang(u, p)
	unsubscribe, err := s.UnsubscribeURL(ctx, u.AccountID)
	if err != nil {
		return err
	}
	text := s.MailText(lang, "mailnotif.immediate_body", "Name", displayName(u.Account), "Sentence", item.sentence(s, lang), "Link", item.link) +
		s.mailFooter(lang, unsubscribe)
	// A subject is one line whatever a display name or a title holds.
	subject := strings.Join(strings.Fields(item.sentence(s, lang)), " ")
	return s.SendMail(ctx, nil, mail.Message{To: u.Email, Subject: subject, Text: text, UnsubscribeURL: unsubscribe})
}

// mailItem is one line of news.
type mailItem struct {
	kind   string
	urgent bool
	typ    string
	from   string // who, never what they wrote
	title  string // a public event's title only
	link   string
	detail string
}

// mailItem describes n for u; ok is false when it must not be mailed
// (a type never mailed, or something u may no longer read).
func (s *Service) mailItem(ctx context.Context, u *model.User, n *model.Notification) (*mailItem, bool, error) {
	var st *model.Status
	if n.StatusID != nil {
		var err error
		st, err = s.Store.StatusByID(ctx, *n.StatusID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if ok, err := s.CanView(ctx, u.Account, st); err != nil || !ok {
			return nil, false, err
		}
	}
	kind, urgent := mailKindOf(n, st)
	if kind == "" {
		return nil, false, nil
	}
	it := &mailItem{kind: kind, urgent: urgent, typ: n.Type, detail: n.Detail, link: s.Config.BaseURL() + "/notifications"}
	if n.FromAccountID != nil {
		if a, err := s.Store.AccountByID(ctx, *n.FromAccountID); err == nil {
			it.from = displayName(a)
		} else if !errors.Is(err, storage.ErrNotFound) {
			return nil, false, err
		}
	}
	switch {
	case n.EventID != nil:
		ev, err := s.Store.EventByID(ctx, *n.EventID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		it.link = s.Config.BaseURL() + "/events/" + ev.ID
		if st != nil && st.Visibility == model.VisibilityPublic {
			it.title = ev.Title
		}
		if n.Type == NotificationEventChanged && ev.EventStatus == "CANCELLED" && strings.Contains(n.Detail, ChangedStatus) {
			it.typ = "coopol.event_cancelled"
		}
	case kind == MailMessages:
		it.link = s.Config.BaseURL() + "/messages"
	case st != nil && st.Account != nil:
		it.link = s.Config.BaseURL() + "/@" + st.Account.Acct() + "/" + st.ID
	}
	return it, true, nil
}

// sentence says what happened, in lang.
func (it *mailItem) sentence(s *Service, lang string) string {
	key := typeKey(it.typ)
	if it.kind == MailMessages {
		key = "mailnotif.type.message"
	}
	from := it.from
	if from == "" {
		from = s.MailText(lang, "mailnotif.someone")
	}
	var changed []string
	for _, what := range strings.Split(it.detail, ",") {
		switch what {
		case ChangedTime, ChangedPlace, ChangedStatus:
			changed = append(changed, s.MailText(lang, "notif.changed_"+what))
		}
	}
	return s.MailText(lang, key, "From", from, "Title", it.title, "Changed", strings.Join(changed, ", "))
}

func displayName(a *model.Account) string {
	if a == nil {
		return ""
	}
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Acct()
}

// mailLang is the language the person chose their mails in, else their
// account's, else the instance's.
func (s *Service) mailLang(u *model.User, p *model.MailPreferences) string {
	for _, pref := range []string{p.Language, u.Locale} {
		if l, _, _ := strings.Cut(strings.ReplaceAll(pref, "_", "-"), "-"); l != "" {
			return strings.ToLower(l)
		}
	}
	return s.Config.Instance.Language
}

func (s *Service) mailFooter(lang, unsubscribe string) string {
	return "\n-- \n" + s.MailText(lang, "mailnotif.footer", "Instance", s.Config.Instance.Name,
		"Settings", s.Config.BaseURL()+"/settings", "Unsubscribe", unsubscribe)
}

// Digests.

// DigestHour is the local hour (Europe/Paris) from which the daily digest
// of a day, and on Mondays the weekly one, goes out.
const DigestHour = 7

// DigestInterval is how often the digest job looks for digests due.
const DigestInterval = 15 * time.Minute

var digestZone = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Paris"); err == nil {
		return loc
	}
	return time.UTC
}()

// digestPeriods names the daily and weekly periods now falls in: a day
// starts at DigestHour, a week on Monday at DigestHour.
func digestPeriods(now time.Time) (daily, weekly string) {
	t := now.In(digestZone).Add(-DigestHour * time.Hour)
	year, week := t.ISOWeek()
	return "d:" + t.Format("2006-01-02"), fmt.Sprintf("w:%04d-W%02d", year, week)
}

// DigestWorker sends the digests due (queue.DigestArgs).
type DigestWorker struct {
	river.WorkerDefaults[queue.DigestArgs]
	Social *Service
}

func (w *DigestWorker) Work(ctx context.Context, _ *river.Job[queue.DigestArgs]) error {
	n, err := w.Social.SendDigests(ctx, w.Social.now())
	if n > 0 {
		w.Social.Log.Info("mail digests queued", "count", n)
	}
	return err
}

// SendDigests queues the digests due at now, one mail per person and
// period at most: the daily digest for people who chose "daily"; the
// weekly one for "weekly" and, with the new actions and the news that
// does not go at once, for "immediately". Each person's period is
// recorded in the transaction that queues the mail, so running this
// twice, or on two replicas, sends once. It returns the mails queued.
func (s *Service) SendDigests(ctx context.Context, now time.Time) (int, error) {
	if !s.MailEnabled() || s.MailText == nil {
		return 0, nil
	}
	section, err := s.Store.LocalAccount(ctx, s.Config.Section.Username)
	if err != nil {
		return 0, fmt.Errorf("digests: section: %w", err)
	}
	daily, weekly := digestPeriods(now)
	sent := 0
	for _, run := range []struct {
		period      string
		frequencies []string
		withDefault bool
		length      time.Duration
	}{
		{daily, []string{model.MailDaily}, false, 24 * time.Hour},
		{weekly, []string{model.MailWeekly, model.MailImmediately}, true, 7 * 24 * time.Hour},
	} {
		failed := map[string]bool{}
		for range 50 { // batches; the next run goes on
			users, err := s.Store.DigestCandidates(ctx, run.period, run.frequencies, run.withDefault, 100+len(failed))
			if err != nil {
				return sent, err
			}
			progress := false
			for i := range users {
				u := &users[i]
				if failed[u.ID] {
					continue
				}
				progress = true
				ok, err := s.sendDigest(ctx, u, section, run.period, now, now.Add(-run.length))
				if err != nil {
					failed[u.ID] = true
					s.Log.Error("mail digest", "account", u.AccountID, "err", err)
					continue
				}
				if ok {
					sent++
				}
			}
			if !progress {
				break
			}
		}
	}
	return sent, nil
}

// sendDigest gathers u's news since their last digest (at most since
// floor) and queues the mail; ok is false when there was nothing to say
// or the period was already done. The period is recorded either way.
func (s *Service) sendDigest(ctx context.Context, u *model.User, section *model.Account, period string, now, floor time.Time) (bool, error) {
	p, err := s.Store.MailPreferences(ctx, nil, u.AccountID)
	if err != nil {
		return false, err
	}
	since, err := s.Store.LastDigestAt(ctx, u.AccountID)
	if err != nil {
		return false, err
	}
	if since.Before(floor) {
		since = floor
	}
	var items []*mailItem
	if p.Frequency != model.MailNever {
		notes, err := s.Store.UnreadNotificationsBetween(ctx, u.AccountID, since, now, 200)
		if err != nil {
			return false, err
		}
		for i := range notes {
			it, ok, err := s.mailItem(ctx, u, &notes[i])
			if err != nil {
				return false, err
			}
			// What went (or should have gone) at once is not repeated.
			if ok && WantsMail(p, it.kind) && !mailsAtOnce(p, it.kind, it.urgent) {
				items = append(items, it)
			}
		}
	}
	var actions []model.Event
	if WantsMail(p, MailActions) {
		if actions, err = s.Store.NewPublicActions(ctx, u.AccountID, section.ID, since, now, now, 50); err != nil {
			return false, err
		}
	}
	count := len(items) + len(actions)
	var msg *mail.Message
	if count > 0 {
		if msg, err = s.digestMail(ctx, u, p, items, actions); err != nil {
			return false, err
		}
	}
	sent := false
	err = s.Store.InTx(ctx, func(tx bun.Tx) error {
		claimed, err := s.Store.ClaimDigest(ctx, tx, &model.MailDigest{AccountID: u.AccountID, Period: period, Items: count, SentAt: now})
		if err != nil || !claimed || msg == nil {
			return err
		}
		sent = true
		return s.SendMail(ctx, &tx, *msg)
	})
	return sent, err
}

func (s *Service) digestMail(ctx context.Context, u *model.User, p *model.MailPreferences, items []*mailItem, actions []model.Event) (*mail.Message, error) {
	lang := s.mailLang(u, p)
	unsubscribe, err := s.UnsubscribeURL(ctx, u.AccountID)
	if err != nil {
		return nil, err
	}
	subjectKey := "mailnotif.digest_subject_weekly"
	if p.Frequency == model.MailDaily {
		subjectKey = "mailnotif.digest_subject_daily"
	}
	var b strings.Builder
	b.WriteString(s.MailText(lang, "mailnotif.hello", "Name", displayName(u.Account)))
	b.WriteString("\n\n")
	if len(items) > 0 {
		b.WriteString(s.MailText(lang, "mailnotif.digest_news"))
		b.WriteString("\n\n")
		for _, it := range items {
			fmt.Fprintf(&b, "- %s\n  %s\n", it.sentence(s, lang), it.link)
		}
		b.WriteString("\n")
	}
	if len(actions) > 0 {
		b.WriteString(s.MailText(lang, "mailnotif.digest_actions"))
		b.WriteString("\n\n")
		for i := range actions {
			ev := &actions[i]
			fmt.Fprintf(&b, "- %s — %s\n  %s\n", ev.Title, eventWhen(ev, lang), s.Config.BaseURL()+"/events/"+ev.ID)
		}
		b.WriteString("\n")
	}
	b.WriteString(s.MailText(lang, "mailnotif.digest_more", "Link", s.Config.BaseURL()+"/notifications"))
	b.WriteString("\n")
	b.WriteString(s.mailFooter(lang, unsubscribe))
	return &mail.Message{To: u.Email, Subject: s.MailText(lang, subjectKey, "Instance", s.Config.Instance.Name),
		Text: b.String(), UnsubscribeURL: unsubscribe}, nil
}

// eventWhen is an event's start in its own time zone, with its town.
func eventWhen(ev *model.Event, lang string) string {
	loc, err := time.LoadLocation(ev.Timezone)
	if err != nil {
		loc = digestZone
	}
	layout := "02/01/2006 15:04"
	if lang == "en" {
		layout = "2006-01-02 15:04"
	}
	when := ev.StartAt.In(loc).Format(layout)
	if ev.Locality != "" {
		when += ", " + ev.Locality
	}
	return when
}

// Unsubscribing.

// unsubscribePurpose keys the unsubscribe tokens (auth.ServerSecret).
const unsubscribePurpose = "mail-unsubscribe"

func (s *Service) unsubscribeKey(ctx context.Context) ([]byte, error) {
	s.secretOnce.Do(func() {
		s.secret = &auth.ServerSecret{Load: func(ctx context.Context) (string, error) {
			a, err := s.InstanceActor(ctx)
			if err != nil {
				return "", err
			}
			return a.PrivateKeyPEM, nil
		}}
	})
	return s.secret.Key(ctx, unsubscribePurpose)
}

// UnsubscribeToken is accountID's one-click unsubscribe token: the
// account id and an HMAC of it under a server key, so it cannot be
// guessed or made for another account, and needs no storage.
func (s *Service) UnsubscribeToken(ctx context.Context, accountID string) (string, error) {
	key, err := s.unsubscribeKey(ctx)
	if err != nil {
		return "", err
	}
	return accountID + "." + auth.BoundToken(key, accountID), nil
}

// UnsubscribeURL is the link every notification mail carries.
func (s *Service) UnsubscribeURL(ctx context.Context, accountID string) (string, error) {
	token, err := s.UnsubscribeToken(ctx, accountID)
	if err != nil {
		return "", err
	}
	return s.Config.BaseURL() + "/mail/unsubscribe/" + token, nil
}

// CheckUnsubscribeToken returns the account a token was made for;
// ErrNotFound for a token that is not ours or names no one who can log in.
func (s *Service) CheckUnsubscribeToken(ctx context.Context, token string) (string, error) {
	accountID, mac, ok := strings.Cut(token, ".")
	if !ok || accountID == "" || mac == "" || len(token) > 200 {
		return "", ErrNotFound
	}
	key, err := s.unsubscribeKey(ctx)
	if err != nil {
		return "", err
	}
	if !hmac.Equal([]byte(mac), []byte(auth.BoundToken(key, accountID))) {
		return "", ErrNotFound
	}
	if _, err := s.Store.UserByAccountID(ctx, accountID); err != nil {
		return "", mapNotFound(err)
	}
	return accountID, nil
}

// Unsubscribe stops every notification mail to the holder of token
// (frequency "never"); the kinds they chose are kept for when they come
// back in their settings.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	accountID, err := s.CheckUnsubscribeToken(ctx, token)
	if err != nil {
		return err
	}
	if err := s.Store.SetMailFrequency(ctx, accountID, model.MailNever, s.now()); err != nil {
		return err
	}
	s.Log.Info("mail: unsubscribed by link", "account", accountID)
	return nil
}

// MailPreferences returns what account wants by mail.
func (s *Service) MailPreferences(ctx context.Context, account *model.Account) (*model.MailPreferences, error) {
	return s.Store.MailPreferences(ctx, nil, account.ID)
}

// SaveMailPreferences stores account's choices; an unknown frequency is
// refused and changes nothing.
func (s *Service) SaveMailPreferences(ctx context.Context, account *model.Account, p model.MailPreferences) error {
	valid := false
	for _, f := range model.MailFrequencies {
		valid = valid || f == p.Frequency
	}
	if !valid {
		return &ValidationError{Msg: "Unknown e-mail frequency."}
	}
	p.AccountID, p.UpdatedAt = account.ID, s.now()
	return s.Store.SaveMailPreferences(ctx, &p)
}

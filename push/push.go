// Package push sends notifications to Mastodon apps by Web Push: the
// payload is encrypted for the subscription (aes128gcm, RFC 8291) and the
// request is signed with the instance's VAPID key (RFC 8292), both by
// github.com/SherClockHolmes/webpush-go. Requests go through the
// SSRF-safe client: a subscription endpoint is a URL given by a client,
// so it may not point at our own network.
package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/riverqueue/river"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/httpclient"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/queue"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/text"
)

// Keys returns the instance's VAPID key pair, generating and storing it
// on first use (the first start).
func Keys(ctx context.Context, store *storage.Storage) (*model.VAPIDKeys, error) {
	return store.VAPIDKeys(ctx, func() (*model.VAPIDKeys, error) {
		private, public, err := webpush.GenerateVAPIDKeys()
		if err != nil {
			return nil, fmt.Errorf("push: generate VAPID keys: %w", err)
		}
		return &model.VAPIDKeys{PublicKey: public, PrivateKey: private, CreatedAt: time.Now().UTC()}, nil
	})
}

// Alerts are the notification types a subscription can switch on, as in
// Mastodon. Coopol's own kinds (coopol.*) are pushed unless the
// subscription names them with false: Mastodon apps do not know them, and
// a member must hear that a place was freed for them.
var Alerts = []string{"mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update", "admin.sign_up", "admin.report"}

// Wants reports whether sub asked for notifications of type typ.
func Wants(sub *model.PushSubscription, typ string) bool {
	on, named := sub.Alerts[typ]
	if named {
		return on
	}
	return strings.HasPrefix(typ, "coopol.")
}

// Payload is the decrypted push message, as Mastodon sends it.
type Payload struct {
	// AccessToken is always empty: Coopol keeps only hashes of tokens
	// (U-03), so it cannot hand the token back. Apps that need it to
	// fetch the notification already hold it.
	AccessToken      string `json:"access_token"`
	PreferredLocale  string `json:"preferred_locale"`
	NotificationID   string `json:"notification_id"`
	NotificationType string `json:"notification_type"`
	Icon             string `json:"icon"`
	Title            string `json:"title"`
	Body             string `json:"body"`
}

// Worker sends one notification to one subscription.
type Worker struct {
	river.WorkerDefaults[queue.PushArgs]
	Config config.Config
	Store  *storage.Storage
	Client *httpclient.Client
	Log    *slog.Logger
	// CanView is the audience rule (social.Service.CanView): a
	// notification about a status the recipient may no longer see is
	// not pushed.
	CanView func(ctx context.Context, viewer *model.Account, st *model.Status) (bool, error)
}

func (w *Worker) Work(ctx context.Context, job *river.Job[queue.PushArgs]) error {
	n, err := w.Store.NotificationByID(ctx, job.Args.NotificationID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // rolled back or dismissed
	}
	if err != nil {
		return err
	}
	sub, err := w.Store.ActivePushSubscription(ctx, job.Args.SubscriptionID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // unsubscribed meanwhile
	}
	if err != nil {
		return err
	}
	if sub.AccountID != n.AccountID || !Wants(sub, n.Type) {
		return nil
	}
	recipient, err := w.Store.AccountByID(ctx, n.AccountID)
	if err != nil {
		return err
	}
	payload, ok, err := w.payload(ctx, recipient, n, sub)
	if err != nil || !ok {
		return err
	}
	return w.send(ctx, sub, payload)
}

// payload builds the message; ok is false when it must not be sent
// (policy, or a status the recipient may no longer see).
func (w *Worker) payload(ctx context.Context, recipient *model.Account, n *model.Notification, sub *model.PushSubscription) (*Payload, bool, error) {
	var from *model.Account
	fromID := n.FromAccountID
	if fromID == nil {
		fromID = n.GroupID
	}
	if fromID != nil {
		a, err := w.Store.AccountByID(ctx, *fromID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, false, err
		}
		if err == nil {
			from = a
		}
	}
	if ok, err := w.policyAllows(ctx, sub.Policy, recipient, from); err != nil || !ok {
		return nil, false, err
	}
	var st *model.Status
	if n.StatusID != nil {
		s, err := w.Store.StatusByID(ctx, *n.StatusID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if w.CanView != nil {
			ok, err := w.CanView(ctx, recipient, s)
			if err != nil || !ok {
				return nil, false, err
			}
		}
		st = s
	}
	var eventTitle string
	if n.EventID != nil {
		if ev, err := w.Store.EventByID(ctx, *n.EventID); err == nil {
			eventTitle = ev.Title
		}
	}
	name := "Someone"
	icon := w.Config.BaseURL() + "/avatars/original/missing.png"
	if from != nil {
		name = from.DisplayName
		if name == "" {
			name = from.Username
		}
		if from.AvatarRemoteURL != "" {
			icon = from.AvatarRemoteURL
		}
	}
	p := &Payload{
		PreferredLocale: "en", NotificationID: n.ID, NotificationType: n.Type, Icon: icon,
		Title: title(n.Type, name, eventTitle),
	}
	if u, err := w.Store.UserByAccountID(ctx, recipient.ID); err == nil && u.Locale != "" {
		p.PreferredLocale = u.Locale
	}
	switch {
	case eventTitle != "":
		p.Body = eventTitle
	case st != nil:
		body := st.SpoilerText // a content warning is all a lock screen shows
		if body == "" {
			body = text.StripHTML(st.Content)
		}
		p.Body = truncate(body, 140)
	}
	return p, true, nil
}

// policyAllows applies the subscription's policy to the notification's
// sender (Mastodon: all, followed, follower, none).
func (w *Worker) policyAllows(ctx context.Context, policy string, recipient, from *model.Account) (bool, error) {
	switch policy {
	case model.PushPolicyNone:
		return false, nil
	case model.PushPolicyFollowed:
		if from == nil {
			return false, nil
		}
		return w.Store.IsFollowing(ctx, recipient.ID, from.ID)
	case model.PushPolicyFollower:
		if from == nil {
			return false, nil
		}
		return w.Store.IsFollowing(ctx, from.ID, recipient.ID)
	}
	return true, nil
}

func (w *Worker) send(ctx context.Context, sub *model.PushSubscription, p *Payload) error {
	keys, err := Keys(ctx, w.Store)
	if err != nil {
		return err
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	subscriber := w.Config.Instance.ContactEmail
	if subscriber == "" {
		subscriber = w.Config.BaseURL()
	}
	// Do validates the endpoint like any outgoing URL (scheme, no
	// credentials) before the dialer refuses private addresses.
	resp, err := webpush.SendNotificationWithContext(ctx, body, &webpush.Subscription{
		Endpoint: sub.Endpoint, Keys: webpush.Keys{Auth: sub.Auth, P256dh: sub.P256dh},
	}, &webpush.Options{
		HTTPClient: w.Client, Subscriber: subscriber, TTL: 48 * 3600, Urgency: webpush.UrgencyNormal,
		VAPIDPublicKey: keys.PublicKey, VAPIDPrivateKey: keys.PrivateKey,
	})
	if errors.Is(err, httpclient.ErrForbiddenAddress) || errors.Is(err, httpclient.ErrInvalidURL) {
		// N-01: an endpoint on a private network is never reached, and
		// retrying will not change that.
		w.log().Warn("push endpoint refused", "host", endpointHost(sub.Endpoint), "reason", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("push: send to %s: %w", endpointHost(sub.Endpoint), err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		// The browser or app unsubscribed: forget it (RFC 8030 §7.3).
		w.log().Info("push subscription gone", "host", endpointHost(sub.Endpoint))
		return w.Store.DeletePushSubscriptionByID(ctx, sub.ID)
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("push: %s answered %d", endpointHost(sub.Endpoint), resp.StatusCode)
	case resp.StatusCode >= 300:
		// Other refusals (bad key, payload too large) will not get
		// better with a retry.
		w.log().Warn("push refused", "host", endpointHost(sub.Endpoint), "status", resp.StatusCode)
	}
	return nil
}

func (w *Worker) log() *slog.Logger {
	if w.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Log
}

// endpointHost is what we log of an endpoint: its path identifies the
// subscriber.
func endpointHost(endpoint string) string {
	if u, err := httpclient.ValidateURL(endpoint); err == nil {
		return u.Host
	}
	return "(invalid)"
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// title says what happened, in Mastodon's words for its types.
func title(typ, name, event string) string {
	switch typ {
	case "mention":
		return name + " mentioned you"
	case "status":
		return name + " just posted"
	case "reblog":
		return name + " boosted your post"
	case "follow":
		return name + " is now following you"
	case "follow_request":
		return name + " wants to follow you"
	case "favourite":
		return name + " favourited your post"
	case "poll":
		return "A poll has ended"
	case "update":
		return name + " edited a post"
	case "admin.sign_up":
		return name + " signed up"
	case "admin.report":
		return name + " filed a report"
	case "coopol.account_approved":
		return "Your account is approved"
	case "coopol.action_promoted":
		return "A place was freed: you are in"
	case "coopol.action_signup":
		return name + " signed up for your action"
	case "coopol.action_cancel":
		return name + " cancelled their sign-up"
	case "coopol.action_full":
		return "Your action is full"
	case "coopol.action_reminder":
		return "Reminder: your action starts soon"
	case "coopol.group_invite":
		return name + " invited you to a group"
	case "coopol.group_join_request":
		return name + " asks to join your group"
	case "coopol.group_join_accepted":
		return "You joined " + name
	case "coopol.group_join_rejected":
		return "Your request to join " + name + " was declined"
	}
	if event != "" {
		return event + " changed"
	}
	return "New notification"
}

package social

// Reaching an action's participants (issue 14): the organiser writes once;
// each participant receives the text as a private message of their own (a
// direct status addressed to them alone, remote ones through their
// server), so that nobody learns who else signed up. Replies come back to
// the organiser only.

import (
	"context"
	"html"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/text"
)

// ParticipantsMessage is what an organiser sends to an action's people.
type ParticipantsMessage struct {
	Text string
	// Waiting: also those on the waiting list (and, for a remote sign-up
	// not yet answered, pending).
	Waiting bool
}

// MessageParticipants sends one direct message per participant of an
// event and returns how many were sent. Only the event's organisers may.
func (s *Service) MessageParticipants(ctx context.Context, organizer *model.Account, eventID string, in ParticipantsMessage) (int, error) {
	ev, err := s.organizedEvent(ctx, organizer, eventID)
	if err != nil {
		return 0, err
	}
	if !ev.Status.Local {
		return 0, ErrNotFound // its organisers are on another server
	}
	body := strings.TrimSpace(in.Text)
	if body == "" {
		return 0, invalid("text can't be blank")
	}
	if n := text.CountChars(body); n > s.Config.Instance.MaxStatusChars {
		return 0, invalid("text is too long (%d characters, at most %d)", n, s.Config.Instance.MaxStatusChars)
	}
	ps, err := s.Store.Participants(ctx, ev.ID)
	if err != nil {
		return 0, err
	}
	states := []string{model.ParticipationGoing}
	if in.Waiting {
		states = append(states, model.ParticipationWaitlisted, model.ParticipationPending)
	}
	seen := map[string]bool{organizer.ID: true} // the organiser knows what they wrote
	var recipients []*model.Account
	for i := range ps {
		p := &ps[i]
		if p.Account == nil || p.Account.SuspendedAt != nil || seen[p.AccountID] || !slices.Contains(states, p.State) {
			continue
		}
		seen[p.AccountID] = true
		recipients = append(recipients, p.Account)
	}
	f := s.format(ctx, body)
	head := "<p>" + html.EscapeString("À propos de « ") + `<a href="` + html.EscapeString(s.URIs.Event(ev.ID)) + `">` +
		html.EscapeString(ev.Title) + "</a>" + html.EscapeString(" » :") + "</p>"
	sent := 0
	for _, to := range recipients {
		if err := s.sendPrivate(ctx, organizer, to, body, head+f.html); err != nil {
			return sent, err
		}
		sent++
	}
	// Counts only: never the text nor who received it.
	s.Log.Info("event: participants messaged", "event", ev.ID, "by", organizer.ID, "recipients", sent, "waiting", in.Waiting)
	return sent, nil
}

// sendPrivate publishes one direct status from author to recipient alone:
// a mention of the recipient opens it (Mastodon shows a direct message
// only with it), then the organiser's text.
func (s *Service) sendPrivate(ctx context.Context, author, recipient *model.Account, source, content string) error {
	now := s.now()
	id := model.NewID(now)
	href := recipient.URL
	if href == "" {
		href = recipient.URI
	}
	name := "@" + recipient.Username
	mention := `<p><span class="h-card"><a href="` + html.EscapeString(href) + `" class="u-url mention">` + html.EscapeString(name) + `</a></span></p>`
	st := &model.Status{
		ID: id, URI: s.URIs.Status(author.Username, id), URL: s.URIs.StatusURL(author.Username, id),
		AccountID: author.ID, Local: true, APType: "Note", SourceText: "@" + recipient.Acct() + " " + source,
		Content: mention + content, Language: s.Config.Instance.Language, Visibility: model.VisibilityDirect,
		ThreadID: id, CreatedAt: now, UpdatedAt: now, Account: author,
	}
	recipients := []model.Account{*recipient}
	return s.Store.InTx(ctx, func(tx bun.Tx) error {
		if err := s.Store.InsertStatus(ctx, tx, st, []model.StatusRecipient{{AccountID: recipient.ID, Mentioned: true}}, nil); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, recipient, "mention", author, &st.ID); err != nil {
			return err
		}
		if err := s.publishStatus(ctx, tx, "Create", st, recipients, nil); err != nil {
			return err
		}
		s.emit(ctx, tx, "status", st.ID, "")
		return nil
	})
}

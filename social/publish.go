package social

import (
	"context"
	"fmt"
	"strings"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/coopol/coopol/federation/ap"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/queue"
)

// newActivityID returns a fresh id and its IRI for an activity we emit.
func (s *Service) newActivityID() (id, uri string) {
	id = model.NewID(s.now())
	return id, s.URIs.Activity(id)
}

// publish stores an outgoing activity and enqueues one delivery per
// inbox, in the caller's transaction: the activity is delivered if and
// only if the change that caused it commits.
func (s *Service) publish(ctx context.Context, tx bun.Tx, actor *model.Account, act *ap.Activity, extraContext map[string]any, inboxes []string) error {
	doc, err := ap.BuildActivity(act, extraContext)
	if err != nil {
		return err
	}
	return s.publishDocument(ctx, tx, actor, doc, inboxes)
}

// publishDocument is publish for a document built by hand (activities
// that embed raw JSON received from elsewhere, such as a group's Announce
// of a member's Create, FEP-1b12).
func (s *Service) publishDocument(ctx context.Context, tx bun.Tx, actor *model.Account, doc ap.Document, inboxes []string) error {
	body, err := doc.JSON()
	if err != nil {
		return err
	}
	uri := ap.Str(doc, "id")
	id, ok := strings.CutPrefix(uri, s.URIs.Activity(""))
	if !ok || id == "" {
		return fmt.Errorf("publish: activity id %q is not one of ours", uri)
	}
	row := &model.OutboxActivity{
		ID: id, URI: uri, AccountID: actor.ID, Type: ap.Type(doc), ObjectURI: ap.ID(doc["object"]),
		Public: ap.IsPublic(ap.IDs(doc["to"])) || ap.IsPublic(ap.IDs(doc["cc"])), Body: string(body), CreatedAt: s.now(),
	}
	if err := s.Store.InsertOutboxActivity(ctx, tx, row); err != nil {
		return err
	}
	if len(inboxes) == 0 {
		return nil
	}
	if s.Queue == nil {
		return fmt.Errorf("publish: no delivery queue configured")
	}
	jobs := make([]river.JobArgs, 0, len(inboxes))
	for _, inbox := range inboxes {
		jobs = append(jobs, queue.DeliverArgs{ActivityID: id, Inbox: inbox})
	}
	return s.Queue.EnqueueTx(ctx, tx, jobs...)
}

// notify stores a notification for a local account (remote accounts are
// notified by their own servers).
func (s *Service) notify(ctx context.Context, db bun.IDB, recipient *model.Account, typ string, from *model.Account, statusID *string) error {
	if recipient == nil || !recipient.IsLocal() || (from != nil && from.ID == recipient.ID) {
		return nil
	}
	if wanted, err := s.notificationWanted(ctx, db, recipient, typ, from, statusID); err != nil || !wanted {
		return err
	}
	n := &model.Notification{ID: model.NewID(s.now()), AccountID: recipient.ID, Type: typ, StatusID: statusID, CreatedAt: s.now()}
	if from != nil {
		n.FromAccountID = &from.ID
	}
	if err := s.Store.InsertNotification(ctx, db, n); err != nil {
		return err
	}
	s.emit(ctx, db, "notification", n.ID, recipient.ID)
	return nil
}

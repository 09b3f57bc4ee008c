package social

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// MinScheduleDelay is how far ahead a post must be scheduled (Mastodon:
// five minutes; sooner is posting now).
const MinScheduleDelay = 5 * time.Minute

// MaxScheduledStatuses a person may have waiting (Mastodon's limit).
const MaxScheduledStatuses = 300

// ScheduleStatus keeps a post to publish at `at`. It is checked now as
// far as can be (text, visibility, poll, media), so that a mistake is
// answered to the person rather than lost in the job.
func (s *Service) ScheduleStatus(ctx context.Context, author *model.Account, in NewStatus, at time.Time, applicationID *string) (*storage.ScheduledStatus, error) {
	now := s.now()
	if at.Before(now.Add(MinScheduleDelay)) {
		return nil, invalid("scheduled_at must be at least 5 minutes in the future")
	}
	if in.Text == "" && len(in.MediaIDs) == 0 {
		return nil, invalid("text can't be blank")
	}
	if len(in.MediaIDs) > MaxMediaAttachments {
		return nil, invalid("at most %d media attachments", MaxMediaAttachments)
	}
	if in.Poll != nil {
		if err := s.validatePoll(in.Poll); err != nil {
			return nil, err
		}
	}
	for _, id := range in.MediaIDs {
		m, err := s.Store.MediaByID(ctx, id)
		if err != nil || m.AccountID != author.ID || m.StatusID != nil {
			return nil, invalid("media attachments must be your own, not yet posted, uploads")
		}
	}
	n, err := s.Store.CountScheduledStatuses(ctx, author.ID)
	if err != nil {
		return nil, err
	}
	if n >= MaxScheduledStatuses {
		return nil, invalid("too many scheduled posts")
	}
	params, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	ss := &storage.ScheduledStatus{ID: model.NewID(now), AccountID: author.ID, ApplicationID: applicationID, ScheduledAt: at.UTC(),
		Params: string(params), MediaIDs: in.MediaIDs, CreatedAt: now}
	if ss.MediaIDs == nil {
		ss.MediaIDs = []string{}
	}
	if err := s.Store.InsertScheduledStatus(ctx, ss); err != nil {
		return nil, err
	}
	return ss, nil
}

// ScheduledParams decodes what a scheduled status will post.
func ScheduledParams(ss *storage.ScheduledStatus) NewStatus {
	var in NewStatus
	_ = json.Unmarshal([]byte(ss.Params), &in) // written by ScheduleStatus
	return in
}

// PublishScheduled posts the scheduled statuses whose time has come. Run
// by the periodic job; each is claimed by deleting it first, so that two
// replicas never post it twice. A post that can no longer be made (the
// group left, the media gone) is dropped with a log line, not retried.
func (s *Service) PublishScheduled(ctx context.Context) (int, error) {
	due, err := s.Store.DueScheduledStatuses(ctx, s.now(), 100)
	if err != nil {
		return 0, err
	}
	published := 0
	for i := range due {
		ss := &due[i]
		claimed, err := s.Store.DeleteScheduledStatus(ctx, s.Store.DB, "", ss.ID)
		if err != nil {
			return published, err
		}
		if !claimed {
			continue
		}
		author, err := s.Store.AccountByID(ctx, ss.AccountID)
		if err != nil {
			continue // the account is gone
		}
		if author.SuspendedAt != nil {
			continue
		}
		st, err := s.CreateStatus(ctx, author, ScheduledParams(ss))
		var inv *ValidationError
		if errors.As(err, &inv) {
			s.Log.Info("scheduled post dropped", "scheduled_status", ss.ID, "reason", inv.Error())
			continue
		}
		if err != nil {
			return published, err
		}
		if ss.ApplicationID != nil {
			if err := s.Store.SetStatusApplication(ctx, st.ID, *ss.ApplicationID); err != nil {
				s.Log.Warn("record status application", "err", err)
			}
		}
		published++
	}
	return published, nil
}

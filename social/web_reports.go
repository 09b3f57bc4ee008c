package social

import (
	"context"
	"strings"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/text"
)

// MaxReportCommentChars bounds a report's comment (Mastodon's limit).
const MaxReportCommentChars = 1000

// Report files a report about target with the instance's moderators (the
// section dashboard's queue). Only statuses by target that the reporter
// may see are attached: a report cannot be used to learn about posts one
// may not read. Forwarding to a remote account's server (Flag) is left
// to the federation.
func (s *Service) Report(ctx context.Context, reporter, target *model.Account, statusIDs []string, comment string) (*model.Report, error) {
	if reporter.ID == target.ID {
		return nil, invalid("you cannot report yourself")
	}
	comment = strings.TrimSpace(comment)
	if text.CountChars(comment) > MaxReportCommentChars {
		return nil, invalid("the comment is too long (at most %d characters)", MaxReportCommentChars)
	}
	attached := []string{}
	for _, id := range statusIDs {
		st, err := s.visibleStatus(ctx, reporter, id)
		if err == ErrNotFound {
			continue
		} else if err != nil {
			return nil, err
		}
		if st.AccountID == target.ID {
			attached = append(attached, st.ID)
		}
	}
	now := s.now()
	r := &model.Report{ID: model.NewID(now), AccountID: &reporter.ID, TargetAccountID: target.ID, StatusIDs: attached,
		Comment: comment, CreatedAt: now}
	if err := s.fileReport(ctx, r); err != nil {
		return nil, err
	}
	s.Log.Info("report filed", "report", r.ID)
	return r, nil
}

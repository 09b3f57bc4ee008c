package social

import (
	"context"

	"github.com/coopol/coopol/model"
)

// checkMembersOnlyMentions refuses a members-only post that mentions
// someone outside its group: a mention never widens the audience, so it
// would be a promise the post cannot keep (and would tell a stranger the
// post exists). Mentioning the group itself is fine.
func (s *Service) checkMembersOnlyMentions(ctx context.Context, st *model.Status, mentioned []model.Account) error {
	if st.Visibility != model.VisibilityMembers || st.GroupID == nil {
		return nil
	}
	for _, a := range mentioned {
		if a.ID == *st.GroupID || a.ID == st.AccountID {
			continue
		}
		ok, err := s.Store.IsMember(ctx, *st.GroupID, a.ID)
		if err != nil {
			return err
		}
		if !ok {
			return invalid("a members-only post may mention members of its group only: %q is not one", "@"+a.Acct())
		}
	}
	return nil
}

// readersOnly keeps, of the accounts a stored status names, those who may
// read it: a members-only post notifies and addresses current members
// only, whatever its remote author put in to, cc or tag.
func (s *Service) readersOnly(ctx context.Context, st *model.Status, accounts []model.Account) ([]model.Account, error) {
	if st.Visibility != model.VisibilityMembers {
		return accounts, nil
	}
	out := make([]model.Account, 0, len(accounts))
	for i := range accounts {
		ok, err := s.CanView(ctx, &accounts[i], st)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, accounts[i])
		}
	}
	return out, nil
}

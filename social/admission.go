package social

import (
	"context"
	"slices"
	"strings"

	"github.com/coopol/coopol/model"
)

// Admission rules: who an open group admits without a moderator's
// approval. A moderated group asks approval of everyone; an invite-only
// group admits the invited only. Whatever the rule, a group where
// sympathisants may not join refuses them outright.
const (
	AdmitSection = "section" // this section's verified adherents (and staff)
	AdmitParty   = "party"   // the adherents of any of the party's sections
	AdmitAnyone  = "anyone"  // anyone, from any server
)

var admissions = []string{AdmitSection, AdmitParty, AdmitAnyone}

// standing is what admission knows of a person.
type standing int

const (
	sympathisant    standing = iota // not a verified adherent, or not known to be one
	partyAdherent                   // vouched for by their own section, listed in federation.sections
	sectionAdherent                 // verified by this section's staff
)

// AdherentChecker asks a person's own server whether it vouches for them
// as a verified adherent (federation implements it with a signed fetch of
// the actor document).
type AdherentChecker interface {
	VouchesAdherent(ctx context.Context, actorURI string) (bool, error)
}

// IsPartySection reports whether domain is configured as one of the
// party's sections (federation.sections).
func (s *Service) IsPartySection(domain string) bool {
	return slices.ContainsFunc(s.Config.Federation.Sections, func(d string) bool { return strings.EqualFold(strings.TrimSpace(d), domain) })
}

// IsVerifiedAdherent reports whether a local person is a verified
// adherent of this section (staff count as adherents).
func (s *Service) IsVerifiedAdherent(ctx context.Context, account *model.Account) bool {
	if account == nil || !account.IsLocal() {
		return false
	}
	u, err := s.Store.UserByAccountID(ctx, account.ID)
	return err == nil && sectionRole(u) != ""
}

// standingOf decides a person's standing. A remote person's adherent
// status is believed only from their own server, and only when that
// server is one of the party's sections: anyone else claiming it is a
// sympathisant here.
func (s *Service) standingOf(ctx context.Context, account *model.Account) standing {
	if account.IsLocal() {
		if s.IsVerifiedAdherent(ctx, account) {
			return sectionAdherent
		}
		return sympathisant
	}
	if !s.IsPartySection(account.Domain) {
		return sympathisant
	}
	checker, ok := s.Resolver.(AdherentChecker)
	if !ok {
		return sympathisant
	}
	vouched, err := checker.VouchesAdherent(ctx, account.URI)
	if err != nil {
		s.Log.Info("adherent check failed: treated as sympathisant", "domain", account.Domain, "err", err)
		return sympathisant
	}
	if vouched {
		return partyAdherent
	}
	return sympathisant
}

// admission is the answer to a Join.
type admission int

const (
	admissionRefused admission = iota
	admissionPending
	admissionAccepted
)

// decideAdmission applies a (non-section) group's rules to a person who
// was not invited.
func (s *Service) decideAdmission(ctx context.Context, g *model.Group, account *model.Account) admission {
	if g.Openness == OpennessInviteOnly {
		return admissionRefused
	}
	st := s.standingOf(ctx, account)
	if st == sympathisant && !g.SympathisantsMayJoin {
		return admissionRefused
	}
	if g.Openness != OpennessOpen {
		return admissionPending
	}
	rule := g.Admission
	if rule == "" {
		rule = AdmitSection
	}
	switch {
	case rule == AdmitAnyone,
		rule == AdmitParty && st >= partyAdherent,
		rule == AdmitSection && st == sectionAdherent:
		return admissionAccepted
	}
	return admissionPending
}

func validAdmission(rule string) bool { return slices.Contains(admissions, rule) }

// AdmissionRules is how a local group admits people.
type AdmissionRules struct {
	Openness             string // open, moderated, invite_only ("" keeps it)
	Admission            string // section, party, anyone ("" keeps it)
	SympathisantsMayJoin bool
}

// SetGroupAdmission lets a group's admins change its admission rules.
// The section has none: its membership follows adherent verification.
func (s *Service) SetGroupAdmission(ctx context.Context, admin, group *model.Account, in AdmissionRules) (*model.Group, error) {
	if !group.IsLocal() || !group.IsGroup() {
		return nil, ErrNotFound
	}
	if s.isSection(group) {
		return nil, sectionManagedByRoles()
	}
	role, err := s.GroupRole(ctx, admin, group.ID)
	if err != nil {
		return nil, err
	}
	if role != RoleCreator && role != RoleAdmin {
		return nil, ErrForbidden
	}
	g, err := s.Store.GroupByAccountID(ctx, group.ID)
	if err != nil {
		return nil, err
	}
	if in.Openness != "" {
		if !slices.Contains(opennesses, in.Openness) {
			return nil, invalid("openness must be one of %s", strings.Join(opennesses, ", "))
		}
		g.Openness = in.Openness
	}
	if in.Admission != "" {
		if !validAdmission(in.Admission) {
			return nil, invalid("admission must be one of %s", strings.Join(admissions, ", "))
		}
		g.Admission = in.Admission
	}
	g.SympathisantsMayJoin, g.UpdatedAt = in.SympathisantsMayJoin, s.now()
	_, err = s.Store.DB.NewUpdate().Model(g).Column("openness", "admission", "sympathisants_may_join", "updated_at").WherePK().Exec(ctx)
	if err != nil {
		return nil, err
	}
	if locked := g.Openness == OpennessInviteOnly; locked != group.Locked {
		group.Locked = locked
		if err := s.Store.UpdateAccount(ctx, group); err != nil {
			return nil, err
		}
	}
	return g, nil
}

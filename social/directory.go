package social

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/queue"
	"github.com/coopol/coopol/storage"
)

// Discovery: the directory of the party's sections and the search that
// finds sections, groups, actions and people by name, town or postal
// code. What each person may see is decided here, once, for the web
// pages and the API.

// SectionListing is one section of the directory with its next actions.
type SectionListing struct {
	storage.GroupEntry
	Upcoming []model.Event
}

// SectionDirectory lists the sections known here (this one, those of
// federation.sections, those seen in federation) with their next public
// events and actions that viewer may see.
func (s *Service) SectionDirectory(ctx context.Context, viewer *model.Account) ([]SectionListing, error) {
	sections, err := s.Store.Sections(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SectionListing, 0, len(sections))
	for _, entry := range sections {
		events, err := s.Store.WebUpcomingEvents(ctx, storage.WebEventQuery{From: s.now(), GroupID: entry.Account.ID, Listed: true, Limit: 3},
			storage.StatusFilter(s.VisibleFilter(viewer)))
		if err != nil {
			return nil, err
		}
		out = append(out, SectionListing{GroupEntry: entry, Upcoming: events})
	}
	return out, nil
}

// RefreshSectionDirectory finds the section of each configured domain
// not yet known here (section@domain, through WebFinger) and fetches its
// history, so that the directory and search show its actions.
func (s *Service) RefreshSectionDirectory(ctx context.Context) error {
	if s.Resolver == nil {
		return nil
	}
	var errs []error
	for _, domain := range s.Config.Federation.Sections {
		domain = strings.ToLower(strings.TrimSpace(domain))
		if domain == "" || domain == strings.ToLower(s.Config.Host) {
			continue
		}
		section, err := s.Resolver.ResolveHandle(ctx, "section", domain)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.DiscoverGroup(ctx, section, "directory"); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// DirectoryWorker refreshes the directory of sections.
type DirectoryWorker struct {
	river.WorkerDefaults[queue.DirectoryArgs]
	Social *Service
}

func (w *DirectoryWorker) Work(ctx context.Context, _ *river.Job[queue.DirectoryArgs]) error {
	if err := w.Social.RefreshSectionDirectory(ctx); err != nil {
		w.Social.Log.Warn("directory of sections: some sections unreachable", "err", err)
	}
	return nil // retried at the next period
}

// Found is what a directory search found.
type Found struct {
	Sections, Groups []storage.GroupEntry
	Events           []model.Event
	People           []model.Account
}

// Empty reports that nothing was found.
func (f *Found) Empty() bool {
	return len(f.Sections)+len(f.Groups)+len(f.Events)+len(f.People) == 0
}

// SearchDirectory finds, by name, town or postal code: sections and
// groups (here and known from federation), upcoming events and actions
// viewer may see, and local people. People are found only by people of
// this instance: verified adhérents and staff find each other by name;
// sympathisants are found only if they chose to be (off by default) and
// see only those who chose so.
func (s *Service) SearchDirectory(ctx context.Context, viewer *model.Account, query string) (*Found, error) {
	query = strings.TrimSpace(query)
	found := &Found{}
	if len([]rune(query)) < 2 || len(query) > 200 {
		return found, nil
	}
	groups, err := s.Store.SearchGroups(ctx, query, 20)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if g.Group.Kind == "section" {
			found.Sections = append(found.Sections, g)
			// First sight of a section: bring its history.
			if err := s.DiscoverGroup(ctx, &g.Account, "search"); err != nil {
				s.Log.Debug("search: history request failed", "err", err)
			}
		} else {
			found.Groups = append(found.Groups, g)
		}
	}
	if found.Events, err = s.Store.SearchEvents(ctx, query, s.now(), storage.StatusFilter(s.VisibleFilter(viewer)), 20); err != nil {
		return nil, err
	}
	if viewer != nil && viewer.IsLocal() {
		user, err := s.Store.UserByAccountID(ctx, viewer.ID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			members := user.Role != model.RoleSympathisant
			if found.People, err = s.Store.SearchLocalPeople(ctx, storage.PeopleSearch{Query: query, Members: members, Limit: 20}); err != nil {
				return nil, err
			}
		}
	}
	return found, nil
}

// DirectoryRefreshInterval is how often configured sections are looked
// up again (a section created since, a domain back up).
const DirectoryRefreshInterval = 6 * time.Hour

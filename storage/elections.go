package storage

// Election results per polling station (issue 8). Every read and write is
// scoped by the section's account id: this is the section's own working
// data, for its secretaries and moderators. The federation code must never
// call these functions (elections/isolation_test.go checks it does not).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// ErrElectionExists is returned when a section imports a label it already
// has and did not ask to replace it.
var ErrElectionExists = errors.New("an election with this label was already imported")

// electionBatch is how many rows go in one multi-row INSERT: 200 rows of
// station_results use 1,800 bind parameters, far below both databases'
// limits, and cut the round trips of a national file by 200.
const electionBatch = 200

// ElectionImport is one parsed results file, ready to store.
type ElectionImport struct {
	// Election carries SectionID, Label, Round, SourceName and Encoding;
	// ImportElection sets its ID, StationCount and times.
	Election *model.Election
	// Results carry their Station (CommuneCode, CommuneName, Code, and
	// Geometry, where "" keeps a shape stored by an earlier import).
	Results []model.StationResult
	// Replace lets a label already imported be replaced (same election id,
	// new figures); without it the import is refused.
	Replace bool
	// Progress, if set, is called as rows are written.
	Progress func(done, total int)
}

// ImportElection stores an election and its results in one transaction:
// either everything is stored or nothing is.
func (s *Storage) ImportElection(ctx context.Context, imp ElectionImport) error {
	e := imp.Election
	if e == nil || e.SectionID == "" || e.Label == "" {
		return errors.New("import election: section and label are required")
	}
	now := time.Now().UTC()
	progress := imp.Progress
	if progress == nil {
		progress = func(int, int) {}
	}
	total := len(imp.Results)
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		existing := new(model.Election)
		err := tx.NewSelect().Model(existing).Where("section_id = ? AND label = ?", e.SectionID, e.Label).Scan(ctx)
		replacing := err == nil
		switch {
		case replacing && !imp.Replace:
			return fmt.Errorf("%w: %q", ErrElectionExists, e.Label)
		case replacing:
			e.ID, e.CreatedAt = existing.ID, existing.CreatedAt
			if _, err := tx.NewDelete().Model((*model.StationResult)(nil)).Where("election_id = ?", e.ID).Exec(ctx); err != nil {
				return fmt.Errorf("delete previous results: %w", err)
			}
		case errors.Is(err, sql.ErrNoRows):
			e.ID, e.CreatedAt = model.NewID(now), now
		default:
			return fmt.Errorf("look up election: %w", err)
		}
		e.ImportedAt, e.StationCount = now, total
		if replacing {
			_, err = tx.NewUpdate().Model(e).WherePK().Exec(ctx)
		} else {
			_, err = tx.NewInsert().Model(e).Exec(ctx)
		}
		if IsUniqueViolation(err) {
			// Another import of the same label committed first.
			return fmt.Errorf("%w: %q", ErrElectionExists, e.Label)
		} else if err != nil {
			return fmt.Errorf("store election: %w", err)
		}

		stations := make([]*model.PollingStation, len(imp.Results))
		for i := range imp.Results {
			if imp.Results[i].Station == nil {
				return fmt.Errorf("import election: result %d has no station", i)
			}
			stations[i] = imp.Results[i].Station
		}
		if err := upsertStations(ctx, tx, e.SectionID, stations, now); err != nil {
			return err
		}

		for start := 0; start < total; start += electionBatch {
			batch := imp.Results[start:min(start+electionBatch, total)]
			for i := range batch {
				batch[i].ElectionID, batch[i].StationID = e.ID, batch[i].Station.ID
				if batch[i].Candidates == nil {
					batch[i].Candidates = []model.CandidateResult{}
				}
			}
			if _, err := tx.NewInsert().Model(&batch).Exec(ctx); err != nil {
				if IsUniqueViolation(err) {
					return errors.New("store results: the same polling station appears twice")
				}
				return fmt.Errorf("store results: %w", err)
			}
			progress(start+len(batch), total)
		}
		return nil
	})
	if err != nil {
		// The transaction rolled back: do not hand back ids that do not exist.
		e.ID = ""
	}
	return err
}

// upsertStations gives each station its id, inserting the new ones and
// updating the name and, when a new one is given, the shape of the others.
func upsertStations(ctx context.Context, tx bun.Tx, sectionID string, stations []*model.PollingStation, now time.Time) error {
	var known []model.PollingStation
	if err := tx.NewSelect().Model(&known).Column("id", "commune_code", "code", "commune_name").
		Where("section_id = ?", sectionID).Scan(ctx); err != nil {
		return fmt.Errorf("load polling stations: %w", err)
	}
	byKey := make(map[[2]string]model.PollingStation, len(known))
	for _, k := range known {
		byKey[[2]string{k.CommuneCode, k.Code}] = k
	}
	var fresh []*model.PollingStation
	for _, st := range stations {
		st.SectionID, st.UpdatedAt = sectionID, now
		k, ok := byKey[[2]string{st.CommuneCode, st.Code}]
		if !ok {
			st.ID, st.CreatedAt = model.NewID(now), now
			byKey[[2]string{st.CommuneCode, st.Code}] = *st
			fresh = append(fresh, st)
			continue
		}
		st.ID = k.ID
		q := tx.NewUpdate().Model((*model.PollingStation)(nil)).Where("id = ?", st.ID).Set("updated_at = ?", now)
		changed := false
		if st.CommuneName != "" && st.CommuneName != k.CommuneName {
			q, changed = q.Set("commune_name = ?", st.CommuneName), true
		}
		if st.Geometry != "" {
			q, changed = q.Set("geometry = ?", st.Geometry), true
		}
		if changed {
			if _, err := q.Exec(ctx); err != nil {
				return fmt.Errorf("update polling station: %w", err)
			}
		}
	}
	for start := 0; start < len(fresh); start += electionBatch {
		batch := fresh[start:min(start+electionBatch, len(fresh))]
		if _, err := tx.NewInsert().Model(&batch).Exec(ctx); err != nil {
			return fmt.Errorf("store polling stations: %w", err)
		}
	}
	return nil
}

// SetStationShapes stores the Geometry of the given stations, matched on
// (CommuneCode, Code) among the section's known stations, in one
// transaction. Stations the section does not have are skipped; it returns
// how many were matched.
func (s *Storage) SetStationShapes(ctx context.Context, sectionID string, stations []model.PollingStation) (int, error) {
	matched := 0
	now := time.Now().UTC()
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		matched = 0
		for _, st := range stations {
			res, err := tx.NewUpdate().Model((*model.PollingStation)(nil)).
				Set("geometry = ?", st.Geometry).Set("updated_at = ?", now).
				Where("section_id = ? AND commune_code = ? AND code = ?", sectionID, st.CommuneCode, st.Code).
				Exec(ctx)
			if err != nil {
				return fmt.Errorf("store polling station shape: %w", err)
			}
			if n, err := res.RowsAffected(); err == nil && n > 0 {
				matched++
			}
		}
		return nil
	})
	return matched, err
}

// Elections lists a section's imported elections, latest import first.
func (s *Storage) Elections(ctx context.Context, sectionID string) ([]model.Election, error) {
	var es []model.Election
	err := s.DB.NewSelect().Model(&es).Where("section_id = ?", sectionID).
		OrderExpr("imported_at DESC, id DESC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list elections: %w", err)
	}
	return es, nil
}

// Election returns one of the section's elections.
func (s *Storage) Election(ctx context.Context, sectionID, id string) (*model.Election, error) {
	e := new(model.Election)
	err := s.DB.NewSelect().Model(e).Where("id = ? AND section_id = ?", id, sectionID).Scan(ctx)
	return e, notFound(err)
}

// ElectionByLabel returns the section's election with this label.
func (s *Storage) ElectionByLabel(ctx context.Context, sectionID, label string) (*model.Election, error) {
	e := new(model.Election)
	err := s.DB.NewSelect().Model(e).Where("section_id = ? AND label = ?", sectionID, label).Scan(ctx)
	return e, notFound(err)
}

// DeleteElection removes an election and its results. Polling stations
// stay: field actions may point at them, and other elections use them.
func (s *Storage) DeleteElection(ctx context.Context, sectionID, id string) error {
	res, err := s.DB.NewDelete().Model((*model.Election)(nil)).Where("id = ? AND section_id = ?", id, sectionID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete election: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return nil
}

// ElectionResults returns an election's results with their stations,
// ordered by commune and station code; communeCode "" means all communes.
// An election of another section yields nothing.
func (s *Storage) ElectionResults(ctx context.Context, sectionID, electionID, communeCode string) ([]model.StationResult, error) {
	var rs []model.StationResult
	q := s.DB.NewSelect().Model(&rs).Relation("Station").
		Where("sr.election_id = ?", electionID).
		Where("station.section_id = ?", sectionID).
		Where("sr.election_id IN (SELECT id FROM elections WHERE section_id = ?)", sectionID).
		OrderExpr("station.commune_code ASC, station.code ASC")
	if communeCode != "" {
		q = q.Where("station.commune_code = ?", communeCode)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("load election results: %w", err)
	}
	return rs, nil
}

// ElectionCommunes lists the communes of an election's results, by name.
func (s *Storage) ElectionCommunes(ctx context.Context, sectionID, electionID string) ([]model.Commune, error) {
	var cs []model.Commune
	err := s.DB.NewSelect().TableExpr("station_results AS sr").
		Join("JOIN polling_stations AS ps ON ps.id = sr.station_id").
		ColumnExpr("ps.commune_code, MIN(ps.commune_name) AS commune_name").
		Where("sr.election_id = ? AND ps.section_id = ?", electionID, sectionID).
		GroupExpr("ps.commune_code").
		OrderExpr("MIN(ps.commune_name) ASC, ps.commune_code ASC").
		Scan(ctx, &cs)
	if err != nil {
		return nil, fmt.Errorf("list communes: %w", err)
	}
	return cs, nil
}

// PollingStation returns one of the section's stations.
func (s *Storage) PollingStation(ctx context.Context, sectionID, id string) (*model.PollingStation, error) {
	st := new(model.PollingStation)
	err := s.DB.NewSelect().Model(st).Where("id = ? AND section_id = ?", id, sectionID).Scan(ctx)
	return st, notFound(err)
}

package storage

// Door to door (issue 14): the official address file and the turfs of a
// field action. Every read and write is scoped by the section's account id,
// as for the election results; the federation code never calls these
// functions (elections/isolation_test.go checks it).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// ErrTurfsStarted refuses to split a station again once volunteers have
// ticked doors of its turfs: their work would be lost.
var ErrTurfsStarted = errors.New("volunteers have already ticked doors of these turfs")

// AddressInput is one row of the address file, as the importer read it.
type AddressInput struct {
	CommuneCode, StationCode string
	Street, Number           string
	NumberOrder, Electors    int
	Longitude, Latitude      *float64
}

// AddressImportReport says what an address import stored.
type AddressImportReport struct {
	Addresses, Stations, Communes, Electors int
}

// ImportAddresses stores the addresses that scan hands to add, in one
// transaction: a scan error, or a database error, leaves nothing stored.
// The addresses of a commune replace those an earlier import stored for it
// (turfs keep their own copies). Stations are created as the file names
// them, so the address file can come before the election results.
func (s *Storage) ImportAddresses(ctx context.Context, sectionID string, scan func(add func(AddressInput) error) error) (*AddressImportReport, error) {
	if sectionID == "" {
		return nil, errors.New("import addresses: no section")
	}
	now := time.Now().UTC()
	report := &AddressImportReport{}
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		stations := map[[2]string]string{} // (commune, code) -> id
		var known []model.PollingStation
		if err := tx.NewSelect().Model(&known).Column("id", "commune_code", "code").
			Where("section_id = ?", sectionID).Scan(ctx); err != nil {
			return fmt.Errorf("load polling stations: %w", err)
		}
		for _, k := range known {
			stations[[2]string{k.CommuneCode, k.Code}] = k.ID
		}
		communes := map[string]bool{}
		seenStations := map[string]bool{}
		batch := make([]model.Address, 0, electionBatch)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			if _, err := tx.NewInsert().Model(&batch).Exec(ctx); err != nil {
				return fmt.Errorf("store addresses: %w", err)
			}
			batch = batch[:0]
			return nil
		}
		add := func(in AddressInput) error {
			if !communes[in.CommuneCode] {
				communes[in.CommuneCode] = true
				if _, err := tx.NewDelete().Model((*model.Address)(nil)).
					Where("section_id = ? AND station_id IN (?)", sectionID,
						tx.NewSelect().Model((*model.PollingStation)(nil)).Column("id").
							Where("section_id = ? AND commune_code = ?", sectionID, in.CommuneCode)).
					Exec(ctx); err != nil {
					return fmt.Errorf("replace addresses of commune %s: %w", in.CommuneCode, err)
				}
			}
			key := [2]string{in.CommuneCode, in.StationCode}
			id, ok := stations[key]
			if !ok {
				st := &model.PollingStation{ID: model.NewID(now), SectionID: sectionID, CommuneCode: in.CommuneCode,
					Code: in.StationCode, CreatedAt: now, UpdatedAt: now}
				if _, err := tx.NewInsert().Model(st).Exec(ctx); err != nil {
					return fmt.Errorf("store polling station: %w", err)
				}
				id, stations[key] = st.ID, st.ID
			}
			seenStations[id] = true
			batch = append(batch, model.Address{
				ID: model.NewID(now), SectionID: sectionID, StationID: id, Street: in.Street, Number: in.Number,
				NumberOrder: in.NumberOrder, Electors: in.Electors, Longitude: in.Longitude, Latitude: in.Latitude, CreatedAt: now,
			})
			report.Addresses++
			report.Electors += in.Electors
			if len(batch) == cap(batch) {
				return flush()
			}
			return nil
		}
		if err := scan(add); err != nil {
			return err
		}
		report.Communes, report.Stations = len(communes), len(seenStations)
		return flush()
	})
	if err != nil {
		return nil, err
	}
	return report, nil
}

// WalkList returns a station's addresses in walking order: street by
// street, house numbers ascending.
func (s *Storage) WalkList(ctx context.Context, sectionID, stationID string) ([]model.Address, error) {
	var out []model.Address
	err := s.DB.NewSelect().Model(&out).
		Where("section_id = ? AND station_id = ?", sectionID, stationID).
		OrderExpr("street, number_order, number, id").Scan(ctx)
	return out, err
}

// StationDoors is the size of a station's walk list.
type StationDoors struct {
	StationID       string `bun:"station_id"`
	Doors, Electors int
}

// DoorTotals gives, per station of the section, how many doors and
// electors the address file has.
func (s *Storage) DoorTotals(ctx context.Context, sectionID string) (map[string]StationDoors, error) {
	var rows []StationDoors
	err := s.DB.NewSelect().Model((*model.Address)(nil)).
		ColumnExpr("station_id, COUNT(*) AS doors, COALESCE(SUM(electors), 0) AS electors").
		Where("section_id = ?", sectionID).Group("station_id").Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make(map[string]StationDoors, len(rows))
	for _, r := range rows {
		out[r.StationID] = r
	}
	return out, nil
}

// StationEffort is what the section's field actions did in a station.
type StationEffort struct {
	StationID string `bun:"station_id"`
	Done      int    `bun:"done"`    // actions that have started
	Planned   int    `bun:"planned"` // actions to come
	Knocked   int    `bun:"knocked"` // doors ticked with any outcome
}

// Efforts sums, per station, the section's field actions (done and
// planned, cancelled ones left out) and the doors their volunteers ticked.
func (s *Storage) Efforts(ctx context.Context, sectionID string, now time.Time) (map[string]StationEffort, error) {
	var actions []StationEffort
	err := s.DB.NewSelect().TableExpr("events AS e").
		ColumnExpr("e.polling_station_id AS station_id").
		ColumnExpr("SUM(CASE WHEN e.start_at <= ? THEN 1 ELSE 0 END) AS done", now).
		ColumnExpr("SUM(CASE WHEN e.start_at > ? THEN 1 ELSE 0 END) AS planned", now).
		Join("JOIN polling_stations AS ps ON ps.id = e.polling_station_id").
		Where("ps.section_id = ? AND e.event_status <> 'CANCELLED'", sectionID).
		Group("e.polling_station_id").Scan(ctx, &actions)
	if err != nil {
		return nil, fmt.Errorf("efforts: actions: %w", err)
	}
	var knocked []StationEffort
	err = s.DB.NewSelect().TableExpr("turf_doors AS td").
		ColumnExpr("tu.station_id AS station_id, COUNT(*) AS knocked").
		Join("JOIN turfs AS tu ON tu.id = td.turf_id").
		Where("tu.section_id = ? AND td.outcome <> ''", sectionID).
		Group("tu.station_id").Scan(ctx, &knocked)
	if err != nil {
		return nil, fmt.Errorf("efforts: doors: %w", err)
	}
	out := map[string]StationEffort{}
	for _, a := range actions {
		out[a.StationID] = a
	}
	for _, k := range knocked {
		e := out[k.StationID]
		e.StationID, e.Knocked = k.StationID, k.Knocked
		out[k.StationID] = e
	}
	return out, nil
}

// ReplaceTurfs stores the turfs of an action for one station, replacing
// the ones made before, unless a volunteer already ticked a door of them.
func (s *Storage) ReplaceTurfs(ctx context.Context, eventID, stationID string, turfs []model.Turf) error {
	return s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		old := tx.NewSelect().Model((*model.Turf)(nil)).Column("id").Where("event_id = ? AND station_id = ?", eventID, stationID)
		ticked, err := tx.NewSelect().Model((*model.TurfDoor)(nil)).Where("turf_id IN (?) AND outcome <> ''", old).Exists(ctx)
		if err != nil {
			return err
		}
		if ticked {
			return ErrTurfsStarted
		}
		if _, err := tx.NewDelete().Model((*model.Turf)(nil)).Where("event_id = ? AND station_id = ?", eventID, stationID).Exec(ctx); err != nil {
			return fmt.Errorf("replace turfs: %w", err)
		}
		for i := range turfs {
			if _, err := tx.NewInsert().Model(&turfs[i]).Exec(ctx); err != nil {
				return fmt.Errorf("store turf: %w", err)
			}
			doors := turfs[i].Doors
			for start := 0; start < len(doors); start += electionBatch {
				b := doors[start:min(start+electionBatch, len(doors))]
				if _, err := tx.NewInsert().Model(&b).Exec(ctx); err != nil {
					return fmt.Errorf("store turf doors: %w", err)
				}
			}
		}
		return nil
	})
}

// Turfs returns an action's turfs, in order, with their doors.
func (s *Storage) Turfs(ctx context.Context, eventID string) ([]model.Turf, error) {
	var turfs []model.Turf
	if err := s.DB.NewSelect().Model(&turfs).Where("event_id = ?", eventID).Order("position").Scan(ctx); err != nil {
		return nil, err
	}
	if len(turfs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(turfs))
	index := map[string]int{}
	for i, t := range turfs {
		ids[i], index[t.ID] = t.ID, i
	}
	var doors []model.TurfDoor
	if err := s.DB.NewSelect().Model(&doors).Where("turf_id IN (?)", bun.In(ids)).Order("turf_id", "position").Scan(ctx); err != nil {
		return nil, err
	}
	for _, d := range doors {
		t := &turfs[index[d.TurfID]]
		t.Doors = append(t.Doors, d)
	}
	return turfs, nil
}

// Turf returns one turf with its doors, or ErrNotFound.
func (s *Storage) Turf(ctx context.Context, id string) (*model.Turf, error) {
	t := new(model.Turf)
	if err := s.DB.NewSelect().Model(t).Where("id = ?", id).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	if err := s.DB.NewSelect().Model(&t.Doors).Where("turf_id = ?", id).Order("position").Scan(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

// TurfsAssignedTo lists the turfs assigned to an account for an action.
func (s *Storage) TurfsAssignedTo(ctx context.Context, eventID, accountID string) ([]model.Turf, error) {
	var turfs []model.Turf
	err := s.DB.NewSelect().Model(&turfs).Where("event_id = ? AND assignee_id = ?", eventID, accountID).Order("position").Scan(ctx)
	return turfs, err
}

// AssignTurf gives a turf to a volunteer (nil: to nobody).
func (s *Storage) AssignTurf(ctx context.Context, turfID string, accountID *string) error {
	res, err := s.DB.NewUpdate().Model((*model.Turf)(nil)).Set("assignee_id = ?", accountID).Where("id = ?", turfID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// TickDoor records what a volunteer found at a door of a turf ("" clears
// it). The door must belong to the turf.
func (s *Storage) TickDoor(ctx context.Context, turfID, doorID, outcome, by string, at time.Time) error {
	res, err := s.DB.NewUpdate().Model((*model.TurfDoor)(nil)).
		Set("outcome = ?", outcome).Set("updated_at = ?", at).Set("updated_by = ?", by).
		Where("id = ? AND turf_id = ?", doorID, turfID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteTurfsBefore erases the turfs (and what volunteers ticked), the
// reports and the attendance of the actions that started before the cutoff: the section keeps door-to-door
// records only as long as its configured retention.
func (s *Storage) DeleteTurfsBefore(ctx context.Context, cutoff time.Time) (int, error) {
	var n int64
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		old := tx.NewSelect().Model((*model.Event)(nil)).Column("id").Where("start_at < ?", cutoff)
		res, err := tx.NewDelete().Model((*model.Turf)(nil)).Where("event_id IN (?)", old).Exec(ctx)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		for _, m := range []any{(*model.ActionReport)(nil), (*model.Attendance)(nil)} {
			if _, err := tx.NewDelete().Model(m).Where("event_id IN (?)", old).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	return int(n), err
}

// PollingStations lists the section's stations by commune and code.
func (s *Storage) PollingStations(ctx context.Context, sectionID string) ([]model.PollingStation, error) {
	var out []model.PollingStation
	err := s.DB.NewSelect().Model(&out).Column("id", "commune_code", "commune_name", "code").
		Where("section_id = ?", sectionID).Order("commune_code", "code").Scan(ctx)
	return out, err
}

// ActionReport returns an action's report, or nil when none was written.
func (s *Storage) ActionReport(ctx context.Context, eventID string) (*model.ActionReport, []string, error) {
	var attended []string
	if err := s.DB.NewSelect().Model((*model.Attendance)(nil)).Column("account_id").Where("event_id = ?", eventID).Scan(ctx, &attended); err != nil {
		return nil, nil, err
	}
	r := new(model.ActionReport)
	err := s.DB.NewSelect().Model(r).Where("event_id = ?", eventID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, attended, nil
	}
	return r, attended, err
}

// SaveActionReport writes an action's report and who came, replacing what
// was recorded before, in one transaction.
func (s *Storage) SaveActionReport(ctx context.Context, r *model.ActionReport, attended []string) error {
	return s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(r).On("CONFLICT (event_id) DO UPDATE").
			Set("doors_knocked = EXCLUDED.doors_knocked, people_met = EXCLUDED.people_met, leaflets = EXCLUDED.leaflets").
			Set("notes = EXCLUDED.notes, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at").
			Exec(ctx); err != nil {
			return fmt.Errorf("save action report: %w", err)
		}
		if _, err := tx.NewDelete().Model((*model.Attendance)(nil)).Where("event_id = ?", r.EventID).Exec(ctx); err != nil {
			return err
		}
		for _, id := range attended {
			if _, err := tx.NewInsert().Model(&model.Attendance{EventID: r.EventID, AccountID: id}).Exec(ctx); err != nil {
				return fmt.Errorf("save attendance: %w", err)
			}
		}
		return nil
	})
}

// DoorOutcomeCounts counts an action's ticked doors by outcome.
func (s *Storage) DoorOutcomeCounts(ctx context.Context, eventID string) (map[string]int, error) {
	var rows []struct {
		Outcome string `bun:"outcome"`
		N       int    `bun:"n"`
	}
	err := s.DB.NewSelect().TableExpr("turf_doors AS td").ColumnExpr("td.outcome, COUNT(*) AS n").
		Join("JOIN turfs AS tu ON tu.id = td.turf_id").
		Where("tu.event_id = ? AND td.outcome <> ''", eventID).Group("td.outcome").Scan(ctx, &rows)
	out := map[string]int{}
	for _, r := range rows {
		out[r.Outcome] = r.N
	}
	return out, err
}

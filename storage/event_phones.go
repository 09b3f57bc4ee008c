package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
)

// Phone numbers participants give an action's organisers (issue 14).

// SetParticipantPhone stores (or replaces) a participant's phone number.
func (s *Storage) SetParticipantPhone(ctx context.Context, db bun.IDB, p *model.ParticipantPhone) error {
	_, err := db.NewInsert().Model(p).
		On("CONFLICT (event_id, account_id) DO UPDATE").
		Set("phone = EXCLUDED.phone, consented_at = EXCLUDED.consented_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("store participant phone: %w", err)
	}
	return nil
}

// DeleteParticipantPhone forgets a participant's phone number.
func (s *Storage) DeleteParticipantPhone(ctx context.Context, db bun.IDB, eventID, accountID string) error {
	_, err := db.NewDelete().Model((*model.ParticipantPhone)(nil)).Where("event_id = ? AND account_id = ?", eventID, accountID).Exec(ctx)
	return err
}

// ParticipantPhones returns an event's phone numbers by account id.
func (s *Storage) ParticipantPhones(ctx context.Context, eventID string) (map[string]string, error) {
	var rows []model.ParticipantPhone
	if err := s.DB.NewSelect().Model(&rows).Where("event_id = ?", eventID).Scan(ctx); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.AccountID] = r.Phone
	}
	return out, nil
}

// DeletePhonesOfEventsEndedBefore erases the phone numbers of the events
// that ended (or, without an end, started) before the cutoff.
func (s *Storage) DeletePhonesOfEventsEndedBefore(ctx context.Context, cutoff time.Time) (int, error) {
	ended := s.DB.NewSelect().Model((*model.Event)(nil)).Column("id").Where("COALESCE(end_at, start_at) < ?", cutoff)
	res, err := s.DB.NewDelete().Model((*model.ParticipantPhone)(nil)).Where("event_id IN (?)", ended).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("erase participant phones: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Instance pages staff write: about (extended description), privacy
// (the privacy policy: a party's instance must publish its GDPR notice)
// and terms (terms of service).
var InstancePageNames = []string{"about", "privacy", "terms"}

// InstancePage is one of those pages.
type InstancePage struct {
	bun.BaseModel `bun:"table:instance_pages"`

	Name      string    `bun:"name,pk"`
	Content   string    `bun:"content"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// InstanceRule is one rule of the instance, shown at sign-up and in apps.
type InstanceRule struct {
	bun.BaseModel `bun:"table:instance_rules"`

	ID        string    `bun:"id,pk"`
	Text      string    `bun:"text"`
	Hint      string    `bun:"hint"`
	Position  int       `bun:"position"`
	CreatedAt time.Time `bun:"created_at"`
}

// GetInstancePage returns a page (ErrNotFound if never written).
func (s *Storage) GetInstancePage(ctx context.Context, name string) (*InstancePage, error) {
	p := new(InstancePage)
	err := s.DB.NewSelect().Model(p).Where("name = ?", name).Scan(ctx)
	return p, notFound(err)
}

// SetInstancePage writes a page.
func (s *Storage) SetInstancePage(ctx context.Context, p *InstancePage) error {
	_, err := s.DB.NewInsert().Model(p).On("CONFLICT (name) DO UPDATE").
		Set("content = EXCLUDED.content, updated_at = EXCLUDED.updated_at").Exec(ctx)
	return err
}

// InstanceRules lists the rules in order.
func (s *Storage) InstanceRules(ctx context.Context) ([]InstanceRule, error) {
	out := []InstanceRule{}
	err := s.DB.NewSelect().Model(&out).Order("position", "id").Scan(ctx)
	return out, err
}

// ReplaceInstanceRules replaces every rule by rules, in order.
func (s *Storage) ReplaceInstanceRules(ctx context.Context, rules []InstanceRule) error {
	return s.InTx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*InstanceRule)(nil)).Where("1 = 1").Exec(ctx); err != nil {
			return err
		}
		if len(rules) == 0 {
			return nil
		}
		_, err := tx.NewInsert().Model(&rules).Exec(ctx)
		return err
	})
}

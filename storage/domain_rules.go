package storage

import (
	"context"
	"time"
)

// WebDomainRule is one domain block or allow rule.
type WebDomainRule struct {
	Domain    string    `bun:"domain"`
	Kind      string    `bun:"kind"`
	Severity  string    `bun:"severity"`
	Reason    string    `bun:"reason"`
	CreatedAt time.Time `bun:"created_at"`
}

// WebDomainRules lists the domain rules, by kind then domain.
func (s *Storage) WebDomainRules(ctx context.Context) ([]WebDomainRule, error) {
	var out []WebDomainRule
	err := s.DB.NewSelect().TableExpr("domain_rules").Column("domain", "kind", "severity", "reason", "created_at").
		Order("kind", "domain").Scan(ctx, &out)
	return out, err
}

// WebDeleteDomainRule lifts a domain rule.
func (s *Storage) WebDeleteDomainRule(ctx context.Context, domain string) error {
	_, err := s.DB.NewDelete().TableExpr("domain_rules").Where("domain = ?", domain).Exec(ctx)
	return err
}

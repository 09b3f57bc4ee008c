package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestDigestCandidatesAndClaims: the defaults apply to who never chose,
// "never", suspended and unapproved people are never candidates, and a
// person's period is claimed once however many runs try (the guard
// against two replicas sending the same digest).
func TestDigestCandidatesAndClaims(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Storage) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
		people := map[string]*model.Account{}
		for _, name := range []string{"dana", "wes", "nina", "sue", "pat"} {
			a, u := newLocal(name, name+"@example.org")
			u.Approved = name != "pat" // pat waits for approval
			if err := s.CreateLocalUser(ctx, a, u); err != nil {
				t.Fatal(err)
			}
			people[name] = a
		}
		p, err := s.MailPreferences(ctx, nil, people["dana"].ID)
		if err != nil || p.Frequency != model.MailImmediately || !p.Messages || !p.Actions {
			t.Fatalf("defaults %+v, %v", p, err)
		}
		for name, freq := range map[string]string{"wes": model.MailWeekly, "nina": model.MailNever, "sue": model.MailWeekly} {
			p := model.DefaultMailPreferences(people[name].ID)
			p.Frequency, p.UpdatedAt = freq, now
			if err := s.SaveMailPreferences(ctx, &p); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.DB.NewUpdate().TableExpr("accounts").Set("suspended_at = ?", now).Where("id = ?", people["sue"].ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		names := func(users []model.User) map[string]bool {
			out := map[string]bool{}
			for _, u := range users {
				out[u.Account.Username] = true
			}
			return out
		}
		got, err := s.DigestCandidates(ctx, "w:2026-W50", []string{model.MailWeekly, model.MailImmediately}, true, 100)
		if err != nil {
			t.Fatal(err)
		}
		if n := names(got); len(n) != 2 || !n["dana"] || !n["wes"] {
			t.Fatalf("weekly candidates %v, want dana (default) and wes", n)
		}
		// Unsubscribing keeps the kinds and stops everything.
		if err := s.SetMailFrequency(ctx, people["wes"].ID, model.MailNever, now); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.MailPreferences(ctx, nil, people["wes"].ID); p.Frequency != model.MailNever || !p.Mentions {
			t.Fatalf("after unsubscribing %+v", p)
		}
		d := &model.MailDigest{AccountID: people["dana"].ID, Period: "w:2026-W50", Items: 3, SentAt: now}
		first, err := s.ClaimDigest(ctx, s.DB, d)
		if err != nil || !first {
			t.Fatalf("first claim %v, %v", first, err)
		}
		again, err := s.ClaimDigest(ctx, s.DB, d)
		if err != nil || again {
			t.Fatalf("second claim %v, %v", again, err)
		}
		if got, _ := s.DigestCandidates(ctx, "w:2026-W50", []string{model.MailWeekly, model.MailImmediately}, true, 100); len(got) != 0 {
			t.Fatalf("candidates after the claim: %v", names(got))
		}
		if last, err := s.LastDigestAt(ctx, people["dana"].ID); err != nil || !last.Equal(now) {
			t.Fatalf("last digest %v, %v", last, err)
		}
	})
}

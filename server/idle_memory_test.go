package server

import (
	"testing"
	"time"
)

// Issue 17: memory is given back after a quiet spell, never while
// requests come in, and not over and over while the instance stays idle.
func TestIdleTrimComesAfterAQuietSpell(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name                   string
		now, request, lastTrim time.Time
		want                   bool
	}{
		{"a request 10 s ago", t0.Add(10 * time.Second), t0, t0.Add(-time.Hour), false},
		{"quiet for a minute since the request, trimmed before it", t0.Add(time.Minute), t0, t0.Add(-time.Second), true},
		{"quiet, and trimmed 20 s ago", t0.Add(2 * time.Minute), t0, t0.Add(100 * time.Second), false},
		{"still quiet a minute after the last trim", t0.Add(3 * time.Minute), t0, t0.Add(2 * time.Minute), true},
	}
	for _, c := range cases {
		if got := dueForTrim(c.now, c.request, c.lastTrim); got != c.want {
			t.Errorf("%s: dueForTrim = %v, want %v", c.name, got, c.want)
		}
	}
}

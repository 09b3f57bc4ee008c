package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestStaffBadgeCostsAFixedNumberOfStatements (issue 14): the number on
// the staff's "Tableau de bord" link comes from one statement, so a page
// costs the staff the same with 2 things waiting as with 12.
func TestStaffBadgeCostsAFixedNumberOfStatements(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			inst := coopoltest.Start(t, backend, []string{"section-a.test"})[0]
			inst.Store.DB.AddQueryHook(&queryCounter{})
			ctx := context.Background()
			u, err := inst.Social.CreateUser(ctx, social.NewUser{Username: "sec", Email: "sec@example.org", Password: "password-sec", Role: model.RoleAdmin, Approved: true})
			if err != nil {
				t.Fatal(err)
			}
			member := inst.CreateUser(t, "alice", false)
			waiting := func(from, to int) {
				t.Helper()
				for i := from; i < to; i++ {
					w, err := inst.Social.CreateUser(ctx, social.NewUser{Username: fmt.Sprintf("new%d", i), Email: fmt.Sprintf("new%d@example.org", i), Password: "password-new", Role: model.RoleSympathisant})
					if err != nil {
						t.Fatal(err)
					}
					if _, err := inst.Social.Report(ctx, member, w.Account, nil, "spam"); err != nil {
						t.Fatal(err)
					}
				}
			}
			staff, other := webSession(t, inst, u.Account), webSession(t, inst, member)
			waiting(0, 1)
			small, _ := countQueries(t, inst, "/events", "", staff)
			waiting(1, 6)
			large, queries := countQueries(t, inst, "/events", "", staff)
			memberCost, _ := countQueries(t, inst, "/events", "", other)
			t.Logf("/events for the staff: %d statements with 2 things waiting, %d with 12; %d for a member", small, large, memberCost)
			if large != small {
				t.Errorf("the staff's page grows with what waits: %d statements, %d with less\n%s", large, small, strings.Join(queries, "\n"))
			}
			badge := 0
			for _, q := range queries {
				if strings.Contains(q, "FROM users WHERE approved") {
					badge++
				}
			}
			if badge != 1 {
				t.Errorf("the badge took %d statements, want 1\n%s", badge, strings.Join(queries, "\n"))
			}
		})
	}
}

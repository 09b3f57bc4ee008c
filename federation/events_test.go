package federation_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

func participationState(inst *coopoltest.Instance, ev *model.Event, account *model.Account) string {
	p, err := inst.Store.Participation(context.Background(), inst.Store.DB, ev.ID, "", account.ID)
	if err != nil {
		return "none"
	}
	return p.State
}

// TestFieldActionFillsUpAcrossSections is issue 6's scenario: an action
// needing 3 people; 5 members from three sections sign up at the same
// time; exactly 3 are accepted and 2 wait, on every instance's view; one
// cancels, the first waiting person takes the place and is told.
func TestFieldActionFillsUpAcrossSections(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test", "section-c.test"})
			a, b, c := insts[0], insts[1], insts[2]
			ctx := context.Background()
			sec := a.CreateUser(t, "secretaire", false)
			type member struct {
				inst    *coopoltest.Instance
				account *model.Account
				event   *model.Event // the event as this member's instance knows it
			}
			members := []*member{
				{inst: a, account: a.CreateUser(t, "anna", false)},
				{inst: b, account: b.CreateUser(t, "bruno", false)},
				{inst: b, account: b.CreateUser(t, "berthe", false)},
				{inst: c, account: c.CreateUser(t, "chloe", false)},
				{inst: c, account: c.CreateUser(t, "cyril", false)},
			}
			for _, m := range members[1:] {
				secOnRemote := m.inst.Resolve(t, "secretaire", "section-a.test")
				if _, err := m.inst.Social.Follow(ctx, m.account, secOnRemote); err != nil {
					t.Fatal(err)
				}
			}
			for _, m := range members[1:] {
				coopoltest.Eventually(t, "follow accepted on "+m.inst.Host, func() bool {
					n, _ := m.inst.Store.DB.NewSelect().TableExpr("follows").Where("state = 'accepted' AND account_id = ?", m.account.ID).Count(ctx)
					return n == 1
				})
			}
			need := 3
			start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
			ev, err := a.Social.CreateEvent(ctx, sec, social.NewEvent{
				Title: "Tractage au marché", Description: "Distribution de tracts, place du marché.", Kind: model.EventKindFieldAction,
				ActionKind: "leafleting", StartAt: start, EndAt: start.Add(2 * time.Hour), PlaceName: "Place du marché",
				Locality: "Villeneuve-Exemple", Capacity: &need,
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range members {
				m := m
				coopoltest.Eventually(t, "the action reaches "+m.inst.Host, func() bool {
					e, err := m.inst.Store.EventByURI(ctx, ev.URI)
					m.event = e
					return err == nil
				})
			}
			if got := members[1].event; got.Capacity == nil || *got.Capacity != 3 || got.Kind != model.EventKindFieldAction || got.ActionKind != "leafleting" {
				t.Fatalf("the action on B: %+v", got)
			}

			// Five sign-ups at once.
			var wg sync.WaitGroup
			for _, m := range members {
				wg.Add(1)
				go func(m *member) {
					defer wg.Done()
					if _, err := m.inst.Social.SignUp(ctx, m.account, m.event.ID, ""); err != nil {
						t.Errorf("%s: %v", m.account.Username, err)
					}
				}(m)
			}
			wg.Wait()
			coopoltest.Eventually(t, "every sign-up answered", func() bool {
				for _, m := range members {
					if s := participationState(m.inst, m.event, m.account); s != model.ParticipationGoing && s != model.ParticipationWaitlisted {
						return false
					}
				}
				return true
			})
			going, waiting := 0, 0
			for _, m := range members {
				switch participationState(m.inst, m.event, m.account) {
				case model.ParticipationGoing:
					going++
				case model.ParticipationWaitlisted:
					waiting++
				}
			}
			if going != 3 || waiting != 2 {
				t.Fatalf("want 3 going and 2 waiting, got %d and %d", going, waiting)
			}
			for _, inst := range insts {
				coopoltest.Eventually(t, "gauge 3/3 on "+inst.Host, func() bool {
					e, err := inst.Store.EventByURI(ctx, ev.URI)
					return err == nil && e.ParticipantCount == 3
				})
			}
			// The organiser's view agrees with each participant's own.
			onA, err := a.Social.Participants(ctx, sec, ev.ID)
			if err != nil || len(onA) != 5 {
				t.Fatalf("organiser's list: %v %d", err, len(onA))
			}

			// Nobody else sees the list (API) and no activity carries it.
			if _, err := a.Social.Participants(ctx, members[0].account, ev.ID); !errors.Is(err, social.ErrForbidden) {
				t.Fatalf("a participant read the list: %v", err)
			}
			var bodies []string
			a.Store.DB.NewSelect().TableExpr("outbox_activities").Column("body").Where("type = 'Update'").Scan(ctx, &bodies)
			for _, body := range bodies {
				for _, m := range members {
					if strings.Contains(body, m.account.Username) {
						t.Fatalf("an Update of the action names participant %s: %s", m.account.Username, body)
					}
				}
			}

			// One of those going cancels: the first waiting takes the place.
			var leaver, firstWaiting *member
			for _, p := range onA { // onA is in order of arrival
				for _, m := range members {
					if p.Account.URI != m.account.URI {
						continue
					}
					if p.State == model.ParticipationGoing && leaver == nil && m.inst != a {
						leaver = m
					}
					if p.State == model.ParticipationWaitlisted && firstWaiting == nil {
						firstWaiting = m
					}
				}
			}
			if leaver == nil || firstWaiting == nil {
				t.Fatalf("no remote participant going (%v) or nobody waiting (%v)", leaver, firstWaiting)
			}
			if err := leaver.inst.Social.CancelParticipation(ctx, leaver.account, leaver.event.ID, ""); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "the first waiting person is promoted", func() bool {
				return participationState(firstWaiting.inst, firstWaiting.event, firstWaiting.account) == model.ParticipationGoing
			})
			coopoltest.Eventually(t, "and told so", func() bool {
				ns, _ := firstWaiting.inst.Store.Notifications(ctx, firstWaiting.account.ID, 10)
				return len(ns) > 0 && ns[0].Type == "coopol.action_promoted"
			})
			ns, _ := a.Store.Notifications(ctx, sec.ID, 20)
			var kinds []string
			for _, n := range ns {
				kinds = append(kinds, n.Type)
			}
			if !strings.Contains(strings.Join(kinds, ","), "coopol.action_cancel") || !strings.Contains(strings.Join(kinds, ","), "coopol.action_full") {
				t.Fatalf("organiser's notifications: %v", kinds)
			}
			for _, inst := range insts {
				coopoltest.Eventually(t, "gauge still 3/3 on "+inst.Host, func() bool {
					e, err := inst.Store.EventByURI(ctx, ev.URI)
					return err == nil && e.ParticipantCount == 3
				})
			}
			if s := participationState(leaver.inst, leaver.event, leaver.account); s != "none" {
				t.Fatalf("the leaver is still %s", s)
			}

			// Reminders go to local participants once.
			a.Social.Now = func() time.Time { return start.Add(-12 * time.Hour) }
			sent, err := a.Social.SendReminders(ctx, 24*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := a.Social.SendReminders(ctx, 24*time.Hour)
			localGoing := 0
			for _, m := range members {
				if m.inst == a && participationState(a, ev, m.account) == model.ParticipationGoing {
					localGoing++
				}
			}
			if sent != localGoing || again != 0 {
				t.Fatalf("reminders: sent %d (want %d), then %d", sent, localGoing, again)
			}
		})
	}
}

package federation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// Issue 14, "reach the participants": the organiser writes once; each
// participant gets a private message of their own, remote ones through
// their server, and nobody learns who else signed up: every activity A
// delivers addresses one person, and no delivered activity names another
// participant. The phone number a local participant left never leaves A,
// and a remote sign-up cannot give one.
func TestParticipantsMessageReachesRemoteParticipantsPrivately(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test"})
			a, b := insts[0], insts[1]
			ctx := context.Background()
			sec := a.CreateUser(t, "secretaire", false)
			alice := a.CreateUser(t, "alicelocale", false)
			bruno := b.CreateUser(t, "brunodistant", false)
			berthe := b.CreateUser(t, "berthedistante", false)
			if _, err := b.Social.Follow(ctx, bruno, b.Resolve(t, "secretaire", "section-a.test")); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "follow accepted", func() bool {
				n, _ := b.Store.DB.NewSelect().TableExpr("follows").Where("state = 'accepted' AND account_id = ?", bruno.ID).Count(ctx)
				return n == 1
			})
			need := 2
			start := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
			ev, err := a.Social.CreateEvent(ctx, sec, social.NewEvent{Title: "Porte-à-porte bureau 15", Kind: model.EventKindFieldAction,
				ActionKind: "door_to_door", StartAt: start, EndAt: start.Add(2 * time.Hour), PlaceName: "École Jules-Ferry", Capacity: &need})
			if err != nil {
				t.Fatal(err)
			}
			const phone = "06 12 34 56 78"
			if _, err := a.Social.SignUp(ctx, alice, ev.ID, ""); err != nil {
				t.Fatal(err)
			}
			if err := a.Social.SetParticipantPhone(ctx, alice, ev.ID, phone, true); err != nil {
				t.Fatal(err)
			}
			var onB *model.Event
			coopoltest.Eventually(t, "the action reaches B", func() bool {
				onB, err = b.Store.EventByURI(ctx, ev.URI)
				return err == nil
			})
			// One after the other: the last place to Bruno, Berthe waits.
			if _, err := b.Social.SignUp(ctx, bruno, onB.ID, ""); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "bruno going", func() bool { return participationState(b, onB, bruno) == model.ParticipationGoing })
			if _, err := b.Social.SignUp(ctx, berthe, onB.ID, ""); err != nil {
				t.Fatal(err)
			}
			coopoltest.Eventually(t, "berthe waiting", func() bool { return participationState(b, onB, berthe) == model.ParticipationWaitlisted })
			// A remote sign-up carries no phone number, and B cannot
			// store one for A's action.
			if err := b.Social.SetParticipantPhone(ctx, bruno, onB.ID, "07 00 00 00 00", true); err == nil {
				t.Fatal("B stored a phone number for a remote action")
			}

			n, err := a.Social.MessageParticipants(ctx, sec, ev.ID, social.ParticipantsMessage{Text: "Rendez-vous à 9 h 45 devant l’école.", Waiting: true})
			if err != nil || n != 3 {
				t.Fatalf("message: %d sent, %v", n, err)
			}
			// Each on B receives a direct message addressed to them alone.
			for _, who := range []*model.Account{bruno, berthe} {
				coopoltest.Eventually(t, who.Username+" receives the message", func() bool {
					var ids []string
					b.Store.DB.NewSelect().TableExpr("statuses AS s").Column("s.id").
						Join("JOIN status_recipients AS r ON r.status_id = s.id").
						Where("r.account_id = ? AND s.visibility = ? AND s.content LIKE ?", who.ID, model.VisibilityDirect, "%Rendez-vous à 9 h 45%").Scan(ctx, &ids)
					return len(ids) == 1
				})
			}
			var received []model.Status
			if err := b.Store.DB.NewSelect().Model(&received).Where("visibility = ? AND content LIKE ?", model.VisibilityDirect, "%Rendez-vous à 9 h 45%").Scan(ctx); err != nil || len(received) != 2 {
				t.Fatalf("B holds %d copies (%v), want one per participant", len(received), err)
			}
			for _, st := range received {
				var recipients []string
				b.Store.DB.NewSelect().TableExpr("status_recipients").Column("account_id").Where("status_id = ?", st.ID).Scan(ctx, &recipients)
				if len(recipients) != 1 {
					t.Fatalf("a message on B has %d recipients: %v", len(recipients), recipients)
				}
				for _, other := range []string{"alicelocale", "brunodistant", "berthedistante"} {
					if (recipients[0] == bruno.ID && other == "brunodistant") || (recipients[0] == berthe.ID && other == "berthedistante") {
						continue
					}
					if strings.Contains(st.Content, other) {
						t.Fatalf("a message names another participant %s: %s", other, st.Content)
					}
				}
			}
			// Alice, here, gets hers with a notification.
			notified, _ := a.Store.DB.NewSelect().Model((*model.Notification)(nil)).Where("account_id = ? AND type = 'mention'", alice.ID).Count(ctx)
			if notified != 1 {
				t.Fatalf("alice has %d mention notifications, want 1", notified)
			}

			// Every activity A delivered: the messages address one person
			// each and name no other participant; no phone number anywhere.
			var all []string
			if err := a.Store.DB.NewSelect().TableExpr("outbox_activities").Column("body").Scan(ctx, &all); err != nil {
				t.Fatal(err)
			}
			messages := 0
			for _, body := range all {
				if strings.Contains(body, "Rendez-vous") {
					messages++
					names := 0
					for _, who := range []string{"alicelocale", "brunodistant", "berthedistante"} {
						if strings.Contains(body, who) {
							names++
						}
					}
					if names != 1 {
						t.Fatalf("a delivered message names %d participants: %s", names, body)
					}
				}
			}
			if messages != 3 { // one per participant (Alice's stays in A's outbox, delivered nowhere)
				t.Fatalf("A's outbox holds %d messages, want one per participant", messages)
			}
			for _, body := range all {
				if strings.Contains(body, "12 34 56") || strings.Contains(body, "0612345678") {
					t.Fatalf("a delivered activity carries the phone number: %s", body)
				}
			}
			// Only organisers may write to the participants.
			if _, err := a.Social.MessageParticipants(ctx, alice, ev.ID, social.ParticipantsMessage{Text: "spam"}); err == nil {
				t.Fatal("a participant wrote to the others")
			}
		})
	}
}

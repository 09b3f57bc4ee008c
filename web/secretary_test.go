package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// Issue 14, the secretary's loop in the web pages: slots, the waiting
// list, a confirmed withdrawal, messages to participants, phone numbers
// for the day and their export, deleting an election.

func eventSlots(t *testing.T, inst *coopoltest.Instance, id string) []*model.EventSlot {
	t.Helper()
	ev, err := inst.Store.EventByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ev.Slots
}

// The action form creates two slots, each with its need; the edit form
// moves one, adds one, removes an empty one, and refuses to remove one
// someone signed up for (nothing changes then).
func TestActionSlotsInTheWebForm(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		sec := newBrowser(t, inst)
		sec.login("sec")
		day := time.Now().AddDate(0, 0, 6).Format("2006-01-02")
		form := sec.get("/events/new?kind=field_action")
		mustContain(t, form, "Créneaux", `name="slot_start"`, `name="slot_need"`)
		base := url.Values{"kind": {"field_action"}, "action_kind": {"door_to_door"}, "title": {"Porte-à-porte du samedi"}, "date": {day},
			"start": {"09:00"}, "end": {"13:00"}, "place_name": {"École Jules-Ferry"}, "visibility": {"public"}, "group_id": {w.section.ID}}
		withSlots := func(v url.Values, rows ...[4]string) url.Values {
			out := url.Values{}
			for k, vs := range v {
				out[k] = append([]string(nil), vs...)
			}
			for _, r := range rows {
				out.Add("slot_id", r[0])
				out.Add("slot_start", r[1])
				out.Add("slot_end", r[2])
				out.Add("slot_need", r[3])
			}
			return out
		}
		// A slot ending before it starts: refused, nothing published.
		before, _ := inst.Store.DB.NewSelect().Model((*model.Event)(nil)).Count(ctx)
		r := sec.submit("/events/new?kind=field_action", "/events", withSlots(base, [4]string{"", "11:00", "10:00", "3"}, [4]string{"", "", "", ""}))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Chaque créneau demande un début")
		if after, _ := inst.Store.DB.NewSelect().Model((*model.Event)(nil)).Count(ctx); after != before {
			t.Fatal("a refused form published an action")
		}

		r = sec.submit("/events/new?kind=field_action", "/events", withSlots(base,
			[4]string{"", "09:00", "11:00", "4"}, [4]string{"", "11:00", "13:00", "2"}, [4]string{"", "", "", ""}))
		wantStatus(t, r, http.StatusSeeOther)
		action := r.Location
		id := strings.TrimPrefix(action, "/events/")
		slots := eventSlots(t, inst, id)
		if len(slots) != 2 || slots[0].Need != 4 || slots[1].Need != 2 {
			t.Fatalf("slots: %+v", slots)
		}
		if ev, _ := inst.Store.EventByID(ctx, id); ev.Capacity == nil || *ev.Capacity != 6 {
			t.Fatalf("need: %v", ev.Capacity)
		}
		page := sec.get(action)
		mustContain(t, page, "Créneaux", "09:00", "11:00", "13:00")

		alice := newBrowser(t, inst)
		alice.login("alice")
		wantStatus(t, alice.submit(action, action+"/signup", url.Values{"slot_id": {slots[0].ID}}), http.StatusSeeOther)

		edit := sec.get(action + "/edit")
		mustContain(t, edit, `value="`+slots[0].ID+`"`, `value="`+slots[1].ID+`"`, "Des personnes sont inscrites", `name="slot_remove" value="`+slots[1].ID+`"`)
		mustNotContain(t, edit, `name="slot_remove" value="`+slots[0].ID+`"`)
		editBase := url.Values{"action_kind": {"door_to_door"}, "title": {"Porte-à-porte du samedi"}, "date": {day}, "start": {"09:00"},
			"end": {"13:00"}, "place_name": {"École Jules-Ferry"}, "status": {"CONFIRMED"}}

		// Removing the slot Alice signed up for is refused: nothing changes.
		r = sec.submit(action+"/edit", action+"/edit", with(withSlots(editBase,
			[4]string{slots[0].ID, "09:00", "11:00", "4"}, [4]string{slots[1].ID, "11:00", "13:00", "2"}), "slot_remove", slots[0].ID))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "On ne retire pas un créneau où des personnes sont inscrites")
		if got := eventSlots(t, inst, id); len(got) != 2 {
			t.Fatalf("a refused edit changed the slots: %+v", got)
		}
		// Its need cannot fall below the people going either.
		r = sec.submit(action+"/edit", action+"/edit", withSlots(editBase,
			[4]string{slots[0].ID, "09:00", "11:00", "0"}, [4]string{slots[1].ID, "11:00", "13:00", "2"}))
		wantStatus(t, r, http.StatusUnprocessableEntity)

		// Move Alice's slot half an hour, remove the empty one, add one.
		r = sec.submit(action+"/edit", action+"/edit", with(withSlots(editBase,
			[4]string{slots[0].ID, "09:30", "11:30", "3"}, [4]string{slots[1].ID, "11:00", "13:00", "2"},
			[4]string{"", "14:00", "16:00", "5"}), "slot_remove", slots[1].ID))
		wantStatus(t, r, http.StatusSeeOther)
		got := eventSlots(t, inst, id)
		if len(got) != 2 || got[0].ID != slots[0].ID || got[0].Need != 3 || got[1].Need != 5 ||
			!got[0].StartAt.Equal(slots[0].StartAt.Add(30*time.Minute)) {
			t.Fatalf("after edit: %+v", got)
		}
		if ev, _ := inst.Store.EventByID(ctx, id); *ev.Capacity != 8 {
			t.Fatalf("need after edit: %d", *ev.Capacity)
		}
		// Alice is told the time changed, once.
		var ns []model.Notification
		inst.Store.DB.NewSelect().Model(&ns).Where("account_id = ? AND type = ?", w.alice.ID, social.NotificationEventChanged).Scan(ctx)
		if len(ns) != 1 || !strings.Contains(ns[0].Detail, "time") {
			t.Fatalf("alice's notifications: %+v", ns)
		}
	})
}

// with is v plus one more value.
func with(v url.Values, key, value string) url.Values { v.Add(key, value); return v }

// A full action says so before one clicks, with the length of the
// waiting list; someone waiting is offered to leave it; giving up a place
// goes through a confirm page (no script), after which the first person
// waiting takes it.
func TestFullActionWaitingListAndConfirmedWithdrawal(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		need := 1
		start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
		ev, err := inst.Social.CreateEvent(ctx, w.sec, social.NewEvent{Title: "Stand du marché", Kind: model.EventKindFieldAction,
			ActionKind: "stand", StartAt: start, Capacity: &need, GroupID: w.section.ID})
		if err != nil {
			t.Fatal(err)
		}
		action := "/events/" + ev.ID
		alice, bob, sam := newBrowser(t, inst), newBrowser(t, inst), newBrowser(t, inst)
		alice.login("alice")
		bob.login("bob")
		sam.login("sam")
		mustContain(t, bob.get(action), "Je m’inscris")
		wantStatus(t, alice.submit(action, action+"/signup", nil), http.StatusSeeOther)
		mustContain(t, bob.get(action), "Complet — rejoindre la liste d’attente (0 personne)")
		wantStatus(t, bob.submit(action, action+"/signup", nil), http.StatusSeeOther)
		mustContain(t, sam.get(action), "Complet — rejoindre la liste d’attente (1 personne)")
		bobPage := bob.get(action)
		mustContain(t, bobPage, "Vous êtes sur la liste d’attente", "Quitter la liste d’attente")

		// Alice's page links to a confirm page; nothing is cancelled by
		// opening it.
		page := alice.get(action)
		mustContain(t, page, `href="`+action+`/cancel"`)
		confirm := alice.get(action + "/cancel")
		wantStatus(t, confirm, http.StatusOK)
		mustContain(t, confirm, "Annuler votre participation ?", `action="`+action+`/cancel"`, "Non, garder ma place", "Stand du marché")
		mustNotContain(t, confirm, "<script>", "onclick")
		if p, err := inst.Store.Participation(ctx, inst.Store.DB, ev.ID, "", w.alice.ID); err != nil || p.State != model.ParticipationGoing {
			t.Fatalf("opening the confirm page changed alice's place: %v %+v", err, p)
		}
		// From one's commitments too, and back there after.
		mustContain(t, alice.get("/commitments"), `href="`+action+`/cancel?back=/commitments"`)
		mustContain(t, bob.get("/commitments"), "Quitter la liste d’attente")
		mustContain(t, alice.get(action+"/cancel?back=/commitments"), `name="back" value="/commitments"`, `href="/commitments"`)
		mustNotContain(t, alice.get(action+"/cancel?back=//evil.example"), `name="back"`, `href="//evil.example"`)
		// Someone not signed up is sent back to the action.
		r := sam.get(action + "/cancel")
		wantStatus(t, r, http.StatusSeeOther)
		wantStatus(t, alice.submit(action+"/cancel", action+"/cancel", url.Values{"slot_id": {""}}), http.StatusSeeOther)
		if p, err := inst.Store.Participation(ctx, inst.Store.DB, ev.ID, "", w.bob.ID); err != nil || p.State != model.ParticipationGoing {
			t.Fatalf("bob not promoted: %v %+v", err, p)
		}
		// Leaving the waiting list is one click, and says so.
		wantStatus(t, sam.submit(action, action+"/signup", nil), http.StatusSeeOther)
		mustContain(t, sam.get(action), "Quitter la liste d’attente")
		wantStatus(t, sam.submit(action, action+"/cancel", nil), http.StatusSeeOther)
		if _, err := inst.Store.Participation(ctx, inst.Store.DB, ev.ID, "", w.sam.ID); err == nil {
			t.Fatal("sam still waits")
		}
	})
}

// The organiser writes to the participants: one private message each,
// going only unless asked, waiting too when asked; no message names
// another participant. A member cannot; a blank message changes nothing.
func TestOrganiserMessagesParticipants(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		need := 1
		ev, err := inst.Social.CreateEvent(ctx, w.sec, social.NewEvent{Title: "Collage de nuit", Kind: model.EventKindFieldAction,
			ActionKind: "posters", StartAt: time.Now().Add(48 * time.Hour), Capacity: &need, GroupID: w.section.ID})
		if err != nil {
			t.Fatal(err)
		}
		action := "/events/" + ev.ID
		for _, who := range []*model.Account{w.alice, w.bob} { // alice goes, bob waits
			if _, err := inst.Social.SignUp(ctx, who, ev.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
		sec, alice := newBrowser(t, inst), newBrowser(t, inst)
		sec.login("sec")
		alice.login("alice")
		mustContain(t, sec.get(action), "Écrire aux participant·es", `action="`+action+`/message"`, "Aussi aux personnes sur la liste d’attente")
		mustNotContain(t, alice.get(action), "Écrire aux participant·es")
		messages := func(text string) []model.Status {
			var out []model.Status
			inst.Store.DB.NewSelect().Model(&out).Where("visibility = ? AND source_text LIKE ?", model.VisibilityDirect, "%"+text+"%").Scan(ctx)
			return out
		}
		recipients := func(st model.Status) []string {
			var ids []string
			inst.Store.DB.NewSelect().TableExpr("status_recipients").Column("account_id").Where("status_id = ?", st.ID).Scan(ctx, &ids)
			return ids
		}

		// A member cannot, and nothing is sent.
		wantStatus(t, alice.submit(action, action+"/message", url.Values{"text": {"Coucou tout le monde"}}), http.StatusNotFound)
		if len(messages("Coucou")) != 0 {
			t.Fatal("a member's message went out")
		}
		// Blank: refused, nothing sent.
		wantStatus(t, sec.submit(action, action+"/message", url.Values{"text": {"   "}}), http.StatusUnprocessableEntity)

		wantStatus(t, sec.submit(action, action+"/message", url.Values{"text": {"Rendez-vous à 21 h au local"}}), http.StatusSeeOther)
		sent := messages("Rendez-vous à 21 h")
		if len(sent) != 1 || len(recipients(sent[0])) != 1 || recipients(sent[0])[0] != w.alice.ID {
			t.Fatalf("going only: %d messages", len(sent))
		}
		mustContain(t, sec.get(action), "Message envoyé")
		mustContain(t, alice.get("/messages"), "Rendez-vous à 21 h au local", "Collage de nuit")

		wantStatus(t, sec.submit(action, action+"/message", url.Values{"text": {"Prévoyez des gants"}, "waiting": {"1"}}), http.StatusSeeOther)
		sent = messages("Prévoyez des gants")
		if len(sent) != 2 {
			t.Fatalf("going and waiting: %d messages", len(sent))
		}
		for _, st := range sent {
			rs := recipients(st)
			if len(rs) != 1 {
				t.Fatalf("a message has %d recipients", len(rs))
			}
			other := "@bob"
			if rs[0] == w.bob.ID {
				other = "@alice"
			}
			if strings.Contains(st.Content, other) || strings.Contains(st.SourceText, other) {
				t.Fatalf("a message names another participant: %s", st.Content)
			}
		}
	})
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A participant leaves a phone number for the day, with consent: only the
// organisers see it, on the action page and in the CSV export (which is
// logged without its content); never a public page, another member, or
// the logs. Without consent, or malformed, it is refused and nothing is
// stored. Withdrawing erases it; so does the day after the action.
func TestPhoneForTheDayAndParticipantsExport(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			logs := &syncBuffer{}
			network := coopoltest.NewNetwork()
			network.SetLogWriter(logs)
			inst := network.StartInstance(t, backend, "section-a.test")
			w := newWorld(t, inst)
			ctx := context.Background()
			start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
			ev, err := inst.Social.CreateEvent(ctx, w.sec, social.NewEvent{Title: "Porte-à-porte", Kind: model.EventKindFieldAction,
				ActionKind: "door_to_door", StartAt: start, EndAt: start.Add(2 * time.Hour), GroupID: w.section.ID,
				Slots: []social.NewSlot{{StartAt: start, EndAt: start.Add(time.Hour), Need: 2}, {StartAt: start.Add(time.Hour), EndAt: start.Add(2 * time.Hour), Need: 2}}})
			if err != nil {
				t.Fatal(err)
			}
			action := "/events/" + ev.ID
			slot := ev.Slots[0].ID
			alice, bob, sec, anon := newBrowser(t, inst), newBrowser(t, inst), newBrowser(t, inst), newBrowser(t, inst)
			alice.login("alice")
			bob.login("bob")
			sec.login("sec")
			mustContain(t, alice.get(action), "Laisser un numéro pour le jour J", `name="phone_consent"`)
			const phone = "06 12 34 56 78"
			signedUp := func(a *model.Account) bool {
				_, err := inst.Store.Participation(ctx, inst.Store.DB, ev.ID, slot, a.ID)
				return err == nil
			}
			// Without consent, or malformed: refused, nothing stored.
			r := alice.submit(action, action+"/signup", url.Values{"slot_id": {slot}, "phone": {phone}})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			r = alice.submit(action, action+"/signup", url.Values{"slot_id": {slot}, "phone": {"=HYPERLINK(1)"}, "phone_consent": {"1"}})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if signedUp(w.alice) {
				t.Fatal("a refused sign-up was stored")
			}
			if n, _ := inst.Store.DB.NewSelect().Model((*model.ParticipantPhone)(nil)).Count(ctx); n != 0 {
				t.Fatal("a refused phone number was stored")
			}
			wantStatus(t, alice.submit(action, action+"/signup", url.Values{"slot_id": {slot}, "phone": {"06.12.34.56.78"}, "phone_consent": {"1"}}), http.StatusSeeOther)
			wantStatus(t, bob.submit(action, action+"/signup", url.Values{"slot_id": {ev.Slots[1].ID}}), http.StatusSeeOther)
			mustContain(t, alice.get(action), "Vous avez laissé un numéro", "Effacer mon numéro")

			// The organisers see it; nobody else does.
			mustContain(t, sec.get(action), phone, "Exporter les inscrit·es (CSV)")
			for name, b := range map[string]*browser{"bob": bob, "alice": alice, "anonymous": anon} {
				page := b.get(action)
				if strings.Contains(page.Body, phone) || strings.Contains(page.Body, "participants.csv") {
					t.Fatalf("%s sees the phone number or the export", name)
				}
				if name != "anonymous" {
					wantStatus(t, b.get(action+"/participants.csv"), http.StatusNotFound)
				}
			}
			for _, path := range []string{"/", "/events", "/@sec", action + "/event.ics", "/@section.atom"} {
				if strings.Contains(anon.get(path).Body, "12 34 56") {
					t.Fatalf("%s shows the phone number", path)
				}
			}

			// The export: name, handle, slot, state, phone.
			r = sec.get(action + "/participants.csv")
			wantStatus(t, r, http.StatusOK)
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("headers: %v", r.Header)
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
			if err != nil || len(rows) != 3 {
				t.Fatalf("csv: %v %q", err, r.Body)
			}
			if rows[0][0] != "Nom" || rows[0][4] != "Téléphone" {
				t.Fatalf("header: %v", rows[0])
			}
			var aliceRow, bobRow []string
			for _, row := range rows[1:] {
				switch row[1] {
				case "alice@section-a.test":
					aliceRow = row
				case "bob@section-a.test":
					bobRow = row
				}
			}
			if aliceRow == nil || aliceRow[4] != phone || !strings.Contains(aliceRow[2], "–") || aliceRow[3] != "inscrit·e" || bobRow == nil || bobRow[4] != "" {
				t.Fatalf("rows: %v", rows)
			}
			// Logged: who, which event, how many, never the numbers.
			log := logs.String()
			if !strings.Contains(log, "participants exported") || !strings.Contains(log, "count=2") || !strings.Contains(log, ev.ID) {
				t.Fatalf("export not logged:\n%s", log)
			}
			if strings.Contains(log, "12 34 56") || strings.Contains(log, "0612") {
				t.Fatalf("a phone number reached the logs:\n%s", log)
			}
			// Nothing federated carries it.
			var bodies []string
			inst.Store.DB.NewSelect().TableExpr("outbox_activities").Column("body").Scan(ctx, &bodies)
			for _, body := range bodies {
				if strings.Contains(body, "12 34 56") {
					t.Fatalf("an activity carries the phone number: %s", body)
				}
			}

			// Withdrawing erases it.
			wantStatus(t, alice.submit(action, action+"/cancel", url.Values{"slot_id": {slot}}), http.StatusSeeOther)
			if phones, _ := inst.Store.ParticipantPhones(ctx, ev.ID); len(phones) != 0 {
				t.Fatalf("phone kept after withdrawal: %v", phones)
			}
			// The day after the action, the numbers go.
			if err := inst.Social.SetParticipantPhone(ctx, w.bob, ev.ID, "07 11 22 33 44", true); err != nil {
				t.Fatal(err)
			}
			if n, err := inst.Social.EraseOldPhones(ctx); err != nil || n != 0 {
				t.Fatalf("erased before the action: %d %v", n, err)
			}
			if _, err := inst.Store.DB.NewUpdate().Model((*model.Event)(nil)).Set("end_at = ?", time.Now().Add(-25*time.Hour).UTC()).Where("id = ?", ev.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if n, err := inst.Social.EraseOldPhones(ctx); err != nil || n != 1 {
				t.Fatalf("erased %d after the action (%v), want 1", n, err)
			}
		})
	}
}

// An imported election is deleted by staff after a confirm page; a member
// gets a 404, and a form without the CSRF token changes nothing.
func TestDeleteAnImportedElection(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		sec, alice := newBrowser(t, inst), newBrowser(t, inst)
		sec.login("sec")
		alice.login("alice")
		r := sec.importElection("Municipales 2020 T1", upload{"results", resultsFile})
		wantStatus(t, r, http.StatusSeeOther)
		id := strings.TrimPrefix(r.Location, "/dashboard/elections/")
		mustContain(t, sec.get("/dashboard/elections"), `href="/dashboard/elections/`+id+`/delete"`)
		confirm := sec.get("/dashboard/elections/" + id + "/delete")
		wantStatus(t, confirm, http.StatusOK)
		mustContain(t, confirm, "Supprimer cette élection ?", "Municipales 2020 T1", "Oui, supprimer l’élection")
		wantStatus(t, alice.get("/dashboard/elections/"+id+"/delete"), http.StatusNotFound)
		wantStatus(t, alice.submit("/", "/dashboard/elections/"+id+"/delete", nil), http.StatusNotFound)
		r = sec.post("/dashboard/elections/"+id+"/delete", url.Values{})
		if r.Status == http.StatusSeeOther {
			t.Fatal("deleted without the CSRF token")
		}
		if countElections(t, inst, w.section.ID) != 1 {
			t.Fatal("the election went")
		}
		wantStatus(t, sec.submit("/dashboard/elections/"+id+"/delete", "/dashboard/elections/"+id+"/delete", nil), http.StatusSeeOther)
		if countElections(t, inst, w.section.ID) != 0 {
			t.Fatal("the election is still there")
		}
		mustContain(t, sec.get("/dashboard/elections"), "Élection supprimée.")
		wantStatus(t, sec.get("/dashboard/elections/"+id), http.StatusNotFound)
	})
}

// "Create an action here": the prefilled title names the action's kind and
// follows it when the secretary picks another kind without retyping it (a
// title they wrote stays theirs); the action page names its target
// station to logged-in viewers, never to the anonymous page.
func TestStationActionTitleFollowsKindAndPageNamesStation(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		sec := newBrowser(t, inst)
		sec.login("sec")
		r := sec.importElection("Présidentielle 2022 T1", upload{"results", resultsFile}, upload{"contours", contoursFile})
		wantStatus(t, r, http.StatusSeeOther)
		ranked, err := inst.Store.ElectionResults(ctx, w.section.ID, strings.TrimPrefix(r.Location, "/dashboard/elections/"), "")
		if err != nil || len(ranked) == 0 {
			t.Fatal(err)
		}
		st := ranked[0]
		from := "/events/new?kind=field_action&station=" + st.StationID
		mustContain(t, sec.get("/events/new?kind=field_action&action_kind=stand&station="+st.StationID), "Stand — bureau "+st.Station.Code, `value="stand" selected`)
		day := time.Now().AddDate(0, 0, 9).Format("2006-01-02")
		create := func(kind, title string) *model.Event {
			t.Helper()
			r := sec.submit(from, "/events", url.Values{"kind": {"field_action"}, "action_kind": {kind}, "title": {title}, "date": {day},
				"start": {"10:00"}, "capacity": {"3"}, "visibility": {"public"}, "group_id": {w.section.ID}, "polling_station_id": {st.StationID}})
			wantStatus(t, r, http.StatusSeeOther)
			ev, err := inst.Store.EventByID(ctx, strings.TrimPrefix(r.Location, "/events/"))
			if err != nil {
				t.Fatal(err)
			}
			return ev
		}
		if ev := create("leafleting", "Porte-à-porte — bureau "+st.Station.Code); ev.Title != "Tractage — bureau "+st.Station.Code || ev.ActionKind != "leafleting" {
			t.Fatalf("title %q kind %s", ev.Title, ev.ActionKind)
		}
		ev := create("leafleting", "Tournée du marché")
		if ev.Title != "Tournée du marché" {
			t.Fatalf("the secretary's own title was replaced: %q", ev.Title)
		}
		page := sec.get("/events/" + ev.ID)
		mustContain(t, page, "Bureau de vote visé", "Villeneuve-Exemple, bureau de vote "+st.Station.Code, `href="/dashboard/elections/stations/`+st.StationID+`/walk"`)
		alice := newBrowser(t, inst)
		alice.login("alice")
		member := alice.get("/events/" + ev.ID)
		mustContain(t, member, "Bureau de vote visé")
		mustNotContain(t, member, "/walk")
		mustNotContain(t, newBrowser(t, inst).get("/events/"+ev.ID), "Bureau de vote visé", st.StationID)
	})
}

// A slot the API put on the next day keeps its day through the web edit
// form, and moves along when the action is postponed.
func TestEditFormKeepsASlotsDay(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		ctx := context.Background()
		paris, _ := time.LoadLocation("Europe/Paris")
		d := time.Now().AddDate(0, 0, 5).In(paris)
		start := time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, paris)
		next := start.AddDate(0, 0, 1)
		ev, err := inst.Social.CreateEvent(ctx, w.sec, social.NewEvent{Title: "Week-end de porte-à-porte", Kind: model.EventKindFieldAction,
			ActionKind: "door_to_door", StartAt: start, GroupID: w.section.ID, Slots: []social.NewSlot{
				{StartAt: start, EndAt: start.Add(2 * time.Hour), Need: 2}, {StartAt: next, EndAt: next.Add(2 * time.Hour), Need: 2}}})
		if err != nil {
			t.Fatal(err)
		}
		action := "/events/" + ev.ID
		sec := newBrowser(t, inst)
		sec.login("sec")
		form := sec.get(action + "/edit")
		mustContain(t, form, `name="slot_offset" value="1"`, `name="slot_offset" value="0"`)
		later := start.AddDate(0, 0, 7).Format("2006-01-02")
		r := sec.submit(action+"/edit", action+"/edit", url.Values{"action_kind": {"door_to_door"}, "title": {"Week-end de porte-à-porte"},
			"date": {later}, "start": {"09:00"}, "status": {"CONFIRMED"},
			"slot_id": {ev.Slots[0].ID, ev.Slots[1].ID}, "slot_offset": {"0", "1"}, "slot_start": {"09:00", "09:00"},
			"slot_end": {"11:00", "11:00"}, "slot_need": {"2", "2"}})
		wantStatus(t, r, http.StatusSeeOther)
		got := eventSlots(t, inst, ev.ID)
		if len(got) != 2 || !got[0].StartAt.Equal(start.AddDate(0, 0, 7)) || !got[1].StartAt.Equal(next.AddDate(0, 0, 7)) {
			t.Fatalf("slots after postponing a week: %v %v", got[0].StartAt, got[1].StartAt)
		}
	})
}

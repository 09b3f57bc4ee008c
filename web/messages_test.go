package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// Issue 16: private messages as conversations, a DM notified as a
// message, notifications grouped with the gauge as it was.

func rename(t *testing.T, inst *coopoltest.Instance, a *model.Account, name string) {
	t.Helper()
	if _, err := inst.Social.UpdateProfile(context.Background(), a, social.ProfileUpdate{DisplayName: &name}); err != nil {
		t.Fatal(err)
	}
}

var unreadMessagesRe = regexp.MustCompile(`<span class="badge">(\d+)<span class="visually-hidden"> conversations? non lues?`)

// unreadMessages reads the "Messages" badge of a page (0 without one).
func unreadMessages(r response) string {
	if m := unreadMessagesRe.FindStringSubmatch(r.Body); m != nil {
		return m[1]
	}
	return "0"
}

func TestConversationReadAndAnswerStaysPrivate(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		ctx := context.Background()
		w := newWorld(t, inst)
		chloe := createUser(t, inst, "chloe", model.RoleMember)
		rename(t, inst, w.alice, "Aline")
		rename(t, inst, w.bob, "Bruno")
		rename(t, inst, chloe, "Chloé")
		thread := "/messages/" + w.direct.ThreadID

		bob := newBrowser(t, inst)
		bob.login("bob")
		// The unread count is on every page, on the "Messages" link.
		if n := unreadMessages(bob.get("/home")); n != "1" {
			t.Fatalf("Bruno's Messages badge: %s, want 1", n)
		}
		r := bob.get("/messages")
		wantStatus(t, r, http.StatusOK)
		mustContain(t, r, `href="`+thread+`"`, "<strong class=\"name\">Aline</strong>", "non lu", directText)
		mustNotContain(t, r, "@bob "+directText) // the preview drops the mentions

		unreadBefore, _ := inst.Store.WebCountUnreadNotifications(ctx, w.bob.ID, 100)
		// The thread: the message, and an answer form that stays private.
		r = bob.get(thread)
		wantStatus(t, r, http.StatusOK)
		mustContain(t, r, "Conversation avec Aline", directText, `name="direct" value="1"`,
			`name="in_reply_to_id" value="`+w.direct.ID+`"`, `name="to" value="alice"`)
		mustNotContain(t, r, `name="visibility"`, `name="group_id"`, `name="poll_option_0"`, `id="compose-to"`)
		if n := unreadMessages(bob.get("/home")); n != "0" {
			t.Fatalf("after reading, Bruno's badge: %s", n)
		}
		// Reading the conversation reads its notification too.
		if after, _ := inst.Store.WebCountUnreadNotifications(ctx, w.bob.ID, 100); after != unreadBefore-1 {
			t.Fatalf("unread notifications: %d before reading the conversation, %d after", unreadBefore, after)
		}
		// What was read is the API's conversation state too.
		states, err := inst.Store.ConversationStates(ctx, w.bob.ID, []string{w.direct.ThreadID})
		if err != nil || states[w.direct.ThreadID].LastReadID != w.direct.ID {
			t.Fatalf("conversation state: %+v, %v", states, err)
		}

		// Answering keeps one in the conversation.
		r = bob.submit(thread, "/statuses", url.Values{"direct": {"1"}, "in_reply_to_id": {w.direct.ID}, "to": {"alice"},
			"text": {"Merci Aline, à jeudi."}, "back": {thread}})
		wantStatus(t, r, http.StatusSeeOther)
		if r.Location != thread {
			t.Fatalf("after sending: %s, want %s", r.Location, thread)
		}
		mustContain(t, bob.get(thread), "Message envoyé.", "Merci Aline, à jeudi.")
		ids, err := inst.Store.ConversationStatuses(ctx, []string{w.direct.ThreadID}, storage.StatusFilter(inst.Social.VisibleFilter(w.alice)))
		if err != nil || len(ids[w.direct.ThreadID]) != 2 {
			t.Fatalf("thread for Aline: %v, %v", ids, err)
		}
		reply, err := inst.Store.StatusByID(ctx, ids[w.direct.ThreadID][1])
		if err != nil || reply.Visibility != model.VisibilityDirect {
			t.Fatalf("the answer: %+v, %v", reply, err)
		}
		if n := unreadMessages(bob.get("/home")); n != "0" {
			t.Fatalf("one's own answer is not unread: %s", n)
		}

		alice := newBrowser(t, inst)
		alice.login("alice")
		if n := unreadMessages(alice.get("/home")); n != "1" {
			t.Fatalf("Aline's badge after Bruno's answer: %s, want 1", n)
		}
		mustContain(t, alice.get("/messages"), "<strong class=\"name\">Bruno</strong>", "Merci Aline, à jeudi.", "non lu")

		// A third person: the conversation is not found, and listed nowhere.
		c := newBrowser(t, inst)
		c.login("chloe")
		r = c.get(thread)
		wantStatus(t, r, http.StatusNotFound)
		mustNotContain(t, r, directText, "Merci Aline")
		r = c.get("/messages")
		mustNotContain(t, r, directText, "Merci Aline", thread)
		if n := unreadMessages(c.get("/home")); n != "0" {
			t.Fatalf("Chloé's badge: %s", n)
		}
		// Nor anyone logged out.
		r = newBrowser(t, inst).get(thread)
		mustNotContain(t, r, directText)

		// A new message starts a conversation and lands in it.
		r = c.submit("/messages", "/statuses", url.Values{"direct": {"1"}, "to": {"bob"}, "text": {"Bruno, tu as les tracts ?"}})
		wantStatus(t, r, http.StatusSeeOther)
		if !strings.HasPrefix(r.Location, "/messages/") || r.Location == thread {
			t.Fatalf("a new message goes to %q", r.Location)
		}
		mustContain(t, c.get(r.Location), "Conversation avec Bruno", "Bruno, tu as les tracts ?")
		// Refused input changes nothing: no recipient, nothing stored.
		before, _ := inst.Store.ConversationsPage(ctx, chloe.ID, storage.StatusFilter(inst.Social.VisibleFilter(chloe)), storage.Page{Limit: 20})
		r = c.submit("/messages", "/statuses", url.Values{"direct": {"1"}, "to": {""}, "text": {"Pour personne"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Indiquez au moins un·e destinataire.")
		after, _ := inst.Store.ConversationsPage(ctx, chloe.ID, storage.StatusFilter(inst.Social.VisibleFilter(chloe)), storage.Page{Limit: 20})
		if len(after) != len(before) {
			t.Fatalf("a refused message was stored: %d conversations, then %d", len(before), len(after))
		}

		// A message to nobody known (only oneself in it) still lists.
		c.submit("/messages", "/statuses", url.Values{"direct": {"1"}, "to": {"personne"}, "text": {"Note pour moi"}})
		r = c.get("/messages")
		wantStatus(t, r, http.StatusOK)
		mustContain(t, r, "vous seul·e", "Note pour moi")

		// The compose page's answer to a private message is private and
		// goes to the conversation, whatever the address asks.
		r = bob.get("/compose?reply_to=" + w.direct.ID + "&to=chloe")
		mustContain(t, r, `name="direct" value="1"`, `name="to" value="alice"`)
		mustNotContain(t, r, `name="visibility"`, `name="group_id"`, `name="poll_option_0"`, `value="chloe"`)
		// A forged form cannot make an answer public, put it in a group or
		// add a poll.
		r = bob.submit(thread, "/statuses", url.Values{"in_reply_to_id": {w.direct.ID}, "visibility": {"public"}, "group_id": {w.ecole.ID},
			"poll_option_0": {"oui"}, "poll_option_1": {"non"}, "text": {"Réponse trafiquée"}})
		wantStatus(t, r, http.StatusSeeOther)
		if r.Location != thread {
			t.Fatalf("a forged answer goes to %s", r.Location)
		}
		ids, err = inst.Store.ConversationStatuses(ctx, []string{w.direct.ThreadID}, storage.StatusFilter(inst.Social.VisibleFilter(w.alice)))
		if err != nil || len(ids[w.direct.ThreadID]) != 3 {
			t.Fatalf("thread for Aline after the forged answer: %v, %v", ids, err)
		}
		forged, err := inst.Store.StatusByID(ctx, ids[w.direct.ThreadID][2])
		if err != nil || forged.Visibility != model.VisibilityDirect || forged.GroupID != nil || forged.APType == "Question" {
			t.Fatalf("the forged answer: %+v, %v", forged, err)
		}
		mustNotContain(t, newBrowser(t, inst).get("/@bob"), "Réponse trafiquée")
		mustNotContain(t, c.get("/@ecole"), "Réponse trafiquée")
	})
}

func TestDirectMessageIsNotifiedAsAMessage(t *testing.T) {
	inst := start(t)
	ctx := context.Background()
	w := newWorld(t, inst)
	chloe := createUser(t, inst, "chloe", model.RoleMember)
	rename(t, inst, w.alice, "Aline")
	rename(t, inst, chloe, "Chloé")
	dm, err := inst.Social.CreateStatus(ctx, chloe, social.NewStatus{Text: "@bob Tu viens samedi ?", Visibility: model.VisibilityDirect})
	if err != nil {
		t.Fatal(err)
	}
	bob := newBrowser(t, inst)
	bob.login("bob")
	r := bob.get("/notifications")
	// Elision before a vowel, not before a consonant; each links to its
	// conversation.
	mustContain(t, r, `<a href="/messages/`+w.direct.ThreadID+`"><strong>Message d’Aline</strong></a>`,
		`<a href="/messages/`+dm.ThreadID+`"><strong>Message de Chloé</strong></a>`)
	mustNotContain(t, r, "vous a mentionné·e", "Message de Aline")
	// A public mention is still a mention.
	if _, err := inst.Social.CreateStatus(ctx, chloe, social.NewStatus{Text: "Merci @bob pour hier"}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, bob.get("/notifications"), "vous a mentionné·e")
}

func TestSignUpNotificationsGroupedWithTheGaugeOfThen(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		ctx := context.Background()
		w := newWorld(t, inst)
		chloe := createUser(t, inst, "chloe", model.RoleMember)
		rename(t, inst, w.alice, "Aline")
		rename(t, inst, w.bob, "Bruno")
		rename(t, inst, chloe, "Chloé")
		sec := newBrowser(t, inst)
		sec.login("sec")

		if _, err := inst.Social.SignUp(ctx, w.bob, w.action.ID, ""); err != nil {
			t.Fatal(err)
		}
		r := sec.get("/notifications")
		mustContain(t, r, "<strong>Bruno</strong></a>\n      s’est inscrit·e", "1 inscrit·e sur 3 nécessaires")
		mustNotContain(t, r, "autre")

		// Later sign-ups: the older notification keeps its gauge.
		for _, a := range []*model.Account{w.alice, chloe} {
			if _, err := inst.Social.SignUp(ctx, a, w.action.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
		ns, err := inst.Store.Notifications(ctx, w.sec.ID, 20)
		if err != nil {
			t.Fatal(err)
		}
		var gauges []int
		for _, n := range ns {
			if n.Type == "coopol.action_signup" {
				if n.GaugeGoing == nil || n.GaugeCapacity == nil || *n.GaugeCapacity != 3 {
					t.Fatalf("sign-up notification without its gauge: %+v", n)
				}
				gauges = append(gauges, *n.GaugeGoing)
			}
		}
		if len(gauges) != 3 || gauges[0] != 3 || gauges[1] != 2 || gauges[2] != 1 {
			t.Fatalf("gauges of the sign-up notifications, newest first: %v, want [3 2 1]", gauges)
		}

		// The page groups them: the newest person, the others counted,
		// the gauge of the newest.
		r = sec.get("/notifications")
		mustContain(t, r, "<strong>Chloé</strong></a>\n      et 2 autres se sont inscrit·es", "3 inscrit·es sur 3 nécessaires", "L’action est complète.")
		if strings.Count(r.Body, "se sont inscrit·es") != 1 || strings.Contains(r.Body, "s’est inscrit·e") {
			t.Fatalf("the sign-ups are not one group:\n%s", r.Body)
		}

		// A cancellation later: the event says 2, the sign-ups still 3.
		if err := inst.Social.CancelParticipation(ctx, w.bob, w.action.ID, ""); err != nil {
			t.Fatal(err)
		}
		mustContain(t, sec.get("/events/"+w.action.ID), "2 inscrit·es sur 3 nécessaires")
		r = sec.get("/notifications")
		mustContain(t, r, "et 2 autres se sont inscrit·es", "3 inscrit·es sur 3 nécessaires", "<strong>Bruno</strong></a>\n      s’est désinscrit·e")
	})
}

func TestGroupKeysOfActions(t *testing.T) {
	ev, st := "EV1", "ST1"
	n := model.Notification{ID: "N1", Type: "coopol.action_signup", EventID: &ev, StatusID: &st}
	grouped := []string{"coopol.action_signup"}
	key := storage.NotificationGroupKeyOf(&n, grouped)
	if key != "coopol.action_signup-EV1" {
		t.Fatalf("key %q", key)
	}
	k, ok := storage.ParseNotificationGroupKey(key)
	if !ok || k.Type != "coopol.action_signup" || k.EventID != "EV1" {
		t.Fatalf("parsed %+v, %v", k, ok)
	}
	if key := storage.NotificationGroupKeyOf(&n, nil); key != "ungrouped-N1" {
		t.Fatalf("not grouped: %q", key)
	}
}

package calendar

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ical "github.com/arran4/golang-ical"

	"github.com/coopol/coopol/model"
)

// Issue 12 (hygiene): a remote event carrying CR/LF in its url, title,
// place or time zone cannot add properties or events to a calendar feed.
func TestFeedCannotBeInjectedThroughAnyField(t *testing.T) {
	start := time.Date(2026, 6, 13, 10, 0, 0, 0, time.UTC)
	evil := "\r\nLOCATION:Ailleurs\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:forged@x\r\nSUMMARY:Faux\r\nX-INJ:1"
	items := []Item{{
		Event: &model.Event{ID: "E1", Title: "Réunion" + evil, Kind: model.EventKindFieldAction, StartAt: start,
			Timezone: "Europe/Paris" + evil, PlaceName: "Salle" + evil, StreetAddress: "1 rue\rX-INJ:2", Locality: "Lyon\nX-INJ:3",
			Country: "FR\x00\x1b", OnlineURL: "https://visio.example/x" + evil, EventStatus: "CONFIRMED" + evil,
			CreatedAt: start, UpdatedAt: start},
		Description: "<p>Texte" + evil + "</p>",
		URL:         "https://hostile.example/e/1" + evil,
	}, {
		Event: &model.Event{ID: "E2", Title: "En ligne", StartAt: start, Timezone: "UTC", OnlineURL: "javascript:alert(1)\r\nX-INJ:4", CreatedAt: start, UpdatedAt: start},
		URL:   "javascript:alert(1)",
	}}
	var buf bytes.Buffer
	if err := Write(&buf, "Agenda\r\nX-INJ:5", "lyon.example", items, start); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, line := range strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n") {
		if strings.ContainsAny(line, "\r\x00\x1b") {
			t.Errorf("line carries a raw control character: %q", line)
		}
		if strings.HasPrefix(line, "X-INJ") || strings.HasPrefix(line, "UID:forged") || strings.HasPrefix(line, "SUMMARY:Faux") ||
			(strings.HasPrefix(line, "LOCATION:Ailleurs")) {
			t.Errorf("injected property line %q in:\n%s", line, out)
		}
		if strings.HasPrefix(line, "URL:") && line != "URL:https://lyon.example/e/1" && strings.ContainsAny(line, " \\") {
			t.Errorf("unsafe URL line %q", line)
		}
	}
	if strings.Contains(out, "javascript:") || strings.Contains(out, "hostile.example/e/1\\n") {
		t.Errorf("unsafe URL kept:\n%s", out)
	}
	cal, err := ical.ParseCalendar(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cal.Events()); n != 2 {
		t.Fatalf("%d events in the feed, want 2:\n%s", n, out)
	}
	ev := cal.Events()[0]
	if p := ev.GetProperty(ical.ComponentPropertySummary); p == nil || !strings.HasPrefix(p.Value, "Réunion") {
		t.Errorf("summary %+v", p)
	}
	if p := ev.GetProperty(ical.ComponentPropertyUrl); p != nil {
		t.Errorf("URL with CR/LF kept: %q", p.Value)
	}
	if p := ev.GetProperty(ical.ComponentPropertyStatus); p == nil || p.Value != "CONFIRMED" {
		t.Errorf("status %+v", p)
	}
}

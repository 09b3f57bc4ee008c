package calendar

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ical "github.com/arran4/golang-ical"

	"github.com/coopol/coopol/model"
)

// The feed parses with a real iCalendar library and round-trips dates and
// time zones, including across a daylight-saving change.
func TestFeedRoundTripsDatesAndZones(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	need := 6
	summer := time.Date(2026, 6, 13, 10, 0, 0, 0, paris) // CEST, UTC+2
	winter := time.Date(2026, 12, 5, 10, 0, 0, 0, paris) // CET, UTC+1
	end := summer.Add(2 * time.Hour)
	lat, long := 45.75, 4.85
	events := []Item{
		{Event: &model.Event{ID: "E1", Title: "Tractage marché", Kind: model.EventKindFieldAction, StartAt: summer.UTC(), EndAt: &end,
			Timezone: "Europe/Paris", PlaceName: "Place du marché", Locality: "Lyon", PostalCode: "69007", Latitude: &lat, Longitude: &long,
			Capacity: &need, ParticipantCount: 4, EventStatus: "CONFIRMED", CreatedAt: summer, UpdatedAt: summer},
			Description: "<p>Tracts &amp; café</p>", URL: "https://lyon.example/events/E1"},
		{Event: &model.Event{ID: "E2", Title: "Débat", StartAt: winter.UTC(), Timezone: "Europe/Paris", OnlineURL: "https://visio.example/x",
			EventStatus: "CANCELLED", CreatedAt: winter, UpdatedAt: winter}},
	}
	var buf bytes.Buffer
	if err := Write(&buf, "Section Lyon 7e", "lyon.example", events, time.Now()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"BEGIN:VTIMEZONE", "TZID:Europe/Paris", "BEGIN:DAYLIGHT", "TZOFFSETTO:+0200", "DTSTART;TZID=Europe/Paris:20260613T100000", "4/6 inscrits", "STATUS:CANCELLED"} {
		if !strings.Contains(out, want) {
			t.Errorf("feed lacks %q:\n%s", want, out)
		}
	}
	cal, err := ical.ParseCalendar(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	parsed := cal.Events()
	if len(parsed) != 2 {
		t.Fatalf("%d events parsed", len(parsed))
	}
	for i, want := range []time.Time{summer, winter} {
		got, err := parsed[i].GetStartAt()
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) {
			t.Errorf("event %d starts %v, want %v", i, got, want)
		}
	}
	gotEnd, _ := parsed[0].GetEndAt()
	if !gotEnd.Equal(end) {
		t.Errorf("end %v, want %v", gotEnd, end)
	}
	if p := parsed[0].GetProperty(ical.ComponentPropertyDescription); p == nil || strings.Contains(p.Value, "<p>") || !strings.Contains(p.Value, "Tracts & café") {
		t.Errorf("description: %+v", p)
	}
}

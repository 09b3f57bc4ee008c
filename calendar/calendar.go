// Package calendar writes iCalendar (RFC 5545) feeds of events and field
// actions, for calendar apps: one event, a section's or group's agenda, or
// a member's own sign-ups.
package calendar

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode"

	ical "github.com/arran4/golang-ical"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/text"
)

// Item is one event to write, with what the feed may show of it.
type Item struct {
	Event       *model.Event
	Description string // HTML; written as plain text
	URL         string
	Organizer   string // display name of the organiser
}

// Write writes a calendar named name with the items. Times are written
// in each event's own time zone (TZID), with a VTIMEZONE describing that
// zone's offsets over the years the events span, so that calendar apps
// keep 10:00 at 10:00 across daylight-saving changes.
func Write(w io.Writer, name, host string, items []Item, now time.Time) error {
	cal := ical.NewCalendar()
	cal.SetMethod(ical.MethodPublish)
	cal.SetProductId("-//Coopol//" + host + "//FR")
	cal.SetName(clean(name))
	cal.SetXWRCalName(clean(name))
	cal.SetRefreshInterval("PT1H")

	zones := map[string][2]int{} // tz -> year span
	for _, it := range items {
		tz := zone(it.Event)
		span, ok := zones[tz]
		y0, y1 := it.Event.StartAt.Year(), it.Event.StartAt.Year()
		if it.Event.EndAt != nil {
			y1 = it.Event.EndAt.Year()
		}
		if !ok {
			span = [2]int{y0, y1}
		}
		zones[tz] = [2]int{min(span[0], y0), max(span[1], y1)}
	}
	names := make([]string, 0, len(zones))
	for tz := range zones {
		names = append(names, tz)
	}
	sort.Strings(names)
	for _, tz := range names {
		if err := addTimezone(cal, tz, zones[tz][0], zones[tz][1]); err != nil {
			return err
		}
	}
	for _, it := range items {
		addEvent(cal, host, it, now)
	}
	return cal.SerializeTo(w)
}

// zone is the event's time zone if Go knows it, else UTC: a remote event
// may carry anything there, and it ends up in a TZID parameter.
func zone(ev *model.Event) string {
	if _, err := time.LoadLocation(ev.Timezone); err != nil || ev.Timezone == "" || strings.ContainsAny(ev.Timezone, "\r\n\",;:") {
		return "UTC"
	}
	return ev.Timezone
}

// clean makes any text safe for a TEXT property: the iCalendar library
// escapes LF but not CR, so a CR (or CRLF) from a remote event would start
// a property of its own. Line breaks become LF; other control characters go.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return -1
		}
		return r
	}, s)
}

func localTime(t time.Time, tz string) (string, []ical.PropertyParameter) {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "UTC" {
		return t.UTC().Format("20060102T150405Z"), nil
	}
	return t.In(loc).Format("20060102T150405"), []ical.PropertyParameter{ical.WithTZID(tz)}
}

func addEvent(cal *ical.Calendar, host string, it Item, now time.Time) {
	ev := it.Event
	v := cal.AddEvent(ev.ID + "@" + host)
	v.SetDtStampTime(now)
	v.SetCreatedTime(ev.CreatedAt)
	v.SetModifiedAt(ev.UpdatedAt)
	tz := zone(ev)
	start, params := localTime(ev.StartAt, tz)
	v.SetProperty(ical.ComponentPropertyDtStart, start, params...)
	end := ev.StartAt.Add(time.Hour)
	if ev.EndAt != nil {
		end = *ev.EndAt
	}
	endValue, params := localTime(end, tz)
	v.SetProperty(ical.ComponentPropertyDtEnd, endValue, params...)
	v.SetSummary(clean(ev.Title))
	desc := strings.TrimSpace(text.StripHTML(it.Description))
	if ev.Capacity != nil {
		label := "participants"
		if ev.Kind == model.EventKindFieldAction {
			label = "inscrits"
		}
		desc = strings.TrimSpace(fmt.Sprintf("%s\n\n%d/%d %s", desc, ev.ParticipantCount, *ev.Capacity, label))
	}
	if desc != "" {
		v.SetDescription(clean(desc))
	}
	if loc := location(ev); loc != "" {
		v.SetLocation(clean(loc))
	}
	if ev.Latitude != nil && ev.Longitude != nil {
		v.SetGeo(*ev.Latitude, *ev.Longitude)
	}
	if u := text.SafeURL(it.URL); u != "" {
		v.SetURL(u)
	}
	switch ev.EventStatus {
	case "CANCELLED":
		v.SetStatus(ical.ObjectStatusCancelled)
	case "TENTATIVE":
		v.SetStatus(ical.ObjectStatusTentative)
	default:
		v.SetStatus(ical.ObjectStatusConfirmed)
	}
	if ev.Kind == model.EventKindFieldAction {
		v.SetProperty(ical.ComponentPropertyCategories, "ACTION")
	}
}

func location(ev *model.Event) string {
	var parts []string
	for _, p := range []string{ev.PlaceName, ev.StreetAddress, strings.TrimSpace(ev.PostalCode + " " + ev.Locality), ev.Country} {
		if strings.TrimSpace(p) != "" {
			parts = append(parts, strings.TrimSpace(p))
		}
	}
	if len(parts) == 0 {
		return text.SafeURL(ev.OnlineURL)
	}
	return strings.Join(parts, ", ")
}

// addTimezone describes tz from Go's zone database: one observance per
// offset change in the years spanned (no RRULE needed, RFC 5545 §3.6.5).
func addTimezone(cal *ical.Calendar, tz string, fromYear, toYear int) error {
	if tz == "UTC" {
		return nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return fmt.Errorf("calendar: unknown time zone %q", tz)
	}
	vtz := cal.AddTimezone(tz)
	start := time.Date(fromYear, 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(toYear+1, 1, 1, 0, 0, 0, 0, loc)
	_, prevOffset := start.Zone()
	// The observance in force at the start of the span.
	addObservance(vtz, start, prevOffset, prevOffset, start.IsDST())
	for t := start; t.Before(end); t = t.Add(time.Hour) {
		_, offset := t.Zone()
		if offset != prevOffset {
			addObservance(vtz, t, prevOffset, offset, t.IsDST())
			prevOffset = offset
		}
	}
	return nil
}

func addObservance(vtz *ical.VTimezone, at time.Time, from, to int, dst bool) {
	var cb *ical.ComponentBase
	if dst {
		d := &ical.Daylight{}
		vtz.Components = append(vtz.Components, d)
		cb = &d.ComponentBase
	} else {
		s := vtz.AddStandard()
		cb = &s.ComponentBase
	}
	// DTSTART of an observance is in the local time before the change.
	cb.SetProperty(ical.ComponentPropertyDtStart, at.In(time.FixedZone("", from)).Format("20060102T150405"))
	cb.SetProperty(ical.ComponentProperty("TZOFFSETFROM"), offsetString(from))
	cb.SetProperty(ical.ComponentProperty("TZOFFSETTO"), offsetString(to))
	name, _ := at.Zone()
	cb.SetProperty(ical.ComponentProperty("TZNAME"), name)
}

func offsetString(seconds int) string {
	sign := "+"
	if seconds < 0 {
		sign, seconds = "-", -seconds
	}
	return fmt.Sprintf("%s%02d%02d", sign, seconds/3600, seconds%3600/60)
}

package ap

import (
	"fmt"
	"time"

	"github.com/superseriousbusiness/activity/streams"
	"github.com/superseriousbusiness/activity/streams/vocab"

	"github.com/coopol/coopol/text"
)

// EventInfo is what an Event object carries beyond a post, in the terms
// Mobilizon emits and FEP-8a8e describes (federation-interop.md §4).
type EventInfo struct {
	StartTime, EndTime time.Time
	Timezone           string
	JoinMode           string // free, restricted, invite, external
	Status             string // CONFIRMED, TENTATIVE, CANCELLED
	Category           string
	Capacity           *int // maximumAttendeeCapacity; for a field action, the need
	ParticipantCount   int
	Place              *Place
	OnlineURL          string
	// Coopol's own terms: field actions and their slots.
	Kind       string // event, field_action
	ActionKind string
	Slots      []EventSlot
}

type Place struct {
	Name, StreetAddress, PostalCode, Locality, Region, Country string
	Latitude, Longitude                                        *float64
}

type EventSlot struct {
	ID                 string
	StartTime, EndTime time.Time
	Need, Participants int
}

// eventContext holds the @context terms of the unknown event properties.
var eventContext = map[string]any{
	"mz":                            "https://joinmobilizon.org/ns#",
	"sc":                            "http://schema.org#",
	"ical":                          "http://www.w3.org/2002/12/cal/ical#",
	"pt":                            "https://joinpeertube.org/ns#",
	"coopol":                        CoopolNS,
	"timezone":                      "mz:timezone",
	"joinMode":                      "mz:joinMode",
	"category":                      "mz:category",
	"participantCount":              "mz:participantCount",
	"maximumAttendeeCapacity":       "sc:maximumAttendeeCapacity",
	"remainingAttendeeCapacity":     "sc:remainingAttendeeCapacity",
	"anonymousParticipationEnabled": "mz:anonymousParticipationEnabled",
	"isOnline":                      "mz:isOnline",
	"status":                        "ical:status",
	"eventStatus":                   "https://w3id.org/fep/8a8e#eventStatus",
	"address":                       "sc:address",
	"PostalAddress":                 "sc:PostalAddress",
	"streetAddress":                 "sc:streetAddress",
	"postalCode":                    "sc:postalCode",
	"addressLocality":               "sc:addressLocality",
	"addressRegion":                 "sc:addressRegion",
	"addressCountry":                "sc:addressCountry",
	"fieldAction":                   "coopol:fieldAction",
	"actionKind":                    "coopol:actionKind",
	"slots":                         "coopol:slots",
}

var fepStatus = map[string]string{"CONFIRMED": "EventScheduled", "TENTATIVE": "Tentative", "CANCELLED": "Cancelled"}

// eventType builds an Event object for a post that describes one.
func eventType(p *Post) (vocab.Type, map[string]any, error) {
	ev := p.Event
	if ev == nil {
		return nil, nil, fmt.Errorf("event post without event data")
	}
	t := streams.NewActivityStreamsEvent()
	// Mastodon shows only name + link; GoToSocial the content, which opens
	// with the title and the facts (social.eventContent).
	setObjectBasics(t, p)
	start := streams.NewActivityStreamsStartTimeProperty()
	start.Set(ev.StartTime)
	t.SetActivityStreamsStartTime(start)
	if !ev.EndTime.IsZero() {
		end := streams.NewActivityStreamsEndTimeProperty()
		end.Set(ev.EndTime)
		t.SetActivityStreamsEndTime(end)
	}
	if ev.Place != nil {
		place := streams.NewActivityStreamsPlace()
		place.SetActivityStreamsName(nameProperty(ev.Place.Name))
		if ev.Place.Latitude != nil && ev.Place.Longitude != nil {
			lat := streams.NewActivityStreamsLatitudeProperty()
			lat.Set(*ev.Place.Latitude)
			place.SetActivityStreamsLatitude(lat)
			long := streams.NewActivityStreamsLongitudeProperty()
			long.Set(*ev.Place.Longitude)
			place.SetActivityStreamsLongitude(long)
		}
		place.GetUnknownProperties()["address"] = map[string]any{
			"type": "PostalAddress", "streetAddress": ev.Place.StreetAddress, "postalCode": ev.Place.PostalCode,
			"addressLocality": ev.Place.Locality, "addressRegion": ev.Place.Region, "addressCountry": ev.Place.Country,
		}
		loc := streams.NewActivityStreamsLocationProperty()
		loc.AppendActivityStreamsPlace(place)
		t.SetActivityStreamsLocation(loc)
	}
	extra := t.GetUnknownProperties()
	extra["timezone"] = ev.Timezone
	extra["joinMode"] = ev.JoinMode
	extra["status"] = ev.Status
	extra["eventStatus"] = fepStatus[ev.Status]
	extra["category"] = ev.Category
	extra["participantCount"] = ev.ParticipantCount
	extra["anonymousParticipationEnabled"] = false
	extra["isOnline"] = ev.OnlineURL != "" && ev.Place == nil
	if ev.Capacity != nil {
		extra["maximumAttendeeCapacity"] = *ev.Capacity
		extra["remainingAttendeeCapacity"] = max(*ev.Capacity-ev.ParticipantCount, 0)
	}
	if ev.OnlineURL != "" {
		att := streams.NewActivityStreamsAttachmentProperty()
		link := streams.NewActivityStreamsLink()
		href := streams.NewActivityStreamsHrefProperty()
		href.Set(mustIRI(ev.OnlineURL))
		link.SetActivityStreamsHref(href)
		link.SetActivityStreamsName(nameProperty("Website"))
		att.AppendActivityStreamsLink(link)
		t.SetActivityStreamsAttachment(att)
	}
	if ev.Kind == "field_action" {
		extra["fieldAction"] = true
		extra["actionKind"] = ev.ActionKind
		slots := make([]map[string]any, 0, len(ev.Slots))
		for _, s := range ev.Slots {
			slots = append(slots, map[string]any{"id": s.ID, "startTime": s.StartTime.UTC().Format(time.RFC3339),
				"endTime": s.EndTime.UTC().Format(time.RFC3339), "need": s.Need, "participantCount": s.Participants})
		}
		if len(slots) > 0 {
			extra["slots"] = slots
		}
	}
	return t, eventContext, nil
}

func intField(m map[string]any, key string) (int, bool) {
	f, ok := m[key].(float64)
	if !ok || f < 0 || f > 1e7 {
		return 0, false
	}
	return int(f), true
}

// parseEvent reads the event terms of a remote Event object.
func parseEvent(m map[string]any) (*EventInfo, error) {
	ev := &EventInfo{StartTime: Time(m, "startTime"), EndTime: Time(m, "endTime"), Timezone: Str(m, "timezone"),
		JoinMode: Str(m, "joinMode"), Status: Str(m, "status"), Category: Str(m, "category"), Kind: "event"}
	if ev.StartTime.IsZero() {
		return nil, fmt.Errorf("event has no startTime")
	}
	if ev.JoinMode == "" {
		ev.JoinMode = "free"
	}
	if ev.Status == "" {
		ev.Status = Str(m, "ical:status")
	}
	switch ev.Status {
	case "CONFIRMED", "TENTATIVE", "CANCELLED":
	default:
		ev.Status = "CONFIRMED"
	}
	if n, ok := intField(m, "maximumAttendeeCapacity"); ok {
		ev.Capacity = &n
	}
	ev.ParticipantCount, _ = intField(m, "participantCount")
	if loc := Object(m["location"]); loc != nil {
		p := &Place{Name: Str(loc, "name")}
		if lat, ok := loc["latitude"].(float64); ok {
			p.Latitude = &lat
		}
		if long, ok := loc["longitude"].(float64); ok {
			p.Longitude = &long
		}
		switch addr := loc["address"].(type) {
		case string:
			p.StreetAddress = addr
		case map[string]any:
			p.StreetAddress, p.PostalCode = Str(addr, "streetAddress"), Str(addr, "postalCode")
			p.Locality, p.Region, p.Country = Str(addr, "addressLocality"), Str(addr, "addressRegion"), Str(addr, "addressCountry")
		}
		ev.Place = p
	}
	for _, att := range Objects(m["attachment"]) {
		if Type(att) == "Link" && Str(att, "name") == "Website" {
			ev.OnlineURL = text.SafeURL(ID(att["href"]))
		}
	}
	if Bool(m, "fieldAction") {
		ev.Kind, ev.ActionKind = "field_action", Str(m, "actionKind")
		for _, s := range Objects(m["slots"]) {
			need, _ := intField(s, "need")
			n, _ := intField(s, "participantCount")
			ev.Slots = append(ev.Slots, EventSlot{ID: Str(s, "id"), StartTime: Time(s, "startTime"), EndTime: Time(s, "endTime"), Need: need, Participants: n})
		}
	}
	return ev, nil
}

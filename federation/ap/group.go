package ap

import (
	"math"
	"strings"
	"time"

	"github.com/coopol/coopol/model"
)

// GroupInfo is what a section's or group's actor tells other servers
// about itself, in our vocabulary: so that a remote page shows the right
// kind, territory, openness and size. The member count is a count only;
// who belongs stays with the group (P-05).
type GroupInfo struct {
	Kind        string // section or thematic
	Territory   string
	Openness    string // open, moderated, invite_only
	MemberCount *int
	// Calendar is the public .ics feed of the group's events.
	Calendar string
}

var (
	groupKinds       = map[string]bool{"section": true, "thematic": true}
	groupOpennesses  = map[string]bool{"open": true, "moderated": true, "invite_only": true}
	maxTerritorySize = 200
)

// AddGroupInfo adds info to a Group actor document.
func AddGroupInfo(doc Document, info GroupInfo) {
	doc["@context"] = mergeContext(doc["@context"], map[string]any{
		"coopol": CoopolNS, "groupKind": "coopol:groupKind", "territory": "coopol:territory",
		"openness": "coopol:openness", "memberCount": "coopol:memberCount",
		"calendar": map[string]any{"@id": "coopol:calendar", "@type": "@id"},
	})
	doc["groupKind"] = info.Kind
	if info.Territory != "" {
		doc["territory"] = info.Territory
	}
	if info.Openness != "" {
		doc["openness"] = info.Openness
	}
	if info.MemberCount != nil {
		doc["memberCount"] = *info.MemberCount
	}
	if info.Calendar != "" {
		doc["calendar"] = info.Calendar
	}
}

// ParseGroupInfo reads GroupInfo from a remote Group actor; unknown or
// malformed values are dropped, never guessed. ok is false when the
// actor says nothing of the kind (not one of ours: Mobilizon, Lemmy…).
func ParseGroupInfo(m map[string]any) (info GroupInfo, ok bool) {
	if Type(m) != "Group" {
		return info, false
	}
	kind := Str(m, "groupKind")
	if !groupKinds[kind] {
		return info, false
	}
	info.Kind = kind
	if t := strings.TrimSpace(Str(m, "territory")); t != "" && len(t) <= maxTerritorySize && !strings.ContainsAny(t, "<>\r\n\x00") {
		info.Territory = t
	}
	if o := Str(m, "openness"); groupOpennesses[o] {
		info.Openness = o
	}
	if n, isNum := m["memberCount"].(float64); isNum && n >= 0 && n < 10_000_000 && n == math.Trunc(n) {
		count := int(n)
		info.MemberCount = &count
	}
	if cal := ID(m["calendar"]); cal != "" && SameOrigin(cal, Str(m, "id")) && (strings.HasPrefix(cal, "https://") || strings.HasPrefix(cal, "http://")) && !strings.ContainsAny(cal, " \t\r\n\x00") {
		info.Calendar = cal
	}
	return info, true
}

// RemoteGroup is the row a server keeps of a remote section or group
// from what its actor document says of itself; nil when it says nothing
// of the kind. Who belongs is never in it: the group alone knows.
func RemoteGroup(doc map[string]any, accountID string, now time.Time) *model.Group {
	info, ok := ParseGroupInfo(doc)
	if !ok {
		return nil
	}
	g := &model.Group{AccountID: accountID, Kind: info.Kind, Openness: info.Openness, Territory: info.Territory,
		MembersVisibility: "moderators", MemberCount: info.MemberCount, CalendarURL: info.Calendar, CreatedAt: now, UpdatedAt: now}
	if g.Openness == "" {
		g.Openness = "moderated"
	}
	return g
}

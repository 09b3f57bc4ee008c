package web

import (
	"os"
	"strings"
)

// goFiles lets tests read the package's own sources.
var goFiles = os.DirFS(".")

// extraDynamicKeys are keys built from values (visibilities, kinds...).
var extraDynamicKeys = func() []string {
	var keys []string
	add := func(prefix string, values []string, suffixes ...string) {
		for _, v := range values {
			keys = append(keys, prefix+v)
			for _, s := range suffixes {
				keys = append(keys, prefix+v+s)
			}
		}
	}
	add("visibility.", []string{"public", "unlisted", "private", "members", "direct"}, "_help")
	add("action.", []string{"leafleting", "door_to_door", "stand", "phoning", "posters"})
	add("elections.action_title_", []string{"leafleting", "door_to_door", "stand", "phoning", "posters"})
	add("openness.", []string{"open", "moderated", "invite_only"}, "_help")
	add("role.", []string{"creator", "admin", "moderator", "member"})
	add("userrole.", []string{"admin", "moderator", "member", "sympathisant"})
	add("sectionstatus.", []string{"adherent", "sympathisant"})
	add("state.", []string{"going", "interested", "waitlisted", "pending", "rejected"}, "_long")
	add("domainkind.", []string{"block", "allow"})
	add("registrations.", []string{"open", "approval", "closed"})
	add("poll.m", []string{"60", "360", "1440", "4320", "10080"})
	add("media.remote_", []string{"image", "gifv", "video", "audio", "unknown"})
	for _, k := range notificationKinds {
		keys = append(keys, notificationKey(k))
	}
	for _, k := range webGroupedTypes {
		keys = append(keys, "notif.group."+strings.ReplaceAll(k, ".", "_"))
	}
	return append(keys, "notif.unknown", "notif.message_from", "notif.message_from_elided")
}()

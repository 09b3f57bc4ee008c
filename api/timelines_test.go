package api_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/coopol/coopol/coopoltest"
)

var linkPart = regexp.MustCompile(`<([^>]+)>; rel="(next|prev)"`)

// links parses a Link header into rel → path?query (on the instance).
func links(t *testing.T, r *response) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range linkPart.FindAllStringSubmatch(r.Header.Get("Link"), -1) {
		u, err := url.Parse(m[1])
		if err != nil || u.Host != "section-a.test" {
			t.Fatalf("link %q", m[1])
		}
		out[m[2]] = u.RequestURI()
	}
	return out
}

func TestTimelinePagination(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, ac := login(t, inst, "alice", false)
		var posted []string // oldest first
		for _, text := range []string{"un", "deux", "trois", "quatre", "cinq"} {
			posted = append(posted, str(ac.postStatus(text, "public"), "id"))
		}
		newestFirst := slices.Clone(posted)
		slices.Reverse(newestFirst)

		for _, tl := range []string{"/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/timelines/public?local=true"} {
			sep := "?"
			if strings.Contains(tl, "?") {
				sep = "&"
			}
			r := ac.get(tl + sep + "limit=2")
			if got := ids(r.list()); !slices.Equal(got, newestFirst[:2]) {
				t.Fatalf("%s first page: %v, want %v", tl, got, newestFirst[:2])
			}
			l := links(t, r)
			if !strings.Contains(l["next"], "max_id="+newestFirst[1]) || !strings.Contains(l["next"], "limit=2") || !strings.Contains(l["prev"], "min_id="+newestFirst[0]) {
				t.Fatalf("%s Link: %q", tl, r.Header.Get("Link"))
			}
			r = ac.get(l["next"])
			if got := ids(r.list()); !slices.Equal(got, newestFirst[2:4]) {
				t.Fatalf("%s second page: %v", tl, got)
			}
			r = ac.get(links(t, r)["next"])
			if got := ids(r.list()); !slices.Equal(got, newestFirst[4:]) {
				t.Fatalf("%s last page: %v", tl, got)
			}
			r = ac.get(links(t, r)["next"])
			if len(r.list()) != 0 || r.Header.Get("Link") != "" {
				t.Fatalf("%s past the end: %s %q", tl, r.Body, r.Header.Get("Link"))
			}
		}
		// min_id pages forward from the oldest: the items right after it,
		// still newest first; since_id gives the newest items after it.
		if got := ids(ac.get("/api/v1/timelines/home?limit=2&min_id=" + posted[0]).list()); !slices.Equal(got, []string{posted[2], posted[1]}) {
			t.Fatalf("min_id: %v", got)
		}
		if got := ids(ac.get("/api/v1/timelines/home?limit=2&since_id=" + posted[0]).list()); !slices.Equal(got, []string{posted[4], posted[3]}) {
			t.Fatalf("since_id: %v", got)
		}
		if got := ids(ac.get("/api/v1/timelines/home?max_id=" + posted[3] + "&since_id=" + posted[0]).list()); !slices.Equal(got, []string{posted[2], posted[1]}) {
			t.Fatalf("max_id+since_id: %v", got)
		}
		if r := ac.get("/api/v1/timelines/home?limit=2&min_id=" + posted[0]); !strings.Contains(links(t, r)["prev"], "min_id="+posted[2]) {
			t.Fatalf("prev after min_id: %q", r.Header.Get("Link"))
		}
		// limit is capped at 40.
		for range 41 {
			ac.postStatus("encore", "unlisted")
		}
		if n := len(ac.get("/api/v1/timelines/home?limit=100").list()); n != 40 {
			t.Fatalf("limit=100 gave %d", n)
		}
		if n := len(ac.get("/api/v1/timelines/home").list()); n != 20 {
			t.Fatalf("default limit gave %d", n)
		}
		// Unlisted posts stay off the public timeline.
		for _, id := range ids(ac.get("/api/v1/timelines/public?limit=40").list()) {
			if !slices.Contains(posted, id) {
				t.Fatalf("unlisted %s on the public timeline", id)
			}
		}
	})
}

func TestTimelinesListsMarkers(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, ac := login(t, inst, "alice", false)
		bob, bc := login(t, inst, "bob", false)
		carol, cc := login(t, inst, "carol", false)

		tagged := bc.postStatus("Marché de #Noël", "public")
		if got := ids(anonymous(t, inst).get("/api/v1/timelines/tag/noël").list()); !slices.Equal(got, []string{str(tagged, "id")}) {
			t.Fatalf("tag timeline: %v", got)
		}
		if got := anonymous(t, inst).get("/api/v1/timelines/public?remote=true").list(); len(got) != 0 {
			t.Fatalf("remote timeline shows local posts: %v", ids(got))
		}
		if tag := ac.get("/api/v1/tags/Noël").obj(); tag["name"] != "Noël" {
			t.Fatalf("tag: %v", tag)
		}

		// Lists hold followed accounts.
		list := ac.post("/api/v1/lists", url.Values{"title": {"Section"}}).obj()
		if list["replies_policy"] != "list" || list["exclusive"] != false {
			t.Fatalf("list: %v", list)
		}
		lid := str(list, "id")
		ac.post("/api/v1/lists/"+lid+"/accounts", url.Values{"account_ids[]": {bob.ID}}).status(http.StatusUnprocessableEntity)
		ac.post("/api/v1/accounts/"+bob.ID+"/follow", nil).obj()
		ac.post("/api/v1/accounts/"+carol.ID+"/follow", nil).obj()
		ac.post("/api/v1/lists/"+lid+"/accounts", url.Values{"account_ids[]": {bob.ID}}).obj()
		if got := ids(ac.get("/api/v1/lists/" + lid + "/accounts").list()); !slices.Equal(got, []string{bob.ID}) {
			t.Fatalf("list accounts: %v", got)
		}
		fromBob := bc.postStatus("Pour la liste", "private")
		fromCarol := cc.postStatus("Pas dans la liste", "public")
		got := ids(ac.get("/api/v1/timelines/list/" + lid).list())
		if !slices.Contains(got, str(fromBob, "id")) || slices.Contains(got, str(fromCarol, "id")) {
			t.Fatalf("list timeline: %v", got)
		}
		if got := ids(ac.get("/api/v1/accounts/" + bob.ID + "/lists").list()); !slices.Equal(got, []string{lid}) {
			t.Fatalf("account lists: %v", got)
		}
		bc.get("/api/v1/lists/" + lid).status(http.StatusNotFound) // someone else's list
		bc.get("/api/v1/timelines/list/" + lid).status(http.StatusNotFound)
		if up := ac.do("PUT", "/api/v1/lists/"+lid, url.Values{"title": {"Bureau"}, "replies_policy": {"none"}}).obj(); up["title"] != "Bureau" || up["replies_policy"] != "none" {
			t.Fatalf("update list: %v", up)
		}
		ac.do("DELETE", "/api/v1/lists/"+lid+"/accounts", url.Values{"account_ids[]": {bob.ID}}).obj()
		if len(ac.get("/api/v1/lists/"+lid+"/accounts").list()) != 0 {
			t.Fatal("account not removed")
		}
		if got := ids(ac.get("/api/v1/lists").list()); !slices.Equal(got, []string{lid}) {
			t.Fatalf("lists: %v", got)
		}
		ac.do("DELETE", "/api/v1/lists/"+lid, nil).obj()
		ac.get("/api/v1/lists/" + lid).status(http.StatusNotFound)

		// Markers.
		if m := ac.get("/api/v1/markers?timeline[]=home&timeline[]=notifications").obj(); len(m) != 0 {
			t.Fatalf("markers before any: %v", m)
		}
		set := ac.post("/api/v1/markers", url.Values{"home[last_read_id]": {str(tagged, "id")}}).obj()
		if str(set, "home.last_read_id") != str(tagged, "id") || path(set, "home.version") != 1.0 {
			t.Fatalf("set marker: %v", set)
		}
		set = ac.do("POST", "/api/v1/markers", map[string]any{"home": map[string]any{"last_read_id": str(fromBob, "id")}, "notifications": map[string]any{"last_read_id": "0"}}).obj()
		if path(set, "home.version") != 2.0 || str(set, "notifications.last_read_id") != "0" {
			t.Fatalf("set markers: %v", set)
		}
		m := ac.get("/api/v1/markers?timeline[]=home&timeline[]=notifications").obj()
		if str(m, "home.last_read_id") != str(fromBob, "id") || m["notifications"] == nil {
			t.Fatalf("markers: %v", m)
		}
		if m := bc.get("/api/v1/markers?timeline[]=home").obj(); len(m) != 0 {
			t.Fatalf("bob sees alice's markers: %v", m)
		}
	})
}

// TestLoginStubs: what clients fetch right after login answers JSON,
// never a 500 or a web page.
func TestLoginStubs(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, ac := login(t, inst, "alice", false)
		for _, p := range []string{
			"/api/v1/filters", "/api/v2/filters", "/api/v1/followed_tags", "/api/v1/trends", "/api/v1/trends/tags",
			"/api/v1/trends/statuses", "/api/v1/trends/links", "/api/v1/suggestions", "/api/v2/suggestions",
			"/api/v1/featured_tags", "/api/v1/scheduled_statuses", "/api/v1/domain_blocks", "/api/v1/endorsements",
			"/api/v1/lists", "/api/v1/notifications", "/api/v1/timelines/home", "/api/v1/conversations",
			"/api/v1/bookmarks", "/api/v1/favourites", "/api/v1/blocks", "/api/v1/mutes", "/api/v1/follow_requests",
			"/api/v1/custom_emojis", "/api/v1/announcements",
		} {
			r := ac.get(p)
			if arr, ok := r.ok().([]any); !ok || len(arr) != 0 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%s: %d %s", p, r.Code, r.Body)
			}
		}
		if c := ac.get("/api/v1/notifications/unread_count").obj(); c["count"] != 0.0 {
			t.Errorf("unread_count: %v", c)
		}
	})
}

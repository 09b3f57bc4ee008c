package api_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/storage/storagetest"
)

func search(cl *apiClient, q string, extra ...string) map[string]any {
	cl.t.Helper()
	v := url.Values{"q": {q}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return cl.get("/api/v2/search?" + v.Encode()).obj()
}

func accts(v any) []string {
	var out []string
	items, _ := v.([]any)
	for _, item := range items {
		out = append(out, str(item, "acct"))
	}
	return out
}

func TestLocalSearch(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, ac := login(t, inst, "alice", false)
		_, cc := login(t, inst, "carol", false)
		_, cb := login(t, inst, "carlos", false)
		cb.do("PATCH", "/api/v1/accounts/update_credentials", url.Values{"discoverable": {"true"}}).obj()
		cc.postStatus("Marché de #Noël et #noëlsolidaire", "public")

		// A partial name finds people who chose to be found, and — among
		// this instance's adhérents — each other (issue 13).
		if got := accts(search(ac, "car")["accounts"]); !slices.Equal(got, []string{"carlos", "carol"}) {
			t.Fatalf("prefix search: %v", got)
		}
		// The exact handle finds anyone.
		if got := accts(search(ac, "@carol")["accounts"]); len(got) == 0 || got[0] != "carol" {
			t.Fatalf("exact handle: %v", got)
		}
		if got := accts(search(ac, "carol@section-a.test")["accounts"]); len(got) == 0 || got[0] != "carol" {
			t.Fatalf("local full handle: %v", got)
		}
		ac.post("/api/v1/accounts/"+str(search(ac, "@carol")["accounts"], "0.id")+"/follow", nil).obj()
		if got := accts(search(ac, "car", "following", "true")["accounts"]); !slices.Equal(got, []string{"carol"}) {
			t.Fatalf("following only: %v", got)
		}
		res := search(ac, "#noë")
		tags := res["hashtags"].([]any)
		if len(tags) != 2 || str(tags[0], "name") != "Noël" || str(tags[0], "url") == "" {
			t.Fatalf("hashtags: %v", tags)
		}
		if got := search(ac, "noël", "type", "accounts"); len(got["hashtags"].([]any)) != 0 {
			t.Fatal("type=accounts returned hashtags")
		}
		// Statuses only by URL, and only visible ones.
		priv := cc.postStatus("Abonnés seulement", "private")
		dm := cc.postStatus("@alice rien que pour toi", "direct")
		_, dc := login(t, inst, "dan", false)
		if got := search(dc, str(priv, "url"))["statuses"].([]any); len(got) != 0 {
			t.Fatal("search by URL revealed a followers-only post")
		}
		if got := search(dc, str(dm, "uri"))["statuses"].([]any); len(got) != 0 {
			t.Fatal("search by URL revealed a direct message")
		}
		if got := ids(search(ac, str(dm, "uri"))["statuses"]); !slices.Equal(got, []string{str(dm, "id")}) {
			t.Fatalf("recipient's search by URL: %v", got)
		}
		anonymous(t, inst).get("/api/v2/search?q=alice").status(http.StatusUnauthorized)
	})
}

// TestRemoteFollowThroughAPI: a member finds a member of another section
// through search (resolve=true), follows them through the API, and sees
// their later posts in her home timeline.
func TestRemoteFollowThroughAPI(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test"})
			a, b := insts[0], insts[1]
			_, ac := login(t, a, "alice", false)
			_, carolA := login(t, a, "carol", false)
			_, bb := login(t, b, "bob", false)
			_, db := login(t, b, "dan", false)

			if got := search(ac, "@bob@section-b.test")["accounts"].([]any); len(got) != 0 {
				t.Fatalf("unknown remote account found without resolve: %v", got)
			}
			res := search(ac, "@bob@section-b.test", "resolve", "true")
			found := res["accounts"].([]any)
			if len(found) != 1 || str(found[0], "acct") != "bob@section-b.test" || str(found[0], "url") != "http://section-b.test/@bob" {
				t.Fatalf("resolve: %s", mustJSON(res))
			}
			bobID := str(found[0], "id")
			rel := ac.post("/api/v1/accounts/"+bobID+"/follow", nil).obj()
			if rel["following"] != true && rel["requested"] != true {
				t.Fatalf("follow: %v", rel)
			}
			coopoltest.Eventually(t, "bob's server accepts the follow", func() bool {
				return ac.get("/api/v1/accounts/relationships?id[]=" + bobID).list()[0]["following"] == true
			})
			if got := ac.get("/api/v1/accounts/lookup?acct=bob@section-b.test").obj(); got["id"] != bobID {
				t.Fatalf("lookup remote: %v", got)
			}

			post := bb.postStatus("Tractage samedi au #marché", "public")
			priv := bb.postStatus("Pour mes abonnés", "private")
			ctx := context.Background()
			var privOnA string
			coopoltest.Eventually(t, "bob's posts in alice's home", func() bool {
				home := ac.get("/api/v1/timelines/home").list()
				var uris []string
				for _, s := range home {
					uris = append(uris, str(s, "uri"))
					if str(s, "uri") == str(priv, "uri") {
						privOnA = str(s, "id")
					}
				}
				return slices.Contains(uris, str(post, "uri")) && slices.Contains(uris, str(priv, "uri"))
			})
			onA, err := a.Store.StatusByURI(ctx, str(post, "uri"))
			if err != nil {
				t.Fatal(err)
			}
			got := ac.get("/api/v1/statuses/" + onA.ID).obj()
			if str(got, "account.acct") != "bob@section-b.test" || str(got, "url") != str(post, "url") || str(got, "tags.0.name") != "marché" {
				t.Fatalf("remote status: %s", mustJSON(got))
			}
			// The followers-only post is for alice, not for carol.
			carolA.get("/api/v1/statuses/" + privOnA).status(http.StatusNotFound)
			if slices.Contains(ids(carolA.get("/api/v1/accounts/"+bobID+"/statuses").list()), privOnA) {
				t.Fatal("carol sees bob's followers-only post")
			}
			// Search by URL: known already.
			if got := ids(search(ac, str(post, "url"), "resolve", "true")["statuses"]); !slices.Equal(got, []string{onA.ID}) {
				t.Fatalf("search known URL: %v", got)
			}
			// A public post nobody here follows: fetched on demand. (By its
			// id: Coopol does not serve ActivityPub at /@user/id yet.)
			stranger := db.postStatus("Débat mardi sur les transports", "public")
			if got := search(ac, str(stranger, "uri"))["statuses"].([]any); len(got) != 0 {
				t.Fatal("fetched without resolve")
			}
			fetched := search(ac, str(stranger, "uri"), "resolve", "true")["statuses"].([]any)
			if len(fetched) != 1 || str(fetched[0], "uri") != str(stranger, "uri") || str(fetched[0], "account.acct") != "dan@section-b.test" {
				t.Fatalf("resolve status URL: %s", mustJSON(fetched))
			}
			// A direct message cannot be fetched by its URL.
			secret := db.postStatus("@bob entre nous", "direct")
			if got := search(ac, str(secret, "uri"), "resolve", "true")["statuses"].([]any); len(got) != 0 {
				t.Fatal("a direct message was fetched through search")
			}
			// The account URL resolves to the account.
			if got := accts(search(ac, "http://section-b.test/users/dan", "resolve", "true")["accounts"]); !slices.Equal(got, []string{"dan@section-b.test"}) {
				t.Fatalf("resolve account URL: %v", got)
			}
			// A profile change reaches the followers' servers.
			bb.do("PATCH", "/api/v1/accounts/update_credentials", url.Values{"display_name": {"Bob de la section B"}, "note": {"Trésorier"}}).obj()
			coopoltest.Eventually(t, "bob's new profile on A", func() bool {
				got := ac.get("/api/v1/accounts/" + bobID).obj()
				return got["display_name"] == "Bob de la section B" && strings.Contains(str(got, "note"), "Trésorier")
			})
			// Unfollow through the API.
			if rel := ac.post("/api/v1/accounts/"+bobID+"/unfollow", nil).obj(); rel["following"] != false {
				t.Fatalf("unfollow: %v", rel)
			}
		})
	}
}

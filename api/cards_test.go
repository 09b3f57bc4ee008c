package api_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/storage/storagetest"
)

// gpsMarker is in the EXIF block of the image the news site serves: it
// must not survive in the thumbnail we serve (P-07).
const gpsMarker = "GPS-48.8584N-2.2945E"

// jpegWithEXIF is a small JPEG with an APP1 EXIF segment carrying gpsMarker.
func jpegWithEXIF(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for y := 0; y < 80; y++ {
		for x := 0; x < 120; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 2), uint8(y * 3), 90, 255})
		}
	}
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, img, nil); err != nil {
		t.Fatal(err)
	}
	tiff := append([]byte("II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00"), gpsMarker...)
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{}, enc.Bytes()[:2]...) // SOI
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, enc.Bytes()[2:]...)
}

// newsSite is a fake third-party site reachable as news.test; it counts
// the requests for each path.
type newsSite struct {
	mu   sync.Mutex
	hits map[string]int
}

func (s *newsSite) count(p string) int { s.mu.Lock(); defer s.mu.Unlock(); return s.hits[p] }

func serveNews(t *testing.T, inst *coopoltest.Instance) *newsSite {
	site := &newsSite{hits: map[string]int{}}
	cover := jpegWithEXIF(t)
	inst.Network().Serve(t, "news.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		site.mu.Lock()
		site.hits[r.URL.Path]++
		site.mu.Unlock()
		if r.URL.Path == "/cover.jpg" {
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write(cover)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		name := strings.TrimPrefix(r.URL.Path, "/")
		fmt.Fprintf(w, `<html><head><title>ignored</title>
<meta property="og:title" content="Article %s">
<meta property="og:description" content="About &lt;%s&gt;">
<meta property="og:site_name" content="News">
<meta property="og:image" content="/cover.jpg"></head><body>text</body></html>`, name, name)
	}))
	return site
}

// fetchMedia reads a media URL of the instance directly.
func fetchMedia(t *testing.T, inst *coopoltest.Instance, u string) []byte {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(inst.URL(parsed.Path))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", parsed.Path, resp.StatusCode)
	}
	return body
}

// Issue 15, apps item 8: a post's first link gets a card (local posts,
// and remote ones on the receiving server), with a re-encoded thumbnail,
// in the API (card, /card) and on the web page; the card has the post's
// audience; DMs' links are not fetched.
func TestLinkPreviewCards(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			insts := coopoltest.Start(t, backend, []string{"section-a.test", "section-b.test"})
			a, b := insts[0], insts[1]
			site := serveNews(t, a)
			_, ac := login(t, a, "alice", false)
			_, carol := login(t, a, "carol", false)
			_, bc := login(t, b, "bob", false)
			ctx := context.Background()

			// Bob on section B follows alice.
			found := search(bc, "@alice@section-a.test", "resolve", "true")["accounts"].([]any)
			if len(found) != 1 {
				t.Fatalf("resolve alice: %v", found)
			}
			aliceOnB := str(found[0], "id")
			bc.post("/api/v1/accounts/"+aliceOnB+"/follow", nil).obj()
			coopoltest.Eventually(t, "bob follows alice", func() bool {
				return bc.get("/api/v1/accounts/relationships?id[]=" + aliceOnB).list()[0]["following"] == true
			})

			// A public post: the card arrives after the post, by a job.
			post := ac.postStatus("Lisez ça http://news.test/public avant samedi", "public")
			id := str(post, "id")
			var got map[string]any
			coopoltest.Eventually(t, "card of alice's post", func() bool {
				got = ac.get("/api/v1/statuses/" + id).obj()
				return str(got, "card.title") == "Article public"
			})
			if str(got, "card.url") != "http://news.test/public" || str(got, "card.description") != "About <public>" ||
				str(got, "card.provider_name") != "News" || str(got, "card.type") != "link" || str(got, "card.html") != "" {
				t.Fatalf("card: %s", mustJSON(got["card"]))
			}
			imageURL := str(got, "card.image")
			if !strings.HasPrefix(imageURL, a.Base()+"/media/") {
				t.Fatalf("card image is not our own copy: %q", imageURL)
			}
			thumb := fetchMedia(t, a, imageURL)
			if bytes.Contains(thumb, []byte(gpsMarker)) || bytes.Contains(thumb, []byte("Exif")) {
				t.Fatal("P-07: the card thumbnail kept the EXIF block of the remote image")
			}
			if _, _, err := image.Decode(bytes.NewReader(thumb)); err != nil {
				t.Fatalf("thumbnail is not an image: %v", err)
			}
			card := anonymous(t, a).get("/api/v1/statuses/" + id + "/card").obj()
			if card["title"] != "Article public" || card["image"] != imageURL {
				t.Fatalf("/card: %v", card)
			}
			// The web page shows it (escaped).
			page := anonymous(t, a).get("/@alice/" + id)
			if page.Code != http.StatusOK || !strings.Contains(string(page.Body), "Article public") || !strings.Contains(string(page.Body), "About &lt;public&gt;") {
				t.Fatalf("web page without the card (%d)", page.Code)
			}

			// On section B, the copy of the post gets its own card, fetched there.
			var onB map[string]any
			coopoltest.Eventually(t, "card of alice's post on section B", func() bool {
				for _, s := range bc.get("/api/v1/timelines/home").list() {
					if str(s, "uri") == str(post, "uri") && str(s, "card.title") == "Article public" {
						onB = s
						return true
					}
				}
				return false
			})
			if !strings.HasPrefix(str(onB, "card.image"), b.Base()+"/media/") {
				t.Fatalf("card image on B: %q", str(onB, "card.image"))
			}

			// A followers-only post: its card is shown where the post is.
			priv := ac.postStatus("Pour mes abonnés http://news.test/private", "private")
			privID := str(priv, "id")
			coopoltest.Eventually(t, "card of the private post", func() bool {
				_, err := a.Store.PreviewCard(ctx, privID)
				return err == nil
			})
			if c := ac.get("/api/v1/statuses/" + privID + "/card").obj(); c["title"] != "Article private" {
				t.Fatalf("author's view of the private card: %v", c)
			}
			anonymous(t, a).get("/api/v1/statuses/" + privID + "/card").status(http.StatusNotFound)
			carol.get("/api/v1/statuses/" + privID + "/card").status(http.StatusNotFound)

			// A direct message: its link is never fetched. A later public
			// post's card proves the queue ran past it.
			dm := ac.postStatus("@carol lien privé http://news.test/dm", "direct")
			after := ac.postStatus("Et http://news.test/after", "public")
			coopoltest.Eventually(t, "card of the later post", func() bool {
				return str(ac.get("/api/v1/statuses/"+str(after, "id")).obj(), "card.title") == "Article after"
			})
			if n := site.count("/dm"); n != 0 {
				t.Fatalf("the link of a DM was fetched %d times", n)
			}
			if c := ac.get("/api/v1/statuses/" + str(dm, "id")).obj(); c["card"] != nil {
				t.Fatalf("DM has a card: %v", c["card"])
			}
			if c := ac.get("/api/v1/statuses/" + str(dm, "id") + "/card").obj(); len(c) != 0 {
				t.Fatalf("DM /card: %v", c)
			}
		})
	}
}

// An edit that changes the link gets the new link's card; an edit that
// removes every link removes the card.
func TestLinkPreviewFollowsEdits(t *testing.T) {
	eachInstance(t, func(t *testing.T, a *coopoltest.Instance) {
		serveNews(t, a)
		_, ac := login(t, a, "alice", false)
		id := str(ac.postStatus("Voir http://news.test/first", "public"), "id")
		coopoltest.Eventually(t, "first card", func() bool {
			return str(ac.get("/api/v1/statuses/"+id).obj(), "card.title") == "Article first"
		})
		ac.do("PUT", "/api/v1/statuses/"+id, url.Values{"status": {"Plutôt http://news.test/second"}}).obj()
		coopoltest.Eventually(t, "card of the new link", func() bool {
			return str(ac.get("/api/v1/statuses/"+id).obj(), "card.title") == "Article second"
		})
		got := ac.do("PUT", "/api/v1/statuses/"+id, url.Values{"status": {"Finalement pas de lien"}}).obj()
		if got["card"] != nil {
			t.Fatalf("card kept after the link was removed: %v", got["card"])
		}
		if c := ac.get("/api/v1/statuses/" + id + "/card").obj(); len(c) != 0 {
			t.Fatalf("/card after the link was removed: %v", c)
		}
	})
}

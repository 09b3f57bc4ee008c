package linkpreview_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coopol/coopol/httpclient"
	"github.com/coopol/coopol/linkpreview"
)

// site is a fake web site on loopback; the fetcher's client allows
// loopback only, as the test configuration of every instance does.
func site(t *testing.T, routes map[string]func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *linkpreview.Fetcher) {
	t.Helper()
	mux := http.NewServeMux()
	for p, h := range routes {
		mux.HandleFunc(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	client := httpclient.New(httpclient.Config{AllowedPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	return srv, &linkpreview.Fetcher{Client: client}
}

func page(body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}
}

func TestOpenGraph(t *testing.T) {
	srv, f := site(t, map[string]func(http.ResponseWriter, *http.Request){
		"/article": page(`<!doctype html><html><head><title>Page title</title>
<meta property="og:title" content="Grève &amp; manif : le parcours">
<meta property="og:description" content="Départ 14h,
place Bellecour">
<meta property="og:site_name" content="Le Progrès">
<meta property="og:image" content="/img/cover.jpg">
</head><body><meta property="og:title" content="not in head"></body></html>`),
	})
	card, err := f.Fetch(context.Background(), srv.URL+"/article")
	if err != nil {
		t.Fatal(err)
	}
	if card.Title != "Grève & manif : le parcours" || card.Description != "Départ 14h, place Bellecour" ||
		card.ProviderName != "Le Progrès" || card.ImageURL != srv.URL+"/img/cover.jpg" || card.Type != "link" || card.URL != srv.URL+"/article" {
		t.Fatalf("card: %+v", card)
	}
}

func TestTitleWithoutOpenGraph(t *testing.T) {
	srv, f := site(t, map[string]func(http.ResponseWriter, *http.Request){
		"/": page(`<html><head><title> Section  de Lyon </title><meta name="description" content="Agenda"></head><body>x</body></html>`),
	})
	card, err := f.Fetch(context.Background(), srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if card.Title != "Section de Lyon" || card.Description != "Agenda" || card.ImageURL != "" || card.ProviderURL != srv.URL {
		t.Fatalf("card: %+v", card)
	}
}

// A video page points to its oEmbed document: title, author, provider and
// thumbnail come from it; its html (an iframe of the site's choosing) is
// never kept.
func TestOEmbedDiscoveryDropsHTML(t *testing.T) {
	var srv *httptest.Server
	srv, f := site(t, map[string]func(http.ResponseWriter, *http.Request){
		"/watch": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<html><head><title>Video page</title>
<link rel="alternate" type="application/json+oembed" href="%s/oembed?url=x"></head><body></body></html>`, srv.URL)
		},
		"/oembed": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"type":"video","version":"1.0","title":"Meeting replay","author_name":"Coopol TV","author_url":"/c/tv",
"provider_name":"PeerTube","provider_url":"https://tube.example/","thumbnail_url":"/thumb.jpg",
"html":"<iframe src=\"https://evil.example/\" onload=\"alert(1)\"></iframe><script>alert(1)</script>","width":560,"height":315}`)
		},
	})
	card, err := f.Fetch(context.Background(), srv.URL+"/watch")
	if err != nil {
		t.Fatal(err)
	}
	if card.Type != "video" || card.Title != "Meeting replay" || card.AuthorName != "Coopol TV" || card.AuthorURL != srv.URL+"/c/tv" ||
		card.ProviderName != "PeerTube" || card.ProviderURL != "https://tube.example/" || card.ImageURL != srv.URL+"/thumb.jpg" {
		t.Fatalf("card: %+v", card)
	}
	if s := fmt.Sprintf("%+v", card); strings.Contains(s, "iframe") || strings.Contains(s, "evil.example") || strings.Contains(s, "alert") {
		t.Fatalf("oEmbed html kept: %+v", card)
	}
}

func TestNoPreview(t *testing.T) {
	big := strings.Repeat("<p>lorem ipsum</p>", linkpreview.MaxPageBytes/16)
	var served atomic.Int64
	srv, f := site(t, map[string]func(http.ResponseWriter, *http.Request){
		"/file.pdf": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/pdf")
			fmt.Fprint(w, "%PDF-1.4 <title>not html</title>")
		},
		"/image": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			fmt.Fprint(w, "<html><head><title>fake</title></head></html>")
		},
		"/missing": func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "<title>Not found</title>", http.StatusNotFound)
		},
		// The tags come after the limit: never read.
		"/huge-late": page("<html><body>" + big + big + `<title>too late</title></body></html>`),
		// A huge page whose head comes first still gives its card, and
		// the rest is not downloaded.
		"/huge-early": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><head><title>Early</title></head><body>`)
			for i := 0; i < 64; i++ {
				n, err := fmt.Fprint(w, big)
				served.Add(int64(n))
				if err != nil {
					return
				}
			}
		},
		"/notitle": page(`<html><head><meta property="og:image" content="/x.png"></head><body>hello</body></html>`),
	})
	for _, p := range []string{"/file.pdf", "/image", "/missing", "/huge-late", "/notitle"} {
		card, err := f.Fetch(context.Background(), srv.URL+p)
		if !errors.Is(err, linkpreview.ErrNoPreview) || card != nil {
			t.Errorf("%s: card %+v, err %v; want ErrNoPreview", p, card, err)
		}
	}
	card, err := f.Fetch(context.Background(), srv.URL+"/huge-early")
	if err != nil || card.Title != "Early" {
		t.Fatalf("huge page with its head first: %+v %v", card, err)
	}
	if served.Load() >= 64*int64(len(big)) {
		t.Errorf("the whole huge page was sent (%d bytes): it should have been cut off", served.Load())
	}
}

// N-01/N-03: a page that redirects to a private address (cloud metadata,
// the LAN) is refused by the client's dialer, after the redirect too.
func TestRedirectToPrivateAddressRefused(t *testing.T) {
	srv, f := site(t, map[string]func(http.ResponseWriter, *http.Request){
		"/go": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		},
		"/lan": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://10.1.2.3/admin", http.StatusFound)
		},
	})
	for _, p := range []string{"/go", "/lan"} {
		card, err := f.Fetch(context.Background(), srv.URL+p)
		if err == nil || card != nil {
			t.Fatalf("%s: redirect to a private address followed: %+v", p, card)
		}
		if !errors.Is(err, httpclient.ErrForbiddenAddress) {
			t.Errorf("%s: want ErrForbiddenAddress, got %v", p, err)
		}
	}
	// And directly.
	if _, err := f.Fetch(context.Background(), "http://192.168.1.1/"); !errors.Is(err, httpclient.ErrForbiddenAddress) {
		t.Errorf("private address fetched: %v", err)
	}
}

func TestFirstLink(t *testing.T) {
	content := `<p><span class="h-card"><a href="https://a.test/@bob" class="u-url mention">@<span>bob</span></a></span> ` +
		`<a href="https://a.test/tags/greve" class="mention hashtag" rel="tag">#<span>greve</span></a> ` +
		`<a href="javascript:alert(1)">x</a> <a href="https://news.example/article?id=1" rel="nofollow noopener" target="_blank">news</a> ` +
		`<a href="https://second.example/">second</a></p>`
	if got := linkpreview.FirstLink(content); got != "https://news.example/article?id=1" {
		t.Fatalf("FirstLink = %q", got)
	}
	if got := linkpreview.FirstLink(`<p>no link, just #words</p>`); got != "" {
		t.Fatalf("FirstLink without link = %q", got)
	}
}

// A Latin-1 page (declared in <meta charset>) is decoded, not mangled.
func TestLatin1Page(t *testing.T) {
	srv, f := site(t, map[string]func(http.ResponseWriter, *http.Request){
		"/": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><head><meta charset=\"iso-8859-1\"><title>Gr\xe8ve g\xe9n\xe9rale</title></head></html>"))
		},
	})
	card, err := f.Fetch(context.Background(), srv.URL+"/")
	if err != nil || card.Title != "Grève générale" {
		t.Fatalf("card %+v, err %v", card, err)
	}
}

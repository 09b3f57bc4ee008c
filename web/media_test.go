package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// pngImage is a small picture to upload.
func pngImage(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postMultipart sends the compose form with a file.
func (b *browser) postMultipart(path string, fields url.Values, file []byte, filename string) response {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	if file != nil {
		fw, _ := w.CreateFormFile("media", filename)
		fw.Write(file)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.inst.URL(path), &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

var imgRe = regexp.MustCompile(`<img src="(/[^"]+)" alt="([^"]*)"`)

func TestPostWithImages(t *testing.T) {
	inst := start(t)
	w := newWorld(t, inst)
	bob := newBrowser(t, inst)
	bob.login("bob")
	r := bob.get("/home")
	mustContain(t, r, `enctype="multipart/form-data"`, `type="file"`, "Description pour les personnes")
	token := between(r.Body, `name="csrf_token" value="`, `"`)

	// A public post with a picture: shown, served on the shared route.
	r = bob.postMultipart("/statuses", url.Values{"csrf_token": {token}, "text": {"Le marché ce matin"}, "visibility": {"public"},
		"media_description": {"Des militant·es au marché"}, "back": {"/home"}}, pngImage(t), "marche.png")
	wantStatus(t, r, http.StatusSeeOther)
	r = bob.get("/@bob")
	m := imgRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no image shown:\n%s", r.Body)
	}
	if m[2] != "Des militant·es au marché" {
		t.Fatalf("alt text %q", m[2])
	}
	anon := newBrowser(t, inst)
	img := anon.get(m[1])
	wantStatus(t, img, http.StatusOK)
	if ct := img.Header.Get("Content-Type"); ct != "image/png" && ct != "image/jpeg" {
		t.Fatalf("image served as %q", ct)
	}

	// A members-only post with a picture: only members get the file.
	r = bob.postMultipart("/statuses", url.Values{"csrf_token": {token}, "text": {"Photo interne"}, "visibility": {"members"},
		"group_id": {w.ecole.ID}, "back": {"/home"}}, pngImage(t), "interne.png")
	wantStatus(t, r, http.StatusSeeOther)
	r = bob.get("/@ecole")
	var private string
	for _, m := range imgRe.FindAllStringSubmatch(r.Body, -1) {
		if len(m[1]) > 11 && m[1][:11] == "/web/media/" {
			private = m[1]
		}
	}
	if private == "" {
		t.Fatalf("members-only image not under /web/media/:\n%s", r.Body)
	}
	wantStatus(t, bob.get(private), http.StatusOK)
	wantStatus(t, anon.get(private), http.StatusNotFound)
	wantStatus(t, anon.get("/media/"+private[len("/web/media/"):]), http.StatusNotFound)
	sam := newBrowser(t, inst)
	sam.login("sam")
	wantStatus(t, sam.get(private), http.StatusNotFound)

	// Not an image: refused, the text kept.
	r = bob.postMultipart("/statuses", url.Values{"csrf_token": {token}, "text": {"Voici un script"}, "back": {"/home"}},
		[]byte("#!/bin/sh\necho hello\n"), "x.png")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	mustContain(t, r, "Ce type de fichier n’est pas accepté", "Voici un script")
	// Without the token, nothing is stored.
	r = bob.postMultipart("/statuses", url.Values{"text": {"Sans jeton"}}, pngImage(t), "x.png")
	wantStatus(t, r, http.StatusForbidden)
}

func TestPolls(t *testing.T) {
	inst := start(t)
	newWorld(t, inst)
	alice := newBrowser(t, inst)
	alice.login("alice")
	r := alice.submit("/home", "/statuses", url.Values{"text": {"On se retrouve quand ?"}, "poll_option_0": {"Mardi"},
		"poll_option_1": {"Jeudi"}, "poll_minutes": {"1440"}, "back": {"/home"}})
	wantStatus(t, r, http.StatusSeeOther)
	r = alice.get("/@alice")
	mustContain(t, r, "Mardi", "Jeudi", "0 votant·e")
	mustNotContain(t, r, `value="Voter"`) // the author does not vote
	id := between(r.Body, `<form method="post" action="/statuses/`, `/`)
	_ = id

	bob := newBrowser(t, inst)
	bob.login("bob")
	r = bob.get("/@alice")
	mustContain(t, r, `name="choice"`, "Voter")
	statusID := between(r.Body, `action="/statuses/`, `/vote"`)
	r = bob.submit("/@alice", "/statuses/"+statusID+"/vote", url.Values{"choice": {"1"}, "back": {"/@alice"}})
	wantStatus(t, r, http.StatusSeeOther)
	r = bob.get("/@alice")
	mustContain(t, r, "Votre vote est enregistré.", "votre choix", "100 %", "1 votant·e")
	mustNotContain(t, r, `name="choice"`)
}

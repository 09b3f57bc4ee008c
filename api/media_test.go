package api_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/coopol/coopol/coopoltest"
)

// jpegWithGPS builds a JPEG carrying an EXIF segment with a GPS IFD whose
// GPSAreaInformation holds a recognisable marker, as a phone photo would.
func jpegWithGPS(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		for y := 0; y < 48; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, nil); err != nil {
		t.Fatal(err)
	}
	marker := "LYON-GPS-45.7578N-4.8320E"
	var tiff bytes.Buffer
	be := binary.BigEndian
	tiff.WriteString("MM")
	binary.Write(&tiff, be, uint16(42))
	binary.Write(&tiff, be, uint32(8))
	// IFD0: one entry, GPSInfo pointer.
	binary.Write(&tiff, be, uint16(1))
	binary.Write(&tiff, be, uint16(0x8825))
	binary.Write(&tiff, be, uint16(4))
	binary.Write(&tiff, be, uint32(1))
	binary.Write(&tiff, be, uint32(26))
	binary.Write(&tiff, be, uint32(0))
	// GPS IFD at 26: GPSAreaInformation (0x001C, UNDEFINED) pointing at the marker.
	binary.Write(&tiff, be, uint16(1))
	binary.Write(&tiff, be, uint16(0x001C))
	binary.Write(&tiff, be, uint16(7))
	binary.Write(&tiff, be, uint32(len(marker)))
	binary.Write(&tiff, be, uint32(44))
	binary.Write(&tiff, be, uint32(0))
	tiff.WriteString(marker)
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var out bytes.Buffer
	out.Write(plain.Bytes()[:2]) // SOI
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, be, uint16(len(payload)+2))
	out.Write(payload)
	out.Write(plain.Bytes()[2:])
	if !bytes.Contains(out.Bytes(), []byte(marker)) {
		t.Fatal("fixture lacks its marker")
	}
	return out.Bytes()
}

func upload(t *testing.T, cl *apiClient, name string, data []byte) *response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(data)
	w.WriteField("description", "Le marché")
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, cl.inst.URL("/api/v2/media"), &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+cl.token)
	resp, err := cl.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &response{t: t, Code: resp.StatusCode, Header: resp.Header, Body: b}
}

// TestMediaUploadStripsGPS_P07: a photo with GPS in its EXIF is uploaded
// through the API, posted, and the file anyone can fetch carries none of
// it; a members-only post's media is not served to anonymous fetches.
func TestMediaUploadStripsGPS_P07(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, alice := login(t, inst, "alice", false)
		photo := jpegWithGPS(t)
		m := upload(t, alice, "IMG_0001.jpg", photo).obj()
		if str(m, "type") != "image" || str(m, "description") != "Le marché" || path(m, "meta.original.width") != float64(64) {
			t.Fatalf("media entity: %v", m)
		}
		st := alice.post("/api/v1/statuses", map[string]any{"status": "Au marché", "media_ids": []string{str(m, "id")}}).obj()
		if len(path(st, "media_attachments").([]any)) != 1 {
			t.Fatalf("status without its media: %v", st)
		}
		url := str(st, "media_attachments.0.url")
		resp, err := http.Get(inst.URL(strings.TrimPrefix(url, inst.Base())))
		if err != nil {
			t.Fatal(err)
		}
		served, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("serving: %d %v", resp.StatusCode, resp.Header)
		}
		if bytes.Contains(served, []byte("LYON-GPS")) || bytes.Contains(served, []byte("Exif\x00")) {
			t.Fatal("the served photo still carries its EXIF/GPS")
		}
		// Someone else's upload cannot be attached.
		_, bob := login(t, inst, "bob", false)
		m2 := upload(t, alice, "b.jpg", photo).obj()
		bob.post("/api/v1/statuses", map[string]any{"status": "vol", "media_ids": []string{str(m2, "id")}}).status(http.StatusUnprocessableEntity)
		// Not an image, whatever its name says: refused.
		upload(t, alice, "evil.jpg", []byte("<html><script>alert(1)</script></html>")).status(http.StatusUnprocessableEntity)
		// A followers-only post's media is refused to anonymous fetches.
		m3 := upload(t, alice, "c.jpg", photo).obj()
		st3 := alice.post("/api/v1/statuses", map[string]any{"status": "privé", "visibility": "private", "media_ids": []string{str(m3, "id")}}).obj()
		resp, err = http.Get(inst.URL(strings.TrimPrefix(str(st3, "media_attachments.0.url"), inst.Base())))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Fatalf("private media served anonymously: %d", resp.StatusCode)
		}
	})
}

// TestAvatarUpload: an avatar sent to update_credentials is re-encoded
// (no GPS) and shown on the account and its actor document.
func TestAvatarUpload(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, alice := login(t, inst, "alice", false)
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		fw, _ := w.CreateFormFile("avatar", "me.jpg")
		fw.Write(jpegWithGPS(t))
		w.WriteField("display_name", "Alice M.")
		w.Close()
		req, _ := http.NewRequest(http.MethodPatch, inst.URL("/api/v1/accounts/update_credentials"), &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+alice.token)
		resp, err := alice.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		r := &response{t: t, Code: resp.StatusCode, Body: b}
		acc := r.obj()
		avatar := str(acc, "avatar")
		if str(acc, "display_name") != "Alice M." || !strings.Contains(avatar, "/media/") {
			t.Fatalf("account after update: %v", acc)
		}
		got, err := http.Get(inst.URL(strings.TrimPrefix(avatar, inst.Base())))
		if err != nil {
			t.Fatal(err)
		}
		img, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if got.StatusCode != 200 || bytes.Contains(img, []byte("LYON-GPS")) {
			t.Fatalf("avatar served: %d, carries GPS: %v", got.StatusCode, bytes.Contains(img, []byte("LYON-GPS")))
		}
		req, _ = http.NewRequest(http.MethodGet, inst.URL("/users/alice"), nil)
		req.Header.Set("Accept", "application/activity+json")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(doc), avatar) {
			t.Fatalf("actor document lacks the avatar: %s", doc)
		}
	})
}

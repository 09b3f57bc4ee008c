package media_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/media"
	"github.com/coopol/coopol/model"
)

const testBucket = "coopol-media"

// fakeS3 is an S3-compatible server in memory, on loopback.
type fakeS3 struct {
	backend *s3mem.Backend
	srv     *httptest.Server
}

func newFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server()) // 127.0.0.1
	t.Cleanup(srv.Close)
	return &fakeS3{backend: backend, srv: srv}
}

func (f *fakeS3) config(publicURL string) config.Media {
	return config.Media{
		MaxImageSize: 16 << 20, MaxVideoSize: 100 << 20, MaxAudioSize: 40 << 20,
		Storage: "s3",
		S3: config.MediaS3{
			Endpoint: f.srv.Listener.Addr().String(), Region: "us-east-1", Bucket: testBucket,
			AccessKey: "coopol", SecretKey: "coopol-secret", UseSSL: false, PublicURL: publicURL,
		},
	}
}

// object returns the stored bytes and content type of key, ok false when
// the bucket has no such object.
func (f *fakeS3) object(t *testing.T, key string) (data []byte, contentType string, ok bool) {
	t.Helper()
	obj, err := f.backend.GetObject(testBucket, key, nil)
	if err != nil {
		return nil, "", false
	}
	defer obj.Contents.Close()
	data, err = io.ReadAll(obj.Contents)
	if err != nil {
		t.Fatal(err)
	}
	return data, obj.Metadata["Content-Type"], true
}

func TestS3StoreUploadServeDelete(t *testing.T) {
	fake := newFakeS3(t)
	e := newEnvWith(t, fake.config(""))

	m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(jpegWithMetadata(t, 6)), "x.jpg", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The objects are in the bucket, named by the stored paths; nothing is
	// left on the local disk (staging included).
	stored, ct, ok := fake.object(t, m.FilePath)
	if !ok || ct != "image/jpeg" || int64(len(stored)) != m.FileSize {
		t.Fatalf("file object: ok %v, type %q, %d bytes (row says %d)", ok, ct, len(stored), m.FileSize)
	}
	assertClean(t, "stored object", stored)
	thumb, ct, ok := fake.object(t, m.ThumbnailPath)
	if !ok || ct != "image/jpeg" {
		t.Fatalf("thumbnail object: ok %v, type %q", ok, ct)
	}
	if files := e.storedFiles(t); len(files) != 0 {
		t.Errorf("files on the local disk with s3 storage: %v", files)
	}
	if got := e.svc.URL(m); got != "https://media.lyon.test/media/"+m.FilePath {
		t.Errorf("URL %q", got)
	}

	// Served through the handler, streamed from the bucket, same headers.
	srv := httptest.NewServer(e.svc.Handler(nil))
	defer srv.Close()
	for rel, want := range map[string][]byte{m.FilePath: stored, m.ThumbnailPath: thumb} {
		resp, err := http.Get(srv.URL + "/media/" + rel)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", rel, resp.StatusCode, body)
		}
		hd := resp.Header
		if hd.Get("Content-Type") != "image/jpeg" || hd.Get("Content-Disposition") != "inline" ||
			hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Content-Security-Policy") != "default-src 'none'; sandbox" ||
			!strings.HasPrefix(hd.Get("Cache-Control"), "private,") {
			t.Errorf("GET %s headers: %v", rel, hd)
		}
		if !bytes.Equal(body, want) {
			t.Errorf("GET %s: body is not the stored object", rel)
		}
		assertClean(t, "served "+rel, body)
	}
	h := e.svc.Handler(nil)
	if rec := get(t, h, "HEAD", "/media/"+m.FilePath); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %d", rec.Code)
	}
	rec := get(t, h, "GET", "/media/"+m.FilePath, "Range", "bytes=2-5")
	if rec.Code != http.StatusPartialContent || !bytes.Equal(rec.Body.Bytes(), stored[2:6]) {
		t.Errorf("Range: %d, %d bytes", rec.Code, rec.Body.Len())
	}

	// The audience check still applies.
	st := newStatus(t, e.store, e.account, model.VisibilityMembers)
	if err := e.store.AttachMedia(ctx, nil, st.ID, []string{m.ID}, e.account.ID); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, h, "GET", "/media/"+m.FilePath); rec.Code != http.StatusNotFound {
		t.Errorf("members-only file served by the default rule: %d", rec.Code)
	}
	allow := func(*http.Request, *model.MediaAttachment) bool { return true }
	if rec := get(t, e.svc.Handler(allow), "GET", "/media/"+m.FilePath); rec.Code != http.StatusOK {
		t.Errorf("members-only file refused by an allowing rule: %d", rec.Code)
	}

	// Delete removes the row and both objects.
	m, err = e.store.MediaByID(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Delete(ctx, m); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{m.FilePath, m.ThumbnailPath} {
		if _, _, ok := fake.object(t, rel); ok {
			t.Errorf("object %s still in the bucket", rel)
		}
	}
	if rec := get(t, e.svc.Handler(allow), "GET", "/media/"+m.FilePath); rec.Code != http.StatusNotFound {
		t.Errorf("deleted file: %d", rec.Code)
	}
}

func TestS3StoreAudioAndMissingObjects(t *testing.T) {
	fake := newFakeS3(t)
	e := newEnvWith(t, fake.config(""))

	// Audio goes through the local staging folder, then to the bucket.
	m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(wavWithInfo()), "voice.wav", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	data, ct, ok := fake.object(t, m.FilePath)
	if !ok || ct != "audio/wav" || int64(len(data)) != m.FileSize {
		t.Fatalf("audio object: ok %v, type %q, %d bytes", ok, ct, len(data))
	}
	if files := e.storedFiles(t); len(files) != 0 {
		t.Errorf("files on the local disk with s3 storage: %v", files)
	}

	// An object gone from the bucket is a 404, not an error page.
	if _, err := fake.backend.DeleteObject(testBucket, m.FilePath); err != nil {
		t.Fatal(err)
	}
	h := e.svc.Handler(nil)
	if rec := get(t, h, "GET", "/media/"+m.FilePath); rec.Code != http.StatusNotFound {
		t.Errorf("missing object: %d", rec.Code)
	}
	// Deleting it again is not an error.
	if err := e.svc.Delete(ctx, m); err != nil {
		t.Errorf("delete of a missing object: %v", err)
	}

	// A bucket that cannot be reached is a server error, and uploads fail
	// leaving no row.
	m2, err := e.svc.Upload(ctx, e.account, bytes.NewReader(wavWithInfo()), "voice.wav", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	fake.srv.Close()
	if rec := get(t, h, "GET", "/media/"+m2.FilePath); rec.Code != http.StatusInternalServerError {
		t.Errorf("unreachable bucket: %d", rec.Code)
	}
	before := e.mediaRows(t)
	if _, err := e.svc.Upload(ctx, e.account, bytes.NewReader(encodePNG(t, testImage(20, 20))), "x.png", "", 0, 0); err == nil || media.IsRejected(err) {
		t.Errorf("upload to an unreachable bucket: %v", err)
	}
	if n := e.mediaRows(t); n != before {
		t.Errorf("rows %d -> %d after a failed upload", before, n)
	}
}

func TestS3PublicURL(t *testing.T) {
	fake := newFakeS3(t)
	e := newEnvWith(t, fake.config("https://cdn.lyon.test/media/"))
	m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(encodePNG(t, testImage(20, 20))), "x.png", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.svc.URL(m); got != "https://cdn.lyon.test/media/"+m.FilePath {
		t.Errorf("URL %q", got)
	}
	if got := e.svc.PreviewURL(m); got != "https://cdn.lyon.test/media/"+m.ThumbnailPath {
		t.Errorf("PreviewURL %q", got)
	}
	if _, _, ok := fake.object(t, m.FilePath); !ok {
		t.Errorf("object not in the bucket")
	}
}

func TestUnbuildableStoreFailsClearly(t *testing.T) {
	cfg := config.Media{Path: t.TempDir(), MaxImageSize: 1 << 20, Storage: "s3"} // no endpoint nor bucket
	if _, err := media.NewService(cfg, nil, "https://x.test"); err == nil {
		t.Fatal("NewService accepted s3 storage without endpoint")
	}
	cfg.Storage = "ftp"
	if _, err := media.NewService(cfg, nil, "https://x.test"); err == nil || !strings.Contains(err.Error(), "media.storage") {
		t.Fatalf("unknown storage: %v", err)
	}
}

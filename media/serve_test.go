package media_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coopol/coopol/media"
	"github.com/coopol/coopol/model"
)

func get(t *testing.T, h http.Handler, method, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func assertSafeHeaders(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	h := rec.Header()
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("no nosniff: %v", h)
	}
	if h.Get("Content-Security-Policy") != "default-src 'none'; sandbox" {
		t.Errorf("CSP %q", h.Get("Content-Security-Policy"))
	}
	ct := h.Get("Content-Type")
	if strings.Contains(ct, "html") || strings.Contains(ct, "json") || strings.Contains(ct, "xml") || strings.Contains(ct, "javascript") {
		t.Errorf("served as %q", ct)
	}
}

func TestServeHeaders(t *testing.T) {
	e := newEnv(t)
	m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(jpegWithMetadata(t, 1)), "x.jpg", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	h := e.svc.Handler(nil)

	rec := get(t, h, "GET", "/media/"+m.FilePath)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET: %d %s", rec.Code, rec.Body)
	}
	assertSafeHeaders(t, rec)
	hd := rec.Header()
	if hd.Get("Content-Type") != "image/jpeg" || hd.Get("Content-Disposition") != "inline" {
		t.Errorf("headers %v", hd)
	}
	// Not posted yet: browsers may cache it, shared caches may not.
	if cc := hd.Get("Cache-Control"); !strings.HasPrefix(cc, "private,") || !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("Cache-Control %q", cc)
	}
	if !bytes.Equal(rec.Body.Bytes(), e.read(t, m.FilePath)) {
		t.Errorf("body is not the stored file")
	}

	rec = get(t, h, "GET", "/media/"+m.ThumbnailPath)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/jpeg" {
		t.Fatalf("thumbnail: %d %v", rec.Code, rec.Header())
	}
	assertSafeHeaders(t, rec)

	rec = get(t, h, "HEAD", "/media/"+m.FilePath)
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %d", rec.Code)
	}
	rec = get(t, h, "GET", "/media/"+m.FilePath, "Range", "bytes=0-3")
	if rec.Code != http.StatusPartialContent || rec.Body.Len() != 4 {
		t.Errorf("Range: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	rec = get(t, h, "POST", "/media/"+m.FilePath)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
	assertSafeHeaders(t, rec)
}

func TestServeOnlyStoredFiles(t *testing.T) {
	e := newEnv(t)
	m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(encodePNG(t, testImage(20, 20))), "x.png", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	h := e.svc.Handler(nil)
	dir, name, _ := strings.Cut(m.FilePath, "/")
	otherRandom := strings.Repeat("0", 32)
	otherDir := "ff"
	if dir == otherDir {
		otherDir = "fe"
	}
	for _, path := range []string{
		"/media/",
		"/media/../coopol.db",
		"/media/" + dir + "/../" + m.FilePath,
		"/media/" + dir + "/%2e%2e/x",
		"/media/" + dir + "/" + strings.ToUpper(name),
		"/media/" + dir + "/" + name + ".html",
		"/media/.tmp/x",
		"/media/" + otherRandom[:2] + "/" + otherRandom + name[32:], // right id, wrong random part
		"/media/" + otherDir + "/" + name,                           // wrong folder
		"/other/" + m.FilePath,
	} {
		rec := get(t, h, "GET", path)
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d", path, rec.Code)
		}
		assertSafeHeaders(t, rec)
	}

	// A row whose type was tampered with is never served as that type.
	if _, err := e.store.DB.NewUpdate().Model((*model.MediaAttachment)(nil)).Set("content_type = ?", "text/html").Where("id = ?", m.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, h, "GET", "/media/"+m.FilePath); rec.Code != http.StatusNotFound {
		t.Errorf("text/html row served: %d", rec.Code)
	}
	// A deleted attachment is gone.
	if err := e.svc.Delete(ctx, m); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, h, "GET", "/media/"+m.ThumbnailPath); rec.Code != http.StatusNotFound {
		t.Errorf("deleted thumbnail served: %d", rec.Code)
	}
}

func TestServeAudienceRules(t *testing.T) {
	e := newEnv(t)
	upload := func() *model.MediaAttachment {
		m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(encodePNG(t, testImage(20, 20))), "x.png", "", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	public, private, members, direct := upload(), upload(), upload(), upload()
	for m, visibility := range map[*model.MediaAttachment]string{
		public: model.VisibilityPublic, private: model.VisibilityPrivate,
		members: model.VisibilityMembers, direct: model.VisibilityDirect,
	} {
		st := newStatus(t, e.store, e.account, visibility)
		if err := e.store.AttachMedia(ctx, nil, st.ID, []string{m.ID}, e.account.ID); err != nil {
			t.Fatal(err)
		}
	}

	// Default rule: public statuses only (plus unattached files).
	h := e.svc.Handler(nil)
	rec := get(t, h, "GET", "/media/"+public.FilePath)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Cache-Control"), "public,") {
		t.Errorf("public: %d %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	for _, m := range []*model.MediaAttachment{private, members, direct} {
		for _, rel := range []string{m.FilePath, m.ThumbnailPath} {
			if rec := get(t, h, "GET", "/media/"+rel); rec.Code != http.StatusNotFound {
				t.Errorf("%s served by default: %d", rel, rec.Code)
			}
		}
	}

	// The server's rule sees the status and the request.
	var seen []string
	canSee := func(r *http.Request, m *model.MediaAttachment) bool {
		if m.Status != nil {
			seen = append(seen, m.Status.Visibility)
		}
		return m.Status == nil || m.Status.Visibility != model.VisibilityDirect || r.Header.Get("Authorization") == "Bearer recipient"
	}
	h = e.svc.Handler(canSee)
	if rec := get(t, h, "GET", "/media/"+members.FilePath); rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Cache-Control"), "private,") {
		t.Errorf("members with callback: %d %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	if rec := get(t, h, "GET", "/media/"+direct.FilePath); rec.Code != http.StatusNotFound {
		t.Errorf("direct for a stranger: %d", rec.Code)
	}
	if rec := get(t, h, "GET", "/media/"+direct.FilePath, "Authorization", "Bearer recipient"); rec.Code != http.StatusOK {
		t.Errorf("direct for the recipient: %d", rec.Code)
	}
	if len(seen) != 3 {
		t.Errorf("callback saw %v", seen)
	}
	if !media.PublicOrUnattached(nil, &model.MediaAttachment{}) {
		t.Errorf("unattached media refused by the default rule")
	}
}

func TestServedBytesCarryNoMetadata(t *testing.T) {
	e := newEnv(t)
	m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(jpegWithMetadata(t, 6)), "x.jpg", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.svc.Handler(nil))
	defer srv.Close()
	for _, rel := range []string{m.FilePath, m.ThumbnailPath} {
		resp, err := http.Get(srv.URL + "/media/" + rel)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%d", resp.StatusCode)
		}
		assertClean(t, "served "+rel, body)
	}
}

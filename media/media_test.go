package media_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/media"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

var ctx = context.Background()

var storedName = regexp.MustCompile(`^[0-9a-f]{2}/[0-9a-f]{32}_[0-9A-Z]{26}(_small)?\.[a-z0-9]+$`)

func decode(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("stored file does not decode: %v", err)
	}
	return img
}

func TestJPEGLosesExifXMPIPTCAndKeepsOrientation(t *testing.T) {
	e := newEnv(t)
	upload := jpegWithMetadata(t, 6)
	// The fixture really carries what we strip.
	for _, marker := range [][]byte{[]byte("Exif"), gpsPointerEntry, gpsLatitude, []byte("ns.adobe.com/xap")} {
		if !bytes.Contains(upload, marker) {
			t.Fatalf("fixture lacks %q", marker)
		}
	}

	m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(upload), "IMG_0001.JPG", "Le marché", 0.5, -0.25)
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != model.MediaImage || m.ContentType != "image/jpeg" || !m.Processed || !m.MetadataStripped {
		t.Fatalf("unexpected attachment: %+v", m)
	}
	// Orientation 6 (rotate 90° clockwise): 64×32 becomes 32×64.
	if m.Width != 32 || m.Height != 64 {
		t.Fatalf("orientation not applied: %dx%d", m.Width, m.Height)
	}
	if m.Blurhash == "" || m.ThumbnailPath == "" || m.FileSize == 0 {
		t.Fatalf("missing blurhash, thumbnail or size: %+v", m)
	}
	file := e.read(t, m.FilePath)
	thumb := e.read(t, m.ThumbnailPath)
	assertClean(t, "stored JPEG", file)
	assertClean(t, "thumbnail", thumb)
	if int64(len(file)) != m.FileSize {
		t.Errorf("file_size %d, file has %d bytes", m.FileSize, len(file))
	}

	img := decode(t, file)
	if b := img.Bounds(); b.Dx() != 32 || b.Dy() != 64 {
		t.Fatalf("stored pixels are %v", b)
	}
	// The red block of the top-left corner is now top-right.
	if !isRed(img.At(24, 8)) || isRed(img.At(8, 8)) {
		t.Errorf("pixels were not rotated clockwise: top-right %v, top-left %v", img.At(24, 8), img.At(8, 8))
	}
	if tb := decode(t, thumb).Bounds(); tb.Dx() != 32 || tb.Dy() != 64 {
		t.Errorf("thumbnail is %v", tb)
	}

	// The row is stored as returned.
	got, err := e.store.MediaByID(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.FilePath != m.FilePath || got.Width != 32 || got.Description != "Le marché" || got.FocusX != 0.5 || got.FocusY != -0.25 || got.StatusID != nil {
		t.Errorf("stored row differs: %+v", got)
	}
}

func TestJPEGOrientations(t *testing.T) {
	e := newEnv(t)
	// Where the red top-left block of the 64×32 original ends up.
	cases := map[uint16]struct {
		w, h int
		x, y int
	}{
		1: {64, 32, 4, 4},
		2: {64, 32, 60, 4},  // mirrored
		3: {64, 32, 60, 28}, // upside down
		4: {64, 32, 4, 28},
		5: {32, 64, 4, 4},
		6: {32, 64, 28, 4},
		7: {32, 64, 28, 60},
		8: {32, 64, 4, 60},
	}
	for o, want := range cases {
		m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(jpegWithMetadata(t, o)), "x.jpg", "", 0, 0)
		if err != nil {
			t.Fatalf("orientation %d: %v", o, err)
		}
		img := decode(t, e.read(t, m.FilePath))
		if img.Bounds().Dx() != want.w || img.Bounds().Dy() != want.h || !isRed(img.At(want.x, want.y)) {
			t.Errorf("orientation %d: %v, pixel %v at (%d,%d)", o, img.Bounds(), img.At(want.x, want.y), want.x, want.y)
		}
	}
}

func TestPNGLosesTextAndExifChunks(t *testing.T) {
	e := newEnv(t)
	upload := pngWithMetadata(t, 6)
	if _, err := png.Decode(bytes.NewReader(upload)); err != nil {
		t.Fatalf("fixture is not a valid PNG: %v", err)
	}
	m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(upload), "capture.png", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.ContentType != "image/png" || m.Width != 20 || m.Height != 40 {
		t.Fatalf("unexpected attachment: %+v", m)
	}
	file := e.read(t, m.FilePath)
	assertClean(t, "stored PNG", file)
	assertClean(t, "thumbnail", e.read(t, m.ThumbnailPath))
	if !strings.HasSuffix(m.FilePath, ".png") {
		t.Errorf("path %q", m.FilePath)
	}
	if _, err := png.Decode(bytes.NewReader(file)); err != nil {
		t.Errorf("stored PNG: %v", err)
	}
}

func TestWebPIsConvertedWithoutMetadata(t *testing.T) {
	e := newEnv(t)
	m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(webpWithMetadata(t, 8)), "x.webp", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Opaque WebP becomes JPEG; orientation 8 swaps 150×103.
	if m.ContentType != "image/jpeg" || !strings.HasSuffix(m.FilePath, ".jpg") || m.Width != 103 || m.Height != 150 {
		t.Fatalf("unexpected attachment: %+v", m)
	}
	file := e.read(t, m.FilePath)
	assertClean(t, "stored WebP", file)
	if _, err := jpeg.Decode(bytes.NewReader(file)); err != nil {
		t.Errorf("stored file is not a JPEG: %v", err)
	}

	// With transparency (and an ICC profile): PNG.
	alpha, err := os.ReadFile("testdata/gopher-doc.with-alpha.lossless.webp")
	if err != nil {
		t.Fatal(err)
	}
	m, err = e.svc.Upload(ctx, e.account, bytes.NewReader(alpha), "x.webp", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.ContentType != "image/png" || !strings.HasSuffix(m.ThumbnailPath, ".png") {
		t.Fatalf("transparent WebP stored as %+v", m)
	}
	assertClean(t, "stored transparent WebP", e.read(t, m.FilePath))
}

func TestAnimatedGIFKeepsFramesLosesExtensions(t *testing.T) {
	e := newEnv(t)
	m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(animatedGIF(t)), "x.gif", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.ContentType != "image/gif" || m.Type != model.MediaImage || m.Width != 30 || m.Height != 20 {
		t.Fatalf("unexpected attachment: %+v", m)
	}
	file := e.read(t, m.FilePath)
	assertClean(t, "stored GIF", file)
	g, err := gif.DecodeAll(bytes.NewReader(file))
	if err != nil || len(g.Image) != 3 {
		t.Fatalf("animation lost: %v", err)
	}
	thumb := decode(t, e.read(t, m.ThumbnailPath))
	if !isRed(thumb.At(5, 5)) {
		t.Errorf("thumbnail is not the first frame: %v", thumb.At(5, 5))
	}
}

func TestLargeImageGetsSmallThumbnail(t *testing.T) {
	e := newEnv(t)
	m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(encodePNG(t, testImage(1600, 900))), "big.png", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	tb := decode(t, e.read(t, m.ThumbnailPath)).Bounds()
	if tb.Dx() != 640 || tb.Dy() != 360 {
		t.Fatalf("thumbnail is %v", tb)
	}
	meta := media.MetaOf(m)
	if meta.Original == nil || meta.Original.Size != "1600x900" || meta.Small == nil || meta.Small.Width != 640 || meta.Small.Height != 360 {
		t.Fatalf("meta %+v", meta)
	}
	if meta.Focus == nil || meta.Original.Aspect < 1.77 || meta.Original.Aspect > 1.78 {
		t.Fatalf("meta %+v", meta)
	}
}

func TestExiftoolFindsNoGPS(t *testing.T) {
	exiftool, err := exec.LookPath("exiftool")
	if err != nil {
		t.Skip("exiftool not installed (Debian: apt-get install libimage-exiftool-perl)")
	}
	run := func(path string) string {
		out, err := exec.Command(exiftool, "-a", "-G1", "-s", path).CombinedOutput()
		if err != nil {
			t.Fatalf("exiftool: %v\n%s", err, out)
		}
		// Leave out the file system's lines (the folder names this test).
		var kept []string
		for _, line := range strings.Split(string(out), "\n") {
			if !strings.HasPrefix(line, "[System]") && !strings.HasPrefix(line, "[ExifTool]") {
				kept = append(kept, line)
			}
		}
		return strings.Join(kept, "\n")
	}
	e := newEnv(t)
	fixtures := map[string][]byte{
		"jpeg": jpegWithMetadata(t, 6),
		"png":  pngWithMetadata(t, 6),
		"webp": webpWithMetadata(t, 6),
		"gif":  animatedGIF(t),
	}
	for name, data := range fixtures {
		original := filepath.Join(t.TempDir(), "original."+name)
		if err := os.WriteFile(original, data, 0o600); err != nil {
			t.Fatal(err)
		}
		// exiftool must see what we planted, or the test proves nothing.
		if out := run(original); !strings.Contains(out, "GPSLatitude") {
			t.Fatalf("%s: exiftool sees no GPS/XMP in the fixture:\n%s", name, out)
		}
		m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(data), "original."+name, "", 0, 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, rel := range []string{m.FilePath, m.ThumbnailPath} {
			out := run(filepath.Join(e.root, filepath.FromSlash(rel)))
			for _, bad := range []string{"GPS", "[XMP", "[IFD0]", "[ExifIFD]", "[IPTC]", "[ICC", "Orientation", "Comment", secretText} {
				if strings.Contains(out, bad) {
					t.Errorf("%s: exiftool finds %q in the stored file:\n%s", name, bad, out)
				}
			}
		}
	}
}

func TestDisguisedFilesAreRefused(t *testing.T) {
	html := []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
	asJSON := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Note","id":"https://lyon.test/x"}`)
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	gifHTML := append([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00"), html...) // polyglot: GIF header, HTML body
	heic := append([]byte{0, 0, 0, 24}, []byte("ftypheic\x00\x00\x00\x00mif1heic")...)
	mov := append([]byte{0, 0, 0, 20}, []byte("ftypqt  \x00\x00\x02\x00qt  ")...)
	cases := map[string]struct {
		data []byte
		want error
	}{
		"html named .jpg":   {html, media.ErrUnsupportedType},
		"activity json":     {asJSON, media.ErrUnsupportedType},
		"svg":               {svg, media.ErrUnsupportedType},
		"gif polyglot":      {gifHTML, media.ErrInvalidFile},
		"heic":              {heic, media.ErrUnsupportedType},
		"quicktime":         {mov, media.ErrUnsupportedType},
		"empty":             {nil, media.ErrInvalidFile},
		"truncated jpeg":    {jpegWithMetadata(t, 1)[:300], media.ErrInvalidFile},
		"random bytes":      {[]byte("\x00\x01\x02\x03 not media at all"), media.ErrUnsupportedType},
		"pdf":               {[]byte("%PDF-1.7\n1 0 obj"), media.ErrUnsupportedType},
		"elf":               {[]byte("\x7fELF\x02\x01\x01\x00"), media.ErrUnsupportedType},
		"animated webp":     {animatedWebPHeader(), media.ErrUnsupportedType},
		"png with bad data": {append(encodePNG(t, testImage(20, 20))[:40], make([]byte, 20)...), media.ErrInvalidFile},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.svc.Upload(ctx, e.account, bytes.NewReader(c.data), "photo.jpg", "", 0, 0)
			if !errors.Is(err, c.want) || !media.IsRejected(err) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			e.assertNothingStored(t)
		})
	}
}

func animatedWebPHeader() []byte {
	vp8x := make([]byte, 10)
	vp8x[0] = 0x02 // animation
	body := append([]byte("WEBP"), riffChunk("VP8X", vp8x)...)
	body = append(body, riffChunk("ANIM", make([]byte, 6))...)
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

func TestOversizeIsRefused(t *testing.T) {
	e := newEnvWith(t, config.Media{MaxImageSize: 2000, MaxVideoSize: 2000, MaxAudioSize: 1000})
	noise := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.IntN(256))
	}
	big := encodePNG(t, noise)
	if len(big) <= 2000 {
		t.Fatalf("fixture too small: %d", len(big))
	}
	_, err := e.svc.Upload(ctx, e.account, bytes.NewReader(big), "x.png", "", 0, 0)
	if !errors.Is(err, media.ErrTooLarge) {
		t.Fatalf("image: %v", err)
	}
	_, err = e.svc.Upload(ctx, e.account, bytes.NewReader(wavWithInfo()), "x.wav", "", 0, 0)
	if !errors.Is(err, media.ErrTooLarge) {
		t.Fatalf("audio: %v", err)
	}
	// A body cut by http.MaxBytesReader is a file too large too.
	body := http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(bytes.NewReader(big)), 1500)
	_, err = e.svc.Upload(ctx, e.account, body, "x.png", "", 0, 0)
	if !errors.Is(err, media.ErrTooLarge) {
		t.Fatalf("MaxBytesReader: %v", err)
	}
	e.assertNothingStored(t)
}

func TestDisabledKindIsRefused(t *testing.T) {
	e := newEnvWith(t, config.Media{MaxImageSize: 1 << 20})
	_, err := e.svc.Upload(ctx, e.account, bytes.NewReader(wavWithInfo()), "x.wav", "", 0, 0)
	if !errors.Is(err, media.ErrUnsupportedType) {
		t.Fatalf("got %v", err)
	}
	e.assertNothingStored(t)
}

// Decompression bombs: the header announces more pixels than allowed; the
// upload must be refused from the header, without allocating the image.
func TestDecompressionBombsAreRefusedBeforeDecoding(t *testing.T) {
	// PNG: a valid IHDR of 100000×100000 (40 GB of pixels), tiny IDAT.
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 100000)
	binary.BigEndian.PutUint32(ihdr[4:], 100000)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	pngBomb := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	pngBomb = append(pngBomb, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	pngBomb = append(pngBomb, pngChunk("IEND", nil)...)

	// JPEG: a real small JPEG whose SOF0 says 60000×60000.
	var small bytes.Buffer
	jpeg.Encode(&small, testImage(16, 16), nil)
	jpegBomb := small.Bytes()
	sof := bytes.Index(jpegBomb, []byte{0xFF, 0xC0})
	binary.BigEndian.PutUint16(jpegBomb[sof+5:], 60000)
	binary.BigEndian.PutUint16(jpegBomb[sof+7:], 60000)

	// WebP: an extended header announcing a 16384×16384 canvas.
	vp8x := make([]byte, 10)
	vp8x[4], vp8x[5], vp8x[6] = 0xFF, 0x3F, 0 // 16383
	vp8x[7], vp8x[8], vp8x[9] = 0xFF, 0x3F, 0
	webpBody := append([]byte("WEBP"), riffChunk("VP8X", vp8x)...)
	webpBomb := append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(webpBody)))...), webpBody...)

	// GIF: a 4000×4000 screen (allowed) with 40 full-screen frames.
	gifBomb := []byte("GIF89a")
	gifBomb = binary.LittleEndian.AppendUint16(gifBomb, 4000)
	gifBomb = binary.LittleEndian.AppendUint16(gifBomb, 4000)
	gifBomb = append(gifBomb, 0x80, 0, 0, 0, 0, 0, 255, 255, 255) // 2-colour global table
	for range 40 {
		gifBomb = append(gifBomb, 0x2C, 0, 0, 0, 0)
		gifBomb = binary.LittleEndian.AppendUint16(gifBomb, 4000)
		gifBomb = binary.LittleEndian.AppendUint16(gifBomb, 4000)
		gifBomb = append(gifBomb, 0, 2, 2, 0x4C, 0x01, 0)
	}
	gifBomb = append(gifBomb, 0x3B)

	for name, bomb := range map[string][]byte{"png": pngBomb, "jpeg": jpegBomb, "webp": webpBomb, "gif": gifBomb} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := e.svc.Upload(ctx, e.account, bytes.NewReader(bomb), "bomb."+name, "", 0, 0)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, media.ErrTooManyPixels) {
				t.Fatalf("got %v", err)
			}
			if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 8<<20 {
				t.Errorf("refusing the bomb allocated %d bytes", allocated)
			}
			e.assertNothingStored(t)
		})
	}
}

func TestStoredPathsNeverComeFromInput(t *testing.T) {
	e := newEnv(t)
	names := []string{"../../etc/passwd", "/etc/passwd", `..\..\windows\win.ini`, "x.php", "a/b/../../../c.html", "", "\x00.jpg"}
	seen := map[string]bool{}
	for _, name := range names {
		m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(encodePNG(t, testImage(20, 20))), name, "", 0, 0)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		for _, rel := range []string{m.FilePath, m.ThumbnailPath} {
			if !storedName.MatchString(rel) || strings.Contains(rel, "..") || strings.Contains(rel, "passwd") || seen[rel] {
				t.Fatalf("%q stored as %q", name, rel)
			}
			seen[rel] = true
			abs := filepath.Join(e.root, filepath.FromSlash(rel))
			if !strings.HasPrefix(abs, e.root+string(filepath.Separator)) {
				t.Fatalf("%q escaped the media folder: %s", name, abs)
			}
			if _, err := os.Stat(abs); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(e.root), "etc")); err == nil {
		t.Fatal("a folder was created outside the media root")
	}
}

func TestAttributesAreValidated(t *testing.T) {
	e := newEnv(t)
	img := encodePNG(t, testImage(20, 20))
	bad := []struct {
		desc   string
		fx, fy float64
	}{
		{strings.Repeat("é", media.MaxDescriptionLength+1), 0, 0},
		{"nul\x00byte", 0, 0},
		{"\xff\xfe", 0, 0},
		{"", 1.5, 0},
		{"", 0, -1.01},
	}
	for _, b := range bad {
		if _, err := e.svc.Upload(ctx, e.account, bytes.NewReader(img), "x.png", b.desc, b.fx, b.fy); !errors.Is(err, media.ErrInvalidInput) {
			t.Errorf("%q %v,%v: got %v", b.desc[:min(len(b.desc), 10)], b.fx, b.fy, err)
		}
	}
	e.assertNothingStored(t)

	if x, y, err := media.ParseFocus("0.5,-1"); err != nil || x != 0.5 || y != -1 {
		t.Errorf("ParseFocus: %v %v %v", x, y, err)
	}
	for _, s := range []string{"2,0", "a,b", "0.5", "NaN,0", "0,Inf"} {
		if _, _, err := media.ParseFocus(s); !errors.Is(err, media.ErrInvalidInput) {
			t.Errorf("ParseFocus(%q): %v", s, err)
		}
	}

	// Update: owner only, validated.
	m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(img), "x.png", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Update(ctx, e.account.ID, m.ID, "Une affiche", 0.25, 0.75)
	if err != nil || got.Description != "Une affiche" || got.FocusX != 0.25 || got.FocusY != 0.75 {
		t.Fatalf("update: %v %+v", err, got)
	}
	bob := newAccount(t, e.store, "bob")
	if _, err := e.svc.Update(ctx, bob.ID, m.ID, "volé", 0, 0); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("someone else's update: %v", err)
	}
	if _, err := e.svc.Owned(ctx, bob.ID, m.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("someone else's media: %v", err)
	}
	if _, err := e.svc.Update(ctx, e.account.ID, m.ID, "", 3, 0); !errors.Is(err, media.ErrInvalidInput) {
		t.Errorf("bad focus on update: %v", err)
	}
}

func TestAudioIsStoredAfterChecks(t *testing.T) {
	e := newEnv(t)
	m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(wavWithInfo()), "voice.mp3", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != model.MediaAudio || m.ContentType != "audio/wav" || !strings.HasSuffix(m.FilePath, ".wav") || m.ThumbnailPath != "" {
		t.Fatalf("unexpected attachment: %+v", m)
	}
	file := e.read(t, m.FilePath)
	if e.svc.FFmpegAvailable() {
		if !m.MetadataStripped || bytes.Contains(file, []byte(secretText)) {
			t.Errorf("ffmpeg is installed but the metadata is still there")
		}
	} else if m.MetadataStripped || !bytes.Equal(file, wavWithInfo()) {
		t.Errorf("without ffmpeg the file must be stored as is and marked as not stripped")
	}
	if e.svc.PreviewURL(m) != "" || media.MetaOf(m).Original != nil {
		t.Errorf("audio has no preview nor dimensions")
	}
	// The staging folder is empty again.
	for _, f := range e.storedFiles(t) {
		if strings.Contains(f, ".tmp") {
			t.Errorf("staging leftover %s", f)
		}
	}
}

func TestURLs(t *testing.T) {
	e := newEnv(t)
	m, err := e.svc.Upload(ctx, e.account, bytes.NewReader(encodePNG(t, testImage(20, 20))), "x.png", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.svc.URL(m); got != "https://media.lyon.test/media/"+m.FilePath {
		t.Errorf("URL %q", got)
	}
	if got := e.svc.PreviewURL(m); got != "https://media.lyon.test/media/"+m.ThumbnailPath {
		t.Errorf("PreviewURL %q", got)
	}
	remote := &model.MediaAttachment{RemoteURL: "https://elsewhere.test/a.png"}
	if e.svc.URL(remote) != remote.RemoteURL {
		t.Errorf("remote URL")
	}
}

func TestDeleteAndOrphans(t *testing.T) {
	e := newEnv(t)
	img := encodePNG(t, testImage(20, 20))
	kept, _ := e.svc.Upload(ctx, e.account, bytes.NewReader(img), "x.png", "", 0, 0)
	orphan, _ := e.svc.Upload(ctx, e.account, bytes.NewReader(img), "x.png", "", 0, 0)
	posted, _ := e.svc.Upload(ctx, e.account, bytes.NewReader(img), "x.png", "", 0, 0)
	st := newStatus(t, e.store, e.account, model.VisibilityPublic)
	if err := e.store.AttachMedia(ctx, nil, st.ID, []string{posted.ID}, e.account.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.DB.NewUpdate().Model((*model.MediaAttachment)(nil)).Set("created_at = ?", orphan.CreatedAt.Add(-48*time.Hour)).
		Where("id IN (?)", bun.In([]string{orphan.ID, posted.ID})).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := e.svc.CleanOrphans(ctx, 24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("CleanOrphans: %d %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(e.root, orphan.FilePath)); !os.IsNotExist(err) {
		t.Errorf("orphan file still there")
	}
	for _, m := range []*model.MediaAttachment{kept, posted} {
		if _, err := os.Stat(filepath.Join(e.root, m.FilePath)); err != nil {
			t.Errorf("file removed: %v", err)
		}
	}
	if err := e.svc.DeleteForStatus(ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.MediaByID(ctx, posted.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("status media row kept: %v", err)
	}
	if err := e.svc.DeleteForAccount(ctx, e.account.ID); err != nil {
		t.Fatal(err)
	}
	if e.mediaRows(t) != 0 || len(e.storedFiles(t)) != 0 {
		t.Errorf("account media left: %d rows, files %v", e.mediaRows(t), e.storedFiles(t))
	}
}

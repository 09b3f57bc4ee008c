package media_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/media"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// Markers the fixtures carry and the stored files must not.
const (
	xmpNamespace = "http://ns.adobe.com/xap/1.0/"
	secretText   = "secret-location-rue-de-la-paix"
)

// gpsLatitude is the GPSLatitude value (48/1 51/1 2431/100) as stored in
// the little-endian EXIF block: finding these bytes means GPS leaked.
var gpsLatitude = rationals(binary.LittleEndian, 48, 1, 51, 1, 2431, 100)

// gpsPointerEntry is the start of the IFD0 entry pointing to the GPS IFD
// (tag 0x8825, type LONG) in little-endian order.
var gpsPointerEntry = []byte{0x25, 0x88, 0x04, 0x00}

type env struct {
	svc     *media.Service
	store   *storage.Storage
	root    string
	account *model.Account
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, config.Media{MaxImageSize: 16 << 20, MaxVideoSize: 100 << 20, MaxAudioSize: 40 << 20})
}

func newEnvWith(t *testing.T, cfg config.Media) *env {
	t.Helper()
	store := storagetest.Open(t, "sqlite")
	cfg.Path = filepath.Join(t.TempDir(), "media")
	svc := media.New(cfg, store, "https://media.lyon.test")
	return &env{svc: svc, store: store, root: cfg.Path, account: newAccount(t, store, "alice")}
}

func newAccount(t *testing.T, store *storage.Storage, username string) *model.Account {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := &model.Account{
		ID: model.NewID(now), URI: "https://lyon.test/users/" + username, Username: username,
		ActorType: model.ActorPerson, Fields: []model.Field{}, AlsoKnownAs: []string{}, CreatedAt: now, UpdatedAt: now,
	}
	if err := store.InsertAccount(context.Background(), nil, a); err != nil {
		t.Fatal(err)
	}
	return a
}

func newStatus(t *testing.T, store *storage.Storage, account *model.Account, visibility string) *model.Status {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	id := model.NewID(now)
	st := &model.Status{
		ID: id, URI: "https://lyon.test/statuses/" + id, AccountID: account.ID, Local: true, APType: "Note",
		Content: "<p>photo</p>", Visibility: visibility, ThreadID: id, CreatedAt: now, UpdatedAt: now,
	}
	if err := store.InsertStatus(context.Background(), store.DB, st, nil, nil); err != nil {
		t.Fatal(err)
	}
	return st
}

// storedFiles lists the regular files under the media root, staging
// folder included.
func (e *env) storedFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(e.root, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, path)
		}
		return nil
	})
	return out
}

func (e *env) mediaRows(t *testing.T) int64 {
	t.Helper()
	n, err := e.store.DB.NewSelect().Model((*model.MediaAttachment)(nil)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *env) read(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e.root, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// assertNothingStored checks that a refused upload left no row and no file.
func (e *env) assertNothingStored(t *testing.T) {
	t.Helper()
	if n := e.mediaRows(t); n != 0 {
		t.Errorf("%d media rows stored for a refused upload", n)
	}
	if files := e.storedFiles(t); len(files) != 0 {
		t.Errorf("files left for a refused upload: %v", files)
	}
}

// assertClean checks that no metadata of the fixtures survived in data.
func assertClean(t *testing.T, what string, data []byte) {
	t.Helper()
	for _, marker := range [][]byte{
		[]byte("Exif"), []byte("eXIf"), []byte("EXIF"), gpsPointerEntry, gpsLatitude,
		[]byte("ns.adobe.com/xap"), []byte("GPSLatitude"), []byte("Photoshop 3.0"), []byte("8BIM"),
		[]byte("tEXt"), []byte("iTXt"), []byte("zTXt"), []byte("iCCP"), []byte(secretText),
	} {
		if bytes.Contains(data, marker) {
			t.Errorf("%s still contains %q", what, marker)
		}
	}
}

// testImage is w×h, blue, with a red 16×16 block in the top-left corner.
func testImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{0, uint8(x * 255 / w), 255, 255}
			if x < 16 && y < 16 {
				c = color.NRGBA{255, 0, 0, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func isRed(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r > 0xc000 && g < 0x4000 && b < 0x4000
}

func rationals(order binary.ByteOrder, v ...uint32) []byte {
	out := make([]byte, 4*len(v))
	for i, x := range v {
		order.PutUint32(out[4*i:], x)
	}
	return out
}

// exifTIFF builds a little-endian TIFF block: IFD0 with Orientation and a
// pointer to a GPS IFD holding version, latitude and longitude.
func exifTIFF(orientation uint16) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	put16 := func(v uint16) { binary.Write(&b, le, v) }
	put32 := func(v uint32) { binary.Write(&b, le, v) }
	entry := func(tag, typ uint16, count uint32, value []byte) {
		put16(tag)
		put16(typ)
		put32(count)
		v := make([]byte, 4)
		copy(v, value)
		b.Write(v)
	}
	u32 := func(v uint32) []byte { return le.AppendUint32(nil, v) }

	b.WriteString("II")
	put16(42)
	put32(8)
	// IFD0 at 8: 2 entries, ends at 8+2+24+4 = 38.
	put16(2)
	entry(0x0112, 3, 1, le.AppendUint16(nil, orientation))
	entry(0x8825, 4, 1, u32(38))
	put32(0)
	// GPS IFD at 38: 5 entries, ends at 38+2+60+4 = 104.
	put16(5)
	entry(0x0000, 1, 4, []byte{2, 3, 0, 0})
	entry(0x0001, 2, 2, []byte("N\x00"))
	entry(0x0002, 5, 3, u32(104))
	entry(0x0003, 2, 2, []byte("E\x00"))
	entry(0x0004, 5, 3, u32(128))
	put32(0)
	b.Write(gpsLatitude)                           // 104..128
	b.Write(rationals(le, 2, 1, 17, 1, 4012, 100)) // 128..152
	return b.Bytes()
}

func xmpPacket() string {
	return `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">` +
		`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" ` +
		`xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" ` +
		`exif:GPSLatitude="48,51.405N" exif:GPSLongitude="2,17.669E" xmp:Label="` + secretText + `"/>` +
		`</rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
}

func jpegSegment(marker byte, payload []byte) []byte {
	seg := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

// jpegWithMetadata is a 64×32 JPEG with, after SOI: an XMP APP1 (with GPS),
// an EXIF APP1 (orientation, GPS IFD) and an IPTC APP13.
func jpegWithMetadata(t *testing.T, orientation uint16) []byte {
	t.Helper()
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, testImage(64, 32), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	raw := plain.Bytes()
	var out bytes.Buffer
	out.Write(raw[:2])
	out.Write(jpegSegment(0xE1, append([]byte(xmpNamespace+"\x00"), xmpPacket()...)))
	out.Write(jpegSegment(0xE1, append([]byte("Exif\x00\x00"), exifTIFF(orientation)...)))
	out.Write(jpegSegment(0xED, []byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x10\x1c\x02\x5c\x00\x0b"+secretText[:11])))
	out.Write(raw[2:])
	return out.Bytes()
}

func pngChunk(kind string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, kind...)
	out = append(out, data...)
	crc := crc32.ChecksumIEEE(append([]byte(kind), data...))
	return binary.BigEndian.AppendUint32(out, crc)
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngWithMetadata is a 40×20 PNG with eXIf (orientation, GPS), an XMP
// iTXt-style tEXt chunk and a tEXt comment, right after IHDR.
func pngWithMetadata(t *testing.T, orientation uint16) []byte {
	t.Helper()
	raw := encodePNG(t, testImage(40, 20))
	const afterIHDR = 8 + 12 + 13
	var out bytes.Buffer
	out.Write(raw[:afterIHDR])
	out.Write(pngChunk("eXIf", exifTIFF(orientation)))
	out.Write(pngChunk("tEXt", []byte("XML:com.adobe.xmp\x00"+xmpPacket())))
	out.Write(pngChunk("tEXt", []byte("Comment\x00"+secretText)))
	out.Write(raw[afterIHDR:])
	return out.Bytes()
}

func riffChunk(kind string, data []byte) []byte {
	out := append([]byte(kind), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	out = append(out, data...)
	if len(data)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

// webpWithMetadata wraps the lossy test WebP (150×103) in an extended
// (VP8X) file with an EXIF chunk (orientation, GPS) and an XMP chunk.
func webpWithMetadata(t *testing.T, orientation uint16) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/video-001.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	vp8 := raw[12:] // the VP8 chunk, header included
	vp8x := make([]byte, 10)
	vp8x[0] = 0x08 | 0x04 // EXIF and XMP present
	putUint24 := func(b []byte, v uint32) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	putUint24(vp8x[4:], 150-1)
	putUint24(vp8x[7:], 103-1)
	body := []byte("WEBP")
	body = append(body, riffChunk("VP8X", vp8x)...)
	body = append(body, vp8...)
	body = append(body, riffChunk("EXIF", exifTIFF(orientation))...)
	body = append(body, riffChunk("XMP ", []byte(xmpPacket()))...)
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// animatedGIF has three 30×20 frames, a comment extension and an XMP
// application extension.
func animatedGIF(t *testing.T) []byte {
	t.Helper()
	pal := color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{0, 255, 0, 255}}
	g := &gif.GIF{LoopCount: 0}
	for i := range 3 {
		frame := image.NewPaletted(image.Rect(0, 0, 30, 20), pal)
		for p := range frame.Pix {
			frame.Pix[p] = uint8(i)
		}
		g.Image = append(g.Image, frame)
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	comment := append([]byte{0x21, 0xFE, byte(len(secretText))}, secretText...)
	comment = append(comment, 0)
	xmp := append([]byte{0x21, 0xFF, 11}, "XMP DataXMP"...)
	packet := []byte(xmpPacket())
	for len(packet) > 0 {
		n := min(len(packet), 255)
		xmp = append(append(xmp, byte(n)), packet[:n]...)
		packet = packet[n:]
	}
	xmp = append(xmp, 0)
	out := append([]byte{}, raw[:len(raw)-1]...) // before the trailer
	out = append(out, comment...)
	out = append(out, xmp...)
	return append(out, 0x3B)
}

// wavWithInfo is a short silent WAV with a LIST/INFO comment chunk.
func wavWithInfo() []byte {
	fmtChunk := make([]byte, 16)
	le := binary.LittleEndian
	le.PutUint16(fmtChunk[0:], 1)     // PCM
	le.PutUint16(fmtChunk[2:], 1)     // mono
	le.PutUint32(fmtChunk[4:], 8000)  // sample rate
	le.PutUint32(fmtChunk[8:], 16000) // byte rate
	le.PutUint16(fmtChunk[12:], 2)    // block align
	le.PutUint16(fmtChunk[14:], 16)   // bits per sample
	info := append([]byte("INFO"), riffChunk("ICMT", []byte(secretText+"\x00"))...)
	body := []byte("WAVE")
	body = append(body, riffChunk("fmt ", fmtChunk)...)
	body = append(body, riffChunk("LIST", info)...)
	body = append(body, riffChunk("data", make([]byte, 1600))...)
	return append(append([]byte("RIFF"), le.AppendUint32(nil, uint32(len(body)))...), body...)
}

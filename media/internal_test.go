package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage/storagetest"
)

func TestSniff(t *testing.T) {
	ftyp := func(major string, compat ...string) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(16+4*len(compat)))
		b = append(b, "ftyp"+major+"\x00\x00\x02\x00"...)
		for _, c := range compat {
			b = append(b, c...)
		}
		return append(b, make([]byte, 32)...)
	}
	ogg := func(packet string) []byte {
		page := append([]byte("OggS\x00\x02"), make([]byte, 20)...)
		page = append(page, 1, byte(len(packet))) // one segment
		return append(page, packet...)
	}
	ebml := func(docType string) []byte {
		b := []byte{0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x80 | byte(len(docType))}
		return append(b, docType...)
	}
	cases := []struct {
		name string
		head []byte
		want fileType
		err  error
	}{
		{"jpeg", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), typeJPEG, nil},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), typePNG, nil},
		{"gif87", []byte("GIF87a\x01\x00\x01\x00"), typeGIF, nil},
		{"webp", []byte("RIFF\x10\x00\x00\x00WEBPVP8 \x00\x00"), typeWebP, nil},
		{"wav", []byte("RIFF\x10\x00\x00\x00WAVEfmt \x10\x00\x00\x00"), typeWAV, nil},
		{"avi", []byte("RIFF\x10\x00\x00\x00AVI LIST"), fileType{}, ErrUnsupportedType},
		{"mp3 id3", []byte("ID3\x04\x00\x00\x00\x00\x00\x00"), typeMP3, nil},
		{"mp3 frame", []byte{0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0}, typeMP3, nil},
		{"aac adts", []byte{0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC}, typeAAC, nil},
		{"ogg vorbis", ogg("\x01vorbis\x00\x00"), typeOGG, nil},
		{"ogg opus", ogg("OpusHead\x01"), typeOGG, nil},
		{"ogg theora", ogg("\x80theora"), fileType{}, ErrUnsupportedType},
		{"webm", ebml("webm"), typeWebM, nil},
		{"matroska", ebml("matroska"), fileType{}, ErrUnsupportedType},
		{"mp4", ftyp("isom", "isom", "iso2", "avc1", "mp41"), typeMP4, nil},
		{"mp4 mp42", ftyp("mp42", "mp42", "isom"), typeMP4, nil},
		{"m4a", ftyp("M4A ", "M4A ", "mp42", "isom"), typeM4A, nil},
		{"heic", ftyp("heic", "mif1", "heic"), fileType{}, ErrUnsupportedType},
		{"avif", ftyp("avif", "avif", "mif1", "miaf"), fileType{}, ErrUnsupportedType},
		{"heic hiding behind mp41", ftyp("mp41", "mif1"), fileType{}, ErrUnsupportedType},
		{"quicktime", ftyp("qt  ", "qt  "), fileType{}, ErrUnsupportedType},
		{"html", []byte("<html><script>alert(1)</script>"), fileType{}, ErrUnsupportedType},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), fileType{}, ErrUnsupportedType},
		{"json", []byte(`{"type":"Note"}`), fileType{}, ErrUnsupportedType},
		{"bmp", []byte("BM\x00\x00\x00\x00"), fileType{}, ErrUnsupportedType},
		{"tiny", []byte{0xFF}, fileType{}, ErrUnsupportedType},
	}
	for _, c := range cases {
		got, err := sniff(c.head)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("%s: got %+v, %v; want %+v, %v", c.name, got, err, c.want, c.err)
		}
	}
}

// The metadata parsers read untrusted bytes: they must never panic.
func FuzzOrientationParsers(f *testing.F) {
	tiff := []byte("II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00")
	f.Add(tiff)
	f.Add(append([]byte("\xFF\xD8\xFF\xE1\x00\x24Exif\x00\x00"), tiff...))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPEXIF\xff\xff\xff\x7f"))
	f.Add([]byte("\x89PNG\r\n\x1a\n\xff\xff\xff\xffeXIf"))
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x87\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, o := range []int{tiffOrientation(data), jpegOrientation(data), pngOrientation(data), webpOrientation(data)} {
			if o < 1 || o > 8 {
				t.Fatalf("orientation %d", o)
			}
		}
		gifFrames(data)
		webpAnimated(data)
		sniff(data)
	})
}

func TestTIFFOrientation(t *testing.T) {
	le := []byte("II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00")
	be := []byte("MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x08\x00\x00\x00\x00\x00\x00")
	if o := tiffOrientation(le); o != 6 {
		t.Errorf("little-endian: %d", o)
	}
	if o := tiffOrientation(be); o != 8 {
		t.Errorf("big-endian: %d", o)
	}
	bad := slices.Clone(le)
	bad[18] = 42 // out of range value
	if o := tiffOrientation(bad); o != 1 {
		t.Errorf("bad value: %d", o)
	}
	if o := tiffOrientation(le[:20]); o != 1 {
		t.Errorf("truncated: %d", o)
	}
}

func TestThumbSize(t *testing.T) {
	for _, c := range [][4]int{{1600, 900, 640, 360}, {900, 1600, 360, 640}, {640, 640, 640, 640}, {100, 50, 100, 50}, {10000, 3, 640, 1}} {
		if w, h := thumbSize(c[0], c[1]); w != c[2] || h != c[3] {
			t.Errorf("%dx%d: %dx%d", c[0], c[1], w, h)
		}
	}
}

func TestFFmpegArguments(t *testing.T) {
	args, err := ffmpegArgs(typeMP4, "/m/.tmp/u1/in.mp4", "/m/.tmp/u1/out.mp4")
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(args, " ")
	for _, want := range []string{
		"-nostdin", "-protocol_whitelist file", "-f mov -i file:/m/.tmp/u1/in.mp4", "-map 0:a? -map 0:v?",
		"-map_metadata -1", "-map_chapters -1", "-c copy", "-f mp4 -y file:/m/.tmp/u1/out.mp4",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing %q in %s", want, joined)
		}
	}
	// The whitelist must come before the input it restricts.
	if strings.Index(joined, "-protocol_whitelist") > strings.Index(joined, "-i ") {
		t.Errorf("protocol whitelist after the input: %s", joined)
	}
	audio, _ := ffmpegArgs(typeMP3, "in", "out")
	if slices.Contains(audio, "0:v?") {
		t.Errorf("audio keeps picture streams (cover art can carry EXIF): %v", audio)
	}
	if _, err := ffmpegArgs(typeJPEG, "in", "out"); err == nil {
		t.Errorf("ffmpeg run on an image")
	}
}

// fakeFFmpeg installs a shell script standing for ffmpeg: it records its
// arguments and environment, then runs body (with $in and $out set).
func fakeFFmpeg(t *testing.T, body string) (script, record string) {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	dir := t.TempDir()
	record = filepath.Join(dir, "record")
	script = filepath.Join(dir, "ffmpeg")
	text := `#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done > ` + record + `
/usr/bin/env >> ` + record + `.env 2>&1
prev=""; in=""; out=""
for a in "$@"; do
  if [ "$prev" = "-i" ]; then in="${a#file:}"; fi
  prev="$a"; out="${a#file:}"
done
` + body + "\n"
	if err := os.WriteFile(script, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, record
}

func newTestService(t *testing.T, ffmpeg string) (*Service, *model.Account, string) {
	t.Helper()
	store := storagetest.Open(t, "sqlite")
	root := filepath.Join(t.TempDir(), "media")
	svc := New(config.Media{Path: root, MaxImageSize: 1 << 20, MaxVideoSize: 1 << 20, MaxAudioSize: 1 << 20}, store, "https://x.test")
	svc.ffmpeg = ffmpeg
	now := time.Now().UTC()
	a := &model.Account{ID: model.NewID(now), URI: "https://x.test/users/a", Username: "a", ActorType: model.ActorPerson,
		Fields: []model.Field{}, AlsoKnownAs: []string{}, CreatedAt: now, UpdatedAt: now}
	if err := store.InsertAccount(context.Background(), nil, a); err != nil {
		t.Fatal(err)
	}
	return svc, a, root
}

func testWAV(comment string) []byte {
	le := binary.LittleEndian
	chunk := func(kind string, data []byte) []byte {
		out := append([]byte(kind), le.AppendUint32(nil, uint32(len(data)))...)
		out = append(out, data...)
		if len(data)%2 == 1 {
			out = append(out, 0)
		}
		return out
	}
	fmtChunk := []byte{1, 0, 1, 0, 0x40, 0x1F, 0, 0, 0x80, 0x3E, 0, 0, 2, 0, 16, 0}
	body := append([]byte("WAVE"), chunk("fmt ", fmtChunk)...)
	if comment != "" {
		body = append(body, chunk("LIST", append([]byte("INFO"), chunk("ICMT", []byte(comment))...))...)
	}
	body = append(body, chunk("data", make([]byte, 800))...)
	return append(append([]byte("RIFF"), le.AppendUint32(nil, uint32(len(body)))...), body...)
}

func countRows(t *testing.T, svc *Service) int64 {
	n, err := svc.store.DB.NewSelect().Model((*model.MediaAttachment)(nil)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFFmpegStripsInARestrictedWay(t *testing.T) {
	// The fake "strips" by writing a WAV without the comment.
	clean := filepath.Join(t.TempDir(), "clean.wav")
	if err := os.WriteFile(clean, testWAV(""), 0o600); err != nil {
		t.Fatal(err)
	}
	script, record := fakeFFmpeg(t, `/bin/cp "`+clean+`" "$out"`)
	svc, account, root := newTestService(t, script)

	m, err := svc.Upload(context.Background(), account, bytes.NewReader(testWAV("secret place")), "x.wav", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !m.MetadataStripped || m.ContentType != "audio/wav" {
		t.Fatalf("unexpected attachment: %+v", m)
	}
	stored, err := os.ReadFile(filepath.Join(root, m.FilePath))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, testWAV("")) || m.FileSize != int64(len(stored)) {
		t.Errorf("the stripped file was not the one stored")
	}
	args, _ := os.ReadFile(record)
	for _, want := range []string{"-protocol_whitelist\nfile\n", "-map_metadata\n-1\n", "-f\nwav\n-i\nfile:" + filepath.Join(root, tmpDir)} {
		if !strings.Contains(string(args), want) {
			t.Errorf("ffmpeg arguments lack %q:\n%s", want, args)
		}
	}
	env, _ := os.ReadFile(record + ".env")
	for _, line := range strings.Fields(string(env)) {
		if !strings.HasPrefix(line, "PWD=") { // the shell's own
			t.Errorf("ffmpeg inherited the environment: %s", line)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(root, tmpDir)); len(entries) != 0 {
		t.Errorf("staging leftovers: %v", entries)
	}
}

func TestFFmpegFailureRefusesTheUpload(t *testing.T) {
	for name, body := range map[string]string{
		"exit 1":      `exit 1`,
		"wrong type":  `printf '<html><script>alert(1)</script>' > "$out"`,
		"no output":   `exit 0`,
		"huge output": `/bin/dd if=/dev/zero of="$out" bs=1024 count=2048 2>/dev/null; printf 'RIFF\0\0\0\0WAVE' | /bin/dd of="$out" conv=notrunc 2>/dev/null`,
	} {
		t.Run(name, func(t *testing.T) {
			script, _ := fakeFFmpeg(t, body)
			svc, account, root := newTestService(t, script)
			_, err := svc.Upload(context.Background(), account, bytes.NewReader(testWAV("secret")), "x.wav", "", 0, 0)
			if !IsRejected(err) {
				t.Fatalf("got %v", err)
			}
			if countRows(t, svc) != 0 {
				t.Errorf("row stored")
			}
			filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					t.Errorf("file left: %s", path)
				}
				return nil
			})
		})
	}
}

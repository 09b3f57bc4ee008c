package media

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// Issue 12 (hygiene): ffmpeg is looked for at each upload, not once at
// start: installed after start, it strips the next upload's metadata; the
// upload before it says plainly that nothing was removed.
func TestFFmpegIsLookedUpAtEachUpload(t *testing.T) {
	clean := filepath.Join(t.TempDir(), "clean.wav")
	if err := os.WriteFile(clean, testWAV(""), 0o600); err != nil {
		t.Fatal(err)
	}
	script, _ := fakeFFmpeg(t, `/bin/cp "`+clean+`" "$out"`)
	empty := t.TempDir()
	t.Setenv("PATH", empty) // no ffmpeg yet
	svc, account, _ := newTestService(t, "")
	if svc.FFmpegAvailable() {
		t.Fatal("ffmpeg found on an empty PATH")
	}
	m, err := svc.Upload(context.Background(), account, bytes.NewReader(testWAV("secret place")), "x.wav", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.MetadataStripped {
		t.Fatal("said stripped without ffmpeg")
	}
	// ffmpeg is installed while the server runs.
	if err := os.Symlink(script, filepath.Join(empty, "ffmpeg")); err != nil {
		t.Fatal(err)
	}
	m, err = svc.Upload(context.Background(), account, bytes.NewReader(testWAV("secret place")), "y.wav", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !m.MetadataStripped {
		t.Fatal("ffmpeg installed after start was not used")
	}
}

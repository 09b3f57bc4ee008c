package media

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Stored files are named
//
//	<r0r1>/<r: 32 random hex digits>_<attachment id>[_small].<ext>
//
// relative to media.path: 128 random bits from crypto/rand make the URL
// unguessable, the attachment id (a server-made ULID) lets the handler find
// the row by primary key, and the extension comes from the sniffed type.
// Nothing in a path ever comes from the uploader (C-05).
var storedPath = regexp.MustCompile(`^([0-9a-f]{2})/([0-9a-f]{32})_([0-9A-Z]{26})(_small)?\.(jpg|png|gif|mp3|ogg|wav|m4a|aac|mp4|webm)$`)

// tmpDir is where uploads are staged, inside media.path so that renames
// stay on one file system. storedPath never matches it.
const tmpDir = ".tmp"

// newPath returns a fresh random relative path for attachment id.
func newPath(id, suffix, ext string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("media: random name: %w", err)
	}
	r := hex.EncodeToString(b[:])
	return r[:2] + "/" + r + "_" + id + suffix + "." + ext, nil
}

// parsePath checks a requested path against the stored-file pattern and
// returns the attachment id it names.
func parsePath(rel string) (id string, ok bool) {
	m := storedPath.FindStringSubmatch(rel)
	if m == nil || !strings.HasPrefix(m[2], m[1]) {
		return "", false
	}
	return m[3], true
}

// abs turns a relative stored path (already produced by newPath or checked
// by parsePath) into a file name under the media root.
func (s *Service) abs(rel string) string {
	return filepath.Join(s.root, filepath.FromSlash(rel))
}

// writeFile stores data at rel atomically: a temporary file in the target
// folder, renamed into place.
func (s *Service) writeFile(rel string, data []byte) error {
	dst := s.abs(rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return fmt.Errorf("media: create folder: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(dst), ".write-*")
	if err != nil {
		return fmt.Errorf("media: create file: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o640)
	}
	if err == nil {
		err = os.Rename(f.Name(), dst)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("media: write file: %w", err)
	}
	return nil
}

// moveFile moves a staged file (under tmpDir) to rel.
func (s *Service) moveFile(staged, rel string) error {
	dst := s.abs(rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return fmt.Errorf("media: create folder: %w", err)
	}
	if err := os.Chmod(staged, 0o640); err != nil {
		return fmt.Errorf("media: store file: %w", err)
	}
	if err := os.Rename(staged, dst); err != nil {
		return fmt.Errorf("media: store file: %w", err)
	}
	return nil
}

// removeFile deletes a stored file; a file already gone is not an error.
func (s *Service) removeFile(rel string) error {
	if rel == "" {
		return nil
	}
	if _, ok := parsePath(rel); !ok {
		return fmt.Errorf("media: refusing to remove unexpected path")
	}
	if err := os.Remove(s.abs(rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("media: remove file: %w", err)
	}
	return nil
}

// stagingDir returns (creating it) the folder for uploads in progress.
func (s *Service) stagingDir() (string, error) {
	dir := filepath.Join(s.root, tmpDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("media: create staging folder: %w", err)
	}
	return dir, nil
}

// sweepStaging removes staged files older than age, left by a crash.
func (s *Service) sweepStaging(age time.Duration) {
	dir := filepath.Join(s.root, tmpDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	cutoff := s.now().Add(-age)
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && info.ModTime().Before(cutoff) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

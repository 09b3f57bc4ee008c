package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
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
// relative to media.path (or as object keys in the bucket): 128 random bits from crypto/rand make the URL
// unguessable, the attachment id (a server-made ULID) lets the handler find
// the row by primary key, and the extension comes from the sniffed type.
// Nothing in a path ever comes from the uploader (C-05).
var storedPath = regexp.MustCompile(`^([0-9a-f]{2})/([0-9a-f]{32})_([0-9A-Z]{26})(_small)?\.(jpg|png|gif|mp3|ogg|wav|m4a|aac|mp4|webm)$`)

// tmpDir is where uploads are staged and processed, inside media.path so
// that the local store can rename them into place (the S3 store uploads
// them from there). storedPath never matches it.
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

// removeFile deletes a stored file; a file already gone is not an error.
func (s *Service) removeFile(ctx context.Context, rel string) error {
	if rel == "" {
		return nil
	}
	if _, ok := parsePath(rel); !ok {
		return fmt.Errorf("media: refusing to remove unexpected path")
	}
	return s.files.Delete(ctx, rel)
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

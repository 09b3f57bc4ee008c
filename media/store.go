package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Store keeps the stored files. Names are the relative stored paths made
// by newPath ("ab/ab…_<id>[_small].<ext>"); callers check them before any
// call, a Store only refuses names that would leave its root.
//
// Two implementations: localStore (files under media.path, the default)
// and s3Store (an S3-compatible bucket, media.storage: s3). Processing
// always happens locally first (media.path/.tmp); only finished files are
// Put.
type Store interface {
	// Put stores size bytes from r under name, replacing nothing: names
	// are fresh. contentType is the sniffed type.
	Put(ctx context.Context, name string, r io.Reader, size int64, contentType string) error
	// Open opens a stored file for reading; a missing file is an error
	// wrapping fs.ErrNotExist.
	Open(ctx context.Context, name string) (io.ReadSeekCloser, FileInfo, error)
	// Delete removes a stored file; a missing file is not an error.
	Delete(ctx context.Context, name string) error
}

// FileInfo describes an opened stored file.
type FileInfo struct {
	Size    int64
	ModTime time.Time
}

// filePutter is implemented by stores that can take a staged local file
// more cheaply than by copying it through Put (local: a rename).
type filePutter interface {
	putFile(ctx context.Context, name, staged, contentType string) error
}

// putStaged stores the staged file at path under name.
func (s *Service) putStaged(ctx context.Context, name, staged, contentType string) error {
	if fp, ok := s.files.(filePutter); ok {
		return fp.putFile(ctx, name, staged, contentType)
	}
	f, err := os.Open(staged)
	if err != nil {
		return fmt.Errorf("media: store file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("media: store file: %w", err)
	}
	return s.files.Put(ctx, name, f, info.Size(), contentType)
}

// localStore keeps files under root (media.path).
type localStore struct {
	root string // absolute
}

// NewLocalStore returns the Store of files under root.
func NewLocalStore(root string) Store {
	abs, err := filepath.Abs(root)
	if err != nil {
		abs = filepath.Clean(root)
	}
	return &localStore{root: abs}
}

func (l *localStore) path(name string) (string, error) {
	rel := filepath.FromSlash(name)
	if name == "" || !filepath.IsLocal(rel) {
		return "", errors.New("media: refusing unexpected path")
	}
	return filepath.Join(l.root, rel), nil
}

// Put writes the file atomically: a temporary file in the target folder,
// renamed into place.
func (l *localStore) Put(_ context.Context, name string, r io.Reader, size int64, _ string) error {
	dst, err := l.path(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return fmt.Errorf("media: create folder: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(dst), ".write-*")
	if err != nil {
		return fmt.Errorf("media: create file: %w", err)
	}
	n, err := io.Copy(f, r)
	if err == nil && n != size {
		err = fmt.Errorf("wrote %d bytes, expected %d", n, size)
	}
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

// putFile moves a staged file (under media.path/.tmp, same file system).
func (l *localStore) putFile(_ context.Context, name, staged, _ string) error {
	dst, err := l.path(name)
	if err != nil {
		return err
	}
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

func (l *localStore) Open(_ context.Context, name string) (io.ReadSeekCloser, FileInfo, error) {
	p, err := l.path(name)
	if err != nil {
		return nil, FileInfo{}, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, FileInfo{}, fmt.Errorf("media: open file: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, FileInfo{}, fmt.Errorf("media: open file: %w", err)
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, FileInfo{}, fmt.Errorf("media: open file: not a regular file: %w", fs.ErrNotExist)
	}
	return f, FileInfo{Size: info.Size(), ModTime: info.ModTime()}, nil
}

func (l *localStore) Delete(_ context.Context, name string) error {
	p, err := l.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("media: remove file: %w", err)
	}
	return nil
}

// brokenStore fails every call: New uses it when the configured store
// cannot be built (NewService reports the error instead).
type brokenStore struct{ err error }

func (b brokenStore) Put(context.Context, string, io.Reader, int64, string) error { return b.err }
func (b brokenStore) Open(context.Context, string) (io.ReadSeekCloser, FileInfo, error) {
	return nil, FileInfo{}, b.err
}
func (b brokenStore) Delete(context.Context, string) error { return b.err }

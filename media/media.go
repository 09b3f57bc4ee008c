// Package media is everything about stored media files: it checks and
// processes uploads, stores them with random names (under media.path, or in
// an S3-compatible bucket with media.storage: s3, see Store), keeps
// their rows in media_attachments (through storage), and serves them.
//
// Rules it keeps (docs/security-reliability.md):
//   - C-05: the type comes from the file's magic bytes, never from its name
//     or declared type; stored paths are random and never derived from
//     anything the uploader sent; uploads are size-checked per kind.
//   - P-07: images are decoded and re-encoded, which drops EXIF (GPS
//     included), XMP, IPTC and comments; the EXIF orientation is applied to
//     the pixels first. Audio and video keep their metadata unless ffmpeg
//     is installed (see av.go).
//   - files are served with their sniffed type, nosniff, a sandboxing
//     CSP and Content-Disposition: inline, and only the types Upload stores
//     (never HTML or JSON). Serve them from a separate origin when you can.
//   - N-04: bodies are read through limit readers; images are bounded in
//     pixels from their header before any decoding (decompression bombs).
package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// MaxDescriptionLength is the longest media description, in characters
// (Mastodon's limit, C-07).
const MaxDescriptionLength = 1500

// Errors about the upload itself: the API answers them with 422 (or 413
// for ErrTooLarge) and err.Error() as the message. Use IsRejected.
var (
	ErrUnsupportedType = errors.New("unsupported file type")
	ErrTooLarge        = errors.New("file too large")
	ErrTooManyPixels   = errors.New("image too large")
	ErrInvalidFile     = errors.New("invalid file")
	ErrInvalidInput    = errors.New("invalid media attributes")
)

// IsRejected reports whether err is about the uploaded file or attributes
// (a client error) rather than a server failure.
func IsRejected(err error) bool {
	for _, e := range []error{ErrUnsupportedType, ErrTooLarge, ErrTooManyPixels, ErrInvalidFile, ErrInvalidInput} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func tooLarge(limit int64) error {
	return fmt.Errorf("%w: the limit for this kind of file is %d bytes", ErrTooLarge, limit)
}

// Service stores and serves media files.
type Service struct {
	cfg     config.Media
	store   *storage.Storage
	baseURL string
	root    string // media.path, absolute: the local store and staging
	files   Store  // where stored files live
	// publicURL, when set (media.s3.public_url), replaces baseURL+"/media"
	// in URLs: the bucket or a CDN serves the files, not Handler.
	publicURL string
	// ffmpeg, when set (tests), is the ffmpeg to run; otherwise it is
	// looked up on PATH at each upload, so that installing or removing it
	// takes effect without a restart.
	ffmpeg string

	// MaxPixels bounds width×height of images (DefaultMaxPixels).
	MaxPixels int64
	// Log receives warnings; never a file name given by a user.
	Log *slog.Logger
	// Now replaces the clock in tests.
	Now func() time.Time

	// imageSlots bounds how many images are decoded at once: a large
	// image takes over 100 MB while it is processed.
	imageSlots chan struct{}
}

// New returns the media service for cfg, whose URLs start with baseURL
// (e.g. "https://media.lyon.example" or the instance origin). Files live
// under cfg.Path, or in the bucket of cfg.S3 when cfg.Storage is "s3".
// If that store cannot be built (config.Validate rules out the usual
// causes), every upload and read fails with the reason: prefer
// NewService, which returns it.
func New(cfg config.Media, store *storage.Storage, baseURL string) *Service {
	s, err := NewService(cfg, store, baseURL)
	if err != nil {
		s.files = brokenStore{err: err}
	}
	return s
}

// NewService is New returning the error of a store that cannot be built
// (the returned service is then unusable).
func NewService(cfg config.Media, store *storage.Storage, baseURL string) (*Service, error) {
	root, err := filepath.Abs(cfg.Path)
	if err != nil {
		root = filepath.Clean(cfg.Path)
	}
	s := &Service{
		cfg: cfg, store: store, baseURL: strings.TrimRight(baseURL, "/"), root: root,
		MaxPixels:  DefaultMaxPixels,
		imageSlots: make(chan struct{}, 2),
	}
	switch cfg.Storage {
	case "", "local":
		s.files = NewLocalStore(root)
	case "s3":
		files, err := NewS3Store(cfg.S3)
		if err != nil {
			s.files = brokenStore{err: err}
			return s, err
		}
		s.files = files
		s.publicURL = strings.TrimRight(cfg.S3.PublicURL, "/")
	default:
		err := fmt.Errorf("media: media.storage: unknown storage %q", cfg.Storage)
		s.files = brokenStore{err: err}
		return s, err
	}
	return s, nil
}

// FFmpegAvailable reports whether audio and video metadata is stripped
// (ffmpeg is looked up now).
func (s *Service) FFmpegAvailable() bool { return s.ffmpegPath() != "" }

// ffmpegPath is the ffmpeg to run for this upload, "" when there is none.
func (s *Service) ffmpegPath() string {
	if s.ffmpeg != "" {
		return s.ffmpeg
	}
	path, err := exec.LookPath("ffmpeg")
	if err != nil {
		return ""
	}
	return path
}

// MaxUploadSize is the largest file any kind accepts: the HTTP layer can
// refuse bigger bodies early (http.MaxBytesReader, plus multipart overhead).
func (s *Service) MaxUploadSize() int64 {
	return max(s.cfg.MaxImageSize, s.cfg.MaxVideoSize, s.cfg.MaxAudioSize)
}

// SupportedMIMETypes lists the types clients may send (instance
// configuration, media_attachments.supported_mime_types).
func SupportedMIMETypes() []string {
	return []string{
		"image/jpeg", "image/png", "image/gif", "image/webp",
		"audio/mpeg", "audio/mp3", "audio/ogg", "audio/vorbis", "audio/opus", "audio/wav", "audio/wave", "audio/x-wav",
		"audio/mp4", "audio/x-m4a", "audio/aac",
		"video/mp4", "video/webm",
	}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Service) limitFor(kind string) int64 {
	switch kind {
	case model.MediaImage:
		return s.cfg.MaxImageSize
	case model.MediaVideo:
		return s.cfg.MaxVideoSize
	case model.MediaAudio:
		return s.cfg.MaxAudioSize
	}
	return 0
}

// Upload checks, processes and stores a file for account and returns the
// stored attachment (processed, unattached). filename is the name the
// client gave: it is never used (not for the type, not for the path, not
// in logs). An error for which IsRejected is true is the client's; in
// every error case nothing is stored, neither file nor row.
func (s *Service) Upload(ctx context.Context, account *model.Account, r io.Reader, filename, description string, focusX, focusY float64) (*model.MediaAttachment, error) {
	_ = filename // deliberately unused (C-05)
	if account == nil || account.ID == "" {
		return nil, errors.New("media: upload without an account")
	}
	if err := checkAttributes(description, focusX, focusY); err != nil {
		return nil, err
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, readError(err, s.MaxUploadSize())
	}
	head = head[:n]
	if n == 0 {
		return nil, fmt.Errorf("%w: the file is empty", ErrInvalidFile)
	}
	ft, err := sniff(head)
	if err != nil {
		return nil, err
	}
	limit := s.limitFor(ft.Type)
	if limit <= 0 {
		return nil, fmt.Errorf("%w: this instance does not accept %s files", ErrUnsupportedType, ft.Type)
	}
	body := io.MultiReader(bytes.NewReader(head), r)

	now := s.now().UTC()
	m := &model.MediaAttachment{
		ID: model.NewID(now), AccountID: account.ID, Type: ft.Type,
		Description: description, FocusX: focusX, FocusY: focusY,
		Processed: true, CreatedAt: now,
	}
	if ft.Type == model.MediaImage {
		err = s.storeImage(ctx, m, ft, body, limit)
	} else {
		err = s.storeAV(ctx, m, ft, body, limit)
	}
	if err != nil {
		return nil, err
	}
	if err := s.store.InsertMedia(ctx, m); err != nil {
		s.removeFiles(context.WithoutCancel(ctx), m)
		return nil, fmt.Errorf("media: %w", err)
	}
	return m, nil
}

func (s *Service) storeImage(ctx context.Context, m *model.MediaAttachment, ft fileType, body io.Reader, limit int64) error {
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return readError(err, limit)
	}
	if int64(len(data)) > limit {
		return tooLarge(limit)
	}
	select {
	case s.imageSlots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("media: %w", ctx.Err())
	}
	p, err := processImage(data, ft, s.MaxPixels)
	<-s.imageSlots
	if err != nil {
		return err
	}
	file, err := newPath(m.ID, "", p.fileType.Ext)
	if err != nil {
		return err
	}
	thumb, err := newPath(m.ID, "_small", p.thumbExt)
	if err != nil {
		return err
	}
	if err := s.files.Put(ctx, file, bytes.NewReader(p.file), int64(len(p.file)), p.fileType.ContentType); err != nil {
		return err
	}
	if err := s.files.Put(ctx, thumb, bytes.NewReader(p.thumb), int64(len(p.thumb)), thumbnailType(thumb)); err != nil {
		s.removeFile(context.WithoutCancel(ctx), file) //nolint:errcheck
		return err
	}
	m.ContentType = p.fileType.ContentType
	m.FilePath, m.ThumbnailPath = file, thumb
	m.FileSize = int64(len(p.file))
	m.Width, m.Height, m.Blurhash = p.width, p.height, p.blurhash
	m.MetadataStripped = true
	return nil
}

func (s *Service) storeAV(ctx context.Context, m *model.MediaAttachment, ft fileType, body io.Reader, limit int64) error {
	staging, err := s.stagingDir()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp(staging, "upload-*")
	if err != nil {
		return fmt.Errorf("media: stage upload: %w", err)
	}
	defer os.RemoveAll(dir)
	staged, size, stripped, err := s.stageAV(ctx, dir, ft, body, limit)
	if err != nil {
		return err
	}
	file, err := newPath(m.ID, "", ft.Ext)
	if err != nil {
		return err
	}
	if err := s.putStaged(ctx, file, staged, ft.ContentType); err != nil {
		return err
	}
	m.ContentType = ft.ContentType
	m.FilePath = file
	m.FileSize = size
	m.MetadataStripped = stripped
	return nil
}

// readError maps a failed read of the upload body: a body cut by
// http.MaxBytesReader is a file too large.
func readError(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooLarge(limit)
	}
	return fmt.Errorf("media: read upload: %w", err)
}

func checkAttributes(description string, focusX, focusY float64) error {
	if !utf8.ValidString(description) || strings.ContainsRune(description, 0) {
		return fmt.Errorf("%w: the description is not valid text", ErrInvalidInput)
	}
	if utf8.RuneCountInString(description) > MaxDescriptionLength {
		return fmt.Errorf("%w: the description is longer than %d characters", ErrInvalidInput, MaxDescriptionLength)
	}
	for _, v := range []float64{focusX, focusY} {
		if math.IsNaN(v) || v < -1 || v > 1 {
			return fmt.Errorf("%w: focus coordinates must be between -1.0 and 1.0", ErrInvalidInput)
		}
	}
	return nil
}

// ParseFocus reads the Mastodon API's focus parameter, "x,y" with each in
// [-1, 1]; "" is the centre.
func ParseFocus(s string) (x, y float64, err error) {
	if strings.TrimSpace(s) == "" {
		return 0, 0, nil
	}
	xs, ys, ok := strings.Cut(s, ",")
	if ok {
		x, err = strconv.ParseFloat(strings.TrimSpace(xs), 64)
	}
	if ok && err == nil {
		y, err = strconv.ParseFloat(strings.TrimSpace(ys), 64)
	}
	if !ok || err != nil {
		return 0, 0, fmt.Errorf("%w: focus must be two numbers such as 0.5,-0.2", ErrInvalidInput)
	}
	if err := checkAttributes("", x, y); err != nil {
		return 0, 0, err
	}
	return x, y, nil
}

// Owned returns accountID's attachment id (storage.ErrNotFound for anyone
// else's, so that the API answers 404).
func (s *Service) Owned(ctx context.Context, accountID, id string) (*model.MediaAttachment, error) {
	m, err := s.store.MediaByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.AccountID != accountID {
		return nil, storage.ErrNotFound
	}
	return m, nil
}

// Update changes the description and focus point of accountID's
// attachment (PUT /api/v1/media/:id; Mastodon refuses it there once the
// attachment is attached: check m.StatusID first if you want the same).
func (s *Service) Update(ctx context.Context, accountID, id, description string, focusX, focusY float64) (*model.MediaAttachment, error) {
	if err := checkAttributes(description, focusX, focusY); err != nil {
		return nil, err
	}
	if err := s.store.UpdateMediaDescription(ctx, id, accountID, description, focusX, focusY); err != nil {
		return nil, err
	}
	return s.Owned(ctx, accountID, id)
}

// Delete removes an attachment: its row, then its files.
func (s *Service) Delete(ctx context.Context, m *model.MediaAttachment) error {
	if err := s.store.DeleteMedia(ctx, m.ID); err != nil {
		return err
	}
	s.removeFiles(ctx, m)
	return nil
}

// DeleteForStatus removes the attachments of a status; call it before the
// status is deleted, so that the files of a private post do not outlive it.
func (s *Service) DeleteForStatus(ctx context.Context, statusID string) error {
	list, err := s.store.MediaForStatus(ctx, statusID)
	if err != nil {
		return err
	}
	return s.deleteAll(ctx, list)
}

// DeleteForAccount removes every attachment of an account (account
// deletion: rows cascade with the account, files do not).
func (s *Service) DeleteForAccount(ctx context.Context, accountID string) error {
	list, err := s.store.MediaByAccount(ctx, accountID)
	if err != nil {
		return err
	}
	return s.deleteAll(ctx, list)
}

func (s *Service) deleteAll(ctx context.Context, list []model.MediaAttachment) error {
	for i := range list {
		if err := s.Delete(ctx, &list[i]); err != nil {
			return err
		}
	}
	return nil
}

// CleanOrphans deletes attachments older than age that were never posted
// (or whose status is gone) and are no avatar or header, with their files,
// and the staging leftovers of interrupted uploads. Run it periodically
// (e.g. hourly with age 24h). It returns how many attachments it removed.
func (s *Service) CleanOrphans(ctx context.Context, age time.Duration) (int, error) {
	s.sweepStaging(time.Hour)
	cutoff := s.now().Add(-age)
	total := 0
	for {
		gone, err := s.store.DeleteOrphanMedia(ctx, cutoff, 100)
		if err != nil {
			return total, err
		}
		for i := range gone {
			s.removeFiles(ctx, &gone[i])
		}
		total += len(gone)
		if len(gone) < 100 {
			return total, nil
		}
	}
}

func (s *Service) removeFiles(ctx context.Context, m *model.MediaAttachment) {
	for _, rel := range []string{m.FilePath, m.ThumbnailPath} {
		if err := s.removeFile(ctx, rel); err != nil {
			s.log().Warn("media: file not removed", "media_id", m.ID, "error", err)
		}
	}
}

// URL is the address of the attachment's file ("" if it has none).
func (s *Service) URL(m *model.MediaAttachment) string {
	if m.FilePath == "" {
		return m.RemoteURL
	}
	return s.fileURL(m.FilePath)
}

// fileURL is baseURL/media/<rel>, or <media.s3.public_url>/<rel> when the
// bucket (or a CDN) serves the files: then Handler is not used and no
// audience check happens, so the files of non-public posts are protected
// only by their unguessable names (leave public_url empty to keep the
// check), and nosniff and the sandboxing CSP are only sent if the
// bucket or CDN is set up to add them.
func (s *Service) fileURL(rel string) string {
	if s.publicURL != "" {
		return s.publicURL + "/" + rel
	}
	return s.baseURL + "/media/" + rel
}

// PreviewURL is the address of the thumbnail, "" when there is none
// (audio, video): render it as null.
func (s *Service) PreviewURL(m *model.MediaAttachment) string {
	if m.ThumbnailPath == "" {
		return ""
	}
	return s.fileURL(m.ThumbnailPath)
}

// Meta is the "meta" object of the Mastodon MediaAttachment entity.
type Meta struct {
	Original *MetaSize `json:"original,omitempty"`
	Small    *MetaSize `json:"small,omitempty"`
	Focus    *Focus    `json:"focus,omitempty"`
	// MetadataRemoved, in the answer to an upload, says whether the
	// stored file is free of EXIF/GPS/tags: false for audio and video
	// stored without ffmpeg, whose location tags are then published.
	MetadataRemoved *bool `json:"metadata_removed,omitempty"`
}

// MetaSize describes one rendition.
type MetaSize struct {
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Size   string  `json:"size"`
	Aspect float64 `json:"aspect"`
}

// Focus is the focal point, each coordinate in [-1, 1].
type Focus struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// MetaOf builds the meta object of an attachment.
func MetaOf(m *model.MediaAttachment) Meta {
	var meta Meta
	if m.Width > 0 && m.Height > 0 {
		meta.Original = metaSize(m.Width, m.Height)
		if m.ThumbnailPath != "" {
			meta.Small = metaSize(thumbSize(m.Width, m.Height))
		}
	}
	if m.Type == model.MediaImage || m.Type == model.MediaGifv {
		meta.Focus = &Focus{X: m.FocusX, Y: m.FocusY}
	}
	return meta
}

func metaSize(w, h int) *MetaSize {
	return &MetaSize{Width: w, Height: h, Size: fmt.Sprintf("%dx%d", w, h), Aspect: float64(w) / float64(h)}
}

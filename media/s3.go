package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/coopol/coopol/config"
)

// s3Store keeps files as objects of an S3-compatible bucket, named by
// their stored path. minio-go speaks the plain S3 API, so the same code
// works with AWS, MinIO, Garage, Scaleway, OVH and the like.
type s3Store struct {
	client *minio.Client
	bucket string
}

// NewS3Store returns the Store of media.s3 (config.Validate has checked
// the endpoint and bucket). It does not contact the server.
func NewS3Store(cfg config.MediaS3) (Store, error) {
	endpoint := strings.TrimSpace(cfg.Endpoint)
	if endpoint == "" || strings.TrimSpace(cfg.Bucket) == "" {
		return nil, errors.New("media: s3 storage needs media.s3.endpoint and media.s3.bucket")
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseSSL,
		Region: cfg.Region,
		// minio-go's default (10, with backoff) keeps a reader waiting
		// for many seconds when the bucket is down.
		MaxRetries: 3,
	})
	if err != nil {
		return nil, fmt.Errorf("media: media.s3.endpoint: %w", err)
	}
	return &s3Store{client: client, bucket: cfg.Bucket}, nil
}

func (s *s3Store) Put(ctx context.Context, name string, r io.Reader, size int64, contentType string) error {
	_, err := s.client.PutObject(ctx, s.bucket, name, r, size, minio.PutObjectOptions{
		ContentType: contentType,
		// Used when the bucket serves files itself (media.s3.public_url);
		// Coopol's handler sets its own headers.
		ContentDisposition: "inline",
		CacheControl:       "max-age=31536000, immutable",
	})
	if err != nil {
		return fmt.Errorf("media: upload to bucket: %w", err)
	}
	return nil
}

// Open stats the object (one HEAD request); the returned reader fetches
// the bytes lazily, with a Range request after a Seek, so HEAD requests
// and byte ranges served by http.ServeContent cost no full download.
func (s *s3Store) Open(ctx context.Context, name string) (io.ReadSeekCloser, FileInfo, error) {
	obj, err := s.client.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, FileInfo{}, s3Error("open", err)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, FileInfo{}, s3Error("open", err)
	}
	return obj, FileInfo{Size: info.Size, ModTime: info.LastModified}, nil
}

func (s *s3Store) Delete(ctx context.Context, name string) error {
	err := s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{})
	if err != nil && !errors.Is(s3Error("remove", err), fs.ErrNotExist) {
		return fmt.Errorf("media: remove from bucket: %w", err)
	}
	return nil
}

// s3Error maps a missing object to fs.ErrNotExist.
func s3Error(op string, err error) error {
	resp := minio.ToErrorResponse(err)
	if resp.Code == minio.NoSuchKey || resp.StatusCode == http.StatusNotFound && resp.Code != minio.NoSuchBucket {
		return fmt.Errorf("media: %s object: %w (%v)", op, fs.ErrNotExist, err)
	}
	return fmt.Errorf("media: %s object: %w", op, err)
}

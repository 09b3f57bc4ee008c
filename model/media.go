package model

import (
	"time"

	"github.com/uptrace/bun"
)

// Media attachment types, as the Mastodon client API names them.
const (
	MediaImage   = "image"
	MediaGifv    = "gifv"
	MediaVideo   = "video"
	MediaAudio   = "audio"
	MediaUnknown = "unknown"
)

// MediaAttachment is one uploaded (or remote) media file. Local files live
// under media.path; FilePath and ThumbnailPath are relative to it, made of
// random characters and the attachment id only, never of anything the
// uploader sent (C-05). The media package creates and serves them.
type MediaAttachment struct {
	bun.BaseModel `bun:"table:media_attachments,alias:ma"`

	ID            string    `bun:"id,pk"`
	AccountID     string    `bun:"account_id"`
	StatusID      *string   `bun:"status_id"`
	Type          string    `bun:"type"`
	ContentType   string    `bun:"content_type"` // sniffed from the stored bytes, never the client's
	FilePath      string    `bun:"file_path"`
	ThumbnailPath string    `bun:"thumbnail_path"` // "" when there is no preview (audio, video)
	FileSize      int64     `bun:"file_size"`
	Width         int       `bun:"width"`
	Height        int       `bun:"height"`
	Blurhash      string    `bun:"blurhash"`
	Description   string    `bun:"description"`
	FocusX        float64   `bun:"focus_x"` // in [-1, 1], 0 is the centre
	FocusY        float64   `bun:"focus_y"` // in [-1, 1], 0 is the centre
	RemoteURL     string    `bun:"remote_url"`
	Processed     bool      `bun:"processed"`
	CreatedAt     time.Time `bun:"created_at"`

	// Status is loaded by storage.MediaByID (nil when unattached).
	Status *Status `bun:"rel:belongs-to,join:status_id=id"`

	// MetadataStripped is set by media.Service.Upload and not stored: true
	// when the stored file is known to carry no EXIF/XMP/GPS (always for
	// images, which are re-encoded; for audio and video only when ffmpeg
	// removed the metadata).
	MetadataStripped bool `bun:"-"`
}

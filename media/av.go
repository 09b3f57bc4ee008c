package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Audio and video are checked (type from magic bytes, size) and stored as
// they are: there is no pure-Go remuxer, and ffmpeg is not guaranteed on
// the machine. When ffmpeg is on PATH, the metadata (tags, GPS location
// atoms, chapters, cover art, data tracks such as GoPro GPS) is dropped
// by a stream copy, run in a restricted way:
//
//   - fixed arguments; the only variable parts are two paths Coopol made
//     in its own staging folder, passed with the "file:" protocol;
//   - -protocol_whitelist file, and the input demuxer forced to the sniffed
//     container, so that a file cannot turn into a playlist that fetches
//     URLs or reads other local files (the ffmpeg HLS/concat tricks);
//   - an empty environment, the staging folder as working directory, a
//     time limit, and no standard input.
//
// Without ffmpeg the file is stored as uploaded and the attachment comes
// back with MetadataStripped false: like GoToSocial, which warns that MP4
// metadata is not removed, we document it rather than pretend.
//
// If ffmpeg is present but fails on a file, the upload is refused.

// ffmpegFormat names ffmpeg's demuxer and muxer for a stored type.
type ffmpegFormat struct{ demuxer, muxer string }

var ffmpegFormats = map[string]ffmpegFormat{
	"audio/mpeg": {"mp3", "mp3"},
	"audio/ogg":  {"ogg", "ogg"},
	"audio/wav":  {"wav", "wav"},
	"audio/mp4":  {"mov", "ipod"},
	"audio/aac":  {"aac", "adts"},
	"video/mp4":  {"mov", "mp4"},
	"video/webm": {"matroska", "webm"},
}

// ffmpegTimeout bounds one metadata-stripping run (a stream copy is fast).
const ffmpegTimeout = 2 * time.Minute

// ffmpegArgs are the arguments that copy in to out without metadata.
func ffmpegArgs(ft fileType, in, out string) ([]string, error) {
	f, ok := ffmpegFormats[ft.ContentType]
	if !ok {
		return nil, fmt.Errorf("media: no ffmpeg format for %s", ft.ContentType)
	}
	args := []string{
		"-hide_banner", "-nostdin", "-loglevel", "error",
		"-protocol_whitelist", "file",
		"-f", f.demuxer, "-i", "file:" + in,
		"-map", "0:a?",
	}
	if ft.Type == "video" {
		// Video and audio streams only: data streams (GPS telemetry,
		// timed metadata) and subtitles are left out.
		args = append(args, "-map", "0:v?")
	}
	args = append(args,
		"-map_metadata", "-1", "-map_chapters", "-1",
		"-c", "copy", "-fflags", "+bitexact",
	)
	if f.muxer == "mp4" || f.muxer == "ipod" {
		args = append(args, "-movflags", "+faststart")
	}
	return append(args, "-f", f.muxer, "-y", "file:"+out), nil
}

// stageAV copies an audio or video upload into the staging folder (at most
// limit bytes) and, when ffmpeg is available, strips its metadata. It
// returns the staged file to move into place, its size and whether the
// metadata was removed. The caller removes dir.
func (s *Service) stageAV(ctx context.Context, dir string, ft fileType, r io.Reader, limit int64) (path string, size int64, stripped bool, err error) {
	in := filepath.Join(dir, "in."+ft.Ext)
	size, err = copyLimited(in, r, limit)
	if err != nil {
		return "", 0, false, err
	}
	ffmpeg := s.ffmpegPath() // at each upload, not once at start
	if ffmpeg == "" {
		s.log().Error("media: ffmpeg not found: audio/video stored WITH its metadata (location tags included)", "type", ft.ContentType)
		return in, size, false, nil
	}
	out := filepath.Join(dir, "out."+ft.Ext)
	if err := s.runFFmpeg(ctx, dir, ffmpeg, ft, in, out); err != nil {
		return "", 0, false, err
	}
	info, err := os.Stat(out)
	if err != nil {
		return "", 0, false, fmt.Errorf("%w: the file could not be processed", ErrInvalidFile)
	}
	if info.Size() > limit {
		return "", 0, false, tooLarge(limit)
	}
	// What ffmpeg wrote must still be what was uploaded.
	head, err := readHead(out)
	if err != nil {
		return "", 0, false, err
	}
	if got, err := sniff(head); err != nil || got != ft {
		return "", 0, false, fmt.Errorf("%w: the file could not be processed", ErrInvalidFile)
	}
	return out, info.Size(), true, nil
}

func (s *Service) runFFmpeg(ctx context.Context, dir, ffmpeg string, ft fileType, in, out string) error {
	args, err := ffmpegArgs(ft, in, out)
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithTimeout(ctx, ffmpegTimeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, ffmpeg, args...)
	cmd.Dir = dir
	cmd.Env = []string{}
	var stderr bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 2048}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil { // the client went away: not the file's fault
			return fmt.Errorf("media: %w", ctx.Err())
		}
		// ffmpeg's message names only our staging files; keep it short.
		s.log().Warn("media: ffmpeg could not strip metadata", "type", ft.ContentType, "error", err, "ffmpeg", stderr.String())
		return fmt.Errorf("%w: the file could not be processed", ErrInvalidFile)
	}
	return nil
}

// copyLimited writes r to a new file at path, refusing more than limit bytes.
func copyLimited(path string, r io.Reader, limit int64) (int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("media: stage upload: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, limit+1))
	if cerr := f.Close(); err == nil && cerr != nil {
		return 0, fmt.Errorf("media: stage upload: %w", cerr)
	}
	if err != nil {
		return 0, readError(err, limit)
	}
	if n > limit {
		return 0, tooLarge(limit)
	}
	return n, nil
}

func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("media: read processed file: %w", err)
	}
	defer f.Close()
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("media: read processed file: %w", err)
	}
	return head[:n], nil
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

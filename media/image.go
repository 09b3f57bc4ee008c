package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"

	"github.com/buckket/go-blurhash"
	"github.com/disintegration/imaging"
	"golang.org/x/image/webp"
)

const (
	// DefaultMaxPixels bounds width×height of an image, checked from the
	// header before any pixel is decoded (decompression bombs). It is
	// Mastodon's image_matrix_limit (7680×4320).
	DefaultMaxPixels = 33_177_600
	// maxGIFFrames and the GIF pixel budget (2×MaxPixels over all frames)
	// bound animated GIFs, whose frames are all decoded.
	maxGIFFrames = 2000

	thumbMaxSide  = 640
	jpegQuality   = 88
	thumbQuality  = 80
	blurhashSide  = 32
	blurhashCompX = 4
	blurhashCompY = 4
)

// processedImage is a re-encoded image and its preview.
type processedImage struct {
	file, thumb   []byte
	fileType      fileType
	thumbExt      string
	width, height int
	blurhash      string
}

// processImage decodes an image of the sniffed type and re-encodes it.
// Re-encoding keeps pixels only: EXIF (with GPS), XMP, IPTC, ICC profiles,
// comments and text chunks are gone from the stored file and the thumbnail
// (P-07). The EXIF orientation is applied to the pixels first.
//
// WebP: there is no pure-Go WebP encoder, so a WebP upload is stored as
// PNG when it has transparency and as JPEG otherwise. Animated WebP is
// refused (x/image/webp decodes still images only).
//
// GIF: every frame is decoded and written again with image/gif, which
// keeps frames, delays, disposal and loop count and drops comments and
// application extensions (XMP); the thumbnail is the first frame.
func processImage(data []byte, ft fileType, maxPixels int64) (*processedImage, error) {
	switch ft {
	case typeJPEG:
		return processStill(data, ft, maxPixels, jpeg.DecodeConfig, jpeg.Decode, jpegOrientation(data))
	case typePNG:
		return processStill(data, ft, maxPixels, png.DecodeConfig, png.Decode, pngOrientation(data))
	case typeWebP:
		if webpAnimated(data) {
			return nil, fmt.Errorf("%w: animated WebP images are not accepted", ErrUnsupportedType)
		}
		return processStill(data, ft, maxPixels, webp.DecodeConfig, webp.Decode, webpOrientation(data))
	case typeGIF:
		return processGIF(data, maxPixels)
	}
	return nil, errUnsupported
}

type (
	decodeConfigFunc func(r io.Reader) (image.Config, error)
	decodeFunc       func(r io.Reader) (image.Image, error)
)

func processStill(data []byte, ft fileType, maxPixels int64, decodeConfig decodeConfigFunc, decode decodeFunc, orientation int) (*processedImage, error) {
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: cannot read the image header", ErrInvalidFile)
	}
	if err := checkPixels(cfg.Width, cfg.Height, maxPixels); err != nil {
		return nil, err
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: cannot decode the image", ErrInvalidFile)
	}
	img = orient(img, orientation)

	out := &processedImage{width: img.Bounds().Dx(), height: img.Bounds().Dy()}
	var buf bytes.Buffer
	switch {
	case ft == typePNG, ft == typeWebP && !isOpaque(img):
		out.fileType = typePNG
		err = png.Encode(&buf, img)
	default: // JPEG, opaque WebP
		out.fileType = typeJPEG
		err = jpeg.Encode(&buf, fastJPEGSource(img), &jpeg.Options{Quality: jpegQuality})
	}
	if err != nil {
		return nil, fmt.Errorf("media: encode image: %w", err)
	}
	out.file = buf.Bytes()
	if err := out.preview(img); err != nil {
		return nil, err
	}
	return out, nil
}

func processGIF(data []byte, maxPixels int64) (*processedImage, error) {
	cfg, err := gif.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: cannot read the image header", ErrInvalidFile)
	}
	if err := checkPixels(cfg.Width, cfg.Height, maxPixels); err != nil {
		return nil, err
	}
	frames, pixels, err := gifFrames(data)
	if err != nil {
		return nil, err
	}
	if frames > maxGIFFrames || pixels > 2*maxPixels {
		return nil, fmt.Errorf("%w: this animation has too many frames or pixels", ErrTooManyPixels)
	}
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil || len(g.Image) == 0 {
		return nil, fmt.Errorf("%w: cannot decode the image", ErrInvalidFile)
	}
	g.Config.Width, g.Config.Height = cfg.Width, cfg.Height
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		return nil, fmt.Errorf("media: encode gif: %w", err)
	}
	// The first frame on a transparent canvas of the logical screen size.
	first := image.NewNRGBA(image.Rect(0, 0, cfg.Width, cfg.Height))
	draw.Draw(first, g.Image[0].Bounds(), g.Image[0], g.Image[0].Bounds().Min, draw.Over)

	out := &processedImage{file: buf.Bytes(), fileType: typeGIF, width: cfg.Width, height: cfg.Height}
	if err := out.preview(first); err != nil {
		return nil, err
	}
	return out, nil
}

// preview makes the thumbnail (at most thumbMaxSide on its longer side;
// JPEG when opaque, PNG otherwise) and the blurhash, computed on a tiny
// copy because its cost grows with the pixel count.
func (p *processedImage) preview(img image.Image) error {
	tw, th := thumbSize(img.Bounds().Dx(), img.Bounds().Dy())
	var thumb image.Image = img
	if tw != img.Bounds().Dx() || th != img.Bounds().Dy() {
		thumb = imaging.Resize(img, tw, th, imaging.Lanczos)
	}
	var buf bytes.Buffer
	var err error
	if isOpaque(thumb) {
		p.thumbExt = "jpg"
		err = jpeg.Encode(&buf, fastJPEGSource(thumb), &jpeg.Options{Quality: thumbQuality})
	} else {
		p.thumbExt = "png"
		err = png.Encode(&buf, thumb)
	}
	if err != nil {
		return fmt.Errorf("media: encode thumbnail: %w", err)
	}
	p.thumb = buf.Bytes()

	bw, bh := fitSize(tw, th, blurhashSide)
	tiny := imaging.Resize(thumb, bw, bh, imaging.Box)
	hash, err := blurhash.Encode(blurhashCompX, blurhashCompY, tiny)
	if err != nil {
		return fmt.Errorf("media: blurhash: %w", err)
	}
	p.blurhash = hash
	return nil
}

// thumbSize is the size of the preview of a w×h image.
func thumbSize(w, h int) (int, int) { return fitSize(w, h, thumbMaxSide) }

// fitSize scales w×h down (never up) so that the longer side is at most side.
func fitSize(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, clampMin1(int(math.Round(float64(h) * float64(side) / float64(w))))
	}
	return clampMin1(int(math.Round(float64(w) * float64(side) / float64(h)))), side
}

func clampMin1(n int) int { return max(n, 1) }

func checkPixels(w, h int, maxPixels int64) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: the image has no pixels", ErrInvalidFile)
	}
	if int64(w)*int64(h) > maxPixels {
		return fmt.Errorf("%w: %d×%d is more than %d pixels", ErrTooManyPixels, w, h, maxPixels)
	}
	return nil
}

// isOpaque reports whether every pixel is opaque (images that cannot tell
// are taken as having transparency).
func isOpaque(img image.Image) bool {
	o, ok := img.(interface{ Opaque() bool })
	return ok && o.Opaque()
}

// fastJPEGSource lets image/jpeg use its fast path: an opaque NRGBA image
// has the same bytes as the RGBA one.
func fastJPEGSource(img image.Image) image.Image {
	if n, ok := img.(*image.NRGBA); ok && n.Opaque() {
		return &image.RGBA{Pix: n.Pix, Stride: n.Stride, Rect: n.Rect}
	}
	return img
}

// gifFrames walks the blocks of a GIF file without decoding anything and
// returns the number of frames and the sum of their pixels, so that an
// animation of thousands of full-size frames is refused before
// gif.DecodeAll allocates them.
func gifFrames(data []byte) (frames int, pixels int64, err error) {
	bad := fmt.Errorf("%w: damaged GIF", ErrInvalidFile)
	if len(data) < 13 {
		return 0, 0, bad
	}
	pos := 13
	if flags := data[10]; flags&0x80 != 0 { // global colour table
		pos += 3 << ((flags & 7) + 1)
	}
	for pos < len(data) {
		switch data[pos] {
		case 0x21: // extension: introducer, label, sub-blocks
			pos = skipSubBlocks(data, pos+2)
		case 0x2C: // image descriptor
			if pos+10 > len(data) {
				return frames, pixels, nil // truncated: the decoder decides
			}
			w := int64(binary.LittleEndian.Uint16(data[pos+5:]))
			h := int64(binary.LittleEndian.Uint16(data[pos+7:]))
			flags := data[pos+9]
			pos += 10
			if flags&0x80 != 0 { // local colour table
				pos += 3 << ((flags & 7) + 1)
			}
			pos = skipSubBlocks(data, pos+1) // after the LZW minimum code size
			frames++
			pixels += w * h
		case 0x3B: // trailer
			return frames, pixels, nil
		default:
			return 0, 0, bad
		}
	}
	return frames, pixels, nil
}

func skipSubBlocks(data []byte, pos int) int {
	for pos < len(data) {
		n := int(data[pos])
		pos++
		if n == 0 {
			return pos
		}
		pos += n
	}
	return len(data)
}

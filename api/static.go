package api

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
)

// The default avatar and header: small flat PNGs, made once in memory
// (no file to ship). Clients load every avatar URL an account entity
// gives, so these must exist.
var (
	defaultAvatarPNG = sync.OnceValue(func() []byte { return flatPNG(48, 48, color.RGBA{R: 0xc9, G: 0x2a, B: 0x2a, A: 0xff}) })
	defaultHeaderPNG = sync.OnceValue(func() []byte { return flatPNG(150, 50, color.RGBA{R: 0xe8, G: 0xe8, B: 0xe8, A: 0xff}) })
	// The instance thumbnail apps show on their server picker when the
	// admin set none (instance.thumbnail_url).
	defaultThumbnailPNG = sync.OnceValue(func() []byte { return flatPNG(400, 210, color.RGBA{R: 0xc9, G: 0x2a, B: 0x2a, A: 0xff}) })
)

func flatPNG(w, h int, c color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // encoding an in-memory image cannot fail
	}
	return buf.Bytes()
}

func servePNG(c *gin.Context, body []byte) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "public, max-age=604800")
	h.Set("Access-Control-Allow-Origin", "*")
	c.Data(http.StatusOK, "image/png", body)
}

func serveDefaultAvatar(c *gin.Context) { servePNG(c, defaultAvatarPNG()) }
func serveDefaultHeader(c *gin.Context) { servePNG(c, defaultHeaderPNG()) }
func serveThumbnail(c *gin.Context)     { servePNG(c, defaultThumbnailPNG()) }

const defaultThumbnailPath = "/instance/thumbnail.png"

// thumbnailURL is the instance's picture for the instance entities.
func (h *Handlers) thumbnailURL() string {
	if h.Config.Instance.ThumbnailURL != "" {
		return h.Config.Instance.ThumbnailURL
	}
	return h.Config.BaseURL() + defaultThumbnailPath
}

package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/http"

	"github.com/coopol/coopol/model"
)

// sniffLen is how much of an upload is read to recognise its type.
const sniffLen = 4096

// fileType is what the first bytes of a file say it is.
type fileType struct {
	Type        string // model.MediaImage, MediaAudio or MediaVideo
	ContentType string // as stored and served
	Ext         string // extension of the stored file
}

var (
	typeJPEG = fileType{model.MediaImage, "image/jpeg", "jpg"}
	typePNG  = fileType{model.MediaImage, "image/png", "png"}
	typeGIF  = fileType{model.MediaImage, "image/gif", "gif"}
	typeWebP = fileType{model.MediaImage, "image/webp", "webp"} // converted, never stored as is
	typeMP3  = fileType{model.MediaAudio, "audio/mpeg", "mp3"}
	typeOGG  = fileType{model.MediaAudio, "audio/ogg", "ogg"}
	typeWAV  = fileType{model.MediaAudio, "audio/wav", "wav"}
	typeM4A  = fileType{model.MediaAudio, "audio/mp4", "m4a"}
	typeAAC  = fileType{model.MediaAudio, "audio/aac", "aac"}
	typeMP4  = fileType{model.MediaVideo, "video/mp4", "mp4"}
	typeWebM = fileType{model.MediaVideo, "video/webm", "webm"}
)

// servable lists the content types the media handler may send: exactly
// the types Upload stores. Anything else is never served.
var servable = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true,
	"audio/mpeg": true, "audio/ogg": true, "audio/wav": true, "audio/mp4": true, "audio/aac": true,
	"video/mp4": true, "video/webm": true,
}

var errUnsupported = fmt.Errorf("%w: accepted are JPEG, PNG, GIF and WebP images, MP3, OGG, WAV, M4A and AAC audio, MP4 and WebM video", ErrUnsupportedType)

// sniff recognises a file from its first bytes (magic numbers), whatever
// its name or declared type says (C-05).
func sniff(head []byte) (fileType, error) {
	// ISO base media files (MP4, M4A, but also HEIC/AVIF and QuickTime)
	// first, because net/http calls all of them video/mp4 or nothing.
	if major, brands, ok := ftypBrands(head); ok {
		return sniffISOBMFF(major, brands)
	}
	switch ct := http.DetectContentType(head); ct {
	case "image/jpeg":
		return typeJPEG, nil
	case "image/png":
		return typePNG, nil
	case "image/gif":
		return typeGIF, nil
	case "image/webp":
		return typeWebP, nil
	case "audio/mpeg": // ID3 tag
		return typeMP3, nil
	case "audio/wave":
		if len(head) >= 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WAVE" {
			return typeWAV, nil
		}
	case "application/ogg":
		if oggIsAudio(head) {
			return typeOGG, nil
		}
		return fileType{}, fmt.Errorf("%w: only Ogg audio (Vorbis, Opus, FLAC) is accepted", ErrUnsupportedType)
	case "video/webm": // any EBML (Matroska) file
		if ebmlDocType(head) == "webm" {
			return typeWebM, nil
		}
		return fileType{}, fmt.Errorf("%w: Matroska files other than WebM are not accepted", ErrUnsupportedType)
	}
	// Audio without a header of its own: MPEG audio frames and ADTS AAC.
	if isADTS(head) {
		return typeAAC, nil
	}
	if isMP3Frame(head) {
		return typeMP3, nil
	}
	return fileType{}, errUnsupported
}

// ftypBrands reads the "ftyp" box that starts ISO base media files.
func ftypBrands(head []byte) (major string, brands []string, ok bool) {
	if len(head) < 16 || string(head[4:8]) != "ftyp" {
		return "", nil, false
	}
	size := int(binary.BigEndian.Uint32(head[0:4]))
	if size < 16 {
		return "", nil, false
	}
	size = min(size, len(head))
	major = string(head[8:12])
	brands = append(brands, major)
	for i := 16; i+4 <= size; i += 4 {
		brands = append(brands, string(head[i:i+4]))
	}
	return major, brands, true
}

func sniffISOBMFF(major string, brands []string) (fileType, error) {
	heif := map[string]bool{"heic": true, "heix": true, "heim": true, "heis": true, "hevc": true, "hevx": true, "mif1": true, "msf1": true, "avif": true, "avis": true}
	mp4 := map[string]bool{"isom": true, "iso2": true, "iso3": true, "iso4": true, "iso5": true, "iso6": true, "mp41": true, "mp42": true, "avc1": true, "M4V ": true, "M4VH": true, "M4VP": true, "dash": true, "mmp4": true, "MSNV": true}
	for _, b := range brands {
		if heif[b] {
			return fileType{}, fmt.Errorf("%w: HEIC/AVIF images are not accepted, please send JPEG or PNG", ErrUnsupportedType)
		}
	}
	switch major {
	case "M4A ", "M4B ":
		return typeM4A, nil
	case "qt  ":
		return fileType{}, fmt.Errorf("%w: QuickTime (.mov) videos are not accepted, please send MP4 or WebM", ErrUnsupportedType)
	}
	for _, b := range brands {
		if mp4[b] {
			return typeMP4, nil
		}
	}
	return fileType{}, errUnsupported
}

// oggIsAudio looks at the first packet of the first Ogg page.
func oggIsAudio(head []byte) bool {
	if len(head) < 27 || string(head[0:4]) != "OggS" {
		return false
	}
	start := 27 + int(head[26]) // after the segment table
	if start >= len(head) {
		return false
	}
	packet := head[start:]
	for _, magic := range []string{"\x01vorbis", "OpusHead", "\x7fFLAC", "Speex   "} {
		if bytes.HasPrefix(packet, []byte(magic)) {
			return true
		}
	}
	return false
}

// ebmlDocType returns the DocType of an EBML header ("webm", "matroska").
func ebmlDocType(head []byte) string {
	h := head[:min(len(head), 128)]
	i := bytes.Index(h, []byte{0x42, 0x82}) // DocType element id
	if i < 0 || i+3 > len(h) {
		return ""
	}
	b := h[i+2]
	if b&0x80 == 0 { // only one-byte sizes; every muxer writes those here
		return ""
	}
	n := int(b & 0x7f)
	if i+3+n > len(h) {
		return ""
	}
	return string(bytes.TrimRight(h[i+3:i+3+n], "\x00"))
}

// isADTS recognises an AAC ADTS frame header: 12-bit sync, layer 0.
func isADTS(h []byte) bool {
	return len(h) >= 7 && h[0] == 0xFF && h[1]&0xF6 == 0xF0 && (h[2]>>2)&0x0F < 13
}

// isMP3Frame recognises an MPEG audio frame header without ID3 tag.
func isMP3Frame(h []byte) bool {
	if len(h) < 4 || h[0] != 0xFF || h[1]&0xE0 != 0xE0 {
		return false
	}
	version := (h[1] >> 3) & 3
	layer := (h[1] >> 1) & 3
	bitrate := h[2] >> 4
	rate := (h[2] >> 2) & 3
	return version != 1 && layer != 0 && bitrate != 15 && rate != 3
}

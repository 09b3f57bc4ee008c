package media

import (
	"bytes"
	"encoding/binary"
	"image"

	"github.com/disintegration/imaging"
)

// The only thing Coopol reads from EXIF is the orientation, which it
// applies to the pixels before the re-encoding drops every metadata block.
// The parsers below only read within the bounds of the given bytes and
// return 1 (normal) on anything unexpected.

const orientationTag = 0x0112

// jpegOrientation finds the EXIF orientation in the APP1 "Exif" segments
// that precede the image data (there may be several APP1 segments, XMP
// ones too, in any order).
func jpegOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	pos := 2
	for pos+4 <= len(data) {
		if data[pos] != 0xFF {
			return 1
		}
		marker := data[pos+1]
		switch {
		case marker == 0xFF: // fill byte
			pos++
			continue
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8): // no length
			pos += 2
			continue
		case marker == 0xDA || marker == 0xD9: // start of scan, end of image
			return 1
		}
		length := int(binary.BigEndian.Uint16(data[pos+2:]))
		if length < 2 || pos+2+length > len(data) {
			return 1
		}
		segment := data[pos+4 : pos+2+length]
		if marker == 0xE1 && bytes.HasPrefix(segment, []byte("Exif\x00\x00")) {
			if o := tiffOrientation(segment[6:]); o != 1 {
				return o
			}
		}
		pos += 2 + length
	}
	return 1
}

// pngOrientation reads the orientation from an eXIf chunk.
func pngOrientation(data []byte) int {
	const sigLen = 8
	pos := sigLen
	for pos+12 <= len(data) {
		length := int(binary.BigEndian.Uint32(data[pos:]))
		kind := string(data[pos+4 : pos+8])
		if length < 0 || length > len(data)-pos-12 {
			return 1
		}
		if kind == "eXIf" {
			return tiffOrientation(data[pos+8 : pos+8+length])
		}
		if kind == "IDAT" || kind == "IEND" {
			return 1
		}
		pos += 12 + length
	}
	return 1
}

// webpOrientation reads the orientation from the EXIF chunk of an
// extended (VP8X) WebP file.
func webpOrientation(data []byte) int {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return 1
	}
	pos := 12
	for pos+8 <= len(data) {
		kind := string(data[pos : pos+4])
		length := int(binary.LittleEndian.Uint32(data[pos+4:]))
		if length < 0 || length > len(data)-pos-8 {
			return 1
		}
		if kind == "EXIF" {
			exif := data[pos+8 : pos+8+length]
			exif = bytes.TrimPrefix(exif, []byte("Exif\x00\x00"))
			return tiffOrientation(exif)
		}
		pos += 8 + length + length%2 // chunks are padded to even sizes
	}
	return 1
}

// webpAnimated reports the animation flag of a VP8X header.
func webpAnimated(data []byte) bool {
	return len(data) >= 21 && string(data[12:16]) == "VP8X" && data[20]&0x02 != 0
}

// tiffOrientation reads tag 0x0112 of IFD0 of a TIFF structure (the body
// of an EXIF block).
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[0:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(t[2:]) != 42 {
		return 1
	}
	ifd := uint64(order.Uint32(t[4:]))
	if ifd+2 > uint64(len(t)) {
		return 1
	}
	count := uint64(order.Uint16(t[ifd:]))
	for i := uint64(0); i < count; i++ {
		e := ifd + 2 + 12*i
		if e+12 > uint64(len(t)) {
			return 1
		}
		if order.Uint16(t[e:]) != orientationTag {
			continue
		}
		const typeShort = 3
		if order.Uint16(t[e+2:]) != typeShort {
			return 1
		}
		if v := int(order.Uint16(t[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}

// orient turns the stored pixels into the displayed ones, as EXIF
// orientation o asks (1 = as stored; 5 to 8 swap width and height).
func orient(img image.Image, o int) image.Image {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img) // 90° clockwise
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img) // 90° counter-clockwise
	}
	return img
}

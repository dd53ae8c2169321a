package media

import (
	"encoding/binary"
	"image"
	"image/draw"
)

// Orientation is a JPEG's EXIF orientation (1 to 8): how the stored pixels are turned to be shown
// upright, as browsers do. Phones store a portrait photo as a landscape one with orientation 6.
type Orientation int

// swaps reports whether the image is shown with width and height exchanged (a quarter turn).
func (o Orientation) swaps() bool { return o >= 5 && o <= 8 }

// maxMetadata is how far into a JPEG its EXIF orientation is looked for: an APP1 segment is at
// most 64 KiB, and comes before the frame.
const maxMetadata = 2 + 4 + 65535

// jpegOrientation finds the EXIF orientation in the first bytes of a JPEG; 1 (as stored) when
// there is none or the metadata is malformed.
func jpegOrientation(b []byte) Orientation {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return 1
		}
		marker := b[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0xDA || marker == 0xD9 || (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC):
			return 1 // the frame or the scan: no metadata after it
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 {
			return 1
		}
		if seg := b[i+4 : min(len(b), i+2+n)]; marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return exifOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// exifOrientation reads tag 0x0112 of IFD0 of a TIFF structure.
func exifOrientation(t []byte) Orientation {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		order = binary.LittleEndian
	case "MM\x00*":
		order = binary.BigEndian
	default:
		return 1
	}
	ifd := int(order.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	for k := range int(order.Uint16(t[ifd:])) {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if order.Uint16(t[e:]) == 0x0112 {
			if v := Orientation(order.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orient turns img (small: a variant) the way o says, so it shows upright without the tag.
func orient(img image.Image, o Orientation) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	src, ok := img.(*image.RGBA)
	if !ok {
		src = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	}
	sw, sh := b.Dx(), b.Dy()
	dw, dh := sw, sh
	if o.swaps() {
		dw, dh = sh, sw
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			var sx, sy int
			switch o {
			case 2: // mirrored
				sx, sy = sw-1-x, y
			case 3: // upside down
				sx, sy = sw-1-x, sh-1-y
			case 4: // mirrored upside down
				sx, sy = x, sh-1-y
			case 5: // mirrored, turned a quarter left
				sx, sy = y, x
			case 6: // turned a quarter left: show it turned a quarter right
				sx, sy = y, sh-1-x
			case 7: // mirrored, turned a quarter right
				sx, sy = sw-1-y, sh-1-x
			case 8: // turned a quarter right: show it turned a quarter left
				sx, sy = sw-1-y, x
			}
			si, di := src.PixOffset(sx+src.Rect.Min.X, sy+src.Rect.Min.Y), dst.PixOffset(x, y)
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}

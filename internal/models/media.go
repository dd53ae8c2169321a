package models

import "time"

// Media is an uploaded file: an image or a PDF, kept in storage under Key.
type Media struct {
	ID         int64  `gorm:"primaryKey"`
	Key        string `gorm:"size:200;not null;uniqueIndex"`
	Name       string `gorm:"size:255;not null"`
	Mime       string `gorm:"size:100;not null"`
	Size       int64  `gorm:"not null"`
	Width      int
	Height     int
	Checksum   string `gorm:"size:64"`
	UploadedBy *int64
	// Editable metadata, shown wherever the image appears. The focal point is the fractions
	// (0..1) of the width and height a crop keeps in view; both nil when not set.
	Alt     string `gorm:"size:300;not null;default:''"`
	Caption string `gorm:"size:1000;not null;default:''"`
	Credit  string `gorm:"size:200;not null;default:''"`
	FocalX  *float64
	FocalY  *float64
	Version int `gorm:"not null;default:1"`
	// Variants are the image's resized copies, made once (at upload, or by `api media
	// variants`) and stored beside it; nil until they are made (always nil for a PDF).
	Variants []MediaVariant `gorm:"serializer:json"`
	// Placeholder is a data: URI of a tiny stand-in of the image, to blur up ("" without variants).
	Placeholder string `gorm:"not null;default:''"`
	CreatedAt   time.Time
}

// MediaVariant is a resized copy of an image, stored under its own key, derived from the
// image's (VariantKey in internal/media).
type MediaVariant struct {
	Key      string `json:"key"`
	Mime     string `json:"mime"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	Size     int64  `json:"size"`
	Checksum string `json:"checksum"` // hex SHA-256 of the content, its ETag
}

// FileKeys are the storage keys of the media's files: its own and its variants'.
func (m Media) FileKeys() []string {
	keys := []string{m.Key}
	for _, v := range m.Variants {
		keys = append(keys, v.Key)
	}
	return keys
}

// ImageVariant is a variant as the API shows it, for a frontend's srcset.
type ImageVariant struct {
	URL    string `json:"url" example:"https://mattran.org.vn/media/2026/08/k3v7q2m4x5a6b7c8d9e2f3g4h5-640w.webp"`
	Width  int    `json:"width" example:"640"`
	Height int    `json:"height" example:"360"`
	Mime   string `json:"mime" enums:"image/jpeg,image/png,image/webp" example:"image/webp"`
} // @name ImageVariant

// VariantMimes are the types a variant can have.
var VariantMimes = []string{"image/jpeg", "image/png", "image/webp"}

// VariantsOf is the public view of a media item's variants, by width then type; [] when it has none.
func VariantsOf(m Media, mediaURL string) []ImageVariant {
	out := make([]ImageVariant, len(m.Variants))
	for i, v := range m.Variants {
		out[i] = ImageVariant{URL: mediaURL + "/" + v.Key, Width: v.Width, Height: v.Height, Mime: v.Mime}
	}
	return out
}

// FocalPoint is where a crop of an image should stay centred: fractions 0..1 of its width (x,
// from the left) and height (y, from the top).
type FocalPoint struct {
	X float64 `json:"x" example:"0.5" minimum:"0" maximum:"1"`
	Y float64 `json:"y" example:"0.35" minimum:"0" maximum:"1"`
} // @name FocalPoint

// Focal is the image's focal point, nil when not set.
func (m Media) Focal() *FocalPoint {
	if m.FocalX == nil || m.FocalY == nil {
		return nil
	}
	return &FocalPoint{X: *m.FocalX, Y: *m.FocalY}
}

// URL is where the file is served, under the public base URL.
func (m Media) URL(mediaURL string) string { return mediaURL + "/" + m.Key }

// Attachment is how content shows a file: API.md's {url, name, mime, size}.
type Attachment struct {
	ID   int64  `json:"id"`
	URL  string `json:"url"`
	Name string `json:"name"`
	Mime string `json:"mime" enums:"application/pdf,image/gif,image/jpeg,image/png,image/webp"`
	Size int64  `json:"size"`
	Alt  string `json:"alt" example:"Toàn cảnh hội nghị"` // the image's text alternative; empty for a PDF or an image without one
	// An image's resized copies, by width then type, for srcset; [] for a PDF.
	Variants []ImageVariant `json:"variants"`
	// A data: URI of a 16 px wide WebP of the image (about 150 bytes), to show blurred while it loads; "" for a PDF.
	Placeholder string `json:"placeholder" example:"data:image/webp;base64,UklGRl4AAABXRUJQVlA4IFIAAABQAQCdASoQAAkAAsBMJbAABYwAAP7d3f47/+8b/+UJv9jb//yef++Kv6JLstfI39OXvteQ30N1Howp+0Srb62OsfiTv+6bYl7fuq//2c9boAAA"`
} // @name Attachment

// AttachmentOf is the public view of a media item.
func AttachmentOf(m Media, mediaURL string) Attachment {
	return Attachment{ID: m.ID, URL: m.URL(mediaURL), Name: m.Name, Mime: m.Mime, Size: m.Size, Alt: m.Alt,
		Variants: VariantsOf(m, mediaURL), Placeholder: m.Placeholder}
}

// Kinds of owners and uses of media, as recorded in media_links.
const (
	LinkCover      = "cover"
	LinkAttachment = "attachment"
	LinkAvatar     = "avatar"   // a user's author photo (owner type OwnerUser)
	LinkOGImage    = "og_image" // an article's Open Graph image
)

// OwnerUser is the owner type of a user's avatar in media_links.
const OwnerUser = "user"

// MediaLink records that a piece of content uses a media item, so media still in use cannot be
// deleted. Every content type writes its links in the same transaction as the content.
type MediaLink struct {
	MediaID   int64  `gorm:"not null;index"`
	OwnerType string `gorm:"primaryKey;size:30"` // "article", "announcement", "document", "submission"
	OwnerID   int64  `gorm:"primaryKey"`
	Role      string `gorm:"primaryKey;size:20"` // LinkCover or LinkAttachment
	Position  int    `gorm:"primaryKey"`
}

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
	Alt       string `gorm:"size:300;not null;default:''"`
	Caption   string `gorm:"size:1000;not null;default:''"`
	Credit    string `gorm:"size:200;not null;default:''"`
	FocalX    *float64
	FocalY    *float64
	Version   int `gorm:"not null;default:1"`
	CreatedAt time.Time
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
} // @name Attachment

// AttachmentOf is the public view of a media item.
func AttachmentOf(m Media, mediaURL string) Attachment {
	return Attachment{ID: m.ID, URL: m.URL(mediaURL), Name: m.Name, Mime: m.Mime, Size: m.Size, Alt: m.Alt}
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

package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/models"
)

// setMediaLinks replaces the media an owner uses in one role, in the caller's transaction. Every
// id must name an existing media item, and a cover or Open Graph image an image; otherwise the named field is invalid.
func setMediaLinks(tx *gorm.DB, ownerType string, ownerID int64, role string, mediaIDs []int64, field string) error {
	if err := tx.Where("owner_type = ? AND owner_id = ? AND role = ?", ownerType, ownerID, role).
		Delete(&models.MediaLink{}).Error; err != nil {
		return err
	}
	if len(mediaIDs) == 0 {
		return nil
	}
	// Readers' attachments to submissions are private: no other content may use them, and an
	// id of one is answered as if it did not exist. FOR SHARE (on PostgreSQL) keeps a media item
	// from being deleted between this check and the new link: the foreign key would refuse the
	// link too, but could not say which id.
	mimes, err := usableMedia(tx, ownerType, mediaIDs)
	if err != nil {
		return err
	}
	links := make([]models.MediaLink, 0, len(mediaIDs))
	for i, id := range mediaIDs {
		if err := checkLinkable(mimes, id, role, field); err != nil {
			return err
		}
		links = append(links, models.MediaLink{MediaID: id, OwnerType: ownerType, OwnerID: ownerID, Role: role, Position: i})
	}
	return tx.Create(&links).Error
}

// usableMedia reads the types of the media of ids that an owner of ownerType may use, keyed by
// id: an id missing from it names no media item, or one it may not use.
func usableMedia(tx *gorm.DB, ownerType string, ids []int64) (map[int64]string, error) {
	usable := tx.Model(&models.Media{}).Where("id IN ?", ids)
	if ownerType != models.OwnerSubmission {
		usable = usable.Where("NOT EXISTS (SELECT 1 FROM media_links l WHERE l.media_id = media.id AND l.owner_type = ?)", models.OwnerSubmission)
	}
	if tx.Dialector.Name() == Postgres {
		usable = usable.Clauses(clause.Locking{Strength: "SHARE"})
	}
	var found []struct {
		ID   int64
		Mime string
	}
	if err := usable.Select("id", "mime").Find(&found).Error; err != nil {
		return nil, err
	}
	mimes := make(map[int64]string, len(found))
	for _, m := range found {
		mimes[m.ID] = m.Mime
	}
	return mimes, nil
}

// checkLinkable says whether the media id, of the types usableMedia read, may be linked in the
// role: it exists, and a cover, avatar or Open Graph image is an image. field names the input.
func checkLinkable(mimes map[int64]string, id int64, role, field string) error {
	mime, exists := mimes[id]
	if !exists {
		return models.InvalidField(field, fmt.Sprintf("media %d does not exist", id))
	}
	if (role == models.LinkCover || role == models.LinkAvatar || role == models.LinkOGImage) && !strings.HasPrefix(mime, "image/") {
		return models.InvalidField(field, fmt.Sprintf("media %d is %s, not an image", id, mime))
	}
	return nil
}

// deleteMediaLinks forgets every media use of an owner (when the owner is deleted): by hand, as
// the owner is a type and an id, which no foreign key can reference.
func deleteMediaLinks(tx *gorm.DB, ownerType string, ownerID int64) error {
	return tx.Where("owner_type = ? AND owner_id = ?", ownerType, ownerID).Delete(&models.MediaLink{}).Error
}

// mediaOf loads, in one query, the media each owner uses in a role, in position order.
func (s *Store) mediaOf(ctx context.Context, ownerType, role string, ownerIDs []int64) (map[int64][]models.Media, error) {
	out := make(map[int64][]models.Media, len(ownerIDs))
	if len(ownerIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		OwnerID int64
		models.Media
	}
	err := s.db.WithContext(ctx).Table("media_links").
		Select("media_links.owner_id, media.*").
		Joins("JOIN media ON media.id = media_links.media_id").
		Where("media_links.owner_type = ? AND media_links.role = ? AND media_links.owner_id IN ?", ownerType, role, ownerIDs).
		Order("media_links.owner_id, media_links.position").
		Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.OwnerID] = append(out[r.OwnerID], r.Media)
	}
	return out, nil
}

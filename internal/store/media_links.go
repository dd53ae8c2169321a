package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
)

// setMediaLinks replaces the media an owner uses in one role, in the caller's transaction. Every
// id must name an existing media item; otherwise the named field is invalid.
func setMediaLinks(tx *gorm.DB, ownerType string, ownerID int64, role string, mediaIDs []int64, field string) error {
	if err := tx.Where("owner_type = ? AND owner_id = ? AND role = ?", ownerType, ownerID, role).
		Delete(&models.MediaLink{}).Error; err != nil {
		return err
	}
	if len(mediaIDs) == 0 {
		return nil
	}
	var found []int64
	if err := tx.Model(&models.Media{}).Where("id IN ?", mediaIDs).Pluck("id", &found).Error; err != nil {
		return err
	}
	exists := make(map[int64]bool, len(found))
	for _, id := range found {
		exists[id] = true
	}
	links := make([]models.MediaLink, 0, len(mediaIDs))
	for i, id := range mediaIDs {
		if !exists[id] {
			return models.InvalidField(field, fmt.Sprintf("media %d does not exist", id))
		}
		links = append(links, models.MediaLink{MediaID: id, OwnerType: ownerType, OwnerID: ownerID, Role: role, Position: i})
	}
	return tx.Create(&links).Error
}

// deleteMediaLinks forgets every media use of an owner (when the owner is deleted).
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

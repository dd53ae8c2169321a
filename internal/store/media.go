package store

import (
	"context"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// inLibrary keeps to the media library: a submission's attachments belong to that submission
// (they may hold a reader's personal data) and are shown only with it.
func inLibrary(q *gorm.DB) *gorm.DB {
	return q.Where("NOT EXISTS (SELECT 1 FROM media_links l WHERE l.media_id = media.id AND l.owner_type = ?)", models.OwnerSubmission)
}

// MediaInput is a file already in storage, to record in the library, with its metadata when
// known at once (an upload has none yet; MediaPatch edits it later).
type MediaInput struct {
	Key                  string
	Name                 string
	Mime                 string
	Size                 int64
	Width, Height        int
	Checksum             string
	Alt, Caption, Credit string
	Focal                *models.FocalPoint // nil: none
	// An image's variants, already in storage (media.Imager.Make), and its placeholder.
	Variants    []models.MediaVariant
	Placeholder string
}

// mediaByID reads the media of ids in one query, keyed by id (none for no ids).
func mediaByID(db *gorm.DB, ids []int64) (map[int64]*models.Media, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var media []models.Media
	if err := db.Where("id IN ?", ids).Find(&media).Error; err != nil {
		return nil, err
	}
	byID := make(map[int64]*models.Media, len(media))
	for i := range media {
		byID[media[i].ID] = &media[i]
	}
	return byID, nil
}

// CreateMedia records a stored file in the library, uploaded by the actor.
func (s *Store) CreateMedia(ctx context.Context, actor Actor, in MediaInput) (models.Media, error) {
	m := models.Media{Key: in.Key, Name: models.CleanText(in.Name), Mime: in.Mime, Size: in.Size,
		Width: in.Width, Height: in.Height, Checksum: in.Checksum, Version: 1, Variants: in.Variants, Placeholder: in.Placeholder,
		Alt: models.CleanText(in.Alt), Caption: models.CleanText(in.Caption), Credit: models.CleanText(in.Credit)}
	if in.Focal != nil {
		m.FocalX, m.FocalY = &in.Focal.X, &in.Focal.Y
	}
	if actor.UserID != 0 {
		m.UploadedBy = &actor.UserID
	}
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := tx.Create(&m).Error; err != nil {
			return Audit{}, err
		}
		return mediaAudit("create", m.ID, fmt.Sprintf("mime=%s size=%d", m.Mime, m.Size)), nil
	})
	return m, err
}

// mediaAudit is the audit entry of a media write: media.<action>.
func mediaAudit(action string, id int64, detail string) Audit {
	return Audit{Action: "media." + action, TargetType: "media", TargetID: strconv.FormatInt(id, 10), Detail: detail}
}

// MediaByID finds a library item.
func (s *Store) MediaByID(ctx context.Context, id int64) (models.Media, error) {
	var m models.Media
	err := inLibrary(s.db.WithContext(ctx).Model(&models.Media{})).Where("media.id = ?", id).Take(&m).Error
	return m, notFound(err, "media")
}

// MediaByKey finds any stored file, library or attachment, by its storage key.
func (s *Store) MediaByKey(ctx context.Context, key string) (models.Media, error) {
	var m models.Media
	err := s.db.WithContext(ctx).Where("key = ?", key).Take(&m).Error
	return m, notFound(err, "media")
}

// MediaByChecksum finds the oldest library item whose content has the checksum (hex SHA-256):
// a file stored already, for a writer that would otherwise store it twice.
func (s *Store) MediaByChecksum(ctx context.Context, checksum string) (models.Media, error) {
	var m models.Media
	err := inLibrary(s.db.WithContext(ctx).Model(&models.Media{})).Where("media.checksum = ?", checksum).
		Order("media.id").Take(&m).Error
	return m, notFound(err, "media")
}

// MediaOfVariant finds the stored image one of whose variants is key, among the items keyed
// originals (media.OriginalKeys: the keys its image may have), and that variant.
func (s *Store) MediaOfVariant(ctx context.Context, key string, originals []string) (models.Media, models.MediaVariant, error) {
	var found []models.Media
	if err := s.db.WithContext(ctx).Where("key IN ?", originals).Find(&found).Error; err != nil {
		return models.Media{}, models.MediaVariant{}, err
	}
	for _, m := range found {
		for _, v := range m.Variants {
			if v.Key == key {
				return m, v, nil
			}
		}
	}
	return models.Media{}, models.MediaVariant{}, models.NotFound("media")
}

// SetMediaVariants records the variants made (and stored) for a media item that has none yet:
// false when it already has them, not_found when it is gone. Every response showing the image
// is purged, so its variants show at once.
func (s *Store) SetMediaVariants(ctx context.Context, id int64, variants []models.MediaVariant, placeholder string) (bool, error) {
	recorded := false
	err := s.write(ctx, System, func(tx *gorm.DB) (Audit, error) {
		var m models.Media
		if err := s.locking(tx).Take(&m, id).Error; err != nil {
			return Audit{}, notFound(err, "media")
		}
		if m.Variants != nil {
			return Audit{}, nil
		}
		m.Variants, m.Placeholder = variants, placeholder
		if err := tx.Model(&m).Select("variants", "placeholder").Updates(&m).Error; err != nil {
			return Audit{}, err
		}
		recorded = true
		purge(tx, surrogate.Media(id))
		return mediaAudit("variants", id, fmt.Sprintf("variants=%d", len(variants))), nil
	})
	return recorded, err
}

// ImagesWithoutVariants returns up to limit images (library items and attachments alike) whose
// variants were never made, after the id afterID, in id order: the backfill's next batch.
func (s *Store) ImagesWithoutVariants(ctx context.Context, afterID int64, limit int) ([]models.Media, error) {
	var out []models.Media
	err := s.db.WithContext(ctx).Where("mime LIKE ? AND variants IS NULL AND id > ?", "image/%", afterID).
		Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// MediaIsPrivate reports whether a media item is a reader's attachment to a submission rather
// than part of the library.
func (s *Store) MediaIsPrivate(ctx context.Context, id int64) (bool, error) {
	var n int64
	err := inLibrary(s.db.WithContext(ctx).Model(&models.Media{})).Where("media.id = ?", id).Count(&n).Error
	return n == 0, err
}

// MediaKinds are the values of the media list's type filter, each a mime pattern.
var MediaKinds = map[string]string{"image": "image/%", "pdf": "application/pdf"}

// ListMedia returns a page of the library, newest first, optionally of one kind, and the total.
func (s *Store) ListMedia(ctx context.Context, kind string, p models.Page) ([]models.Media, int64, error) {
	q := inLibrary(s.db.WithContext(ctx).Model(&models.Media{}))
	if pattern, ok := MediaKinds[kind]; ok {
		q = q.Where("media.mime LIKE ?", pattern)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var out []models.Media
	err := q.Order("media.id DESC").Limit(p.PerPage).Offset(p.Offset()).Find(&out).Error
	return out, total, err
}

// DeleteMedia forgets a media item that no content uses and returns it, so the caller can
// remove its file once this has committed. The check and the delete share one transaction,
// with the media row locked (FOR UPDATE on PostgreSQL), so a writer that locks the row to link
// it is serialised with it.
func (s *Store) DeleteMedia(ctx context.Context, actor Actor, id int64) (models.Media, error) {
	var m models.Media
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := s.locking(tx).Take(&m, id).Error; err != nil {
			return Audit{}, notFound(err, "media")
		}
		var uses int64
		if err := tx.Model(&models.MediaLink{}).Where("media_id = ?", id).Count(&uses).Error; err != nil {
			return Audit{}, err
		}
		if uses > 0 {
			return Audit{}, models.Conflict("the media is used by %d item(s); remove it from them first", uses)
		}
		if err := tx.Delete(&models.Media{}, id).Error; err != nil {
			return Audit{}, err
		}
		purge(tx, surrogate.Media(id))
		return mediaAudit("delete", id, "mime="+m.Mime), nil
	})
	return m, err
}

// MediaPatch holds the metadata of a media item to change; nil (Focal: not Set) means unchanged,
// and a Focal set to null clears the focal point.
type MediaPatch struct {
	Alt, Caption, Credit *string
	Focal                models.Nullable[models.FocalPoint]
}

// UpdateMedia changes a library item's metadata at the version the client read. Editors and
// admins may edit any item; an author only what they uploaded. Every public response showing
// the image (a cover, an Open Graph image, an attachment, an avatar) carries its key and is
// purged.
func (s *Store) UpdateMedia(ctx context.Context, actor Actor, id int64, version int, p MediaPatch) (models.Media, error) {
	var m models.Media
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := s.locking(inLibrary(tx.Model(&models.Media{}))).Where("media.id = ?", id).Take(&m).Error; err != nil {
			return Audit{}, notFound(err, "media")
		}
		if actor.Role == models.RoleAuthor && (m.UploadedBy == nil || *m.UploadedBy != actor.UserID) {
			return Audit{}, models.Forbidden("an author may edit only the media they uploaded")
		}
		if m.Version != version {
			return Audit{}, models.VersionMismatch(m.Version)
		}
		updates := map[string]any{}
		if p.Alt != nil {
			updates["alt"] = models.CleanText(*p.Alt)
		}
		if p.Caption != nil {
			updates["caption"] = models.CleanText(*p.Caption)
		}
		if p.Credit != nil {
			updates["credit"] = models.CleanText(*p.Credit)
		}
		if p.Focal.Set {
			updates["focal_x"], updates["focal_y"] = nil, nil
			if f := p.Focal.Value; f != nil {
				updates["focal_x"], updates["focal_y"] = f.X, f.Y
			}
		}
		if err := updateVersioned(tx, &models.Media{}, "media", id, version, updates); err != nil {
			return Audit{}, err
		}
		if err := tx.Take(&m, id).Error; err != nil {
			return Audit{}, err
		}
		purge(tx, surrogate.Media(id))
		return mediaAudit("update", id, fmt.Sprintf("version=%d", m.Version)), nil
	})
	return m, err
}

package store

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
)

// Announcements and documents are versioned items with attached files and a search entry; the
// steps they share are here.

// attachedKind names such an item: in errors and the audit log, in the search index, and as the
// owner of its media links; entry reads its search entry as it is in tx.
type attachedKind struct {
	what       string // announcement, document
	searchKind string
	owner      string
	family     string                // the surrogate key of its lists
	item       func(id int64) string // and of its own page
	entry      func(tx *gorm.DB, id int64) (SearchEntry, error)
	// trashed, if any, records the event of the item's leaving public view, once its row is
	// in the trash.
	trashed func(tx *gorm.DB, id int64) error
}

// trashState is what the trash needs of an item's row.
type trashState struct {
	Status    string
	TrashedAt *time.Time
}

// readTrashState reads the item's status and trash time, locked for the transaction.
func (s *Store) readTrashState(tx *gorm.DB, model any, k attachedKind, id int64) (trashState, error) {
	var st trashState
	err := s.locking(tx).Model(model).Select("status, trashed_at").Where("id = ?", id).Take(&st).Error
	return st, notFound(err, k.what)
}

// trashAttached moves the item to the trash at the version the client read: it becomes a draft
// (so no public read shows it) with its search entry removed; its row and media links stay.
func (s *Store) trashAttached(ctx context.Context, actor Actor, model any, k attachedKind, id int64, version int) error {
	return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		st, err := s.readTrashState(tx, model, k, id)
		if err != nil {
			return Audit{}, err
		}
		if st.TrashedAt != nil {
			return Audit{}, models.Conflict("the %s is in the trash already", k.what)
		}
		now := tx.NowFunc().UTC()
		err = updateVersioned(tx, model, k.what, id, version, map[string]any{
			"status": models.PublicationDraft, "trashed_at": now, "trashed_by_id": actorID(actor), "updated_at": now,
		})
		if err != nil {
			return Audit{}, err
		}
		if err := unindexSearch(tx, k.searchKind, id); err != nil {
			return Audit{}, err
		}
		if st.Status == models.PublicationPublished {
			purge(tx, k.family, k.item(id))
		}
		if k.trashed != nil {
			if err := k.trashed(tx, id); err != nil {
				return Audit{}, err
			}
		}
		return Audit{Action: k.what + ".trash", TargetType: k.what, TargetID: strconv.FormatInt(id, 10), Detail: "status=" + st.Status}, nil
	})
}

// restoreAttached takes the item out of the trash at the version the client read, as a draft,
// with its search entry again.
func (s *Store) restoreAttached(ctx context.Context, actor Actor, model any, k attachedKind, id int64, version int) error {
	return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		st, err := s.readTrashState(tx, model, k, id)
		if err != nil {
			return Audit{}, err
		}
		if st.TrashedAt == nil {
			return Audit{}, models.Conflict("the %s is not in the trash", k.what)
		}
		err = updateVersioned(tx, model, k.what, id, version, map[string]any{
			"trashed_at": nil, "trashed_by_id": nil, "updated_at": tx.NowFunc().UTC(),
		})
		if err != nil {
			return Audit{}, err
		}
		entry, err := k.entry(tx, id)
		if err != nil {
			return Audit{}, err
		}
		if err := indexSearch(tx, entry); err != nil {
			return Audit{}, err
		}
		return Audit{Action: k.what + ".untrash", TargetType: k.what, TargetID: strconv.FormatInt(id, 10), Detail: "version=" + strconv.Itoa(version+1)}, nil
	})
}

// deleteAttachedForGood deletes an item in the trash at the version the client read, with its
// media links (the files stay in the media library). An item not in the trash is a conflict.
func (s *Store) deleteAttachedForGood(ctx context.Context, actor Actor, model any, k attachedKind, id int64, version int) error {
	return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		st, err := s.readTrashState(tx, model, k, id)
		if err != nil {
			return Audit{}, err
		}
		if st.TrashedAt == nil {
			return Audit{}, models.Conflict("only an %s in the trash can be deleted for good: delete it (to the trash) first", k.what)
		}
		if err := destroyAttached(tx, model, k, id, version); err != nil {
			return Audit{}, err
		}
		return Audit{Action: k.what + ".purge", TargetType: k.what, TargetID: strconv.FormatInt(id, 10)}, nil
	})
}

// destroyAttached deletes a trashed item's row at version, its search entry and media links.
func destroyAttached(tx *gorm.DB, model any, k attachedKind, id int64, version int) error {
	if err := deleteVersioned(tx, model, k.what, id, version); err != nil {
		return err
	}
	if err := unindexSearch(tx, k.searchKind, id); err != nil {
		return err
	}
	return deleteMediaLinks(tx, k.owner, id)
}

package store

import (
	"context"
	"strconv"

	"gorm.io/gorm"
)

// Announcements and documents are versioned items with attached files and a search entry; the
// steps they share are here.

// attachedKind names such an item: in errors and the audit log, in the search index, and as the
// owner of its media links.
type attachedKind struct {
	what       string // announcement, document
	searchKind string
	owner      string
	family     string                // the surrogate key of its lists
	item       func(id int64) string // and of its own page
	// deleted, if any, records the event of the item's deletion, before the row goes.
	deleted func(tx *gorm.DB, id int64) error
}

// deleteAttached deletes the item at the version the client read, with its search entry and
// media links (the files stay in the media library).
func (s *Store) deleteAttached(ctx context.Context, actor Actor, model any, k attachedKind, id int64, version int) error {
	return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if k.deleted != nil {
			if err := k.deleted(tx, id); err != nil {
				return Audit{}, err
			}
		}
		if err := deleteVersioned(tx, model, k.what, id, version); err != nil {
			return Audit{}, err
		}
		if err := unindexSearch(tx, k.searchKind, id); err != nil {
			return Audit{}, err
		}
		if err := deleteMediaLinks(tx, k.owner, id); err != nil {
			return Audit{}, err
		}
		purge(tx, k.family, k.item(id))
		return Audit{Action: k.what + ".delete", TargetType: k.what, TargetID: strconv.FormatInt(id, 10)}, nil
	})
}

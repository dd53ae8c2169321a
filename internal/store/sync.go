package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// Apps sync public content from sync_items (migration 0125): a row per item that is or was
// public, carrying the sequence number of its last change. The write path keeps it: every write
// that changes public content names what it changed by its purge keys, and at the end of the
// write (recordSync) each item those keys name gets a new number if it is public now, or, if it
// was public and no longer is, becomes a tombstone. An item that never was public gets no row,
// so nothing about a draft or a scheduled article (not even its slug) reaches an app before it
// is public. The numbers come from sync_counter's one row, which each such write locks until it
// commits: a number is given only after every write with a smaller one has committed, so a
// reader that has seen number n has seen every number below it, on every process.

// KindCategory and KindTag are the other kinds of public content apps sync.
const (
	KindCategory = "category"
	KindTag      = "tag"
)

// SyncKinds are the kinds of sync_items, in the order of the API's enum.
var SyncKinds = []string{KindArticle, KindAnnouncement, KindDocument, KindCategory, KindTag}

// SyncItem is a row of sync_items: an item's last public change.
type SyncItem struct {
	Kind      string `gorm:"primaryKey"`
	ItemID    int64  `gorm:"primaryKey"`
	Seq       int64
	Public    bool // false: a tombstone, since ChangedAt
	Slug      string
	ChangedAt time.Time
}

func (SyncItem) TableName() string { return "sync_items" }

type syncCounter struct {
	ID      int64
	Seq     int64
	Horizon int64
	Epoch   string
}

func (syncCounter) TableName() string { return "sync_counter" }

// noSync marks tx's write as changing nothing apps sync, whatever it purges: the refresh of the
// shown view counts, which moves every few minutes and is not a change of content.
func noSync(tx *gorm.DB) {
	if st, ok := tx.Statement.Context.Value(writeStateKey{}).(*writeState); ok {
		st.noSync = true
	}
}

type syncRef struct {
	kind string
	id   int64
}

// touchSync notes, in tx's write, that it changes the public form of items that its purge keys
// do not name one by one (documents, when their type is renamed).
func touchSync(tx *gorm.DB, kind string, ids ...int64) {
	if st, ok := tx.Statement.Context.Value(writeStateKey{}).(*writeState); ok {
		for _, id := range ids {
			st.synced = append(st.synced, syncRef{kind, id})
		}
	}
}

// recordSync writes, in tx, the new state of every item the write's purge keys name. Media keys
// name the content that shows the media (a cover's alt text is part of the article), author keys
// the articles of the author, and a category key its ancestors too (their counts include it).
func (s *Store) recordSync(tx *gorm.DB, keys []string, also []syncRef) error {
	refs := map[syncRef]bool{}
	for _, r := range also {
		refs[r] = true
	}
	var mediaIDs, authorIDs, categoryIDs []int64
	for _, k := range keys {
		kind, id, ok := surrogate.ItemOf(k)
		switch {
		case !ok:
		case kind == "media":
			mediaIDs = append(mediaIDs, id)
		case kind == "author":
			authorIDs = append(authorIDs, id)
		case kind == KindCategory:
			categoryIDs = append(categoryIDs, id)
		case slices.Contains(SyncKinds, kind):
			refs[syncRef{kind, id}] = true
		}
	}
	if len(refs)+len(mediaIDs)+len(authorIDs)+len(categoryIDs) == 0 {
		return nil
	}
	// Locked first, so the states below are read after every earlier write has committed.
	var counter syncCounter
	if err := s.locking(tx).Take(&counter, 1).Error; err != nil {
		return err
	}
	if len(mediaIDs) > 0 {
		var owners []struct {
			OwnerType string
			OwnerID   int64
		}
		err := tx.Model(&models.MediaLink{}).Distinct("owner_type, owner_id").
			Where("media_id IN ? AND owner_type IN ?", mediaIDs, []string{KindArticle, KindAnnouncement, KindDocument}).
			Scan(&owners).Error
		if err != nil {
			return err
		}
		for _, o := range owners {
			refs[syncRef{o.OwnerType, o.OwnerID}] = true
		}
	}
	if len(authorIDs) > 0 {
		var ids []int64
		if err := tx.Table("article_authors").Where("user_id IN ?", authorIDs).Distinct().Pluck("article_id", &ids).Error; err != nil {
			return err
		}
		for _, id := range ids {
			refs[syncRef{KindArticle, id}] = true
		}
	}
	if len(categoryIDs) > 0 {
		var all []models.Category
		if err := tx.Select("id, parent_id").Find(&all).Error; err != nil {
			return err
		}
		parent := make(map[int64]*int64, len(all))
		for _, c := range all {
			parent[c.ID] = c.ParentID
		}
		for _, id := range categoryIDs {
			refs[syncRef{KindCategory, id}] = true
			for p, n := parent[id], 0; p != nil && n < len(all); p, n = parent[*p], n+1 {
				refs[syncRef{KindCategory, *p}] = true
			}
		}
	}
	byKind := map[string][]int64{}
	for r := range refs {
		byKind[r.kind] = append(byKind[r.kind], r.id)
	}
	now := tx.NowFunc()
	var changes []SyncItem
	for _, kind := range SyncKinds {
		ids := byKind[kind]
		if len(ids) == 0 {
			continue
		}
		slices.Sort(ids)
		public, err := publicSlugs(tx, kind, ids, now)
		if err != nil {
			return err
		}
		var known []SyncItem
		if err := tx.Where("kind = ? AND item_id IN ?", kind, ids).Find(&known).Error; err != nil {
			return err
		}
		wasPublic := make(map[int64]SyncItem, len(known))
		for _, k := range known {
			if k.Public {
				wasPublic[k.ItemID] = k
			}
		}
		for _, id := range ids {
			if slug, ok := public[id]; ok {
				changes = append(changes, SyncItem{Kind: kind, ItemID: id, Public: true, Slug: slug, ChangedAt: now})
			} else if k, ok := wasPublic[id]; ok {
				changes = append(changes, SyncItem{Kind: kind, ItemID: id, Public: false, Slug: k.Slug, ChangedAt: now})
			}
		}
	}
	if len(changes) == 0 {
		return nil
	}
	for i := range changes {
		changes[i].Seq = counter.Seq + int64(i) + 1
	}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "kind"}, {Name: "item_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"seq", "public", "slug", "changed_at"}),
	}).Create(&changes).Error
	if err != nil {
		return err
	}
	return tx.Model(&syncCounter{}).Where("id = 1").Update("seq", counter.Seq+int64(len(changes))).Error
}

// publicSlugs reads which of ids of kind are public at now, with their slugs (documents have
// none: they are addressed by id).
func publicSlugs(tx *gorm.DB, kind string, ids []int64, now time.Time) (map[int64]string, error) {
	var rows []struct {
		ID   int64
		Slug string
	}
	now = now.UTC()
	var q *gorm.DB
	switch kind {
	case KindArticle:
		q = tx.Model(&models.Article{}).Select("id, slug").Where(publiclyVisible, now)
	case KindAnnouncement:
		q = activeAt(tx.Model(&models.Announcement{}).Select("id, slug"), now)
	case KindDocument:
		q = tx.Model(&models.Document{}).Select("id, '' AS slug").Where("status = ?", models.PublicationPublished).Where(trashedFilter(false))
	case KindCategory:
		q = tx.Model(&models.Category{}).Select("id, slug")
	case KindTag:
		q = tx.Model(&models.Tag{}).Select("id, slug").
			Where("EXISTS (SELECT 1 FROM article_tags WHERE article_tags.tag_id = tags.id AND article_tags.public_at <= ?)", now)
	default:
		return nil, errors.New("store: no sync kind " + kind)
	}
	if err := q.Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Slug
	}
	return out, nil
}

// SyncPosition is where a client's sync stands: past every change up to Seq. Full is set while
// a sync from nothing is under way: the tombstones up to it are of items the client never had.
type SyncPosition struct {
	Epoch string
	Seq   int64
	Full  int64
}

// SyncPage is the changes after a position, in order, and the position after them.
type SyncPage struct {
	Items []SyncItem
	Next  SyncPosition
	More  bool
}

// ErrSyncExpired says a position is older than the tombstones kept, or of another database:
// the client must sync again from nothing.
var ErrSyncExpired = models.ResyncRequired(
	"this sync token is older than the changes kept (TOASOAN_SYNC_RETENTION) or from another database: sync again from the start, without since")

// SyncStart is the position of a sync from nothing.
func (s *Store) SyncStart(ctx context.Context) (SyncPosition, error) {
	var counter syncCounter
	if err := s.db.WithContext(ctx).Take(&counter, 1).Error; err != nil {
		return SyncPosition{}, err
	}
	return SyncPosition{Epoch: counter.Epoch, Seq: 0, Full: counter.Seq}, nil
}

// SyncChanges reads up to limit changes after pos, from the primary (a replica behind it would
// hand out a position past changes it has not replayed, and the current state of items older
// than their number).
func (s *Store) SyncChanges(ctx context.Context, pos SyncPosition, limit int) (SyncPage, error) {
	db := s.db.WithContext(ctx)
	var counter syncCounter
	if err := db.Take(&counter, 1).Error; err != nil {
		return SyncPage{}, err
	}
	// Tombstones up to the horizon were dropped; those up to Full the client skips anyway.
	if pos.Epoch != counter.Epoch || max(pos.Seq, pos.Full) < counter.Horizon || pos.Seq > counter.Seq || pos.Full > counter.Seq {
		return SyncPage{}, ErrSyncExpired
	}
	var items []SyncItem
	err := db.Where("seq > ? AND (public OR seq > ?)", pos.Seq, pos.Full).Order("seq").Limit(limit + 1).Find(&items).Error
	if err != nil {
		return SyncPage{}, err
	}
	page := SyncPage{Items: items, Next: pos}
	if len(items) > limit {
		page.Items, page.More = items[:limit], true
	}
	if n := len(page.Items); n > 0 {
		page.Next.Seq = page.Items[n-1].Seq
	}
	if page.Next.Seq >= page.Next.Full {
		page.Next.Full = 0 // past the start: every tombstone from here on counts
	}
	return page, nil
}

// PruneSync drops the tombstones older than retention at now and moves the horizon past them:
// a client whose position is below it may have missed one, and must sync again from nothing.
func (s *Store) PruneSync(ctx context.Context, now time.Time, retention time.Duration) (int64, error) {
	var n int64
	err := s.write(ctx, System, func(tx *gorm.DB) (Audit, error) {
		var counter syncCounter
		if err := s.locking(tx).Take(&counter, 1).Error; err != nil {
			return Audit{}, err
		}
		cutoff := now.Add(-retention).UTC()
		var last *int64
		if err := tx.Model(&SyncItem{}).Where("NOT public AND changed_at < ?", cutoff).Select("MAX(seq)").Scan(&last).Error; err != nil {
			return Audit{}, err
		}
		if last == nil {
			return Audit{}, nil
		}
		res := tx.Where("NOT public AND seq <= ?", *last).Delete(&SyncItem{})
		if res.Error != nil {
			return Audit{}, res.Error
		}
		n = res.RowsAffected
		return Audit{}, tx.Model(&syncCounter{}).Where("id = 1").Update("horizon", max(counter.Horizon, *last)).Error
	})
	return n, err
}

// SyncAnnouncements reads the announcements among ids that the public sees at now, with their
// attachments.
func (s *Store) SyncAnnouncements(ctx context.Context, ids []int64, now time.Time) ([]models.Announcement, error) {
	var list []models.Announcement
	if err := s.activeAnnouncements(ctx, now).Where("id IN ?", ids).Order("id").Find(&list).Error; err != nil {
		return nil, err
	}
	ptrs := make([]*models.Announcement, len(list))
	for i := range list {
		ptrs[i] = &list[i]
	}
	return list, s.withAnnouncementMedia(ctx, ptrs)
}

// SyncDocuments reads the published documents among ids, with their types and attachments.
func (s *Store) SyncDocuments(ctx context.Context, ids []int64) ([]models.Document, error) {
	var list []models.Document
	err := s.documents(ctx, DocumentFilter{Status: models.PublicationPublished}, facetNone).Joins("Type").
		Where("documents.id IN ?", ids).Order("documents.id").Find(&list).Error
	if err != nil {
		return nil, err
	}
	ptrs := make([]*models.Document, len(list))
	for i := range list {
		ptrs[i] = &list[i]
	}
	return list, s.withDocumentMedia(ctx, ptrs)
}

// SyncTags reads the tags among ids that a public article carries at now, with the number of
// those articles (as PublicTags counts them).
func (s *Store) SyncTags(ctx context.Context, ids []int64, now time.Time) ([]TagCount, error) {
	var out []TagCount
	err := s.db.WithContext(ctx).Table("article_tags").Where("article_tags.tag_id IN ? AND article_tags.public_at <= ?", ids, now.UTC()).
		Joins("JOIN tags ON tags.id = article_tags.tag_id").
		Select("tags.id, tags.slug, tags.name, tags.description, tags.created_at, COUNT(*) AS article_count").
		Group("tags.id, tags.slug, tags.name, tags.description, tags.created_at").Order("tags.id").
		Scan(&out).Error
	return out, err
}

package migrations

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0125Sync creates the state apps sync from (GET /api/v1/sync): one row per item of public
// content that is or was public (articles, announcements, documents, categories, tags), with
// the sequence number of its last change and whether it is public now; a row that is not is a
// tombstone. sync_counter holds the last sequence number given and, as its row is locked by
// every write that gives one until that write commits, makes the numbers follow commit order;
// its horizon is the highest number of the tombstones dropped after the retention, and its
// epoch tells this database's tokens from another's. The rows of what is public when the
// migration runs are written with it, so a first sync finds everything.
var m0125Sync = &gormigrate.Migration{
	ID: "0125_sync",
	Migrate: func(tx *gorm.DB) error {
		type syncItem struct {
			Kind      string    `gorm:"primaryKey;size:20"`
			ItemID    int64     `gorm:"primaryKey;autoIncrement:false"`
			Seq       int64     `gorm:"not null;uniqueIndex:idx_sync_items_seq"`
			Public    bool      `gorm:"not null"`
			Slug      string    `gorm:"size:300;not null"`
			ChangedAt time.Time `gorm:"not null"`
		}
		type syncCounter struct {
			ID      int64  `gorm:"primaryKey;autoIncrement:false"`
			Seq     int64  `gorm:"not null"`
			Horizon int64  `gorm:"not null"`
			Epoch   string `gorm:"size:32;not null"`
		}
		if err := tx.Table("sync_items").AutoMigrate(&syncItem{}); err != nil {
			return err
		}
		if err := tx.Table("sync_counter").AutoMigrate(&syncCounter{}); err != nil {
			return err
		}
		epoch := make([]byte, 8)
		_, _ = rand.Read(epoch)
		now := time.Now().UTC()
		// What is public now, as the store's queries spell it then (articles: published, or
		// scheduled and due; announcements: published and inside their window; documents:
		// published; every category; tags that a public article carries), oldest first.
		public := `
			SELECT 'category' AS kind, id AS item_id, slug, updated_at AS at FROM categories
			UNION ALL SELECT 'tag', tags.id, tags.slug, tags.created_at FROM tags
				WHERE EXISTS (SELECT 1 FROM article_tags WHERE article_tags.tag_id = tags.id AND article_tags.public_at <= @now)
			UNION ALL SELECT 'article', id, slug, updated_at FROM articles
				WHERE status IN ('published', 'scheduled') AND published_at <= @now
			UNION ALL SELECT 'announcement', id, slug, updated_at FROM announcements
				WHERE status = 'published' AND starts_at <= @now AND (ends_at IS NULL OR ends_at > @now)
			UNION ALL SELECT 'document', id, '', updated_at FROM documents WHERE status = 'published'`
		var rows []struct {
			Kind   string
			ItemID int64
			Slug   string
		}
		if err := tx.Raw(`SELECT kind, item_id, slug FROM (`+public+`) p ORDER BY at, kind, item_id`,
			map[string]any{"now": now}).Scan(&rows).Error; err != nil {
			return err
		}
		items := make([]syncItem, len(rows))
		for i, r := range rows {
			items[i] = syncItem{Kind: r.Kind, ItemID: r.ItemID, Seq: int64(i + 1), Public: true, Slug: r.Slug, ChangedAt: now}
		}
		if len(items) > 0 {
			if err := tx.Table("sync_items").CreateInBatches(items, 500).Error; err != nil {
				return err
			}
		}
		return tx.Table("sync_counter").Create(&syncCounter{ID: 1, Seq: int64(len(rows)), Epoch: hex.EncodeToString(epoch)}).Error
	},
}

package store_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// Times written in different offsets must compare by instant on both databases: SQLite keeps
// times as text, so the store writes them in UTC.
func TestTimesCompareByInstantWhateverTheirOffset(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		hanoi := time.FixedZone("ICT", 7*3600)
		base := time.Date(2026, 8, 23, 14, 0, 0, 0, time.UTC)
		// 20:59 in Hà Nội is 13:59 UTC: before base, though its local text sorts after it.
		entries := []time.Time{base.Add(-time.Minute).In(hanoi), base.Add(time.Minute), base.Add(500 * time.Millisecond).In(hanoi)}
		for i, at := range entries {
			if err := st.DB().WithContext(ctx).Create(&models.AuditEntry{Action: "test", TargetID: string(rune('a' + i)), CreatedAt: at}).Error; err != nil {
				t.Fatal(err)
			}
		}
		var before []string
		err := db.Model(&models.AuditEntry{}).Where("created_at <= ?", base.In(hanoi)).Order("created_at").Pluck("target_id", &before).Error
		if err != nil {
			t.Fatal(err)
		}
		if len(before) != 1 || before[0] != "a" {
			t.Fatalf("entries at or before %v: %v, want [a]", base, before)
		}
		var ordered []string
		db.Model(&models.AuditEntry{}).Order("created_at").Pluck("target_id", &ordered)
		if len(ordered) != 3 || ordered[0] != "a" || ordered[1] != "c" || ordered[2] != "b" {
			t.Fatalf("order by time: %v, want [a c b]", ordered)
		}
		var back models.AuditEntry
		db.Where("target_id = ?", "a").Take(&back)
		if !back.CreatedAt.Equal(entries[0]) {
			t.Fatalf("read back %v, want %v", back.CreatedAt, entries[0])
		}
	})
}

package store_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// Views of an article deleted since they were counted are dropped, not a failed flush retried
// for ever; and neither a flush nor a refresh that changes nothing readers see purges anything
// (which would evict cached responses).
func TestViewWritesThatChangeNothingPublic(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		var purged [][]string
		st.OnPurge(func(keys []string) { purged = append(purged, keys) })
		if err := st.AddViews(ctx, map[int64]int64{9999: 3}); err != nil {
			t.Fatalf("views of a deleted article: %v", err)
		}
		var buckets int64
		if err := db.Table("article_views_daily").Count(&buckets).Error; err != nil || buckets != 0 {
			t.Fatalf("%d buckets (%v), want none", buckets, err)
		}
		if err := st.RefreshShownViews(ctx); err != nil {
			t.Fatal(err)
		}
		if len(purged) != 0 {
			t.Errorf("purged %v, want nothing", purged)
		}
	})
}

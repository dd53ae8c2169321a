package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// The vocabulary holds the words of what the public sees, and both engines correct the same
// typos to the same words.
func TestDidYouMean(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(t0).Now)
		now := t0.Add(24 * time.Hour)
		later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
		entries := []store.SearchEntry{
			publicEntry(store.KindArticle, 1, "Bảo vệ an ninh Tổ quốc", "Phong trào toàn dân bảo vệ an ninh.", t0),
			publicEntry(store.KindArticle, 2, "An ninh trật tự ở cơ sở", "Xã Bình An, Việt Nam", t0),
			publicEntry(store.KindArticle, 3, "Ông Nguyễn Văn Bình thăm Thành phố Hồ Chí Minh", "", t0),
			publicEntry(store.KindDocument, 4, "Mặt trận Tổ quốc Việt Nam", "Hội nghị tổng kết", t0),
			publicEntry(store.KindAnnouncement, 5, "Giám sát và phản biện xã hội", "", t0),
			{Kind: store.KindArticle, ItemID: 6, Title: "Zorbax ra mắt", Public: true, PublicFrom: &later, SortTime: later},
			{Kind: store.KindArticle, ItemID: 7, Title: "Quexor bản nháp", SortTime: t0},
			{Kind: store.KindAnnouncement, ItemID: 8, Title: "Plimzo đã hết hạn", Public: true, PublicUntil: &earlier, SortTime: t0},
			{Kind: store.KindSubmission, ItemID: 9, Title: "Thư của bạn đọc Wexlor", SortTime: t0},
		}
		for _, e := range entries {
			if err := st.Reindex(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		n, err := st.RebuildSearchVocabulary(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		var words []string
		if err := db.Table("search_vocabulary").Order("word").Pluck("word", &words).Error; err != nil {
			t.Fatal(err)
		}
		if n != len(words) {
			t.Errorf("rebuilt %d words, the table has %d", n, len(words))
		}
		for _, w := range words {
			if strings.Contains("zorbax quexor plimzo wexlor", w) && len(w) > 3 {
				t.Errorf("the vocabulary holds %q, a word the public does not see", w)
			}
		}
		var ninh struct{ DocCount int64 }
		if err := db.Table("search_vocabulary").Where("word = ?", "ninh").Take(&ninh).Error; err != nil || ninh.DocCount != 2 {
			t.Errorf("ninh: %+v, %v; want held by 2 items", ninh, err)
		}

		kinds := []string{store.KindArticle, store.KindDocument, store.KindAnnouncement}
		for _, tc := range []struct{ query, want string }{
			{"an nimh", "an ninh"},
			{"mat tran to quoc viet nan", "mat tran to quoc viet nam"}, // nam, not the likelier but shorter an
			{"giam sat phan bien xa hoj", "giam sat phan bien xa hoi"},
			{"thanh pho ho chi mimh", "thanh pho ho chi minh"},
			{"nguyen van bihn", "nguyen van binh"},
			{"nguyne van binh", "nguyen van binh"},
			{"tnanh pho", "thanh pho"},
			{"ghanh pho", "thanh pho"}, // the first letter mistyped
			{"hoi nghi tong ket", ""},  // every word is known
			{"an ninh trat tu o co s", ""},
			{"zorbaz", ""}, {"zorbax", ""}, // scheduled
			{"quexoe", ""}, // a draft
			{"plimzu", ""}, // expired
			{"wexlon", ""}, // a submission
			{"an ninh 2024", ""},
			{"phong trao toan dann", "phong trao toan dan"}, // a doubled letter
			{"ninh nimh", "ninh"},                           // corrected to a word already there
		} {
			q := store.SearchQuery{Query: search.ParseQuery(tc.query, nil), Kinds: kinds, Public: true, Now: now, Limit: 10}
			got, changed, err := st.DidYouMean(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if changed {
					t.Errorf("%q corrected to %q, want no correction", tc.query, strings.Join(got.Terms, " "))
				}
				continue
			}
			if !changed || strings.Join(got.Terms, " ") != tc.want || got.Total == 0 || len(got.Hits) != int(got.Total) {
				t.Errorf("%q: %q (changed %v, %d results), want %q", tc.query, strings.Join(got.Terms, " "), changed, got.Total, tc.want)
			}
		}

		// Seen by the kinds asked for: the document's words are no corrections of an article search.
		q := store.SearchQuery{Query: search.ParseQuery("hoi nghi tong kat", nil), Kinds: []string{store.KindArticle}, Public: true, Now: now, Limit: 10}
		if got, changed, err := st.DidYouMean(ctx, q); err != nil || changed {
			t.Errorf("an article search corrected to %v (%v)", got.Terms, err)
		}
		// A word of the vocabulary that no visible item holds any more is no correction.
		if err := st.Reindex(ctx, store.SearchEntry{Kind: store.KindArticle, ItemID: 2, Title: "An ninh trật tự ở cơ sở",
			Body: "Xã Bình An, Việt Nam", SortTime: t0}); err != nil {
			t.Fatal(err)
		}
		q = store.SearchQuery{Query: search.ParseQuery("trst tu", nil), Kinds: kinds, Public: true, Now: now, Limit: 10}
		if got, changed, err := st.DidYouMean(ctx, q); err != nil || changed {
			t.Errorf("corrected to the words of an unpublished article: %v (%v)", got.Terms, err)
		}
	})
}

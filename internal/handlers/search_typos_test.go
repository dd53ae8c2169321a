package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

// noDidYouMean checks that a search response offers no correction.
func noDidYouMean(t *testing.T, res *httptest.ResponseRecorder) {
	t.Helper()
	var doc any
	if err := json.Unmarshal(res.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"meta.did_you_mean", "meta.approximate"} {
		if v, ok := lookup(doc, f); ok {
			t.Errorf("%s = %v, want none: %s", f, v, res.Body)
		}
	}
}

func searchPath(q string) string { return "/api/v1/search?q=" + url.QueryEscape(q) }

// A search that finds nothing for a typo answers with the results of the closest indexed words,
// marked approximate; words the public's items hold are never corrected; and the vocabulary
// never offers a word that only a scheduled, draft or trashed article holds.
func TestSearchDidYouMean(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := testdb.NewClock(testNow)
		ts := newTestServerAt(t, db, clock.Now).withUsers()
		ctx := context.Background()
		cat := ts.createCategory("Thời sự", 0)
		first := ts.published(map[string]any{"title": "Bảo vệ an ninh Tổ quốc", "category_id": cat,
			"body": "<p>Phong trào toàn dân bảo vệ an ninh Tổ quốc.</p>"})
		second := ts.published(map[string]any{"title": "An ninh trật tự ở cơ sở", "category_id": cat})
		ts.published(map[string]any{"title": "Xã Bình An đón chuẩn nông thôn mới", "category_id": cat})
		scheduled := ts.newArticle("editor", map[string]any{"title": "Ra mắt Zorbax", "category_id": cat, "body": "<p>Zorbax</p>"})
		publishAt := clock.Now().Add(time.Hour).Truncate(time.Second)
		ts.act(scheduled.ID, "publish", map[string]any{"publish_at": publishAt})
		ts.newArticle("editor", map[string]any{"title": "Dự thảo Quexor", "category_id": cat})
		trashed := ts.published(map[string]any{"title": "Giới thiệu Plimzo", "category_id": cat})
		var words int64
		rebuild := func() { // the worker's step, on the server's clock
			t.Helper()
			ts.rebuildVocabulary(ctx)
			if err := db.Table("search_vocabulary").Count(&words).Error; err != nil || words == 0 {
				t.Fatalf("the vocabulary has %d words (%v)", words, err)
			}
		}
		rebuild()
		// Trashed after the rebuild: the vocabulary still has its word, the index no longer.
		if res := ts.do("DELETE", fmt.Sprintf("/api/v1/admin/articles/%d", trashed.ID), nil, "editor", ifMatch(trashed.Version)); res.Code != 204 {
			t.Fatalf("trash: %d %s", res.Code, res.Body)
		}

		ts.run([]scenario{
			{name: "a typo answers with the corrected query's results", method: "GET", path: searchPath("an nimh"), want: 200,
				fields: map[string]any{"meta.did_you_mean": "an ninh", "meta.approximate": true, "meta.pagination.total": 2,
					"data.0.id": second.ID, "data.1.id": first.ID},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if !strings.Contains(res.Body.String(), "<mark>ninh</mark>") {
						t.Errorf("the snippet does not mark the corrected word: %s", res.Body)
					}
				}},
			{name: "accents and case of the typo", method: "GET", path: searchPath("AN NĨMH"), want: 200,
				fields: map[string]any{"meta.did_you_mean": "an ninh", "meta.approximate": true}},
			{name: "a transposition", method: "GET", path: searchPath("bao ve an nihn"), want: 200,
				fields: map[string]any{"meta.did_you_mean": "bao ve an ninh", "meta.pagination.total": 1}},
			{name: "a word the index holds is not corrected, though a likelier word is one edit away", method: "GET",
				path: searchPath("binh an"), want: 200, fields: map[string]any{"meta.pagination.total": 1}, check: noDidYouMean},
			{name: "a correction that finds nothing either is not offered", method: "GET", path: searchPath("nimh xa"), want: 200,
				fields: map[string]any{"meta.pagination.total": 0}, check: noDidYouMean},
			{name: "nothing close", method: "GET", path: searchPath("an xyzzyq"), want: 200,
				fields: map[string]any{"meta.pagination.total": 0}, check: noDidYouMean},
			{name: "a scheduled article's word is never offered", method: "GET", path: searchPath("zorbaz"), want: 200,
				fields: map[string]any{"meta.pagination.total": 0}, check: noDidYouMean},
			{name: "nor is the scheduled word itself told apart from an unknown one", method: "GET", path: searchPath("zorbax"), want: 200,
				fields: map[string]any{"meta.pagination.total": 0}, check: noDidYouMean},
			{name: "a draft's word is never offered", method: "GET", path: searchPath("quexoe"), want: 200,
				fields: map[string]any{"meta.pagination.total": 0}, check: noDidYouMean},
			{name: "a word only a trashed article held is not offered, though the vocabulary has it", method: "GET",
				path: searchPath("plimzu"), want: 200, fields: map[string]any{"meta.pagination.total": 0}, check: noDidYouMean},
		})

		// At its time the scheduled article is public; its words are offered once the vocabulary
		// is rebuilt.
		clock.Set(publishAt)
		if res := ts.do("GET", searchPath("zorbax"), nil, "", nil); !strings.Contains(res.Body.String(), `"total":1`) {
			t.Fatalf("the published article is not found: %s", res.Body)
		}
		rebuild()
		ts.run([]scenario{
			{name: "after publication and a rebuild", method: "GET", path: searchPath("zorbaz"), want: 200,
				fields: map[string]any{"meta.did_you_mean": "zorbax", "meta.approximate": true, "data.0.id": scheduled.ID}},
		})
	})
}

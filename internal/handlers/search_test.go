package handlers

import (
	"context"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

func TestSearchEndpoint(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		ctx := context.Background()
		now := ts.now().UTC()
		entries := []store.SearchEntry{
			{Kind: store.KindArticle, ItemID: 1, Slug: "ky-ket-quy-che", Title: "Ký kết Quy chế phối hợp bảo vệ an ninh Tổ quốc",
				Body: "Chiều ngày 23/8, hai bên ký kết <Quy chế> phối hợp về phong trào toàn dân bảo vệ an ninh Tổ quốc.", Public: true, SortTime: now.Add(-time.Hour)},
			// A year old: its short title scores higher than the article's, recency puts it second.
			{Kind: store.KindDocument, ItemID: 2, Title: "Hướng dẫn bảo vệ an ninh cơ sở", Public: true, SortTime: now.AddDate(-1, 0, 0)},
			{Kind: store.KindAnnouncement, ItemID: 3, Slug: "thong-bao", Title: "Thông báo lịch tiếp công dân", Body: "bảo vệ an ninh", Public: true, SortTime: now},
			{Kind: store.KindArticle, ItemID: 4, Slug: "nhap", Title: "Bảo vệ an ninh (bản nháp)", Public: false, SortTime: now},
		}
		for _, e := range entries {
			if err := ts.store.Reindex(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		long := strings.Repeat("a", 201)
		ts.run([]scenario{
			{name: "without diacritics", method: "GET", path: "/api/v1/search?q=" + url.QueryEscape("bao ve an ninh"), want: 200,
				fields: map[string]any{"meta.pagination.total": 3, "data.0.type": "article", "data.0.id": 1, "data.0.slug": "ky-ket-quy-che",
					"data.1.type": "document", "data.1.slug": nil, "data.2.type": "announcement"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					snippet := decode[searchResponse](t, res).Data[0].Snippet
					if !strings.Contains(snippet, "<mark>bảo vệ</mark>") && !strings.Contains(snippet, "<mark>bảo</mark> <mark>vệ</mark>") {
						t.Errorf("snippet without marked hits: %s", snippet)
					}
					if !strings.Contains(snippet, "&lt;Quy chế&gt;") {
						t.Errorf("snippet not escaped: %s", snippet)
					}
					if res.Header().Get("ETag") == "" || !strings.HasPrefix(res.Header().Get("Cache-Control"), "public") {
						t.Errorf("public caching headers missing: %v", res.Header())
					}
				}},
			{name: "a title-only hit is marked in the title", method: "GET", path: "/api/v1/search?q=" + url.QueryEscape("lich tiep cong dan"), want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.snippet": "Thông báo <mark>lịch</mark> <mark>tiếp</mark> <mark>công</mark> <mark>dân</mark>"}},
			{name: "upper case with diacritics", method: "GET", path: "/api/v1/search?q=" + url.QueryEscape("BẢO VỆ AN NINH") + "&type=document", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": 2}},
			{name: "pagination", method: "GET", path: "/api/v1/search?q=an+ninh&per_page=2&page=2", want: 200,
				fields: map[string]any{"meta.pagination.total": 3, "meta.pagination.prev": 1, "data.0.type": "announcement"}},
			{name: "syntax characters are text", method: "GET", path: "/api/v1/search?q=" + url.QueryEscape(`"an ninh" & !bao | ve:* (NEAR) '--`), want: 200},
			{name: "empty q", method: "GET", path: "/api/v1/search?q=", want: 400, fields: map[string]any{"errors.0.field": "q"}},
			{name: "missing q", method: "GET", path: "/api/v1/search", want: 400, fields: map[string]any{"errors.0.field": "q"}},
			{name: "only punctuation", method: "GET", path: "/api/v1/search?q=" + url.QueryEscape("?!…"), want: 400, fields: map[string]any{"errors.0.field": "q"}},
			{name: "too long", method: "GET", path: "/api/v1/search?q=" + long, want: 400, fields: map[string]any{"errors.0.field": "q"}},
			{name: "bad type", method: "GET", path: "/api/v1/search?q=an&type=article,user", want: 400, fields: map[string]any{"errors.0.field": "type"}},
			{name: "unknown parameter", method: "GET", path: "/api/v1/search?q=an&sort=new", want: 400, fields: map[string]any{"errors.0.field": "sort"}},
		})
		first := ts.do("GET", "/api/v1/search?q=an+ninh", nil, "", nil)
		again := ts.do("GET", "/api/v1/search?q=an+ninh", nil, "", map[string]string{"If-None-Match": first.Header().Get("ETag")})
		if again.Code != 304 || again.Body.Len() != 0 {
			t.Errorf("If-None-Match: %d with %d bytes", again.Code, again.Body.Len())
		}
	})
}

// Writes keep the search index in step: published documents and active announcements are found
// at once, drafts never, an edit replaces the old words, a deletion removes the item.
func TestSearchFollowsDocumentsAndAnnouncements(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		docID := ts.create("/api/v1/admin/documents", documentBody(map[string]any{
			"status": "published", "title": "Quyết định về công tác hòa giải ở cơ sở"}))
		ts.create("/api/v1/admin/documents", documentBody(map[string]any{
			"number": "06/2024/QĐ-MTTW", "status": "draft", "title": "Quyết định về hòa giải (dự thảo)"}))
		annID := ts.create("/api/v1/admin/announcements", map[string]any{
			"title": "Thông báo lịch tiếp công dân về hòa giải", "body": "<p>Ban Thường trực tiếp công dân</p>", "status": "published"})
		ts.create("/api/v1/admin/announcements", map[string]any{
			"title": "Thông báo hòa giải chưa đăng", "body": "<p>nháp</p>", "status": "draft"})

		found := func(q string) []string {
			t.Helper()
			res := ts.do("GET", "/api/v1/search?q="+url.QueryEscape(q), nil, "", nil)
			if res.Code != 200 {
				t.Fatalf("search %q: %d %s", q, res.Code, res.Body)
			}
			var out []string
			for _, r := range decode[searchResponse](t, res).Data {
				out = append(out, r.Type+":"+strconv.FormatInt(r.ID, 10))
			}
			return out
		}
		doc := "document:" + strconv.FormatInt(docID, 10)
		ann := "announcement:" + strconv.FormatInt(annID, 10)
		if got := found("hoa giai"); len(got) != 2 || !slices.Contains(got, doc) || !slices.Contains(got, ann) {
			t.Fatalf("hoa giai: %v, want the published document and the active announcement", got)
		}
		if got := found("05/2024/QĐ-MTTW"); len(got) != 1 || got[0] != doc {
			t.Fatalf("by number: %v", got)
		}
		if got := found("Do Van Chien"); len(got) != 1 || got[0] != doc {
			t.Fatalf("by signer: %v", got)
		}
		// The documents' own q uses the same index.
		res := ts.do("GET", "/api/v1/documents?q=hoa+giai+co+so", nil, "", nil)
		if res.Code != 200 || !strings.Contains(res.Body.String(), `"id":`+strconv.FormatInt(docID, 10)) {
			t.Fatalf("documents?q: %d %s", res.Code, res.Body)
		}

		if res := ts.do("GET", "/api/v1/documents?q=%25", nil, "", nil); res.Code != 200 || !strings.Contains(res.Body.String(), `"total":0`) {
			t.Fatalf("documents?q without words must find nothing: %d %s", res.Code, res.Body)
		}

		res = ts.do("PATCH", "/api/v1/admin/documents/"+strconv.FormatInt(docID, 10), map[string]any{"title": "Quyết định về công tác giám sát"}, "editor", map[string]string{"If-Match": `"1"`})
		if res.Code != 200 {
			t.Fatalf("patch document: %d %s", res.Code, res.Body)
		}
		if got := found("hoa giai"); len(got) != 1 || got[0] != ann {
			t.Fatalf("after the edit: %v, want only the announcement", got)
		}
		if got := found("giam sat"); len(got) != 1 || got[0] != doc {
			t.Fatalf("new words not found: %v", got)
		}
		res = ts.do("DELETE", "/api/v1/admin/announcements/"+strconv.FormatInt(annID, 10), nil, "editor", map[string]string{"If-Match": `"1"`})
		if res.Code != 204 {
			t.Fatalf("delete announcement: %d %s", res.Code, res.Body)
		}
		if got := found("hoa giai"); len(got) != 0 {
			t.Fatalf("deleted announcement still found: %v", got)
		}
	})
}

// Articles enter public search when published, at their time when scheduled, and leave it when
// unpublished; the articles' own q filters use the same index.
func TestSearchFollowsArticles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		jump := ts.tickingClock()
		cat := ts.createCategory("Tin mới", 0)
		article := func(title string) map[string]any {
			return map[string]any{"title": title, "summary": "(Mặt trận) - Tin từ địa phương.", "body": "<p>Đồng chí Đỗ Văn Chiến dự và phát biểu.</p>", "category_id": cat}
		}
		live := ts.published(article("Đại hội đại biểu Mặt trận tỉnh Gia Lai"))
		draft := ts.newArticle("editor", article("Đại hội đại biểu tỉnh Yên Bái (bản nháp)"))
		later := ts.newArticle("editor", article("Đại hội đại biểu tỉnh Vĩnh Long"))
		ts.act(later.ID, "publish", map[string]any{"publish_at": ts.now().Add(time.Hour).Format(time.RFC3339)})

		ids := func(path string, as string) []int64 {
			t.Helper()
			res := ts.do("GET", path, nil, as, nil)
			if res.Code != 200 {
				t.Fatalf("GET %s: %d %s", path, res.Code, res.Body)
			}
			var out []int64
			for _, item := range decode[struct {
				Data []struct{ ID int64 } `json:"data"`
			}](t, res).Data {
				out = append(out, item.ID)
			}
			return out
		}
		if got := ids("/api/v1/search?q=dai+hoi+dai+bieu&type=article", ""); !slices.Equal(got, []int64{live.ID}) {
			t.Fatalf("before the scheduled time: %v, want only %d", got, live.ID)
		}
		if got := ids("/api/v1/articles?q=do+van+chien", ""); !slices.Equal(got, []int64{live.ID}) {
			t.Fatalf("public q: %v", got)
		}
		if got := ids("/api/v1/admin/articles?q=dai+hoi+dai+bieu", "editor"); len(got) != 3 || !slices.Contains(got, draft.ID) {
			t.Fatalf("editorial q sees every status: %v", got)
		}
		jump(2 * time.Hour)
		if got := ids("/api/v1/search?q=dai+hoi+dai+bieu&type=article", ""); !slices.Equal(got, []int64{later.ID, live.ID}) {
			t.Fatalf("after the scheduled time: %v, want %d then %d", got, later.ID, live.ID)
		}
		ts.act(live.ID, "unpublish", nil)
		if got := ids("/api/v1/search?q=gia+lai", ""); len(got) != 0 {
			t.Fatalf("unpublished article still found: %v", got)
		}
	})
}

// Documents are found by their type's name, so renaming the type re-indexes them.
func TestSearchFollowsDocumentTypeRenames(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		docID := ts.create("/api/v1/admin/documents", documentBody(map[string]any{"status": "published", "title": "Về công tác năm 2024"}))
		var typeID int64
		db.Table("document_types").Where("name = ?", "Quyết định").Pluck("id", &typeID)
		res := ts.do("PATCH", "/api/v1/admin/document-types/"+itoa(typeID), map[string]any{"name": "Quyết nghị liên tịch"}, "editor", ifMatch(1))
		if res.Code != 200 {
			t.Fatalf("rename: %d %s", res.Code, res.Body)
		}
		found := decode[searchResponse](t, ts.do("GET", "/api/v1/search?q="+url.QueryEscape("quyet nghi lien tich"), nil, "", nil)).Data
		if len(found) != 1 || found[0].ID != docID {
			t.Fatalf("by the new name: %+v", found)
		}
		if stale := decode[searchResponse](t, ts.do("GET", "/api/v1/search?q="+url.QueryEscape("quyet dinh ve cong tac"), nil, "", nil)).Data; len(stale) != 0 {
			t.Fatalf("the old name still finds it: %+v", stale)
		}
	})
}

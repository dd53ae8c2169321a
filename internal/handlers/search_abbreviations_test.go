package handlers

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
	"github.com/toasoan/toasoan/internal/testdb"
)

func TestSearchAbbreviationsAdmin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		const admin = "/api/v1/admin/search/abbreviations"
		seeded := len(search.ShippedAbbreviations())
		next := fmt.Sprintf("%s/%d", admin, seeded+1)
		ts.run([]scenario{
			{name: "the seeded list, by abbreviation", method: "GET", path: admin, as: "admin", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					list := decode[searchAbbreviationListResponse](t, res).Data
					if len(list) != seeded {
						t.Fatalf("%d abbreviations, want the %d shipped", len(list), seeded)
					}
					var shorts []string
					for _, a := range list {
						shorts = append(shorts, a.Abbreviation)
						if a.Abbreviation == "UBND" && a.LongForm != "Ủy ban nhân dân" {
							t.Errorf("UBND = %q", a.LongForm)
						}
					}
					for _, want := range []string{"MTTQ", "UBND", "HĐND", "TP.HCM", "HCM", "THPT", "KT-XH"} {
						if !slices.Contains(shorts, want) {
							t.Errorf("%s missing from %v", want, shorts)
						}
					}
				}},
			{name: "editors may not list", method: "GET", path: admin, as: "editor", want: 403},
			{name: "editors may not add", method: "POST", path: admin, as: "editor", body: map[string]any{"abbreviation": "BQP", "long_form": "Bộ Quốc phòng"}, want: 403},
			{name: "anonymous", method: "GET", path: admin, want: 401},
			{name: "blank fields", method: "POST", path: admin, as: "admin", body: map[string]any{"abbreviation": " ", "long_form": ""},
				want: 422, check: wantFields("abbreviation", "long_form")},
			{name: "an abbreviation with a space, a one-word long form", method: "POST", path: admin, as: "admin",
				body: map[string]any{"abbreviation": "TP HCM", "long_form": "Sài Gòn"}, want: 422, check: wantFields("abbreviation")},
			{name: "a long form of one word", method: "POST", path: admin, as: "admin",
				body: map[string]any{"abbreviation": "SG", "long_form": "Saigon"}, want: 422, check: wantFields("long_form")},
			{name: "the long form is the abbreviation", method: "POST", path: admin, as: "admin",
				body: map[string]any{"abbreviation": "K-T", "long_form": "k t"}, want: 422, check: wantFields("long_form")},
			{name: "TPHCM is TP.HCM again", method: "POST", path: admin, as: "admin",
				body: map[string]any{"abbreviation": "tphcm", "long_form": "thanh pho Ho Chi Minh"}, want: 409},
			{name: "add", method: "POST", path: admin, as: "admin", body: map[string]any{"abbreviation": " BQP ", "long_form": "Bộ Quốc phòng"},
				want: 201, fields: map[string]any{"data.id": seeded + 1, "data.abbreviation": "BQP", "data.long_form": "Bộ Quốc phòng", "data.version": 1},
				check: wantETag(`"1"`)},
			{name: "another long form of a seeded abbreviation", method: "POST", path: admin, as: "admin",
				body: map[string]any{"abbreviation": "TP", "long_form": "thành phố trực thuộc trung ương"}, want: 201},
			{name: "one, with its version", method: "GET", path: next, as: "admin", want: 200, fields: map[string]any{"data.abbreviation": "BQP"}, check: wantETag(`"1"`)},
			{name: "missing", method: "GET", path: admin + "/999", as: "admin", want: 404},
			{name: "a change needs If-Match", method: "PATCH", path: next, as: "admin", body: map[string]any{"long_form": "Bộ Quốc phòng Việt Nam"}, want: 428},
			{name: "change", method: "PATCH", path: next, as: "admin", headers: ifMatch(1), body: map[string]any{"long_form": "Bộ Quốc phòng Việt Nam"},
				want: 200, fields: map[string]any{"data.abbreviation": "BQP", "data.long_form": "Bộ Quốc phòng Việt Nam", "data.version": 2}, check: wantETag(`"2"`)},
			{name: "stale", method: "PATCH", path: next, as: "admin", headers: ifMatch(1), body: map[string]any{"abbreviation": "BQPVN"}, want: 412},
			{name: "a bad change names the field", method: "PATCH", path: next, as: "admin", headers: ifMatch(2), body: map[string]any{"abbreviation": "B Q P"},
				want: 422, check: wantFields("abbreviation")},
			{name: "a change into another entry", method: "PATCH", path: next, as: "admin", headers: ifMatch(2),
				body: map[string]any{"abbreviation": "UBND", "long_form": "Ủy ban Nhân dân"}, want: 409},
			{name: "a delete needs If-Match", method: "DELETE", path: next, as: "admin", want: 428},
			{name: "delete", method: "DELETE", path: next, as: "admin", headers: ifMatch(2), want: 204},
			{name: "delete again", method: "DELETE", path: next, as: "admin", headers: ifMatch(2), want: 404},
		})
		for action, want := range map[string]int64{"search_abbreviation.create": 2, "search_abbreviation.update": 1, "search_abbreviation.delete": 1} {
			if n := ts.auditCount(action); n != want {
				t.Errorf("%d audit entries %s, want %d", n, action, want)
			}
		}
	})
}

// The rows of issue 16 through the router, and an edit of the list taking effect at the next
// search, cached responses included.
func TestSearchPhrasesAndAbbreviations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.withCache(time.Hour)
		now := ts.now().UTC()
		for i, e := range []struct{ title, body string }{
			{"Thành phố Hồ Chí Minh ra quân hưởng ứng Ngày hội Đại đoàn kết", "Ủy ban Mặt trận Tổ quốc Việt Nam Thành phố Hồ Chí Minh phát động."},
			{"Ủy ban nhân dân tỉnh Gia Lai tiếp công dân", "Chủ tịch Ủy ban nhân dân tỉnh chủ trì buổi tiếp."},
			{"MTTQ huyện Nhà Bè giám sát công trình", "Ban Thường trực MTTQ huyện kiểm tra tiến độ."},
			{"Toàn dân bảo vệ an ninh Tổ quốc", "Phong trào toàn dân bảo vệ an ninh Tổ quốc được phát động."},
			{"Bảo vệ môi trường ở khu dân cư", "Giữ gìn an ninh trật tự và bảo vệ cảnh quan."},
			{"Bộ Quốc phòng trao quà", "Đại diện Bộ Quốc phòng thăm hỏi."},
		} {
			err := ts.store.Reindex(context.Background(), store.SearchEntry{Kind: store.KindArticle, ItemID: int64(i + 1), Slug: fmt.Sprintf("bai-%d", i+1),
				Title: e.title, Body: e.body, Public: true, SortTime: now.Add(-time.Duration(i) * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
		}
		found := func(q string, want ...int64) scenario {
			return scenario{name: q, method: "GET", path: "/api/v1/search?q=" + url.QueryEscape(q), want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					var got []int64
					for _, r := range decode[searchResponse](t, res).Data {
						got = append(got, r.ID)
					}
					slices.Sort(got)
					if !slices.Equal(got, want) {
						t.Errorf("%q found %v, want %v", q, got, want)
					}
				}}
		}
		ts.run([]scenario{
			found("tp.hcm", 1),
			found("TPHCM", 1),
			found("hcm", 1),
			found("ubnd", 2),
			found("UBND tinh gia lai", 2),
			found("mttq", 1, 3),
			found("mặt trận tổ quốc", 1, 3),
			found(`"bao ve an ninh"`, 4),
			found("bao ve an ninh", 4, 5),
			found(`“bảo vệ an ninh”`, 4),
			found(`"an ninh" to quoc`, 4),
			found(`"ubnd"`),
			found("bqp"),
			{name: "snippets mark the long form", method: "GET", path: "/api/v1/search?q=ubnd", want: 200,
				fields: map[string]any{"data.0.snippet": "Chủ tịch <mark>Ủy ban nhân dân</mark> tỉnh chủ trì buổi tiếp."},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if keys := strings.Fields(res.Header().Get("Surrogate-Key")); !slices.Contains(keys, surrogate.Abbreviations) {
						t.Errorf("Surrogate-Key %v without %s", keys, surrogate.Abbreviations)
					}
				}},
			{name: "a new abbreviation", method: "POST", path: "/api/v1/admin/search/abbreviations", as: "admin",
				body: map[string]any{"abbreviation": "BQP", "long_form": "Bộ Quốc phòng"}, want: 201},
			found("bqp", 6), // at once, though the answer without it was cached
		})
	})
}

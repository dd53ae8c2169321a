package handlers

import (
	"fmt"
	"maps"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

const (
	issuerMTTW   = "Ủy ban Trung ương MTTQ Việt Nam"
	issuerBTT    = "Ban Thường trực Ủy ban Trung ương MTTQ Việt Nam"
	issuerHCM    = "Ủy ban MTTQ Việt Nam Thành phố Hồ Chí Minh"
	issuerGiaLai = "Ủy ban MTTQ Việt Nam tỉnh Gia Lai"
)

// documentBody is a valid document, changed by overrides (a nil value removes the field).
func documentBody(overrides map[string]any) map[string]any {
	body := map[string]any{
		"number": "05/2024/QĐ-MTTW", "title": "Quyết định ban hành Quy chế làm việc", "type": "Quyết định",
		"issuer": issuerMTTW, "signer": "Đỗ Văn Chiến", "field": "Công tác Mặt trận", "issued_on": "2024-05-10",
	}
	maps.Copy(body, overrides)
	for k, v := range overrides {
		if v == nil {
			delete(body, k)
		}
	}
	return body
}

func TestDocumentsAdmin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		pdf := ts.seedMedia("quyet-dinh-05.pdf", "application/pdf")
		pdf2 := ts.seedMedia("phu-luc.pdf", "application/pdf")
		photo := ts.seedMedia("anh.jpg", "image/jpeg")
		ifMatch := func(v string) map[string]string { return map[string]string{"If-Match": v} }
		const admin = "/api/v1/admin/documents"
		ts.run([]scenario{
			{name: "no token", method: "POST", path: admin, body: documentBody(nil), want: 401},
			{name: "authors may not", method: "POST", path: admin, body: documentBody(nil), as: "author", want: 403},
			{name: "every bad field listed", method: "POST", path: admin, as: "editor", want: 422,
				body: map[string]any{"number": "số 5", "title": " ", "issued_on": "2024-13-45", "effective_on": "10/05/2024",
					"expires_on": "2024-02-30", "status": "archived", "attachment_ids": []int64{0}},
				check: wantFields("number", "title", "type", "issuer", "issued_on", "effective_on", "expires_on", "status", "attachment_ids[0]")},
			{name: "issue date required", method: "POST", path: admin, as: "editor", body: documentBody(map[string]any{"issued_on": nil}), want: 422,
				check: wantFields("issued_on")},
			{name: "a date that is not a string", method: "POST", path: admin, as: "editor", body: documentBody(map[string]any{"issued_on": 20240510}),
				want: 400, fields: map[string]any{"errors.0.field": "issued_on"}},
			{name: "unknown type", method: "POST", path: admin, as: "editor", body: documentBody(map[string]any{"type": "Nghị định"}), want: 422,
				check: wantFields("type")},
			{name: "number of another type", method: "POST", path: admin, as: "editor",
				body: documentBody(map[string]any{"number": "12/NQ-MTTW"}), want: 422, check: wantFields("number")},
			{name: "dates out of order, non-PDF and missing attachments, all at once", method: "POST", path: admin, as: "editor",
				body: documentBody(map[string]any{"effective_on": "2024-05-09", "expires_on": "2024-05-09", "attachment_ids": []int64{pdf, photo, 9999}}),
				want: 422, check: wantFields("effective_on", "expires_on", "attachment_ids", "attachment_ids")},
			{name: "expiry on the day it takes effect", method: "POST", path: admin, as: "editor",
				body: documentBody(map[string]any{"effective_on": "2024-06-01", "expires_on": "2024-06-01"}), want: 422, check: wantFields("expires_on")},
		})
		first := ts.create(admin, documentBody(map[string]any{"attachment_ids": []int64{pdf}}))
		one := fmt.Sprintf("%s/%d", admin, first)
		ts.run([]scenario{
			{name: "created", method: "GET", path: one, as: "editor", want: 200,
				fields: map[string]any{"data.number": "05/2024/QĐ-MTTW", "data.type": "Quyết định", "data.issuer": issuerMTTW,
					"data.issued_on": "2024-05-10", "data.effective_on": "2024-05-10", "data.expires_on": nil, "data.status": "draft",
					"data.version": 1, "data.number_parts.sequence": 5, "data.number_parts.year": 2024, "data.number_parts.type_code": "QĐ",
					"data.number_parts.issuer_code": "MTTW", "data.attachments.0.name": "quyet-dinh-05.pdf", "data.attachments.0.mime": "application/pdf"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if res.Header().Get("ETag") != `"1"` {
						t.Errorf("ETag %q", res.Header().Get("ETag"))
					}
				}},
			{name: "the same number written loosely, same issuer", method: "POST", path: admin, as: "editor",
				body: documentBody(map[string]any{"number": " 5 / 2024 / qd – MTTW "}), want: 409},
			{name: "the same number for another issuer", method: "POST", path: admin, as: "editor",
				body: documentBody(map[string]any{"issuer": issuerBTT}), want: 201, fields: map[string]any{"data.number": "05/2024/QĐ-MTTW"}},
			{name: "a number without type code fits any type", method: "POST", path: admin, as: "editor",
				body:   documentBody(map[string]any{"number": "3456/MTTW-BTT", "type": "Công văn", "status": "published", "effective_on": "2024-06-01", "expires_on": "2025-06-01"}),
				want:   201,
				fields: map[string]any{"data.number_parts.type_code": "", "data.number_parts.year": nil, "data.status": "published", "data.expires_on": "2025-06-01"}},
			{name: "list", method: "GET", path: admin + "?status=draft", as: "editor", want: 200, fields: map[string]any{"meta.pagination.total": 2}},
			{name: "list by words without diacritics", method: "GET", path: admin + "?q=cong+tac+mat+tran+3456", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.number": "3456/MTTW-BTT"}},
			{name: "list by a word no document has", method: "GET", path: admin + "?q=quy+che+nghi+dinh", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
			{name: "list by words of the number and title", method: "GET", path: admin + "?q=quy+che+MTTW-BTT", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.number": "3456/MTTW-BTT"}},
			{name: "list: bad status", method: "GET", path: admin + "?status=x", as: "editor", want: 400},
			{name: "update without If-Match", method: "PATCH", path: one, as: "editor", body: map[string]any{"title": "x"}, want: 428},
			{name: "update a stale version", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"2"`), body: map[string]any{"title": "x"}, want: 412},
			{name: "a type the number contradicts", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"1"`),
				body: map[string]any{"type": "Nghị quyết"}, want: 422, check: wantFields("number")},
			{name: "bad fields", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"1"`),
				body: map[string]any{"number": "", "issued_on": "2024-05-32", "title": "", "attachment_ids": []int64{photo}}, want: 422,
				check: wantFields("number", "issued_on", "title")},
			{name: "an issue date after the effective date", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"1"`),
				body: map[string]any{"issued_on": "2024-05-11"}, want: 422, check: wantFields("effective_on")},
			{name: "a non-PDF attachment", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"1"`),
				body: map[string]any{"attachment_ids": []int64{photo}}, want: 422, check: wantFields("attachment_ids")},
			{name: "a number the issuer used", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"1"`),
				body: map[string]any{"number": "3456/MTTW-BTT", "type": "Công văn"}, want: 409},
			{name: "number and type together", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"1"`),
				body: map[string]any{"number": "12/NQ-MTTW", "type": "Nghị quyết", "expires_on": "2030-01-01", "status": "published",
					"attachment_ids": []int64{pdf2, pdf}},
				want: 200, fields: map[string]any{"data.number": "12/NQ-MTTW", "data.type": "Nghị quyết", "data.number_parts.year": nil,
					"data.number_parts.type_code": "NQ", "data.expires_on": "2030-01-01", "data.version": 2, "data.status": "published",
					"data.attachments.0.name": "phu-luc.pdf", "data.attachments.1.name": "quyet-dinh-05.pdf", "data.title": "Quyết định ban hành Quy chế làm việc"}},
			{name: "expires_on null removes the expiry", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"2"`),
				body: map[string]any{"expires_on": nil, "signer": ""}, want: 200,
				fields: map[string]any{"data.expires_on": nil, "data.signer": "", "data.version": 3, "data.attachments.1.name": "quyet-dinh-05.pdf"}},
			{name: "the type's code cannot change while numbers carry it", method: "PATCH", path: "/api/v1/admin/document-types/1", as: "editor",
				headers: ifMatch(`"1"`), body: map[string]any{"code": "NQu"}, want: 409},
			{name: "a type in use cannot be deleted", method: "DELETE", path: "/api/v1/admin/document-types/1", as: "editor", headers: ifMatch(`"1"`), want: 409},
			{name: "delete without If-Match", method: "DELETE", path: one, as: "editor", want: 428,
				fields: map[string]any{"detail": `this change needs an If-Match header with the version you read; the current version is 3: send If-Match: "3"`}},
			{name: "delete a stale version", method: "DELETE", path: one, as: "editor", headers: ifMatch(`"2"`), want: 412},
			{name: "delete: to the trash", method: "DELETE", path: one, as: "editor", headers: ifMatch(`"3"`), want: 204},
			{name: "in the trash, a draft", method: "GET", path: one, as: "editor", want: 200,
				fields: map[string]any{"data.status": "draft", "data.version": 4, "data.trashed_by_id": ts.ids["editor"]}},
			{name: "the trash view lists it", method: "GET", path: "/api/v1/admin/documents?trashed=true", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.number": "12/NQ-MTTW"}},
			{name: "no PATCH in the trash", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"4"`), body: map[string]any{"signer": "Ai đó"}, want: 409},
			{name: "restored as a draft", method: "POST", path: one + "/restore", as: "editor", headers: ifMatch(`"4"`), want: 200,
				fields: map[string]any{"data.status": "draft", "data.version": 5, "data.trashed_at": nil}},
			{name: "to the trash again", method: "DELETE", path: one, as: "editor", headers: ifMatch(`"5"`), want: 204},
			{name: "a type of a document in the trash cannot be deleted", method: "DELETE", path: "/api/v1/admin/document-types/1", as: "editor", headers: ifMatch(`"1"`), want: 409},
			{name: "an editor cannot delete for good", method: "DELETE", path: one + "?permanent=true", as: "editor", headers: ifMatch(`"6"`), want: 403},
			{name: "an admin deletes it for good", method: "DELETE", path: one + "?permanent=true", as: "admin", headers: ifMatch(`"6"`), want: 204},
			{name: "deleted", method: "GET", path: one, as: "editor", want: 404},
			{name: "the type is free again", method: "DELETE", path: "/api/v1/admin/document-types/1", as: "editor", headers: ifMatch(`"1"`), want: 204},
		})
		for action, want := range map[string]int64{"document.create": 3, "document.update": 2, "document.trash": 2, "document.untrash": 1, "document.purge": 1} {
			if got := ts.auditCount(action); got != want {
				t.Errorf("audit %s: %d entries, want %d", action, got, want)
			}
		}
	})
}

// TestDocumentNumbersAsRegistered registers a document for every number of the taxonomy and
// checks the parts the API read from it.
func TestDocumentNumbersAsRegistered(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		for _, tc := range []struct {
			number, typ, issuer, canonical string
			sequence                       int
			year                           any
			typeCode, issuerCode           string
		}{
			{"12/NQ-MTTW", "Nghị quyết", issuerMTTW, "12/NQ-MTTW", 12, nil, "NQ", "MTTW"},
			{"05/2024/QĐ-MTTW", "Quyết định", issuerMTTW, "05/2024/QĐ-MTTW", 5, 2024, "QĐ", "MTTW"},
			{"101/HD-MTTW-BTT", "Hướng dẫn", issuerBTT, "101/HD-MTTW-BTT", 101, nil, "HD", "MTTW-BTT"},
			{"3456/MTTW-BTT", "Công văn", issuerBTT, "3456/MTTW-BTT", 3456, nil, "", "MTTW-BTT"},
			{"27/KH-MTTQ-BTT", "Kế hoạch", issuerHCM, "27/KH-MTTQ-BTT", 27, nil, "KH", "MTTQ-BTT"},
			{"27/KH-MTTQ-BTT", "Kế hoạch", issuerGiaLai, "27/KH-MTTQ-BTT", 27, nil, "KH", "MTTQ-BTT"},
			{"7/ctr-mttw", "Chương trình", issuerMTTW, "07/CTr-MTTW", 7, nil, "CTr", "MTTW"},
		} {
			res := ts.do("POST", "/api/v1/admin/documents", documentBody(map[string]any{"number": tc.number, "type": tc.typ, "issuer": tc.issuer}), "editor", nil)
			if res.Code != 201 {
				t.Errorf("%s: %d %s", tc.number, res.Code, res.Body)
				continue
			}
			d := decode[struct {
				Data struct {
					Number      string          `json:"number"`
					NumberParts numberPartsView `json:"number_parts"`
				} `json:"data"`
			}](t, res).Data
			var year any
			if d.NumberParts.Year != nil {
				year = *d.NumberParts.Year
			}
			if d.Number != tc.canonical || d.NumberParts.Sequence != tc.sequence || year != tc.year ||
				d.NumberParts.TypeCode != tc.typeCode || d.NumberParts.IssuerCode != tc.issuerCode {
				t.Errorf("%s read as %s %+v", tc.number, d.Number, d.NumberParts)
			}
		}
	})
}

// seedRegistry registers a published document for every number of the taxonomy and a few more,
// across types, issuers and years, and one draft.
func seedRegistry(ts *testServer) map[string]int64 {
	ids := map[string]int64{}
	for _, d := range []struct{ key, number, typ, issuer, issued, status string }{
		{"nq12", "12/NQ-MTTW", "Nghị quyết", issuerMTTW, "2024-03-01", "published"},
		{"qd05", "05/2024/QĐ-MTTW", "Quyết định", issuerMTTW, "2024-05-10", "published"},
		{"hd101", "101/HD-MTTW-BTT", "Hướng dẫn", issuerBTT, "2024-07-15", "published"},
		{"cv3456", "3456/MTTW-BTT", "Công văn", issuerBTT, "2023-11-20", "published"},
		{"kh27hcm", "27/KH-MTTQ-BTT", "Kế hoạch", issuerHCM, "2023-02-01", "published"},
		{"kh27gl", "27/KH-MTTQ-BTT", "Kế hoạch", issuerGiaLai, "2024-01-05", "published"},
		{"nq15", "15/NQ-MTTW", "Nghị quyết", issuerMTTW, "2023-06-30", "published"},
		{"nq20", "20/NQ-MTTW-BTT", "Nghị quyết", issuerBTT, "2024-12-31", "published"},
		{"nq01", "01/2025/NQ-MTTW", "Nghị quyết", issuerMTTW, "2025-01-01", "published"},
		{"nq30", "30/NQ-MTTW", "Nghị quyết", issuerMTTW, "2024-08-01", "draft"},
	} {
		field := "Công tác Mặt trận"
		if d.key == "kh27gl" {
			field = "Dân tộc, tôn giáo"
		}
		ids[d.key] = ts.create("/api/v1/admin/documents", documentBody(map[string]any{"number": d.number, "type": d.typ,
			"issuer": d.issuer, "issued_on": d.issued, "status": d.status, "field": field, "title": "Văn bản " + d.key,
			"expires_on": "2030-01-01"}))
	}
	return ids
}

// numbers checks the numbers of the listed documents, in order.
func numbers(want ...string) func(t *testing.T, res *httptest.ResponseRecorder) {
	return func(t *testing.T, res *httptest.ResponseRecorder) {
		t.Helper()
		var got []string
		for _, d := range decode[struct {
			Data []struct{ Number, Issuer string } `json:"data"`
		}](t, res).Data {
			got = append(got, d.Number)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("numbers %v, want %v", got, want)
		}
	}
}

// facets checks meta.facets.<name> exactly, as "value=count" in order.
func facets(name string, want ...string) func(t *testing.T, res *httptest.ResponseRecorder) {
	return func(t *testing.T, res *httptest.ResponseRecorder) {
		t.Helper()
		body := decode[struct {
			Meta struct {
				Facets map[string][]struct {
					Value string
					Count int
				}
			}
		}](t, res)
		var got []string
		for _, f := range body.Meta.Facets[name] {
			got = append(got, fmt.Sprintf("%s=%d", f.Value, f.Count))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("facets.%s %v, want %v", name, got, want)
		}
	}
}

func all(checks ...func(t *testing.T, res *httptest.ResponseRecorder)) func(t *testing.T, res *httptest.ResponseRecorder) {
	return func(t *testing.T, res *httptest.ResponseRecorder) {
		t.Helper()
		for _, c := range checks {
			c(t, res)
		}
	}
}

func TestDocumentsSearchAndFacets(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ids := seedRegistry(ts)
		const list = "/api/v1/documents"
		ts.run([]scenario{
			{name: "every published document, newest issued first, with facets", method: "GET", path: list, want: 200,
				fields: map[string]any{"meta.pagination.total": 9, "data.0.type": "Nghị quyết", "data.0.issued_on": "2025-01-01",
					"data.0.effective_on": "2025-01-01", "data.0.attachments": []any{}},
				check: all(
					numbers("01/2025/NQ-MTTW", "20/NQ-MTTW-BTT", "101/HD-MTTW-BTT", "05/2024/QĐ-MTTW", "12/NQ-MTTW",
						"27/KH-MTTQ-BTT", "3456/MTTW-BTT", "15/NQ-MTTW", "27/KH-MTTQ-BTT"),
					facets("type", "Nghị quyết=4", "Kế hoạch=2", "Công văn=1", "Hướng dẫn=1", "Quyết định=1"),
					facets("year", "2024=5", "2023=3", "2025=1"),
					facets("issuer", issuerMTTW+"=4", issuerBTT+"=3", issuerHCM+"=1", issuerGiaLai+"=1"),
					func(t *testing.T, res *httptest.ResponseRecorder) {
						for _, private := range []string{`"status"`, `"version"`, `"number_parts"`, `"expires_on"`} {
							if strings.Contains(res.Body.String(), private) {
								t.Errorf("%s in the public list", private)
							}
						}
						if res.Header().Get("Cache-Control") != publicCacheControl || res.Header().Get("ETag") == "" {
							t.Errorf("not cached as public: %v", res.Header())
						}
					})},
			{name: "type and year: each facet ignores only its own filter", method: "GET", path: list + "?type=Nghị+quyết&year=2024", want: 200,
				fields: map[string]any{"meta.pagination.total": 2},
				check: all(numbers("20/NQ-MTTW-BTT", "12/NQ-MTTW"),
					facets("type", "Nghị quyết=2", "Hướng dẫn=1", "Kế hoạch=1", "Quyết định=1"),
					facets("year", "2024=2", "2023=1", "2025=1"),
					facets("issuer", issuerBTT+"=1", issuerMTTW+"=1"))},
			{name: "issuer: the issuer facet ignores it, the others apply it", method: "GET", path: list + "?issuer=" + url.QueryEscape(issuerBTT), want: 200,
				check: all(numbers("20/NQ-MTTW-BTT", "101/HD-MTTW-BTT", "3456/MTTW-BTT"),
					facets("issuer", issuerMTTW+"=4", issuerBTT+"=3", issuerHCM+"=1", issuerGiaLai+"=1"),
					facets("type", "Công văn=1", "Hướng dẫn=1", "Nghị quyết=1"),
					facets("year", "2024=2", "2023=1"))},
			{name: "type by code", method: "GET", path: list + "?type=NQ&year=2024", want: 200, check: numbers("20/NQ-MTTW-BTT", "12/NQ-MTTW")},
			{name: "type without diacritics", method: "GET", path: list + "?type=nghi+quyet&year=2024", want: 200, check: numbers("20/NQ-MTTW-BTT", "12/NQ-MTTW")},
			{name: "type QD for QĐ", method: "GET", path: list + "?type=qd", want: 200, check: numbers("05/2024/QĐ-MTTW")},
			{name: "an unknown type finds nothing but still counts types", method: "GET", path: list + "?type=Nghị+định&year=2023", want: 200,
				fields: map[string]any{"meta.pagination.total": 0, "data": []any{}},
				check:  all(facets("type", "Công văn=1", "Kế hoạch=1", "Nghị quyết=1"), facets("year"), facets("issuer"))},
			{name: "a year includes its last day and not the next", method: "GET", path: list + "?year=2025", want: 200, check: numbers("01/2025/NQ-MTTW")},
			{name: "from and to include both days", method: "GET", path: list + "?from=2024-03-01&to=2024-05-10", want: 200,
				check: all(numbers("05/2024/QĐ-MTTW", "12/NQ-MTTW"), facets("year", "2024=2"))},
			{name: "from alone", method: "GET", path: list + "?from=2024-12-31", want: 200, check: numbers("01/2025/NQ-MTTW", "20/NQ-MTTW-BTT")},
			{name: "field", method: "GET", path: list + "?field=" + url.QueryEscape("Dân tộc, tôn giáo"), want: 200,
				check: all(numbers("27/KH-MTTQ-BTT"), facets("issuer", issuerGiaLai+"=1"))},
			{name: "q over title and number, without diacritics", method: "GET", path: list + "?q=van+ban+kh27", want: 200,
				check: numbers("27/KH-MTTQ-BTT", "27/KH-MTTQ-BTT")},
			{name: "q with a facet", method: "GET", path: list + "?q=mttw-btt&type=Công+văn", want: 200,
				check: all(numbers("3456/MTTW-BTT"), facets("type", "Công văn=1", "Hướng dẫn=1", "Nghị quyết=1"))},
			{name: "a number without its year finds the one with", method: "GET", path: list + "?number=05/QĐ-MTTW", want: 200, check: numbers("05/2024/QĐ-MTTW")},
			{name: "a number with another year", method: "GET", path: list + "?number=05/2023/QĐ-MTTW", want: 200, check: numbers()},
			{name: "a number shared by two issuers", method: "GET", path: list + "?number=27/KH-MTTQ-BTT", want: 200,
				check: all(numbers("27/KH-MTTQ-BTT", "27/KH-MTTQ-BTT"), facets("issuer", issuerHCM+"=1", issuerGiaLai+"=1"))},
			{name: "a number in another case and spacing", method: "GET", path: list + "?number=" + url.QueryEscape("101 / hd-mttw-btt"), want: 200,
				check: numbers("101/HD-MTTW-BTT")},
			{name: "drafts are never found", method: "GET", path: list + "?number=30/NQ-MTTW", want: 200, check: numbers()},
			{name: "paged", method: "GET", path: list + "?per_page=4&page=3", want: 200,
				fields: map[string]any{"meta.pagination.total": 9, "meta.pagination.total_pages": 3, "meta.pagination.next": nil},
				check:  all(numbers("27/KH-MTTQ-BTT"), facets("year", "2024=5", "2023=3", "2025=1"))},
			{name: "bad values are 400 naming each", method: "GET", path: list + "?from=2024-13-45&to=2024-02-30&year=24&number=NQ&page=0", want: 400,
				check: wantFields("from", "to", "year", "number", "page")},
			{name: "to before from", method: "GET", path: list + "?from=2024-05-10&to=2024-05-09", want: 400, check: wantFields("to")},
			{name: "unknown parameter", method: "GET", path: list + "?status=draft", want: 400, check: wantFields("status")},
			{name: "one published", method: "GET", path: fmt.Sprintf("%s/%d", list, ids["qd05"]), want: 200,
				fields: map[string]any{"data.number": "05/2024/QĐ-MTTW", "data.type": "Quyết định", "data.expires_on": "2030-01-01",
					"data.issuer": issuerMTTW, "data.signer": "Đỗ Văn Chiến"}},
			{name: "a draft is 404", method: "GET", path: fmt.Sprintf("%s/%d", list, ids["nq30"]), want: 404},
			{name: "missing", method: "GET", path: list + "/9999", want: 404},
		})
		const office = "Văn phòng Ủy ban Trung ương MTTQ Việt Nam"
		for _, body := range []map[string]any{
			{"number": "40/TB-VP", "type": "Thông báo", "issuer": office, "issued_on": "2022-03-01", "status": "published"},
			{"number": "41/TB-MTTQ-BTT", "type": "Thông báo", "issuer": issuerHCM, "issued_on": "2022-04-01", "status": "published"},
		} {
			ts.create("/api/v1/admin/documents", documentBody(body))
		}
		ts.run([]scenario{
			{name: "facet values in Vietnamese order: Ủ among the U's, before V", method: "GET", path: list + "?year=2022", want: 200,
				check: facets("issuer", issuerHCM+"=1", office+"=1")},
		})

		res := ts.do("GET", list+"?type=NQ", nil, "", nil)
		if again := ts.do("GET", list+"?type=NQ", nil, "", map[string]string{"If-None-Match": res.Header().Get("ETag")}); again.Code != 304 {
			t.Errorf("If-None-Match: %d, want 304", again.Code)
		}
	})
}

// TestDocumentNumbersFoundByTheirParts: every number of the taxonomy is found by its number, by
// its type code with the year of issue, and by its issuer.
func TestDocumentNumbersFoundByTheirParts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		seedRegistry(ts)
		for _, tc := range []struct{ number, typ, year, issuer string }{
			{"12/NQ-MTTW", "NQ", "2024", issuerMTTW},
			{"05/2024/QĐ-MTTW", "QĐ", "2024", issuerMTTW},
			{"101/HD-MTTW-BTT", "HD", "2024", issuerBTT},
			{"3456/MTTW-BTT", "Công văn", "2023", issuerBTT},
			{"27/KH-MTTQ-BTT", "KH", "2023", issuerHCM},
			{"27/KH-MTTQ-BTT", "KH", "2024", issuerGiaLai},
		} {
			for _, query := range []string{
				"number=" + url.QueryEscape(tc.number),
				"type=" + url.QueryEscape(tc.typ) + "&year=" + tc.year,
				"issuer=" + url.QueryEscape(tc.issuer) + "&year=" + tc.year,
			} {
				res := ts.do("GET", "/api/v1/documents?"+query, nil, "", nil)
				found := false
				for _, d := range decode[struct {
					Data []struct{ Number, Issuer string } `json:"data"`
				}](t, res).Data {
					found = found || (d.Number == tc.number && d.Issuer == tc.issuer)
				}
				if res.Code != 200 || !found {
					t.Errorf("%s of %s not found by %s: %d %s", tc.number, tc.issuer, query, res.Code, res.Body)
				}
			}
		}
	})
}

// TestDocumentNumberTypedSloppily: a number typed in lower case and loose spacing is stored and
// shown in its canonical form, type and issuer codes alike, and found again in any spelling.
func TestDocumentNumberTypedSloppily(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.run([]scenario{
			{name: "created", method: "POST", path: "/api/v1/admin/documents", as: "editor",
				body: documentBody(map[string]any{"number": "77 / 2024 / qd-mttw", "status": "published"}), want: 201,
				fields: map[string]any{"data.number": "77/2024/QĐ-MTTW", "data.number_parts.type_code": "QĐ",
					"data.number_parts.issuer_code": "MTTW"}},
			{name: "the Prime Minister's code keeps its case", method: "POST", path: "/api/v1/admin/documents", as: "editor",
				body: documentBody(map[string]any{"number": "2/qđ-ttg", "status": "published"}), want: 201,
				fields: map[string]any{"data.number": "02/QĐ-TTg", "data.number_parts.issuer_code": "TTg"}},
		})
		for _, typed := range []string{"77/2024/QĐ-MTTW", "77 / 2024 / qd-mttw", "77/QD-MTTW", "77/2024/qđ-Mttw"} {
			ts.run([]scenario{{name: "found as " + typed, method: "GET", path: "/api/v1/documents?number=" + url.QueryEscape(typed),
				want: 200, check: numbers("77/2024/QĐ-MTTW")}})
		}
		ts.run([]scenario{{name: "found as 02/QD-TTG", method: "GET", path: "/api/v1/documents?number=02/QD-TTG",
			want: 200, check: numbers("02/QĐ-TTg")}})
	})
}

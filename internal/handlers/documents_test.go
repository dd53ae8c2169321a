package handlers

import (
	"fmt"
	"maps"
	"net/http/httptest"
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
				body: map[string]any{"code": "NQu"}, want: 409},
			{name: "a type in use cannot be deleted", method: "DELETE", path: "/api/v1/admin/document-types/1", as: "editor", want: 409},
			{name: "delete without If-Match", method: "DELETE", path: one, as: "editor", want: 428},
			{name: "delete a stale version", method: "DELETE", path: one, as: "editor", headers: ifMatch(`"2"`), want: 412},
			{name: "delete", method: "DELETE", path: one, as: "editor", headers: ifMatch(`"3"`), want: 204},
			{name: "deleted", method: "GET", path: one, as: "editor", want: 404},
			{name: "the type is free again", method: "DELETE", path: "/api/v1/admin/document-types/1", as: "editor", want: 204},
		})
		for action, want := range map[string]int64{"document.create": 3, "document.update": 2, "document.delete": 1} {
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
			{"7/ctr-mttw", "Chương trình", issuerMTTW, "07/CTr-mttw", 7, nil, "CTr", "MTTW"},
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

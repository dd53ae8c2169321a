package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/testdb"
)

// A reader's submission, with personal data that must never leak.
var reader = map[string]string{
	"name":    "Trần Thị Bích Ngọc",
	"email":   "bichngoc.tran@example.vn",
	"phone":   "+84 912 345 678",
	"subject": "Phản ánh về đường liên xã",
	"content": "Kính gửi Ban biên tập, đoạn đường liên xã Hòa Bình xuống cấp nghiêm trọng.",
}

func readerWith(changes map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range reader {
		out[k] = v
	}
	for k, v := range changes {
		out[k] = v
	}
	return out
}

var trackingCodeShape = regexp.MustCompile(`^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{12}$`)

func noStoreHeader(t *testing.T, res *httptest.ResponseRecorder) {
	t.Helper()
	if cc := res.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
}

// receipt checks a 201 and returns the tracking code.
func receipt(t *testing.T, res *httptest.ResponseRecorder) string {
	t.Helper()
	noStoreHeader(t, res)
	r := decode[submissionReceiptResponse](t, res).Data
	if !trackingCodeShape.MatchString(r.TrackingCode) || r.Status != "received" || r.CreatedAt.IsZero() {
		t.Errorf("receipt = %+v", r)
	}
	if loc := res.Header().Get("Location"); loc != "/api/v1/submissions/"+r.TrackingCode {
		t.Errorf("Location = %q", loc)
	}
	return r.TrackingCode
}

// fieldsOf lists the fields named in a problem's errors.
func fieldsOf(t *testing.T, res *httptest.ResponseRecorder) []string {
	t.Helper()
	var out []string
	for _, f := range decode[problem](t, res).Errors {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

// wantPrivateFields checks a no-store 4xx naming exactly the given fields.
func wantPrivateFields(want ...string) func(t *testing.T, res *httptest.ResponseRecorder) {
	return func(t *testing.T, res *httptest.ResponseRecorder) {
		noStoreHeader(t, res)
		slices.Sort(want)
		if got := fieldsOf(t, res); !slices.Equal(got, want) {
			t.Errorf("errors name %v, want %v: %s", got, want, res.Body)
		}
	}
}

func (ts *testServer) submission(code string) models.Submission {
	ts.t.Helper()
	var sub models.Submission
	if err := ts.db.Where("tracking_code = ?", code).Take(&sub).Error; err != nil {
		ts.t.Fatalf("submission %s: %v", code, err)
	}
	return sub
}

func (ts *testServer) attachmentsOf(id int64) []models.Media {
	ts.t.Helper()
	var out []models.Media
	err := ts.db.Joins("JOIN media_links ON media_links.media_id = media.id").
		Where("media_links.owner_type = ? AND media_links.owner_id = ?", models.OwnerSubmission, id).
		Order("media_links.position").Find(&out).Error
	if err != nil {
		ts.t.Fatal(err)
	}
	return out
}

func TestSubmissionIntake(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.submissionLimit = 1000 // throttling has its own test
		codes := map[string]string{}
		keep := func(as string) func(t *testing.T, res *httptest.ResponseRecorder) {
			return func(t *testing.T, res *httptest.ResponseRecorder) { codes[as] = receipt(t, res) }
		}
		png, pdf := pngImage(t, 3, 2), pdfDoc
		form := func(fields map[string]string, files ...formFile) ([]byte, map[string]string) {
			return multipartBody(t, fields, files...)
		}
		attach := func(name string, content []byte) formFile {
			return formFile{field: "files", name: name, content: content}
		}
		html := []byte("<html><body onload=alert(1)>")

		twoFiles, twoFilesHeaders := form(reader, attach("ảnh hiện trường.png", png), attach("đơn.pdf", pdf))
		disguised, disguisedHeaders := form(reader, attach("a.png", png), attach("photo.jpg", html))
		tooMany, tooManyHeaders := form(readerWith(map[string]string{"email": "not-an-email"}),
			attach("1.png", png), attach("2.png", png), attach("3.png", png), attach("4.png", png))
		emptyInput, emptyInputHeaders := form(reader, formFile{field: "files", name: "", content: nil})
		badForm, badFormHeaders := form(map[string]string{"name": " ", "phone": "gọi tôi"})

		ts.run([]scenario{
			{name: "JSON", method: "POST", path: "/api/v1/submissions", body: reader, want: 201, check: keep("json")},
			{name: "every bad field named", method: "POST", path: "/api/v1/submissions",
				body: map[string]string{"name": "  ", "email": "ngoc@", "phone": "0912-345-678", "subject": "", "content": ""},
				want: 422, check: wantPrivateFields("name", "email", "phone", "subject", "content")},
			{name: "too long", method: "POST", path: "/api/v1/submissions",
				body: readerWith(map[string]string{"name": strings.Repeat("ă", 201), "subject": strings.Repeat("a", 301), "phone": strings.Repeat("1", 21)}),
				want: 422, check: wantPrivateFields("name", "subject", "phone")},
			{name: "at the limits", method: "POST", path: "/api/v1/submissions",
				body: readerWith(map[string]string{"name": strings.Repeat("ă", 200), "content": strings.Repeat("ơ", 20000), "phone": ""}), want: 201},
			{name: "NUL bytes are stored safely", method: "POST", path: "/api/v1/submissions",
				body: readerWith(map[string]string{"content": "a\u0000b"}), want: 201, check: keep("nul")},
			{name: "malformed JSON", method: "POST", path: "/api/v1/submissions", body: `{"name": `, want: 400, check: noStoreHeader},
			{name: "neither JSON nor multipart", method: "POST", path: "/api/v1/submissions", body: "name=x",
				headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, want: 415},
			{name: "multipart with two attachments", method: "POST", path: "/api/v1/submissions", body: twoFiles, headers: twoFilesHeaders, want: 201, check: keep("multipart")},
			{name: "an attachment disguised as a JPEG", method: "POST", path: "/api/v1/submissions", body: disguised, headers: disguisedHeaders, want: 415,
				fields: map[string]any{"code": "unsupported_media_type"}, check: wantPrivateFields("files[1]")},
			{name: "four files, and a bad email", method: "POST", path: "/api/v1/submissions", body: tooMany, headers: tooManyHeaders, want: 422,
				check: wantPrivateFields("files", "email")},
			{name: "an empty file input is no attachment", method: "POST", path: "/api/v1/submissions", body: emptyInput, headers: emptyInputHeaders, want: 201, check: keep("empty input")},
			{name: "multipart fields are validated alike", method: "POST", path: "/api/v1/submissions", body: badForm, headers: badFormHeaders, want: 422,
				check: wantPrivateFields("name", "email", "phone", "subject", "content")},
			{name: "honeypot", method: "POST", path: "/api/v1/submissions", body: readerWith(map[string]string{"website": "http://spam.example"}), want: 201, check: keep("spam")},
		})

		sub := ts.submission(codes["json"])
		if sub.Name != reader["name"] || sub.Email != reader["email"] || sub.Phone != reader["phone"] || sub.Status != "received" || sub.AssigneeID != nil {
			t.Errorf("stored %+v", sub)
		}
		if sub := ts.submission(codes["nul"]); sub.Content != "a\uFFFDb" {
			t.Errorf("content with NUL stored as %q", sub.Content)
		}
		if sub := ts.submission(codes["spam"]); sub.Status != "spam" {
			t.Errorf("honeypot submission has status %q, want spam", sub.Status)
		}
		if n := len(ts.attachmentsOf(ts.submission(codes["empty input"]).ID)); n != 0 {
			t.Errorf("empty file input stored %d attachments", n)
		}
		files := ts.attachmentsOf(ts.submission(codes["multipart"]).ID)
		if len(files) != 2 || files[0].Name != "ảnh hiện trường.png" || files[0].Mime != "image/png" || files[0].Width != 3 || files[1].Mime != "application/pdf" {
			t.Fatalf("attachments = %+v", files)
		}
		ts.storageMatchesRows("only the accepted attachments (and the image's variants)")
		if len(files[0].Variants) != 2 || files[0].Placeholder == "" || files[1].Variants != nil {
			t.Errorf("attachments' variants %+v, %+v", files[0].Variants, files[1].Variants)
		}
		var audits []models.AuditEntry
		ts.db.Where("action = ?", "submission.create").Find(&audits)
		if len(audits) != 6 {
			t.Errorf("%d submission.create audit entries, want 6", len(audits))
		}

		// A reader's attachments are not in the media library, where authors would see them.
		ts.run([]scenario{
			{name: "attachments are not in the library", method: "GET", path: "/api/v1/admin/media", as: "author", want: 200, fields: map[string]any{"meta.pagination.total": 0}},
			{name: "nor one by one", method: "GET", path: "/api/v1/admin/media/" + itoa(files[0].ID), as: "author", want: 404},
			{name: "and cannot be deleted", method: "DELETE", path: "/api/v1/admin/media/" + itoa(files[0].ID), as: "editor", want: 409},
		})

		public := func(code string) string { return "/api/v1/submissions/" + code }
		exactKeys := func(status string) func(t *testing.T, res *httptest.ResponseRecorder) {
			return func(t *testing.T, res *httptest.ResponseRecorder) {
				noStoreHeader(t, res)
				var doc map[string]map[string]any
				if err := json.Unmarshal(res.Body.Bytes(), &doc); err != nil {
					t.Fatal(err)
				}
				var keys []string
				for k := range doc["data"] {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				if want := []string{"created_at", "reply", "status", "tracking_code", "updated_at"}; !slices.Equal(keys, want) || len(doc) != 1 {
					t.Errorf("public status has %v (top level %d keys), want exactly %v", keys, len(doc), want)
				}
				if doc["data"]["status"] != status {
					t.Errorf("status = %v, want %s", doc["data"]["status"], status)
				}
				for _, v := range reader {
					if strings.Contains(res.Body.String(), v) {
						t.Errorf("status page shows personal data %q", v)
					}
				}
			}
		}
		ts.run([]scenario{
			{name: "status by tracking code", method: "GET", path: public(codes["json"]), want: 200,
				fields: map[string]any{"data.tracking_code": codes["json"], "data.reply": nil}, check: exactKeys("received")},
			{name: "typed in lower case", method: "GET", path: public(strings.ToLower(codes["multipart"])), want: 200, check: exactKeys("received")},
			{name: "spam looks received", method: "GET", path: public(codes["spam"]), want: 200, check: exactKeys("received")},
			{name: "unknown code", method: "GET", path: public("23456789ABCD"), want: 404, check: noStoreHeader},
			{name: "not a code", method: "GET", path: public("0OIL1"), want: 404},
			{name: "unknown parameter", method: "GET", path: public(codes["json"]) + "?email=1", want: 400},
		})
	})
}

func TestSubmissionAttachmentLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		ts.cfg.MaxUploadBytes = 1 << 20 // each attachment may be 10 MiB, or the upload limit if lower
		ts.Server = mustServer(t, Deps{Config: ts.cfg, Store: ts.store})
		png := pngImage(t, 2, 2)
		body, headers := multipartBody(t, reader,
			formFile{field: "files", name: "a.png", content: png},
			formFile{field: "files", name: "big.png", content: append(png, make([]byte, 3<<19)...)})
		ts.run([]scenario{{name: "one attachment over the limit", method: "POST", path: "/api/v1/submissions", body: body, headers: headers, want: 413,
			fields: map[string]any{"code": "payload_too_large"}}})
		if files := ts.storedFiles(); len(files) != 0 {
			t.Errorf("a refused submission left %v", files)
		}
		var n int64
		ts.db.Model(&models.Submission{}).Count(&n)
		if n != 0 {
			t.Errorf("%d submissions stored", n)
		}
	})
}

// throttledServer is a server accepting perHour submissions per IP, on the test's clock.
func throttledServer(t *testing.T, db *gorm.DB, perHour int, clock func() time.Time) *testServer {
	t.Helper()
	ts := newTestServer(t, db)
	ts.setClock(clock)
	ts.cfg.SubmissionsPerHour = perHour
	ts.Server = mustServer(t, Deps{Config: ts.cfg, Store: ts.store, HashParams: testHashParams})
	return ts
}

// TestSubmissionThrottle: TOASOAN_SUBMISSIONS_PER_HOUR accepted submissions per IP an hour;
// refused ones (400, 415, 422) and 429s do not use up the quota.
func TestSubmissionThrottle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
		ts := throttledServer(t, db, 3, func() time.Time { return now })
		png := pngImage(t, 2, 2)
		disguised, disguisedHeaders := multipartBody(t, reader, formFile{field: "files", name: "a.png", content: png},
			formFile{field: "files", name: "photo.jpg", content: []byte("<html><body onload=alert(1)>")})
		disguisedAndBad, disguisedAndBadHeaders := multipartBody(t, readerWith(map[string]string{"email": "ngoc@", "colour": "đỏ"}),
			formFile{field: "files", name: "photo.jpg", content: []byte("<html>")})

		const path = "/api/v1/submissions"
		refused := []scenario{
			{name: "422", method: "POST", path: path, body: readerWith(map[string]string{"email": ""}), want: 422},
			{name: "415", method: "POST", path: path, body: "name=x", headers: map[string]string{"Content-Type": "text/plain"}, want: 415},
			{name: "400", method: "POST", path: path, body: `{"name": `, want: 400},
			{name: "unknown field", method: "POST", path: path, body: readerWith(map[string]string{"colour": "đỏ"}), want: 422},
			{name: "an attachment not allowed", method: "POST", path: path, body: disguised, headers: disguisedHeaders, want: 415,
				check: wantPrivateFields("files[1]")},
			{name: "an attachment not allowed, with the other bad fields", method: "POST", path: path, body: disguisedAndBad,
				headers: disguisedAndBadHeaders, want: 422, check: wantPrivateFields("colour", "email", "files[0]")},
		}
		ts.run(refused)
		var accepted []scenario
		for i := range 3 {
			accepted = append(accepted, scenario{name: "accepted " + itoa(int64(i+1)), method: "POST", path: path, body: reader, want: 201})
		}
		ts.run(accepted)
		tooMany := scenario{name: "one too many", method: "POST", path: path, body: reader, want: 429,
			fields: map[string]any{"code": "rate_limited"},
			check: func(t *testing.T, res *httptest.ResponseRecorder) {
				noStoreHeader(t, res)
				if ra := res.Header().Get("Retry-After"); ra != "3600" {
					t.Errorf("Retry-After = %q, want 3600", ra)
				}
			}}
		ts.run([]scenario{tooMany, tooMany})

		// Another reader is not held back by this one.
		res := ts.do("POST", path, `{"name":"An","email":"an@example.vn","subject":"Hỏi","content":"Nội dung"}`, "",
			map[string]string{"Remote-Addr": "198.51.100.7:4711"})
		if res.Code != 201 {
			t.Errorf("another IP: %d %s", res.Code, res.Body)
		}

		now = now.Add(59 * time.Minute)
		ts.run([]scenario{{name: "still throttled", method: "POST", path: path, body: reader, want: 429,
			check: func(t *testing.T, res *httptest.ResponseRecorder) {
				if ra := res.Header().Get("Retry-After"); ra != "60" {
					t.Errorf("Retry-After = %q, want 60", ra)
				}
			}}})
		now = now.Add(time.Minute)
		ts.run([]scenario{{name: "a new window", method: "POST", path: path, body: reader, want: 201}})
	})
}

// TestSubmissionThrottleConcurrent: concurrent submissions from one IP accept at most the quota,
// and the stored submissions are exactly the accepted ones; with Redis, across two replicas.
func TestSubmissionThrottleConcurrent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := throttledServer(t, db, 3, time.Now)
		sendConcurrently(t, db, "192.0.2.10", ts.Server)
	})
	t.Run("redis", func(t *testing.T) {
		client := testdb.Redis(t)
		db := testdb.New(t, "sqlite")
		var replicas []*Server
		for range 2 {
			ts := newTestServer(t, db)
			ts.cfg.SubmissionsPerHour = 3
			ts.Server = mustServer(t, Deps{Config: ts.cfg, Store: ts.store, HashParams: testHashParams, Redis: client})
			replicas = append(replicas, ts.Server)
		}
		// Redis outlives test runs: this run's address is its own.
		ip := fmt.Sprintf("10.%d.%d.%d", time.Now().UnixNano()%200, time.Now().UnixNano()/7%250, time.Now().UnixNano()/13%250)
		defer client.Del(context.Background(), "toasoan:ratelimit:submissions:submission:ip:"+ip)
		sendConcurrently(t, db, ip, replicas...)
	})
}

// sendConcurrently sends 12 valid submissions from ip at once, spread over the servers, and
// checks that exactly 3 were accepted and stored.
func sendConcurrently(t *testing.T, db *gorm.DB, ip string, servers ...*Server) {
	t.Helper()
	body, err := json.Marshal(reader)
	if err != nil {
		t.Fatal(err)
	}
	const senders = 12
	codes := make(chan int, senders)
	var wg sync.WaitGroup
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest("POST", "/api/v1/submissions", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = ip + ":4711" // the reader itself: the test servers trust only testProxyNet to forward
			res := httptest.NewRecorder()
			servers[i%len(servers)].ServeHTTP(res, req.Clone(req.Context()))
			checkContract(t, req, body, res)
			codes <- res.Code
		}()
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if count[201] != 3 || count[429] != senders-3 {
		t.Errorf("statuses %v, want 3 × 201 and %d × 429", count, senders-3)
	}
	var stored int64
	db.Model(&models.Submission{}).Count(&stored)
	if stored != 3 {
		t.Errorf("%d submissions stored, want 3", stored)
	}
}

// Name, email, phone, the message and the board's notes and reply never reach the logs.
func TestSubmissionsNeverLogPersonalData(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		var logs bytes.Buffer
		ts := newTestServer(t, db)
		ts.Server = mustServer(t, Deps{Config: ts.cfg, Store: ts.store, HashParams: testHashParams,
			Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		ts.withUsers()
		body, headers := multipartBody(t, reader, formFile{field: "files", name: "ảnh.png", content: pngImage(t, 2, 2)})
		ts.run([]scenario{
			{name: "JSON", method: "POST", path: "/api/v1/submissions", body: reader, want: 201},
			{name: "multipart", method: "POST", path: "/api/v1/submissions", body: body, headers: headers, want: 201},
			{name: "invalid", method: "POST", path: "/api/v1/submissions", body: readerWith(map[string]string{"email": "x"}), want: 422},
			{name: "malformed", method: "POST", path: "/api/v1/submissions", body: `{"name": "` + reader["name"] + `", `, want: 400},
			{name: "a note and a reply", method: "PATCH", path: "/api/v1/admin/submissions/1", as: "editor", headers: ifMatch(1), want: 200,
				body: map[string]any{"note": "Ghi chú nội bộ bí mật", "reply": "Trả lời riêng cho bạn đọc"}},
			{name: "an editor reads it", method: "GET", path: "/api/v1/admin/submissions/1", as: "editor", want: 200},
		})
		code := ts.submission(decode[submissionReceiptResponse](t, ts.do("POST", "/api/v1/submissions", reader, "", nil)).Data.TrackingCode).TrackingCode
		if res := ts.do("GET", "/api/v1/submissions/"+code, nil, "", nil); res.Code != 200 {
			t.Fatalf("status page: %d", res.Code)
		}
		if !strings.Contains(logs.String(), `"path":"/api/v1/submissions"`) || !strings.Contains(logs.String(), `"path":"/api/v1/submissions/:tracking_code"`) {
			t.Fatalf("the requests were not logged: %s", logs.String())
		}
		if strings.Contains(logs.String(), code) {
			t.Errorf("the log contains a tracking code, the key to a reader's status page: %s", logs.String())
		}
		for field, v := range readerWith(map[string]string{"note": "Ghi chú nội bộ", "reply": "Trả lời riêng"}) {
			if strings.Contains(logs.String(), v) {
				t.Errorf("the log contains the %s: %s", field, logs.String())
			}
		}
	})
}

func TestSubmissionEditing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.submissionLimit = 1000
		send := func(body any, headers map[string]string) models.Submission {
			t.Helper()
			res := ts.do("POST", "/api/v1/submissions", body, "", headers)
			if res.Code != 201 {
				t.Fatalf("submit: %d %s", res.Code, res.Body)
			}
			return ts.submission(decode[submissionReceiptResponse](t, res).Data.TrackingCode)
		}
		form, headers := multipartBody(t, reader, formFile{field: "files", name: "hiện trường.png", content: pngImage(t, 3, 2)})
		road := send(form, headers)
		permit := send(map[string]string{"name": "Đỗ Văn Hùng", "email": "hung.do@example.vn", "subject": "Hỏi về thủ tục",
			"content": "Xin hướng dẫn thủ tục đăng ký tạm trú."}, nil)
		spam := send(readerWith(map[string]string{"website": "x", "subject": "Mua ngay"}), nil)
		admin := "/api/v1/admin/submissions"
		item := func(sub models.Submission) string { return admin + "/" + itoa(sub.ID) }
		editor, author := ts.ids["editor"], ts.ids["author"]
		const note = "Đã chuyển phòng Kiểm tra, hạn 15/12."
		const reply = "Cảm ơn bạn. UBND xã Hòa Bình sẽ sửa đường trong tháng 12."

		ts.run([]scenario{
			{name: "authors may not see submissions", method: "GET", path: admin, as: "author", want: 403},
			{name: "nor change them", method: "PATCH", path: item(road), body: map[string]any{"status": "closed"}, as: "author", want: 403},
			{name: "without a token", method: "GET", path: admin, want: 401},
			{name: "newest first, spam left out", method: "GET", path: admin, as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 2, "data.0.id": permit.ID, "data.1.id": road.ID, "data.1.email": reader["email"], "data.1.assignee": nil},
				check:  noStoreHeader},
			{name: "spam on request", method: "GET", path: admin + "?status=spam", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": spam.ID}},
			{name: "by status", method: "GET", path: admin + "?status=answered", as: "admin", want: 200, fields: map[string]any{"meta.pagination.total": 0}},
			{name: "bad status", method: "GET", path: admin + "?status=done", as: "editor", want: 400, fields: map[string]any{"errors.0.field": "status"}},
			{name: "q without diacritics", method: "GET", path: admin + "?q=duong+lien+xa", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": road.ID}},
			{name: "q in capitals, words in any order", method: "GET", path: admin + "?q=B%C3%8CNH+H%C3%92A", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": road.ID}},
			{name: "q finds the name", method: "GET", path: admin + "?q=h%C3%B9ng", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": permit.ID}},
			{name: "q finds the email", method: "GET", path: admin + "?q=bichngoc", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": road.ID}},
			{name: "q finds the tracking code", method: "GET", path: admin + "?q=" + strings.ToLower(permit.TrackingCode), as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": permit.ID}},
			{name: "q matches word beginnings only", method: "GET", path: admin + "?q=ong", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
			{name: "q of LIKE wildcards finds nothing", method: "GET", path: admin + "?q=%25_", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
			{name: "q too long", method: "GET", path: admin + "?q=" + strings.Repeat("a", 201), as: "editor", want: 400},
			{name: "bad assignee", method: "GET", path: admin + "?assignee=0", as: "editor", want: 400, fields: map[string]any{"errors.0.field": "assignee"}},
			{name: "unknown parameter", method: "GET", path: admin + "?sort=name", as: "editor", want: 400},

			{name: "read with its version", method: "GET", path: item(road), as: "editor", want: 200,
				fields: map[string]any{"data.version": 1}, check: wantVersionETag(1)},
			{name: "a change without If-Match", method: "PATCH", path: item(road), body: map[string]any{"status": "closed"}, as: "editor", want: 428,
				fields: map[string]any{"detail": `this change needs an If-Match header with the version you read; the current version is 1: send If-Match: "1"`}},
			{name: "a change at a stale version", method: "PATCH", path: item(road), body: map[string]any{"status": "closed"}, as: "editor",
				headers: ifMatch(2), want: 412, fields: map[string]any{"code": "version_mismatch"}},
			{name: "assign", method: "PATCH", path: item(road), body: map[string]any{"assignee_id": editor}, as: "editor", headers: ifMatch(1), want: 200,
				fields: map[string]any{"data.assignee.id": editor, "data.assignee.name": "Người dùng editor", "data.status": "received", "data.version": 2},
				check:  wantVersionETag(2)},
			{name: "by assignee", method: "GET", path: admin + "?assignee=" + itoa(editor), as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": road.ID, "data.0.assignee.name": "Người dùng editor"}},
			{name: "unassigned", method: "GET", path: admin + "?assignee=none", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": permit.ID}},
			{name: "an author cannot be assigned", method: "PATCH", path: item(road), body: map[string]any{"assignee_id": author}, as: "editor", headers: ifMatch(2), want: 422,
				check: wantPrivateFields("assignee_id")},
			{name: "nor a user who does not exist", method: "PATCH", path: item(road), body: map[string]any{"assignee_id": 9999}, as: "editor", headers: ifMatch(2), want: 422},
			{name: "status and an internal note", method: "PATCH", path: item(road), body: map[string]any{"status": "in_review", "note": "  " + note + "  "}, as: "editor", headers: ifMatch(2), want: 200,
				fields: map[string]any{"data.status": "in_review", "data.notes.0.body": note, "data.notes.0.author.id": editor, "data.notes.0.author.name": "Người dùng editor",
					"data.assignee.id": editor, "data.reply": nil}},
			{name: "the submitter does not see the note", method: "GET", path: "/api/v1/submissions/" + road.TrackingCode, want: 200,
				fields: map[string]any{"data.status": "in_review", "data.reply": nil},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if strings.Contains(res.Body.String(), "Kiểm tra") {
						t.Errorf("an internal note is public: %s", res.Body)
					}
				}},
			{name: "reply", method: "PATCH", path: item(road), body: map[string]any{"reply": reply, "note": "Đã trả lời."}, as: "admin", headers: ifMatch(3), want: 200,
				fields: map[string]any{"data.status": "answered", "data.reply": reply, "data.notes.1.author.name": "Người dùng admin"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if d := decode[submissionDetailResponse](t, res).Data; d.RepliedAt == nil || len(d.Notes) != 2 {
						t.Errorf("replied_at %v, %d notes", d.RepliedAt, len(d.Notes))
					}
				}},
			{name: "the submitter sees the reply", method: "GET", path: "/api/v1/submissions/" + road.TrackingCode, want: 200,
				fields: map[string]any{"data.status": "answered", "data.reply": reply}},
			{name: "a reply with another status", method: "PATCH", path: item(permit), body: map[string]any{"reply": "Mời bạn đến trụ sở.", "status": "closed"}, as: "editor", headers: ifMatch(1), want: 200,
				fields: map[string]any{"data.status": "closed", "data.reply": "Mời bạn đến trụ sở."}},
			{name: "unassign with null", method: "PATCH", path: item(road), body: `{"assignee_id": null}`, as: "editor", headers: ifMatch(4), want: 200,
				fields: map[string]any{"data.assignee": nil, "data.status": "answered"}},
			{name: "nothing to change", method: "PATCH", path: item(road), body: map[string]any{}, as: "editor", headers: ifMatch(5), want: 422, check: wantPrivateFields("body")},
			{name: "every bad field", method: "PATCH", path: item(road), body: map[string]any{"status": "done", "note": " ", "reply": "", "assignee_id": -1}, as: "editor", headers: ifMatch(5), want: 422,
				check: wantPrivateFields("status", "note", "reply", "assignee_id")},
			{name: "assignee of the wrong type", method: "PATCH", path: item(road), body: `{"assignee_id": "Lê Văn Biên"}`, as: "editor", headers: ifMatch(5), want: 400,
				fields: map[string]any{"errors.0.field": "assignee_id"}},
			{name: "missing submission", method: "PATCH", path: admin + "/9999", body: map[string]any{"status": "closed"}, as: "editor", headers: ifMatch(1), want: 404},

			{name: "everything about one", method: "GET", path: item(road), as: "editor", want: 200,
				fields: map[string]any{"data.id": road.ID, "data.name": reader["name"], "data.phone": reader["phone"], "data.content": reader["content"],
					"data.subject": reader["subject"], "data.tracking_code": road.TrackingCode, "data.attachments.0.name": "hiện trường.png",
					"data.attachments.0.mime": "image/png", "data.notes.1.body": "Đã trả lời.", "data.version": 5},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					noStoreHeader(t, res)
					url := decode[submissionDetailResponse](t, res).Data.Attachments[0].URL
					if got := ts.do("GET", ts.path(url), nil, "", nil); got.Code != 200 || got.Header().Get("Content-Type") != "image/png" {
						t.Errorf("attachment %s: %d", url, got.Code)
					}
				}},
			{name: "missing", method: "GET", path: admin + "/9999", as: "editor", want: 404},
		})

		var audits []models.AuditEntry
		ts.db.Where("action = ?", "submission.update").Order("id").Find(&audits)
		want := []string{
			"assignee=" + itoa(editor),
			"status=in_review note",
			"status=answered note reply",
			"status=closed reply",
			"assignee=none",
		}
		var got []string
		for _, a := range audits {
			got = append(got, a.Detail)
			if a.ActorID == nil || a.ActorRole == "" || a.TargetType != "submission" || a.IP == "" || a.RequestID == "" {
				t.Errorf("audit entry %+v", a)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("audit details %q, want %q", got, want)
		}
	})
}

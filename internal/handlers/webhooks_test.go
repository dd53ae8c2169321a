package handlers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/testdb"
	"github.com/toasoan/toasoan/internal/webhooks"
)

// receiver is a webhook endpoint on 127.0.0.1 that keeps every request and answers with the
// given statuses in turn, then 200.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []received
	statuses []int
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: body})
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

// take returns the requests received since the last take.
func (r *receiver) take() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.got
	r.got = nil
	return got
}

// events lists the X-Toasoan-Event of each request.
func events(got []received) []string {
	out := make([]string, len(got))
	for i, g := range got {
		out[i] = g.header.Get("X-Toasoan-Event")
	}
	return out
}

// payloadOf decodes a delivery's body, checking first that it is signed with secret.
func payloadOf(t *testing.T, g received, secret string) map[string]any {
	t.Helper()
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(g.body)
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(g.header.Get("X-Toasoan-Signature")), []byte(want)) {
		t.Fatalf("X-Toasoan-Signature = %q, want %q", g.header.Get("X-Toasoan-Signature"), want)
	}
	var p map[string]any
	if err := json.Unmarshal(g.body, &p); err != nil {
		t.Fatalf("body %s: %v", g.body, err)
	}
	return p
}

// dispatch runs the webhook dispatcher until it has nothing left to do now.
// applySchedule runs the scheduler once, at the server's clock.
func (ts *testServer) applySchedule() {
	ts.t.Helper()
	if _, err := ts.store.ApplySchedule(context.Background()); err != nil {
		ts.t.Fatal(err)
	}
}

func (ts *testServer) dispatch() {
	ts.t.Helper()
	for more := true; more; {
		var err error
		if more, err = ts.dispatcher.Step(context.Background()); err != nil {
			ts.t.Fatal(err)
		}
	}
}

// newWebhook creates a webhook as the admin and returns its id.
func (ts *testServer) newWebhook(body map[string]any) int64 {
	ts.t.Helper()
	res := ts.do("POST", "/api/v1/admin/webhooks", body, "admin", nil)
	if res.Code != 201 {
		ts.t.Fatalf("create webhook: %d %s", res.Code, res.Body)
	}
	return decode[webhookResponse](ts.t, res).Data.ID
}

// deliveries reads a webhook's deliveries log, logging in afresh as the tests move clocks on
// by hours.
func (ts *testServer) deliveries(webhookID int64) []webhookDeliveryView {
	ts.t.Helper()
	token := ts.login("admin@mattran.org.vn", testPassword).AccessToken
	res := ts.do("GET", fmt.Sprintf("/api/v1/admin/webhooks/%d/deliveries", webhookID), nil, token, nil)
	if res.Code != 200 {
		ts.t.Fatalf("deliveries: %d %s", res.Code, res.Body)
	}
	return decode[webhookDeliveryListResponse](ts.t, res).Data
}

// strict is a second server over the same database that allows no local webhooks, as in
// production; the tokens of ts work on it.
func (ts *testServer) strict() *testServer {
	ts.t.Helper()
	cfg := ts.cfg
	cfg.WebhooksAllowLocal = false
	s := mustServer(ts.t, Deps{Config: cfg, Store: ts.store, HashParams: testHashParams})
	return &testServer{Server: s, t: ts.t, db: ts.db, tokens: ts.tokens, ids: ts.ids, clock: ts.clock}
}

func noSecret(t *testing.T, res *httptest.ResponseRecorder) {
	t.Helper()
	if strings.Contains(res.Body.String(), `"secret"`) {
		t.Errorf("the secret is shown again: %s", res.Body)
	}
}

func TestWebhooksAdmin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		rcv := newReceiver(t)
		const admin = "/api/v1/admin/webhooks"
		valid := map[string]any{"url": rcv.URL + "/toasoan", "events": []string{"article.updated", "article.published", "article.updated"}}
		ts.run([]scenario{
			{name: "no token", method: "GET", path: admin, want: 401},
			{name: "editors may not list", method: "GET", path: admin, as: "editor", want: 403},
			{name: "editors may not create", method: "POST", path: admin, body: valid, as: "editor", want: 403},
			{name: "every bad field listed", method: "POST", path: admin, as: "admin", want: 422,
				body:  map[string]any{"url": "ftp://tich-hop.example.vn/hook", "events": []string{}, "secret": "ngắn"},
				check: wantFields("url", "events", "secret")},
			{name: "url and events required", method: "POST", path: admin, as: "admin", body: map[string]any{}, want: 422,
				check: wantFields("url", "events")},
			{name: "an unknown event", method: "POST", path: admin, as: "admin", want: 422,
				body: map[string]any{"url": rcv.URL, "events": []string{"article.published", "article.deleted"}}, check: wantFields("events")},
			{name: "ping is not an event to subscribe to; a secret with spaces", method: "POST", path: admin, as: "admin", want: 422,
				body: map[string]any{"url": rcv.URL, "events": []string{"ping"}, "secret": "mật khẩu có dấu cách"}, check: wantFields("events", "secret")},
			{name: "events not a list", method: "POST", path: admin, as: "admin", body: map[string]any{"url": rcv.URL, "events": "article.published"},
				want: 400, fields: map[string]any{"errors.0.field": "events"}},
			{name: "http only for localhost", method: "POST", path: admin, as: "admin", want: 422,
				body: map[string]any{"url": "http://tich-hop.example.vn/hook", "events": []string{"article.published"}}, check: wantFields("url")},
			{name: "relative url", method: "POST", path: admin, as: "admin", want: 422,
				body: map[string]any{"url": "/hook", "events": []string{"article.published"}}, check: wantFields("url")},
			{name: "private network", method: "POST", path: admin, as: "admin", want: 422,
				body: map[string]any{"url": "https://10.0.0.1/hook", "events": []string{"article.published"}}, check: wantFields("url")},
			{name: "cloud metadata", method: "POST", path: admin, as: "admin", want: 422,
				body: map[string]any{"url": "https://169.254.169.254/latest/meta-data/", "events": []string{"article.published"}}, check: wantFields("url")},
			{name: "private address written as IPv6", method: "POST", path: admin, as: "admin", want: 422,
				body: map[string]any{"url": "https://[::ffff:192.168.1.1]/hook", "events": []string{"article.published"}}, check: wantFields("url")},
		})

		res := ts.do("POST", admin, valid, "admin", nil)
		if res.Code != 201 {
			t.Fatalf("create: %d %s", res.Code, res.Body)
		}
		created := decode[webhookResponse](t, res).Data
		wantVersionETag(1)(t, res)
		if len(created.Secret) != 64 || !created.SecretSet || !created.Active || !slices.Equal(created.Events, []string{"article.published", "article.updated"}) {
			t.Fatalf("created %+v: want a generated 64-character secret, active, events deduplicated in order", created)
		}
		one := fmt.Sprintf("%s/%d", admin, created.ID)
		chosen := ts.newWebhook(map[string]any{"url": rcv.URL, "events": []string{"document.published"}, "secret": "a-secret-of-the-receiver", "active": false})
		ts.run([]scenario{
			{name: "the secret is never shown again", method: "GET", path: one, as: "admin", want: 200,
				fields: map[string]any{"data.url": rcv.URL + "/toasoan", "data.secret_set": true, "data.active": true, "data.version": 1},
				check:  func(t *testing.T, res *httptest.ResponseRecorder) { noSecret(t, res); wantVersionETag(1)(t, res) }},
			{name: "nor in the list", method: "GET", path: admin, as: "admin", want: 200,
				fields: map[string]any{"meta.pagination.total": 2, "data.0.id": created.ID, "data.1.id": chosen, "data.1.active": false}, check: noSecret},
			{name: "a chosen secret is not echoed", method: "GET", path: fmt.Sprintf("%s/%d", admin, chosen), as: "admin", want: 200, check: noSecret},
			{name: "editors may not read", method: "GET", path: one, as: "editor", want: 403},
			{name: "change without If-Match", method: "PATCH", path: one, as: "admin", body: map[string]any{"active": false}, want: 428,
				fields: map[string]any{"detail": `this change needs an If-Match header with the version you read; the current version is 1: send If-Match: "1"`}},
			{name: "change at a stale version", method: "PATCH", path: one, as: "admin", body: map[string]any{"active": false}, headers: ifMatch(2), want: 412,
				fields: map[string]any{"code": "version_mismatch"}},
			{name: "change events and deactivate", method: "PATCH", path: one, as: "admin", headers: ifMatch(1), want: 200,
				body:   map[string]any{"events": []string{"submission.received", "document.published"}, "active": false},
				fields: map[string]any{"data.events.0": "document.published", "data.events.1": "submission.received", "data.active": false, "data.version": 2},
				check:  func(t *testing.T, res *httptest.ResponseRecorder) { noSecret(t, res); wantVersionETag(2)(t, res) }},
			{name: "a new secret is taken, not shown", method: "PATCH", path: one, as: "admin", body: map[string]any{"secret": "another-secret-0123456789"},
				headers: ifMatch(2), want: 200, check: noSecret},
			{name: "patch to a private address", method: "PATCH", path: one, as: "admin", body: map[string]any{"url": "https://192.168.1.10/hook", "events": []string{}},
				headers: ifMatch(3), want: 422, check: wantFields("url", "events")},
			{name: "editors may not change", method: "PATCH", path: one, as: "editor", body: map[string]any{"active": true}, want: 403},
			{name: "patch unknown", method: "PATCH", path: admin + "/9999", as: "admin", body: map[string]any{"active": true}, headers: ifMatch(1), want: 404},
			{name: "patch unknown without If-Match", method: "PATCH", path: admin + "/9999", as: "admin", body: map[string]any{"active": true}, want: 404},
			{name: "bad id", method: "GET", path: admin + "/abc", as: "admin", want: 404},
			{name: "deliveries of an unknown webhook", method: "GET", path: admin + "/9999/deliveries", as: "admin", want: 404},
			{name: "deliveries: bad status", method: "GET", path: one + "/deliveries?status=lost", as: "admin", want: 400,
				fields: map[string]any{"errors.0.field": "status"}},
			{name: "editors may not see deliveries", method: "GET", path: one + "/deliveries", as: "editor", want: 403},
			{name: "an inactive webhook cannot be pinged", method: "POST", path: one + "/ping", as: "admin", want: 409},
			{name: "editors may not delete", method: "DELETE", path: one, as: "editor", want: 403},
			{name: "delete without If-Match", method: "DELETE", path: one, as: "admin", want: 428,
				fields: map[string]any{"detail": `this change needs an If-Match header with the version you read; the current version is 3: send If-Match: "3"`}},
			{name: "delete at a stale version", method: "DELETE", path: one, as: "admin", headers: ifMatch(2), want: 412},
			{name: "delete", method: "DELETE", path: one, as: "admin", headers: ifMatch(3), want: 204},
			{name: "gone", method: "GET", path: one, as: "admin", want: 404},
			{name: "delete again", method: "DELETE", path: one, as: "admin", headers: ifMatch(3), want: 404},
		})
		for action, want := range map[string]int64{"webhook.create": 2, "webhook.update": 2, "webhook.delete": 1} {
			if got := ts.auditCount(action); got != want {
				t.Errorf("%d %s audit entries, want %d", got, action, want)
			}
		}

		// Without TOASOAN_WEBHOOKS_ALLOW_LOCAL (production), this machine is refused too.
		strict := ts.strict()
		strict.run([]scenario{
			{name: "strict: 127.0.0.1", method: "POST", path: admin, as: "admin", body: map[string]any{"url": rcv.URL, "events": []string{"article.published"}},
				want: 422, check: wantFields("url")},
			{name: "strict: localhost", method: "POST", path: admin, as: "admin", body: map[string]any{"url": "https://localhost/hook", "events": []string{"article.published"}},
				want: 422, check: wantFields("url")},
			{name: "strict: 10.0.0.1", method: "POST", path: admin, as: "admin", body: map[string]any{"url": "https://10.0.0.1/hook", "events": []string{"article.published"}},
				want: 422, check: wantFields("url")},
			{name: "strict: metadata", method: "POST", path: admin, as: "admin", body: map[string]any{"url": "https://169.254.169.254/", "events": []string{"article.published"}},
				want: 422, check: wantFields("url")},
		})
	})
}

func TestWebhookDeliveriesOfAPublishedArticle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServerAt(t, db, func() time.Time { return testNow }).withUsers()
		all, documents, inactive := newReceiver(t), newReceiver(t), newReceiver(t)
		const secret = "a-secret-of-the-receiver"
		hook := ts.newWebhook(map[string]any{"url": all.URL + "/toasoan", "events": models.WebhookEvents, "secret": secret})
		ts.newWebhook(map[string]any{"url": documents.URL, "events": []string{"document.published"}})
		ts.newWebhook(map[string]any{"url": inactive.URL, "events": models.WebhookEvents, "active": false})
		cat := ts.createCategory("Tin mới", 0)
		draft := ts.newArticle("editor", map[string]any{"title": "Đại hội đại biểu Mặt trận", "category_id": cat})
		ts.dispatch()
		if got := all.take(); len(got) != 0 {
			t.Fatalf("a draft sent %v", events(got))
		}

		a := ts.act(draft.ID, "publish", nil)
		ts.dispatch()
		ts.dispatch() // nothing more: exactly one delivery
		got := all.take()
		if len(got) != 1 {
			t.Fatalf("%d deliveries of one publication, want 1: %v", len(got), events(got))
		}
		h := got[0].header
		for name, want := range map[string]string{
			"Content-Type": "application/json", "User-Agent": "toasoan-webhooks", "X-Toasoan-Event": "article.published",
		} {
			if h.Get(name) != want {
				t.Errorf("%s = %q, want %q", name, h.Get(name), want)
			}
		}
		p := payloadOf(t, got[0], secret)
		wantURL := ts.cfg.PublicURL + "/api/v1/articles/dai-hoi-dai-bieu-mat-tran"
		for path, want := range map[string]any{
			"event": "article.published", "data.id": a.ID, "data.slug": a.Slug, "data.title": "Đại hội đại biểu Mặt trận",
			"data.status": "published", "data.published_at": "2026-08-23T14:00:00+07:00", "data.url": wantURL,
			"delivery_id": h.Get("X-Toasoan-Delivery"),
		} {
			if v, _ := lookup(p, path); fmt.Sprint(v) != fmt.Sprint(want) {
				t.Errorf("payload %s = %v, want %v", path, v, want)
			}
		}
		if len(documents.take()) != 0 || len(inactive.take()) != 0 {
			t.Error("an unsubscribed or inactive webhook got the article")
		}

		ts.run([]scenario{
			{name: "the deliveries log", method: "GET", path: fmt.Sprintf("/api/v1/admin/webhooks/%d/deliveries", hook), as: "admin", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.event": "article.published", "data.0.status": "delivered",
					"data.0.attempts": 1, "data.0.last_status_code": 200, "data.0.next_attempt_at": nil,
					"data.0.attempt_history.0.status_code": 200, "data.0.payload.data.url": wantURL,
					"data.0.id": h.Get("X-Toasoan-Delivery")},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					// The log shows the payload exactly as it was signed and sent.
					var doc struct {
						Data []struct {
							Payload json.RawMessage `json:"payload"`
						} `json:"data"`
					}
					if err := json.Unmarshal(res.Body.Bytes(), &doc); err != nil || string(doc.Data[0].Payload) != string(got[0].body) {
						t.Errorf("logged payload %s, sent %s", doc.Data[0].Payload, got[0].body)
					}
				}},
			{name: "only failed ones", method: "GET", path: fmt.Sprintf("/api/v1/admin/webhooks/%d/deliveries?status=failed", hook), as: "admin", want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
		})
	})
}

func TestWebhookRetries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := testNow
		ts := newTestServerAt(t, db, func() time.Time { return clock }).withUsers()
		flaky, down := newReceiver(t, 500), newReceiver(t, 503, 503, 503, 503, 503, 503, 503)
		const secret = "a-secret-of-the-receiver"
		flakyHook := ts.newWebhook(map[string]any{"url": flaky.URL, "events": []string{"article.published"}, "secret": secret})
		downHook := ts.newWebhook(map[string]any{"url": down.URL, "events": []string{"article.published"}})
		cat := ts.createCategory("Tin mới", 0)
		ts.published(map[string]any{"title": "Tin có người nhận chập chờn", "category_id": cat})

		ts.dispatch()
		first := flaky.take()
		if len(first) != 1 || len(down.take()) != 1 {
			t.Fatal("the first attempts were not made")
		}
		log := ts.deliveries(flakyHook)
		if len(log) != 1 || log[0].Status != "pending" || log[0].Attempts != 1 || *log[0].LastStatusCode != 500 ||
			log[0].LastError != "HTTP 500 Internal Server Error" || !log[0].NextAttemptAt.Equal(testNow.Add(30*time.Second)) {
			t.Fatalf("after a 500: %+v", log)
		}

		clock = clock.Add(29 * time.Second)
		ts.dispatch()
		if len(flaky.take()) != 0 {
			t.Fatal("retried before its time")
		}
		clock = clock.Add(time.Second)
		ts.dispatch()
		second := flaky.take()
		if len(second) != 1 {
			t.Fatalf("%d retries, want 1", len(second))
		}
		if string(second[0].body) != string(first[0].body) || second[0].header.Get("X-Toasoan-Delivery") != first[0].header.Get("X-Toasoan-Delivery") {
			t.Error("the retry is not the same delivery")
		}
		payloadOf(t, second[0], secret)
		log = ts.deliveries(flakyHook)
		if len(log) != 1 || log[0].Status != "delivered" || log[0].Attempts != 2 || len(log[0].AttemptHistory) != 2 ||
			*log[0].AttemptHistory[0].StatusCode != 500 || *log[0].AttemptHistory[1].StatusCode != 200 || log[0].DeliveredAt == nil {
			t.Fatalf("after 500 then 200: %+v", log)
		}

		// A receiver that never answers 2xx gets six attempts in all, over the backoff schedule.
		for _, wait := range webhooks.Backoff[1:] {
			clock = clock.Add(wait)
			ts.dispatch()
		}
		clock = clock.Add(24 * time.Hour)
		ts.dispatch()
		if got := len(down.take()); got != 5 {
			t.Errorf("%d retries of a receiver that is down, want 5", got)
		}
		log = ts.deliveries(downHook)
		if len(log) != 1 || log[0].Status != "failed" || log[0].Attempts != 6 || len(log[0].AttemptHistory) != 6 || log[0].NextAttemptAt != nil {
			t.Fatalf("after six failures: %+v", log)
		}
	})
}

func TestWebhookEventsOfEachKind(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServerAt(t, db, func() time.Time { return testNow }).withUsers()
		rcv := newReceiver(t)
		const secret = "a-secret-of-the-receiver"
		ts.newWebhook(map[string]any{"url": rcv.URL, "events": models.WebhookEvents, "secret": secret})
		// sent runs the dispatcher and returns what the receiver got: events and payloads.
		sent := func() ([]string, []map[string]any) {
			t.Helper()
			ts.dispatch()
			got := rcv.take()
			payloads := make([]map[string]any, len(got))
			for i, g := range got {
				payloads[i] = payloadOf(t, g, secret)
			}
			return events(got), payloads
		}
		expect := func(what string, want ...string) []map[string]any {
			t.Helper()
			got, payloads := sent()
			if !slices.Equal(got, want) {
				t.Fatalf("%s sent %v, want %v", what, got, want)
			}
			return payloads
		}
		ifMatch := func(v int) map[string]string { return map[string]string{"If-Match": strconv.Quote(strconv.Itoa(v))} }
		patch := func(path string, version int, body any) {
			t.Helper()
			if res := ts.do("PATCH", path, body, "editor", ifMatch(version)); res.Code != 200 {
				t.Fatalf("PATCH %s: %d %s", path, res.Code, res.Body)
			}
		}

		// Articles.
		cat := ts.createCategory("Tin mới", 0)
		a := ts.newArticle("editor", map[string]any{"title": "Bài viết", "category_id": cat})
		patch(fmt.Sprintf("/api/v1/admin/articles/%d", a.ID), a.Version, map[string]any{"summary": "Bản nháp"})
		expect("editing a draft")
		a = ts.act(a.ID, "publish", nil)
		expect("publishing", "article.published")
		patch(fmt.Sprintf("/api/v1/admin/articles/%d", a.ID), a.Version, map[string]any{"summary": "Đã sửa"})
		p := expect("editing a published article", "article.updated")
		if p[0]["data"].(map[string]any)["status"] != "published" {
			t.Errorf("article.updated: %v", p[0])
		}
		ts.act(a.ID, "unpublish", nil)
		p = expect("unpublishing", "article.unpublished")
		if data := p[0]["data"].(map[string]any); data["status"] != "draft" || data["url"] != ts.cfg.PublicURL+"/api/v1/articles/bai-viet" || data["page_url"] != ts.cfg.SiteURL+"/articles/bai-viet" {
			t.Errorf("article.unpublished: %v", p[0])
		}
		// Scheduling sends nothing: the scheduler announces the article when it goes live.
		publishAt := testNow.Add(2 * time.Minute).Truncate(time.Second).In(models.NewsroomZone)
		ts.act(a.ID, "publish", map[string]any{"publish_at": publishAt})
		expect("scheduling")
		ts.applySchedule()
		expect("the scheduler before publish_at")
		ts.setClock(func() time.Time { return publishAt.Add(time.Second) })
		ts.applySchedule()
		p = expect("going live", "article.published")
		if data := p[0]["data"].(map[string]any); data["status"] != "published" || data["published_at"] != publishAt.Format(time.RFC3339) {
			t.Errorf("article.published when live: %v", p[0])
		}
		ts.applySchedule()
		expect("the scheduler again")
		ts.act(a.ID, "archive", nil)
		p = expect("archiving", "article.unpublished")
		if p[0]["data"].(map[string]any)["status"] != "archived" {
			t.Errorf("archived article.unpublished: %v", p[0])
		}
		ts.act(a.ID, "unpublish", nil)
		expect("unpublishing an archived article")
		b := ts.published(map[string]any{"title": "Bài sẽ bị xóa", "category_id": cat})
		expect("publishing another", "article.published")
		if res := ts.do("DELETE", fmt.Sprintf("/api/v1/admin/articles/%d", b.ID), nil, "editor", ifMatch(b.Version)); res.Code != 204 {
			t.Fatalf("delete: %d %s", res.Code, res.Body)
		}
		p = expect("deleting a published article", "article.unpublished")
		if p[0]["data"].(map[string]any)["status"] != "trashed" {
			t.Errorf("deleted article.unpublished: %v", p[0])
		}

		// Announcements: published on create, or by the update that publishes them.
		ts.create("/api/v1/admin/announcements", map[string]any{"title": "Thông báo tuyển dụng", "body": "<p>Nội dung</p>", "status": "published"})
		p = expect("a published announcement", "announcement.published")
		if data := p[0]["data"].(map[string]any); data["url"] != ts.cfg.PublicURL+"/api/v1/announcements/thong-bao-tuyen-dung" || data["starts_at"] == nil {
			t.Errorf("announcement.published: %v", p[0])
		}
		draftNotice := ts.create("/api/v1/admin/announcements", map[string]any{"title": "Thông báo nháp", "body": "<p>Nội dung</p>"})
		expect("a draft announcement")
		notice := fmt.Sprintf("/api/v1/admin/announcements/%d", draftNotice)
		patch(notice, 1, map[string]any{"status": "published"})
		expect("publishing an announcement", "announcement.published")
		patch(notice, 2, map[string]any{"title": "Thông báo đã sửa"})
		expect("editing a published announcement")

		// Documents likewise.
		doc := ts.create("/api/v1/admin/documents", documentBody(nil))
		expect("a draft document")
		patch(fmt.Sprintf("/api/v1/admin/documents/%d", doc), 1, map[string]any{"status": "published"})
		p = expect("publishing a document", "document.published")
		if data := p[0]["data"].(map[string]any); data["number"] != "05/2024/QĐ-MTTW" || data["issued_on"] != "2024-05-10" ||
			data["url"] != fmt.Sprintf("%s/api/v1/documents/%d", ts.cfg.PublicURL, doc) {
			t.Errorf("document.published: %v", p[0])
		}
		ts.create("/api/v1/admin/documents", documentBody(map[string]any{"number": "12/2024/QĐ-MTTW", "status": "published"}))
		expect("a published document", "document.published")

		// Reader submissions: nothing personal, and nothing for spam.
		if res := ts.do("POST", "/api/v1/submissions", readerWith(map[string]string{"website": "http://spam.example"}), "", nil); res.Code != 201 {
			t.Fatalf("spam: %d %s", res.Code, res.Body)
		}
		expect("a spam submission")
		if res := ts.do("POST", "/api/v1/submissions", reader, "", nil); res.Code != 201 {
			t.Fatalf("submission: %d %s", res.Code, res.Body)
		}
		p = expect("a submission", "submission.received")
		data := p[0]["data"].(map[string]any)
		if len(data) != 2 || data["id"] == nil || data["created_at"] == nil {
			t.Errorf("submission.received data %v, want its id and created_at only", data)
		}
	})
}

func TestWebhookPingAndDeactivation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := testNow
		ts := newTestServerAt(t, db, func() time.Time { return clock }).withUsers()
		rcv := newReceiver(t, 200, 500)
		const secret = "a-secret-of-the-receiver"
		hook := ts.newWebhook(map[string]any{"url": rcv.URL, "events": []string{"submission.received"}, "secret": secret})
		one := fmt.Sprintf("/api/v1/admin/webhooks/%d", hook)
		ts.run([]scenario{
			{name: "editors may not ping", method: "POST", path: one + "/ping", as: "editor", want: 403},
			{name: "ping unknown", method: "POST", path: "/api/v1/admin/webhooks/9999/ping", as: "admin", want: 404},
			{name: "ping", method: "POST", path: one + "/ping", as: "admin", want: 202,
				fields: map[string]any{"data.event": "ping", "data.status": "pending", "data.attempts": 0, "data.payload.data.id": hook}},
		})
		ts.dispatch()
		got := rcv.take()
		if len(got) != 1 || got[0].header.Get("X-Toasoan-Event") != "ping" {
			t.Fatalf("ping sent %v", events(got))
		}
		if p := payloadOf(t, got[0], secret); p["event"] != "ping" {
			t.Errorf("ping payload %v", p)
		}

		// Deactivating a webhook fails its pending deliveries: they are not sent later.
		if res := ts.do("POST", "/api/v1/submissions", reader, "", nil); res.Code != 201 {
			t.Fatalf("submission: %d %s", res.Code, res.Body)
		}
		ts.dispatch()
		if got := rcv.take(); len(got) != 1 {
			t.Fatalf("%d attempts of the submission, want 1", len(got))
		}
		if res := ts.do("PATCH", one, map[string]any{"active": false}, "admin", ifMatch(1)); res.Code != 200 {
			t.Fatalf("deactivate: %d %s", res.Code, res.Body)
		}
		clock = clock.Add(time.Hour)
		ts.dispatch()
		if got := rcv.take(); len(got) != 0 {
			t.Fatalf("an inactive webhook was sent %v", events(got))
		}
		log := ts.deliveries(hook)
		if len(log) != 2 || log[0].Event != "submission.received" || log[0].Status != "failed" || log[0].LastError != "the webhook was deactivated" ||
			log[1].Event != "ping" || log[1].Status != "delivered" {
			t.Fatalf("deliveries after deactivation: %+v", log)
		}
	})
}

// A webhook saved while local addresses were allowed is refused on delivery once they are not:
// the address is checked on every connection, whatever the URL's host resolves to then.
func TestWebhookDeliveryRefusesPrivateAddresses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServerAt(t, db, func() time.Time { return testNow }).withUsers()
		rcv := newReceiver(t)
		hook := ts.newWebhook(map[string]any{"url": rcv.URL, "events": []string{"submission.received"}})
		if res := ts.do("POST", "/api/v1/submissions", reader, "", nil); res.Code != 201 {
			t.Fatalf("submission: %d %s", res.Code, res.Body)
		}
		ts.strict().dispatch()
		if got := rcv.take(); len(got) != 0 {
			t.Fatalf("a local receiver was called: %v", events(got))
		}
		log := ts.deliveries(hook)
		if len(log) != 1 || log[0].Status != "pending" || log[0].LastStatusCode != nil || !strings.Contains(log[0].LastError, "127.0.0.1 is not public") ||
			strings.Contains(log[0].LastError, rcv.URL) {
			t.Fatalf("delivery to a private address: %+v", log)
		}
	})
}

// The deliveries log runs the same number of queries for one delivery as for many.
func TestWebhookDeliveriesLogQueries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServerAt(t, db, func() time.Time { return testNow }).withUsers()
		rcv := newReceiver(t)
		hook := ts.newWebhook(map[string]any{"url": rcv.URL, "events": []string{"submission.received"}})
		reads, _ := countQueries(db)
		queries := func() int64 {
			before := reads.Load()
			ts.deliveries(hook)
			return reads.Load() - before
		}
		ts.do("POST", fmt.Sprintf("/api/v1/admin/webhooks/%d/ping", hook), nil, "admin", nil)
		ts.dispatch()
		few := queries()
		for range 4 {
			ts.do("POST", fmt.Sprintf("/api/v1/admin/webhooks/%d/ping", hook), nil, "admin", nil)
		}
		ts.dispatch()
		if many := queries(); many != few {
			t.Errorf("%d queries for 5 deliveries, %d for 1", many, few)
		}
	})
}

// The server's workers send at once what a request enqueued, and stop when their context ends.
func TestWebhookDispatcherRunsAsAWorker(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		arrived := make(chan http.Header, 1)
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case arrived <- r.Header.Clone():
			default:
			}
		}))
		defer rcv.Close()
		hook := ts.newWebhook(map[string]any{"url": rcv.URL, "events": []string{"submission.received"}})
		ctx, cancel := context.WithCancel(context.Background())
		var workers sync.WaitGroup
		for _, w := range ts.Workers() {
			workers.Go(func() { w(ctx) })
		}
		ts.do("POST", fmt.Sprintf("/api/v1/admin/webhooks/%d/ping", hook), nil, "admin", nil)
		select {
		case h := <-arrived:
			if h.Get("X-Toasoan-Event") != "ping" {
				t.Errorf("sent %q", h.Get("X-Toasoan-Event"))
			}
		case <-time.After(10 * time.Second): // a guard against hanging, not a measurement
			t.Fatal("the ping was never sent")
		}
		cancel()
		workers.Wait()
		// The step that sent the ping recorded it before its worker returned.
		if d := ts.deliveries(hook); len(d) != 1 || d[0].Status != models.DeliveryDelivered {
			t.Errorf("deliveries after the workers stopped: %+v", d)
		}
	})
}

// Dispatchers of several replicas stepping at once send each delivery once.
func TestWebhookDeliveriesAreSentOnceByConcurrentDispatchers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServerAt(t, db, func() time.Time { return testNow }).withUsers()
		rcv := newReceiver(t)
		hook := ts.newWebhook(map[string]any{"url": rcv.URL, "events": []string{"submission.received"}})
		const pings = 12
		for range pings {
			if res := ts.do("POST", fmt.Sprintf("/api/v1/admin/webhooks/%d/ping", hook), nil, "admin", nil); res.Code != 202 {
				t.Fatalf("ping: %d %s", res.Code, res.Body)
			}
		}
		replicas := []*webhooks.Dispatcher{ts.dispatcher}
		for range 3 {
			replicas = append(replicas, webhooks.New(ts.store, webhooks.Options{AllowLocal: true, Now: ts.now}))
		}
		var wg sync.WaitGroup
		for _, d := range replicas {
			wg.Go(func() {
				if _, err := d.Step(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		ts.dispatch() // whatever a replica left
		seen := map[string]int{}
		for _, g := range rcv.take() {
			seen[g.header.Get("X-Toasoan-Delivery")]++
		}
		if len(seen) != pings {
			t.Errorf("%d deliveries arrived, want %d", len(seen), pings)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("delivery %s sent %d times", id, n)
			}
		}
	})
}

package handlers

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/testdb"
)

// overdueMetric reads toasoan_scheduled_overdue off /metrics.
func (ts *testServer) overdueMetric() int {
	ts.t.Helper()
	res := ts.do("GET", "/metrics", nil, "", nil)
	m := regexp.MustCompile(`(?m)^toasoan_scheduled_overdue (\d+)$`).FindStringSubmatch(res.Body.String())
	if res.Code != 200 || m == nil {
		ts.t.Fatalf("/metrics: %d, no toasoan_scheduled_overdue", res.Code)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// An embargo holds: until its publish_at nothing about a scheduled article (title, slug) leaves
// toasoan, through webhooks or any public read, cached or not; at its time it is public with no
// job having run, the scheduler sends article.published once, and its take-down sends
// article.unpublished once and takes it out of public view.
func TestScheduledArticleLeaksNothingBeforeItsTime(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := testdb.NewClock(testNow)
		ts := newTestServerAt(t, db, clock.Now).withUsers()
		rcv := newReceiver(t)
		ts.newWebhook(map[string]any{"url": rcv.URL, "events": models.WebhookEvents})
		ts.withCache(time.Hour)
		cat := ts.createCategory("Thời sự", 0)
		other := ts.published(map[string]any{"title": "Tin đã đăng", "category_id": cat, "tags": []string{"Bầu cử"}})
		ts.dispatch()
		rcv.take()

		const title, slug = "Kết quả bầu cử sơ bộ", "ket-qua-bau-cu-so-bo"
		public := []string{"/api/v1/articles", "/api/v1/articles/" + slug, "/api/v1/articles/" + other.Slug,
			"/api/v1/categories", "/api/v1/tags", "/api/v1/search?q=so+bo", "/api/v1/articles?q=so+bo",
			"/feeds/rss.xml", "/sitemap.xml", "/api/v1/redirects?path=/articles/" + slug}
		for _, p := range public { // warm the cache
			ts.do("GET", p, nil, "", nil)
		}
		a := ts.newArticle("editor", map[string]any{"title": title, "category_id": cat, "tags": []string{"Bầu cử"}, "body": "<p>Số liệu</p>"})
		publishAt := clock.Now().Add(2 * time.Minute).Truncate(time.Second)
		a = ts.act(a.ID, "publish", map[string]any{"publish_at": publishAt, "unpublish_at": publishAt.Add(5 * time.Minute)})
		if a.Status != "scheduled" || a.UnpublishAt == nil || !a.UnpublishAt.Equal(publishAt.Add(5*time.Minute)) {
			t.Fatalf("scheduled: %s, unpublish_at %v", a.Status, a.UnpublishAt)
		}

		leaks := func(when string) {
			t.Helper()
			ts.applySchedule()
			ts.dispatch()
			if got := rcv.take(); len(got) != 0 {
				t.Errorf("%s: webhooks sent %v", when, events(got))
			}
			for _, p := range public {
				res := ts.do("GET", p, nil, "", nil)
				if body := res.Body.String() + fmt.Sprint(res.Header()); strings.Contains(body, slug) || strings.Contains(body, title) {
					t.Errorf("%s: GET %s (%d) shows the scheduled article", when, p, res.Code)
				}
			}
		}
		leaks("just scheduled")
		clock.Set(publishAt.Add(-time.Second))
		leaks("a second before its time")
		if n := ts.overdueMetric(); n != 0 {
			t.Errorf("overdue before the time: %d", n)
		}

		// Its time: public at once, though no scheduler has run, even where the cache held a 404.
		clock.Set(publishAt)
		if res := ts.do("GET", "/api/v1/articles/"+slug, nil, "", nil); res.Code != 200 {
			t.Errorf("at publish_at, before any job: %d", res.Code)
		}
		if res := ts.do("GET", "/api/v1/articles", nil, "", nil); !strings.Contains(res.Body.String(), slug) {
			t.Errorf("at publish_at the list lacks it: %s", res.Body)
		}
		if n := ts.overdueMetric(); n != 1 {
			t.Errorf("overdue at publish_at before the scheduler: %d, want 1", n)
		}
		ts.dispatch()
		if got := rcv.take(); len(got) != 0 {
			t.Errorf("before the scheduler: %v", events(got))
		}
		ts.applySchedule()
		ts.applySchedule()
		ts.dispatch()
		if got := events(rcv.take()); len(got) != 1 || got[0] != "article.published" {
			t.Errorf("going live sent %v, want one article.published", got)
		}
		if n := ts.overdueMetric(); n != 0 {
			t.Errorf("overdue after the scheduler: %d", n)
		}

		// Take-downs: editors only, after now and after the publication.
		path := fmt.Sprintf("/api/v1/admin/articles/%d", a.ID)
		res := ts.do("PATCH", path, map[string]any{"unpublish_at": clock.Now().Add(-time.Minute)}, "editor", ifMatch(a.Version))
		if res.Code != 422 || !strings.Contains(res.Body.String(), "unpublish_at") {
			t.Errorf("a take-down in the past: %d %s", res.Code, res.Body)
		}
		draft := ts.newArticle("author", map[string]any{"title": "Bài của tác giả", "category_id": cat})
		res = ts.do("PATCH", fmt.Sprintf("/api/v1/admin/articles/%d", draft.ID), map[string]any{"unpublish_at": clock.Now().Add(time.Hour)}, "author", ifMatch(draft.Version))
		if res.Code != 403 {
			t.Errorf("an author's take-down: %d %s", res.Code, res.Body)
		}
		res = ts.do("POST", fmt.Sprintf("/api/v1/admin/articles/%d/publish", other.ID), nil, "editor", nil)
		if res.Code != 409 {
			t.Errorf("publishing a published article: %d", res.Code)
		}

		clock.Set(publishAt.Add(5 * time.Minute))
		ts.applySchedule()
		ts.applySchedule()
		ts.dispatch()
		if got := events(rcv.take()); len(got) != 1 || got[0] != "article.unpublished" {
			t.Errorf("the take-down sent %v, want one article.unpublished", got)
		}
		if res := ts.do("GET", "/api/v1/articles/"+slug, nil, "", nil); res.Code != 404 {
			t.Errorf("after its take-down: %d", res.Code)
		}
		res = ts.do("GET", path, nil, "editor", nil)
		if res.Code != 200 || !strings.Contains(res.Body.String(), `"status":"draft"`) || !strings.Contains(res.Body.String(), `"unpublish_at":null`) {
			t.Errorf("after its take-down, editorially: %d %s", res.Code, res.Body)
		}
	})
}

// An announcement is announced when its window opens, not when it is published ahead of it,
// and announcement.unpublished fires when the window closes.
func TestAnnouncementWindowEvents(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := testdb.NewClock(testNow)
		ts := newTestServerAt(t, db, clock.Now).withUsers()
		rcv := newReceiver(t)
		ts.newWebhook(map[string]any{"url": rcv.URL, "events": models.WebhookEvents})
		opens, closes := clock.Now().Add(time.Hour), clock.Now().Add(3*time.Hour)
		ts.create("/api/v1/admin/announcements", map[string]any{"title": "Thông báo nghỉ lễ", "body": "<p>Nghỉ</p>",
			"status": "published", "starts_at": opens, "ends_at": closes})
		sent := func(when string, want ...string) {
			t.Helper()
			ts.applySchedule()
			ts.dispatch()
			if got := events(rcv.take()); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s: sent %v, want %v", when, got, want)
			}
		}
		sent("published ahead of its window")
		clock.Set(opens)
		sent("its window opens", "announcement.published")
		sent("again")
		clock.Set(closes)
		sent("its window closes", "announcement.unpublished")
		sent("again")
	})
}

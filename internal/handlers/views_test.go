package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

// A reader's browser: the User-Agent of Chrome on Android, numbered so tests can make readers.
func browser(n int) string {
	return fmt.Sprintf("Mozilla/5.0 (Linux; Android 14; SM-A5%02d) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", n)
}

// beacon sends the view beacon of an article as a browser would, from the reader's address.
func (ts *testServer) beacon(slug, userAgent, ip string) int {
	ts.t.Helper()
	return ts.do("POST", "/api/v1/articles/"+slug+"/views", nil, "", map[string]string{
		"User-Agent": userAgent, "X-Forwarded-For": ip,
	}).Code
}

// viewCount is the exact count of an article's views (what the flush wrote).
func viewCount(t *testing.T, db *gorm.DB, id int64) (n int64) {
	t.Helper()
	if err := db.Table("articles").Where("id = ?", id).Pluck("view_count", &n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// Reading never counts a view; the beacon does, once per client and article within the window,
// and the public view_count, with its ETag, moves only when the shown counts are refreshed.
func TestViewsComeFromTheBeaconOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		jump := ts.tickingClock()
		cat := ts.createCategory("Tin mới", 0)
		a := ts.published(map[string]any{"title": "Được đọc", "category_id": cat})
		path := "/api/v1/articles/duoc-doc"
		first := ts.do("GET", path, nil, "", nil)
		etag := first.Header().Get("ETag")
		ts.do("HEAD", path, nil, "", map[string]string{"User-Agent": browser(1)})
		if res := ts.do("GET", path, nil, "", map[string]string{"If-None-Match": etag, "User-Agent": browser(1)}); res.Code != 304 {
			t.Fatalf("conditional GET: %d", res.Code)
		}
		if err := ts.views.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := viewCount(t, db, a.ID); n != 0 {
			t.Fatalf("GET, HEAD and a conditional GET counted %d views", n)
		}

		// Two readers, one of them three times, and a reader on the same address with another browser.
		_, writes := countQueries(db)
		for _, reader := range []struct{ ua, ip string }{
			{browser(1), "203.0.113.7"}, {browser(1), "203.0.113.7"}, {browser(1), "203.0.113.7"},
			{browser(2), "203.0.113.7"}, {browser(1), "198.51.100.9"},
		} {
			if code := ts.beacon("duoc-doc", reader.ua, reader.ip); code != http.StatusAccepted {
				t.Fatalf("beacon: %d", code)
			}
		}
		if n := writes.Load(); n != 0 {
			t.Fatalf("beacons ran %d writes", n)
		}
		if err := ts.views.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := viewCount(t, db, a.ID); n != 3 {
			t.Fatalf("view_count = %d, want 3: one per client (IP and User-Agent)", n)
		}
		// The flush changed nothing public: same body, same ETag, still 304.
		if res := ts.do("GET", path, nil, "", map[string]string{"If-None-Match": etag}); res.Code != 304 {
			t.Fatalf("after a view flush, If-None-Match got %d, want 304", res.Code)
		}
		ts.run([]scenario{{name: "shown count before the refresh", method: "GET", path: path, want: 200,
			fields: map[string]any{"data.view_count": 0}}})

		if err := ts.store.RefreshShownViews(context.Background()); err != nil {
			t.Fatal(err)
		}
		res := ts.do("GET", path, nil, "", nil)
		if res.Header().Get("ETag") == etag {
			t.Fatal("the refresh did not change the ETag")
		}
		if got := decode[publicArticleResponse](t, res).Data.ViewCount; got != 3 {
			t.Fatalf("view_count = %d after the refresh, want 3", got)
		}

		// Within the window the same reader is not counted again; after it, they are.
		jump(viewDedupWindow - time.Minute)
		ts.beacon("duoc-doc", browser(1), "203.0.113.7")
		jump(2 * time.Minute)
		ts.beacon("duoc-doc", browser(1), "203.0.113.7")
		if err := ts.views.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := viewCount(t, db, a.ID); n != 4 {
			t.Fatalf("view_count = %d, want 4: one more once the window has passed", n)
		}
	})
}

func TestViewBeaconRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.tickingClock()
		cat := ts.createCategory("Tin mới", 0)
		a := ts.published(map[string]any{"title": "Được đọc", "category_id": cat})
		ts.newArticle("editor", map[string]any{"title": "Bản nháp", "category_id": cat})
		const views = "/api/v1/articles/duoc-doc/views"
		ts.run([]scenario{
			{name: "sendBeacon's text/plain body is ignored", method: "POST", path: views, body: "ping",
				headers: map[string]string{"Content-Type": "text/plain;charset=UTF-8", "User-Agent": browser(1)}, want: 202},
			{name: "a JSON body is ignored", method: "POST", path: views, body: `{"anything": 1}`,
				headers: map[string]string{"User-Agent": browser(2)}, want: 202},
			{name: "a draft", method: "POST", path: "/api/v1/articles/ban-nhap/views",
				headers: map[string]string{"User-Agent": browser(1)}, want: 404, fields: map[string]any{"code": "not_found"}},
			{name: "no such article", method: "POST", path: "/api/v1/articles/khong-co/views",
				headers: map[string]string{"User-Agent": browser(1)}, want: 404},
			{name: "unknown parameter", method: "POST", path: views + "?x=1",
				headers: map[string]string{"User-Agent": browser(1)}, want: 400},
		})
		for _, ua := range []string{
			"", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
			"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
			"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
			"TelegramBot (like TwitterBot)", "Mozilla/5.0 (compatible; coccocbot-web/1.0; +http://help.coccoc.com/searchengine)",
			"curl/8.5.0", "Wget/1.21.4", "python-requests/2.32.3", "Go-http-client/1.1",
			"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
		} {
			if !isBot(ua) {
				t.Errorf("%q is not taken for a bot", ua)
			}
			if code := ts.beacon("duoc-doc", ua, "192.0.2.1"); code != http.StatusAccepted {
				t.Errorf("a bot's beacon (%q): %d, want 202 as for anyone", ua, code)
			}
		}
		for _, ua := range []string{
			browser(3),
			"Mozilla/5.0 (Linux; Android 11; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Zalo iOS/530 ZaloTheme/light ZaloLanguage/vn",
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0]",
		} {
			if isBot(ua) {
				t.Errorf("a reader's browser %q is taken for a bot", ua)
			}
		}
		if err := ts.views.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := viewCount(t, db, a.ID); n != 2 {
			t.Fatalf("view_count = %d, want 2: the two browsers' beacons, no bot's", n)
		}

		// Throttled per IP, counted or not; other addresses go on.
		for i := range viewBeaconsPerMinute {
			if code := ts.beacon("duoc-doc", browser(i), "192.0.2.50"); code != http.StatusAccepted {
				t.Fatalf("beacon %d: %d", i+1, code)
			}
		}
		res := ts.do("POST", views, nil, "", map[string]string{"User-Agent": browser(1), "X-Forwarded-For": "192.0.2.50"})
		if res.Code != http.StatusTooManyRequests {
			t.Fatalf("beacon over the limit: %d", res.Code)
		}
		if s, err := strconv.Atoi(res.Header().Get("Retry-After")); err != nil || s < 1 || s > 60 {
			t.Errorf("Retry-After = %q", res.Header().Get("Retry-After"))
		}
		if code := ts.beacon("duoc-doc", browser(1), "192.0.2.51"); code != http.StatusAccepted {
			t.Errorf("another address throttled too: %d", code)
		}
	})
}

// Views are buffered: a beacon never writes, a flush adds them up in one go, the final flush at
// shutdown (FlushViews) writes what is left, and a view is not an edit.
func TestViewsAreBufferedThenFlushed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		a := ts.published(map[string]any{"title": "Được đọc", "category_id": cat})
		b := ts.published(map[string]any{"title": "Cũng được đọc", "category_id": cat})
		for i := range 10 {
			ts.beacon("duoc-doc", browser(i), "203.0.113.7")
		}
		ts.beacon("cung-duoc-doc", browser(1), "203.0.113.7")
		if viewCount(t, db, a.ID) != 0 {
			t.Fatal("views written before the flush")
		}
		if err := ts.views.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := viewCount(t, db, a.ID); got != 10 {
			t.Errorf("view_count = %d after the flush, want 10", got)
		}
		if got := viewCount(t, db, b.ID); got != 1 {
			t.Errorf("view_count = %d, want 1", got)
		}
		// A view is not an edit: the version stays, so editors' If-Match still holds. Editors
		// see the exact count.
		ts.run([]scenario{{name: "version unchanged", method: "GET", path: articlePath(a.ID), as: "editor", want: 200,
			fields: map[string]any{"data.version": 2, "data.view_count": 10}}})

		ts.beacon("duoc-doc", browser(11), "203.0.113.7")
		if err := ts.FlushViews(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := viewCount(t, db, a.ID); got != 11 {
			t.Errorf("view_count = %d after FlushViews, want 11: shutdown must flush", got)
		}
	})
}

// Most read ("Đọc nhiều"): the views of a period come from the daily buckets, days counted in
// the newsroom's zone; the buckets past every period are dropped at a refresh.
func TestMostRead(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		clock := testdb.NewClock(testdb.Epoch)
		ts.setClock(clock.Now)
		cat := ts.createCategory("Tin mới", 0)
		for _, title := range []string{"Tin tháng", "Tin tuần", "Tin hôm qua", "Tin hôm nay", "Chưa ai đọc"} {
			ts.published(map[string]any{"title": title, "category_id": cat})
		}
		// 00:30 in Hanoi is still the day before in UTC: it counts for the Vietnamese day.
		today := time.Date(2026, 9, 30, 0, 30, 0, 0, time.FixedZone("ICT", 7*3600))
		read := func(slug string, daysAgo, readers int) {
			t.Helper()
			clock.Set(today.AddDate(0, 0, -daysAgo))
			for i := range readers {
				ts.beacon(slug, browser(i), "203.0.113.7")
			}
			if err := ts.views.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		read("tin-thang", 20, 5)
		read("tin-tuan", 5, 4)
		read("tin-hom-qua", 1, 3)
		read("tin-hom-nay", 0, 1)
		read("tin-hom-nay", 0, 2) // the same readers again: still 2
		clock.Set(today)
		if err := ts.store.RefreshShownViews(context.Background()); err != nil {
			t.Fatal(err)
		}
		var buckets int64
		db.Table("article_views_daily").Where("day = ?", "2026-09-30").Count(&buckets)
		if buckets != 1 {
			t.Errorf("%d buckets for 2026-09-30 (Vietnam), want today's one", buckets)
		}
		list := "/api/v1/articles?sort=-view_count"
		ts.run([]scenario{
			{name: "all time", method: "GET", path: list, want: 200, fields: map[string]any{
				"data.0.slug": "tin-thang", "data.0.view_count": 5, "data.1.slug": "tin-tuan", "data.2.slug": "tin-hom-qua",
				"data.3.slug": "tin-hom-nay", "data.3.view_count": 2, "data.4.slug": "chua-ai-doc", "meta.pagination.total": 5}},
			{name: "day: today and yesterday", method: "GET", path: list + "&period=day", want: 200, fields: map[string]any{
				"data.0.slug": "tin-hom-qua", "data.1.slug": "tin-hom-nay", "meta.pagination.total": 2}},
			{name: "week", method: "GET", path: list + "&period=week", want: 200, fields: map[string]any{
				"data.0.slug": "tin-tuan", "data.0.view_count": 4, "data.1.slug": "tin-hom-qua", "data.2.slug": "tin-hom-nay", "meta.pagination.total": 3}},
			{name: "month, paged", method: "GET", path: list + "&period=month&per_page=2&page=2", want: 200, fields: map[string]any{
				"data.0.slug": "tin-hom-qua", "data.1.slug": "tin-hom-nay", "meta.pagination.total": 4, "meta.pagination.total_pages": 2}},
			{name: "with a filter", method: "GET", path: list + "&period=week&q=hom", want: 200, fields: map[string]any{
				"data.0.slug": "tin-hom-qua", "meta.pagination.total": 2}},
			{name: "period needs the order by views", method: "GET", path: "/api/v1/articles?period=week", want: 400,
				fields: map[string]any{"errors.0.field": "period"}},
			{name: "unknown period", method: "GET", path: list + "&period=year", want: 400,
				fields: map[string]any{"errors.0.field": "period"}},
		})

		// New views show at the next refresh, not before; buckets older than any period go.
		clock.Set(today.AddDate(0, 0, 12))
		ts.beacon("tin-tuan", browser(50), "203.0.113.7")
		if err := ts.views.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		ts.run([]scenario{{name: "before the refresh", method: "GET", path: list + "&period=day", want: 200,
			fields: map[string]any{"meta.pagination.total": 0}}})
		if err := ts.store.RefreshShownViews(context.Background()); err != nil {
			t.Fatal(err)
		}
		ts.run([]scenario{{name: "after the refresh", method: "GET", path: list + "&period=day", want: 200,
			fields: map[string]any{"data.0.slug": "tin-tuan", "data.0.view_count": 5, "meta.pagination.total": 1}}})
		if n := int64(0); db.Table("article_views_daily").Count(&n).Error != nil || n != 4 {
			t.Errorf("%d buckets left, want 4: the one of 32 days ago dropped", n)
		}
	})
}

func TestViewFlushFailureKeepsTheCounts(t *testing.T) {
	fail := true
	var written map[int64]int64
	v := newViewCounter(func(_ context.Context, views map[int64]int64) error {
		if fail {
			return errors.New("database down")
		}
		written = views
		return nil
	})
	v.Add(1)
	v.Add(1)
	if err := v.Flush(context.Background()); err == nil {
		t.Fatal("the failed write was not reported")
	}
	v.Add(1)
	v.Add(2)
	fail = false
	if err := v.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if written[1] != 3 || written[2] != 1 {
		t.Errorf("written %v, want 3 views of 1 and 1 of 2", written)
	}
}

// The final flush at shutdown may start while a periodic one is writing: it waits for it, and
// writes what that one put back when it failed.
func TestViewFlushWaitsForTheFlushUnderWay(t *testing.T) {
	writing, release := make(chan struct{}), make(chan struct{})
	calls := 0
	var written map[int64]int64
	v := newViewCounter(func(_ context.Context, views map[int64]int64) error {
		calls++
		if calls == 1 {
			close(writing)
			<-release
			return errors.New("database down")
		}
		written = views
		return nil
	})
	v.Add(1)
	v.Add(1)
	periodic := make(chan error, 1)
	go func() { periodic <- v.Flush(context.Background()) }()
	<-writing
	final := make(chan error, 1)
	go func() { final <- v.Flush(context.Background()) }()
	close(release)
	if err := <-periodic; err == nil {
		t.Fatal("the failed write was not reported")
	}
	if err := <-final; err != nil {
		t.Fatal(err)
	}
	if written[1] != 2 {
		t.Errorf("the final flush wrote %v, want the 2 views the failed one put back", written)
	}
}

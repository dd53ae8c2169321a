package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/surrogate"
	"github.com/toasoan/toasoan/internal/testdb"
)

// withCache rebuilds the test server with the response cache on.
func (ts *testServer) withCache(ttl time.Duration) {
	ts.t.Helper()
	cfg := ts.cfg
	cfg.CacheTTL = ttl
	ts.Server = mustServer(ts.t, Deps{Config: cfg, Store: ts.store, HashParams: testHashParams})
}

func TestResponseCache(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		clock := testdb.NewClock(testdb.Epoch)
		ts.setClock(clock.Now)
		cat := ts.createCategory("Tin mới", 0)
		first := ts.published(map[string]any{"title": "Tin thứ nhất", "category_id": cat})
		ts.withCache(time.Second)
		reads, _ := countQueries(db)

		get := func(path string) string {
			t.Helper()
			res := ts.do("GET", path, nil, "", nil)
			if res.Code != 200 {
				t.Fatalf("GET %s: %d %s", path, res.Code, res.Body)
			}
			return res.Body.String()
		}
		body := get("/api/v1/articles")
		before := reads.Load()
		if again := get("/api/v1/articles"); again != body || reads.Load() != before {
			t.Fatalf("second read ran %d queries or changed", reads.Load()-before)
		}
		res := ts.do("GET", "/api/v1/articles", nil, "", map[string]string{"If-None-Match": ts.do("GET", "/api/v1/articles", nil, "", nil).Header().Get("ETag")})
		if res.Code != 304 {
			t.Fatalf("If-None-Match on a cached response: %d", res.Code)
		}

		// A write through this server is seen by the very next read.
		second := ts.published(map[string]any{"title": "Tin thứ hai", "category_id": cat})
		if got := decode[publicArticleListResponse](t, ts.do("GET", "/api/v1/articles", nil, "", nil)); len(got.Data) != 2 || got.Data[0].ID != second.ID {
			t.Fatalf("after publishing: %+v", got.Data)
		}

		// A write by another replica (straight to the database, unseen by this process) shows
		// within the TTL.
		sqlDB, err := db.DB()
		if err != nil {
			t.Fatal(err)
		}
		get("/api/v1/articles/" + first.Slug)
		if _, err := sqlDB.Exec("UPDATE articles SET title = 'Tin đã sửa ở máy khác' WHERE id = " + strconv.FormatInt(first.ID, 10)); err != nil {
			t.Fatal(err)
		}
		stale := get("/api/v1/articles/" + first.Slug)
		clock.Advance(time.Second)
		fresh := get("/api/v1/articles/" + first.Slug)
		if !strings.Contains(stale, "Tin thứ nhất") || fresh == stale || decode[publicArticleResponse](t, ts.do("GET", "/api/v1/articles/"+first.Slug, nil, "", nil)).Data.Title != "Tin đã sửa ở máy khác" {
			t.Fatalf("another replica's edit not seen after the TTL")
		}

		// A view flush changes nothing public and evicts nothing: the article is still served
		// from the cache, the same. A refresh of the shown counts with no new views evicts
		// nothing either; one with new views shows them at once.
		path := "/api/v1/articles/" + second.Slug
		body = get(path)
		for i := range 3 {
			ts.beacon(second.Slug, browser(i), "203.0.113.7")
		}
		if err := ts.views.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		before = reads.Load()
		if again := get(path); again != body || reads.Load() != before {
			t.Fatalf("after a view flush the cached article ran %d queries or changed", reads.Load()-before)
		}
		if err := ts.store.RefreshShownViews(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := decode[publicArticleResponse](t, ts.do("GET", path, nil, "", nil)).Data.ViewCount; got != 3 {
			t.Fatalf("view_count = %d after the refresh, want 3", got)
		}
		body = get(path)
		if err := ts.store.RefreshShownViews(context.Background()); err != nil {
			t.Fatal(err)
		}
		before = reads.Load()
		if again := get(path); again != body || reads.Load() != before {
			t.Fatalf("a refresh with no new views ran %d queries or changed the body", reads.Load()-before)
		}

		// Errors are never cached.
		if res := ts.do("GET", "/api/v1/articles/khong-co", nil, "", nil); res.Code != 404 {
			t.Fatalf("missing article: %d", res.Code)
		}
		if res := ts.do("GET", "/api/v1/articles?page=0", nil, "", nil); res.Code != 400 {
			t.Fatalf("bad page: %d", res.Code)
		}
	})
}

// getCached reads path and returns its body and how many queries it ran.
func (ts *testServer) getCached(path string, reads *atomic.Int64) (string, int64) {
	ts.t.Helper()
	before := reads.Load()
	res := ts.do("GET", path, nil, "", nil)
	if res.Code != 200 {
		ts.t.Fatalf("GET %s: %d %s", path, res.Code, res.Body)
	}
	return res.Body.String(), reads.Load() - before
}

// Entries go only when what they show changes: an edit of one article recomputes its page and
// the lists, not another article's page; logins and submissions evict nothing. Responses name
// what they show in Surrogate-Key and Cache-Tag.
func TestResponseCacheIsPrecise(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		news, other := ts.createCategory("Tin mới", 0), ts.createCategory("Thời sự", 0)
		a := ts.published(map[string]any{"title": "Tin thứ nhất", "category_id": news, "tags": []string{"Mặt trận"}})
		b := ts.published(map[string]any{"title": "Tin thứ hai", "category_id": other})
		ts.withCache(time.Hour)
		reads, _ := countQueries(db)
		pathA, pathB, list := "/api/v1/articles/"+a.Slug, "/api/v1/articles/"+b.Slug, "/api/v1/articles"
		for _, p := range []string{pathA, pathB, list} {
			ts.getCached(p, reads)
		}
		var tagIDs []int64
		if err := db.Table("tags").Where("slug = ?", a.Tags[0].Slug).Pluck("id", &tagIDs).Error; err != nil || len(tagIDs) != 1 {
			t.Fatalf("tag ids %v (%v)", tagIDs, err)
		}
		res := ts.do("GET", pathA, nil, "", nil)
		keys := strings.Fields(res.Header().Get("Surrogate-Key"))
		for _, want := range []string{"article-" + strconv.FormatInt(a.ID, 10), "category-" + strconv.FormatInt(news, 10), "tag-" + strconv.FormatInt(tagIDs[0], 10)} {
			if !slices.Contains(keys, want) {
				t.Errorf("Surrogate-Key %q lacks %s", keys, want)
			}
		}
		if got := res.Header().Get("Cache-Tag"); got != strings.Join(keys, ",") {
			t.Errorf("Cache-Tag %q, want the Surrogate-Key's keys joined by commas", got)
		}
		bodyB, _ := ts.getCached(pathB, reads)

		edit := ts.do("PATCH", fmt.Sprintf("/api/v1/admin/articles/%d", a.ID), map[string]any{"title": "Tin đã sửa"}, "editor",
			map[string]string{"If-Match": versionETag(a.Version)})
		if edit.Code != 200 {
			t.Fatalf("edit: %d %s", edit.Code, edit.Body)
		}
		if got, n := ts.getCached(pathB, reads); n != 0 || got != bodyB {
			t.Errorf("another article's page ran %d queries after an edit of %s", n, a.Slug)
		}
		if got, _ := ts.getCached(pathA, reads); !strings.Contains(got, "Tin đã sửa") {
			t.Errorf("the edited article's page is stale: %s", got)
		}
		if got, _ := ts.getCached(list, reads); !strings.Contains(got, "Tin đã sửa") {
			t.Errorf("the list is stale: %s", got)
		}

		ts.login("editor@mattran.org.vn", testPassword)
		sub := ts.do("POST", "/api/v1/submissions", map[string]any{"name": "Bạn đọc", "email": "ban-doc@example.vn",
			"subject": "Góp ý về bài viết", "content": "Nội dung góp ý của bạn đọc gửi ban biên tập."}, "", nil)
		if sub.Code != 201 {
			t.Fatalf("submission: %d %s", sub.Code, sub.Body)
		}
		for _, p := range []string{pathA, pathB, list} {
			if _, n := ts.getCached(p, reads); n != 0 {
				t.Errorf("%s ran %d queries after a login and a submission, want 0 (a hit)", p, n)
			}
		}
	})
}

// With a TTL of an hour, a scheduled article still appears in the lists at its publish_at: no
// entry outlives the next scheduled change.
func TestResponseCacheHonoursSchedules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := testdb.NewClock(testdb.Epoch)
		ts := newTestServerAt(t, db, clock.Now).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		ts.published(map[string]any{"title": "Tin đã đăng", "category_id": cat})
		later := ts.newArticle("editor", map[string]any{"title": "Tin hẹn giờ", "category_id": cat})
		ts.act(later.ID, "publish", map[string]any{"publish_at": clock.Now().Add(10 * time.Minute).Format(time.RFC3339)})
		ts.withCache(time.Hour)
		reads, _ := countQueries(db)
		ts.getCached("/api/v1/articles", reads)
		clock.Advance(9 * time.Minute)
		if got, n := ts.getCached("/api/v1/articles", reads); n != 0 || strings.Contains(got, "Tin hẹn giờ") {
			t.Fatalf("before its time: %d queries, body %s", n, got)
		}
		clock.Advance(time.Minute)
		if got, _ := ts.getCached("/api/v1/articles", reads); !strings.Contains(got, "Tin hẹn giờ") {
			t.Fatalf("at its publish_at the scheduled article is not listed: %s", got)
		}
	})
}

// serveCached runs h behind the response cache for a GET of path, as the router would.
func (ts *testServer) serveCached(h echo.HandlerFunc, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	c := ts.echo.NewContext(httptest.NewRequest("GET", path, nil), rec)
	if err := ts.cached(h)(c); err != nil {
		ts.t.Errorf("GET %s: %v", path, err)
	}
	return rec
}

// Concurrent misses of a key wait for one computation; past its TTL an entry is served, stale,
// to the requests that come while one request computes its replacement, and never past
// staleFor.
func TestResponseCacheComputesOnceAndServesStale(t *testing.T) {
	clock := testdb.NewClock(testdb.Epoch)
	ts := newTestServerAt(t, testdb.New(t, "sqlite"), clock.Now)
	ts.withCache(time.Second)
	var calls atomic.Int64
	release := make(chan struct{})
	h := func(c echo.Context) error {
		n := calls.Add(1)
		<-release
		addKeys(c, "articles")
		return publicBody(c, echo.MIMEApplicationJSON, []byte(fmt.Sprintf(`{"n":%d}`, n)))
	}
	var wg sync.WaitGroup
	bodies := make([]string, 8)
	serve := func(i int) {
		defer wg.Done()
		bodies[i] = ts.serveCached(h, "/x").Body.String()
	}
	wg.Add(1)
	go serve(0)
	testdb.WaitFor(t, 5*time.Second, "the first request computes", func() bool { return calls.Load() == 1 })
	for i := 1; i < len(bodies); i++ {
		wg.Add(1)
		go serve(i)
	}
	testdb.WaitFor(t, 5*time.Second, "seven requests wait for it", func() bool { return ts.cache.waiting.Load() == 7 })
	close(release)
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("%d computations for 8 concurrent misses, want 1", calls.Load())
	}
	for i, b := range bodies {
		if b != `{"n":1}` {
			t.Fatalf("request %d got %q", i, b)
		}
	}

	// Past the TTL: one request recomputes, others get the old body meanwhile.
	clock.Advance(1500 * time.Millisecond)
	release = make(chan struct{})
	wg.Add(1)
	go serve(0)
	testdb.WaitFor(t, 5*time.Second, "the refresh starts", func() bool { return calls.Load() == 2 })
	if got := ts.serveCached(h, "/x").Body.String(); got != `{"n":1}` {
		t.Fatalf("during the refresh: %q, want the stale body", got)
	}
	close(release)
	wg.Wait()
	if bodies[0] != `{"n":2}` {
		t.Fatalf("the refresh answered %q", bodies[0])
	}
	// Long past it, nothing stale is served.
	clock.Advance(time.Second + staleFor)
	if got := ts.serveCached(h, "/x").Body.String(); got != `{"n":3}` {
		t.Fatalf("past the stale bound: %q, want a new computation", got)
	}
}

// The cache holds at most its bytes, dropping the least recently used entries first; purges
// drop exactly the entries that carry the key.
func TestResponseCacheBoundsBytesAndPurgesByKey(t *testing.T) {
	now := testdb.Epoch
	never := func(context.Context, time.Time) (time.Time, error) { return time.Time{}, nil }
	rc, err := newResponseCache(time.Hour, 16<<10, prometheus.NewRegistry(), never)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(strings.Repeat("x", 1000))
	put := func(key string, keys ...string) {
		rc.put(key, rc.generation(), &cachedResponse{body: body, keys: keys, fresh: now.Add(time.Hour), usable: now.Add(time.Hour)})
	}
	for i := range 40 {
		put("/a/"+strconv.Itoa(i), "article-"+strconv.Itoa(i), "articles")
		if _, state := rc.get("/a/0", now); state != fresh && i < 30 {
			t.Fatalf("the most recently used entry was evicted after %d puts", i)
		}
		if rc.bytes > rc.maxBytes {
			t.Fatalf("%d bytes held, more than %d", rc.bytes, rc.maxBytes)
		}
	}
	if _, state := rc.get("/a/1", now); state != miss {
		t.Fatal("the least recently used entry is still there")
	}
	var m dto.Metric
	if err := rc.metrics.evictions.WithLabelValues("size").Write(&m); err != nil || m.GetCounter().GetValue() == 0 {
		t.Fatal("no size eviction counted")
	}
	put("/d/1", "document-1")
	rc.purge([]string{"article-39"})
	if _, state := rc.get("/a/39", now); state != miss {
		t.Fatal("a purged entry is still there")
	}
	if _, state := rc.get("/a/38", now); state != fresh {
		t.Fatal("purging article-39 dropped article-38")
	}
	rc.purge([]string{"articles"})
	if _, state := rc.get("/d/1", now); state != fresh || rc.lru.Len() != 1 {
		t.Fatalf("purging articles left %d entries, want only the document", rc.lru.Len())
	}
	// A response computed while one of its keys was purged is not kept.
	gen := rc.generation()
	rc.purge([]string{"document-1"})
	rc.put("/d/1", gen, &cachedResponse{body: body, keys: []string{"document-1"}, fresh: now.Add(time.Hour), usable: now.Add(time.Hour)})
	if _, state := rc.get("/d/1", now); state != miss {
		t.Fatal("a response computed across a purge of its key was kept")
	}
	if int64(len(rc.byKey)) != 0 || rc.bytes != 0 {
		t.Fatalf("index %v and %d bytes left over an empty cache", rc.byKey, rc.bytes)
	}
}

// Two processes on one PostgreSQL database, each with a cache of an hour: a write on one purges
// the other's entries within moments (NOTIFY), and a login on one evicts nothing on the other.
func TestResponseCachePurgesReachOtherProcesses(t *testing.T) {
	url := testdb.FreshURL(t, "postgres")
	dbA, dbB := testdb.Open(t, "postgres", url), testdb.Open(t, "postgres", url)
	if err := migrations.Run(context.Background(), dbA); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := newTestServer(t, dbA).withUsers()
	b := newTestServerAt(t, dbB, time.Now) // later than a's clock: a's articles are out on b
	for _, ts := range []*testServer{a, b} {
		ts.cfg.DatabaseURL = url
		ts.withCache(time.Hour)
		ready := make(chan struct{})
		go func() { _ = ts.store.ListenPurges(ctx, url, slog.New(slog.DiscardHandler), ready) }()
		<-ready
	}
	cat := a.createCategory("Tin mới", 0)
	art := a.published(map[string]any{"title": "Tin gốc", "category_id": cat})
	// The category's and the publication's purges reach b before it reads.
	testdb.WaitFor(t, 5*time.Second, "b hears a's two purges", func() bool { return b.cache.generation() >= 2 })
	reads, _ := countQueries(dbB)
	path := "/api/v1/articles/" + art.Slug
	b.getCached(path, reads)
	a.login("editor@mattran.org.vn", testPassword)
	if _, n := b.getCached(path, reads); n != 0 {
		t.Fatalf("after a login on the other process: %d queries, want a hit", n)
	}
	edit := a.do("PATCH", fmt.Sprintf("/api/v1/admin/articles/%d", art.ID), map[string]any{"title": "Tin đã sửa ở máy kia"}, "editor",
		map[string]string{"If-Match": versionETag(art.Version)})
	if edit.Code != 200 {
		t.Fatalf("edit: %d %s", edit.Code, edit.Body)
	}
	start := time.Now()
	testdb.WaitFor(t, 5*time.Second, "the other process purges the article", func() bool {
		got, _ := b.getCached(path, reads)
		return strings.Contains(got, "Tin đã sửa ở máy kia")
	})
	t.Logf("the other process showed the edit %s after it committed", time.Since(start))
}

// The paths webhook payloads name for CDNs to purge are public GETs this router serves.
func TestPurgePathsArePublicRoutes(t *testing.T) {
	ts := newTestServer(t, testdb.New(t, "sqlite"))
	paths := []string{surrogate.ArticlePath("bai-viet"), surrogate.AnnouncementPath("thong-bao"), surrogate.DocumentPath(7)}
	paths = append(paths, surrogate.ArticleListPaths...)
	paths = append(paths, surrogate.AnnouncementListPaths...)
	paths = append(paths, surrogate.DocumentListPaths...)
	for _, p := range paths {
		c := ts.echo.NewContext(httptest.NewRequest("GET", p, nil), httptest.NewRecorder())
		ts.echo.Router().Find("GET", p, c)
		if rule, ok := ts.rules["GET "+c.Path()]; !ok || !rule.Public {
			t.Errorf("%s is not a public GET route (matched %q)", p, c.Path())
		}
	}
}

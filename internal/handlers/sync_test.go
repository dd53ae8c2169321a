package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

// appCopy is what a news app keeps from GET /api/v1/sync: each item's public form, by "type:id".
type appCopy struct {
	ts    *testServer
	items map[string]map[string]any
	since string
}

type syncPage struct {
	Data []struct {
		Op        string         `json:"op"`
		Type      string         `json:"type"`
		ID        int64          `json:"id"`
		Slug      string         `json:"slug"`
		DeletedAt *string        `json:"deleted_at"`
		Article   map[string]any `json:"article"`
		Category  map[string]any `json:"category"`
		Tag       map[string]any `json:"tag"`
	} `json:"data"`
	Meta struct {
		Next string `json:"next"`
		More bool   `json:"more"`
	} `json:"meta"`
}

// pull calls the feed until it has no more, applying each change; it returns the ops seen.
func (a *appCopy) pull(limit int) []string {
	a.ts.t.Helper()
	var ops []string
	for {
		path := fmt.Sprintf("/api/v1/sync?limit=%d&since=%s", limit, url.QueryEscape(a.since))
		res := a.ts.do("GET", path, nil, "", nil)
		if res.Code != 200 {
			a.ts.t.Fatalf("GET %s: %d %s", path, res.Code, res.Body)
		}
		if cc := res.Header().Get("Cache-Control"); cc != "no-store" {
			a.ts.t.Fatalf("Cache-Control %q, want no-store", cc)
		}
		page := decode[syncPage](a.ts.t, res)
		for _, ch := range page.Data {
			key := fmt.Sprintf("%s:%d", ch.Type, ch.ID)
			switch ch.Op {
			case "upsert":
				item := map[string]map[string]any{"article": ch.Article, "category": ch.Category, "tag": ch.Tag}[ch.Type]
				if item == nil && (ch.Type == "article" || ch.Type == "category" || ch.Type == "tag") {
					a.ts.t.Fatalf("an upsert of %s without its item", key)
				}
				a.items[key] = item
				ops = append(ops, "+"+key)
			case "delete":
				if ch.DeletedAt == nil {
					a.ts.t.Fatalf("a tombstone of %s without deleted_at", key)
				}
				delete(a.items, key)
				ops = append(ops, "-"+key)
			default:
				a.ts.t.Fatalf("op %q", ch.Op)
			}
		}
		if page.Meta.Next == "" {
			a.ts.t.Fatal("no next token")
		}
		a.since = page.Meta.Next
		if !page.Meta.More {
			return ops
		}
	}
}

// articles is the app's copy of the articles, by id.
func (a *appCopy) articles() map[string]map[string]any {
	out := map[string]map[string]any{}
	for k, v := range a.items {
		if strings.HasPrefix(k, "article:") {
			out[k] = v
		}
	}
	return out
}

// publicArticles is GET /api/v1/articles as an app would compare with: by "article:id".
func (ts *testServer) publicArticles() map[string]map[string]any {
	ts.t.Helper()
	res := ts.do("GET", "/api/v1/articles?per_page=100", nil, "", nil)
	if res.Code != 200 {
		ts.t.Fatalf("public list: %d %s", res.Code, res.Body)
	}
	var list struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(res.Body.Bytes(), &list); err != nil {
		ts.t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, a := range list.Data {
		out[fmt.Sprintf("article:%v", a["id"])] = a
	}
	return out
}

// The "done when": an app that syncs from empty, then follows a sequence of publish,
// edit, unpublish, trash and scheduled changes by repeated since calls, holds exactly the public
// articles in their current form; nothing of a scheduled article reaches it before its time.
func TestSyncFeedGivesAnAppThePublicState(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := testdb.NewClock(testNow)
		ts := newTestServerAt(t, db, clock.Now).withUsers()
		cat := ts.createCategory("Thời sự", 0)
		first := ts.published(map[string]any{"title": "Hội nghị Ủy ban Trung ương", "category_id": cat, "tags": []string{"Hội nghị"}})
		second := ts.published(map[string]any{"title": "Ngày hội Đại đoàn kết", "category_id": cat})

		app := &appCopy{ts: ts, items: map[string]map[string]any{}}
		app.pull(1)
		beforeChanges := app.since
		if got, want := app.articles(), ts.publicArticles(); !reflect.DeepEqual(got, want) {
			t.Fatalf("from empty:\n app    %v\n public %v", got, want)
		}
		if app.items[fmt.Sprintf("category:%d", cat)]["name"] != "Thời sự" {
			t.Fatalf("the category: %v", app.items)
		}

		// Edit, unpublish, trash, and a schedule with a take-down.
		res := ts.do("PATCH", articlePath(first.ID), map[string]any{"title": "Hội nghị lần thứ ba Ủy ban Trung ương"}, "editor", ifMatch(first.Version))
		if res.Code != 200 {
			t.Fatalf("edit: %d %s", res.Code, res.Body)
		}
		ts.act(second.ID, "unpublish", nil)
		third := ts.published(map[string]any{"title": "Tin sẽ vào thùng rác", "category_id": cat})
		ts.trash(third, "editor")
		const secret = "ket-qua-kiem-phieu-som"
		later := ts.newArticle("editor", map[string]any{"title": "Kết quả kiểm phiếu sớm", "category_id": cat, "tags": []string{"Bầu cử"}})
		publishAt := clock.Now().Add(10 * time.Minute).Truncate(time.Second)
		ts.act(later.ID, "publish", map[string]any{"publish_at": publishAt, "unpublish_at": publishAt.Add(time.Hour)})
		ops := app.pull(2)
		body := ts.do("GET", "/api/v1/sync?since=", nil, "", nil).Body.String() // and a sync from nothing
		if strings.Contains(fmt.Sprint(ops), fmt.Sprintf("article:%d", later.ID)) || strings.Contains(body, secret) {
			t.Fatalf("the scheduled article reached the app before its time: %v %s", ops, body)
		}
		for _, want := range []string{fmt.Sprintf("+article:%d", first.ID), fmt.Sprintf("-article:%d", second.ID), fmt.Sprintf("-article:%d", third.ID)} {
			if !strings.Contains(fmt.Sprint(ops), want) {
				t.Errorf("ops %v lack %s", ops, want)
			}
		}
		if got, want := app.articles(), ts.publicArticles(); !reflect.DeepEqual(got, want) {
			t.Fatalf("after the changes:\n app    %v\n public %v", got, want)
		}

		clock.Set(publishAt)
		ts.applySchedule()
		ops = app.pull(50)
		if !strings.Contains(fmt.Sprint(ops), fmt.Sprintf("+article:%d", later.ID)) {
			t.Fatalf("at its time the app did not get it: %v", ops)
		}
		if got, want := app.articles(), ts.publicArticles(); !reflect.DeepEqual(got, want) {
			t.Fatalf("after going live:\n app    %v\n public %v", got, want)
		}
		clock.Set(publishAt.Add(time.Hour))
		ts.applySchedule()
		ops = app.pull(50)
		if !strings.Contains(fmt.Sprint(ops), fmt.Sprintf("-article:%d", later.ID)) {
			t.Fatalf("its take-down did not reach the app: %v", ops)
		}
		if got, want := app.articles(), ts.publicArticles(); !reflect.DeepEqual(got, want) {
			t.Fatalf("after the take-down:\n app    %v\n public %v", got, want)
		}
		if ops := app.pull(50); len(ops) != 0 {
			t.Fatalf("an app up to date got %v", ops)
		}

		// Tokens: bad ones are 400 naming since, an expired one 410 resync_required.
		stale := "MS5hYmMuMS4w" // "1.abc.1.0": another database's
		ts.run([]scenario{
			{name: "a token of no feed", method: "GET", path: "/api/v1/sync?since=not-a-token", want: 400, fields: map[string]any{"errors.0.field": "since"}},
			{name: "a limit out of range", method: "GET", path: "/api/v1/sync?limit=501", want: 400, fields: map[string]any{"errors.0.field": "limit"}},
			{name: "an unknown parameter", method: "GET", path: "/api/v1/sync?updated_since=2026-01-01T00:00:00Z", want: 400},
			{name: "another database's token", method: "GET", path: "/api/v1/sync?since=" + stale, want: 410, fields: map[string]any{"code": "resync_required"}},
		})
		clock.Advance(91 * 24 * time.Hour)
		ts.relogin()
		ts.act(first.ID, "unpublish", nil) // a tombstone newer than the retention stays
		app.pull(50)
		if _, err := ts.store.PruneSync(context.Background(), clock.Now(), 90*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		ts.run([]scenario{
			{name: "a token from before the dropped tombstones", method: "GET", path: "/api/v1/sync?since=" + url.QueryEscape(beforeChanges), want: 410,
				fields: map[string]any{"code": "resync_required"}},
			{name: "a token past them: the app saw them", method: "GET", path: "/api/v1/sync?since=" + url.QueryEscape(app.since), want: 200},
		})
	})
}

// Editors publish, edit, unpublish and trash articles through the API while an app syncs: once
// they stop, the app's copy equals the public list.
func TestSyncFeedUnderConcurrentEditing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Thời sự", 0)
		var ids []int64
		for i := range 10 {
			ids = append(ids, ts.published(map[string]any{"title": fmt.Sprintf("Tin thứ %d", i), "category_id": cat, "tags": []string{fmt.Sprintf("Chủ đề %d", i%3)}}).ID)
		}
		app := &appCopy{ts: ts, items: map[string]map[string]any{}}
		app.pull(5)
		done := make(chan struct{})
		var wg, appWG sync.WaitGroup
		pulls := 0
		appWG.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
					app.pull(3)
					pulls++
				}
			}
		})
		for w := range 3 {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(w), 11))
				for range 15 {
					id := ids[rng.IntN(len(ids))]
					version := func() int {
						var a editorialArticleResponse
						_ = json.Unmarshal(ts.do("GET", articlePath(id), nil, "editor", nil).Body.Bytes(), &a)
						return a.Data.Version
					}
					switch rng.IntN(4) {
					case 0:
						ts.do("POST", articlePath(id, "publish"), nil, "editor", nil)
					case 1:
						ts.do("POST", articlePath(id, "unpublish"), nil, "editor", nil)
					case 2:
						ts.do("PATCH", articlePath(id), map[string]any{"summary": fmt.Sprintf("Tóm tắt %d", rng.IntN(1000))}, "editor", ifMatch(version()))
					case 3:
						if ts.do("DELETE", articlePath(id), nil, "editor", ifMatch(version())).Code == 204 {
							ts.do("POST", articlePath(id, "restore"), nil, "editor", ifMatch(version()))
						}
					}
				}
			})
		}
		wg.Wait()
		close(done)
		appWG.Wait()
		app.pull(50)
		if pulls == 0 {
			t.Fatal("the app never synced during the edits")
		}
		if got, want := app.articles(), ts.publicArticles(); !reflect.DeepEqual(got, want) {
			t.Fatalf("after concurrent edits:\n app    %v\n public %v", got, want)
		}
	})
}

// Lists take updated_since: what was edited, or went live, at or after it; a bad value is 400
// naming it.
func TestListsTakeUpdatedSince(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := testdb.NewClock(testNow)
		ts := newTestServerAt(t, db, clock.Now).withUsers()
		cat := ts.createCategory("Thời sự", 0)
		old := ts.published(map[string]any{"title": "Tin cũ", "category_id": cat})
		ts.create("/api/v1/admin/announcements", map[string]any{"title": "Thông báo cũ", "body": "<p>Cũ</p>", "status": "published"})
		clock.Advance(5 * time.Minute)
		since := clock.Now().UTC().Format(time.RFC3339)
		clock.Advance(time.Minute)
		edited := ts.published(map[string]any{"title": "Tin mới đăng", "category_id": cat})
		later := ts.newArticle("editor", map[string]any{"title": "Tin hẹn giờ", "category_id": cat})
		ts.act(later.ID, "publish", map[string]any{"publish_at": clock.Now().Add(5 * time.Minute)})
		fresh := ts.create("/api/v1/admin/announcements", map[string]any{"title": "Thông báo mới", "body": "<p>Mới</p>", "status": "published"})
		q := "?updated_since=" + url.QueryEscape(since)
		ts.run([]scenario{
			{name: "articles edited since", method: "GET", path: "/api/v1/articles" + q, want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": edited.ID}},
			{name: "announcements since", method: "GET", path: "/api/v1/announcements" + q, want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": fresh}},
			{name: "documents since: none", method: "GET", path: "/api/v1/documents" + q, want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
			{name: "not a date-time", method: "GET", path: "/api/v1/articles?updated_since=yesterday", want: 400,
				fields: map[string]any{"errors.0.field": "updated_since"}},
			{name: "not with ids", method: "GET", path: fmt.Sprintf("/api/v1/articles?ids=%d&updated_since=%s", old.ID, url.QueryEscape(since)), want: 400,
				fields: map[string]any{"errors.0.field": "ids"}},
		})
		clock.Advance(5 * time.Minute) // the scheduled one goes live: it counts as changed
		ts.run([]scenario{
			{name: "a schedule come due counts", method: "GET", path: "/api/v1/articles" + q, want: 200,
				fields: map[string]any{"meta.pagination.total": 2, "data.0.id": later.ID}},
		})
	})
}

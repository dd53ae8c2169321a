package handlers

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

func TestViewsAreBufferedThenFlushed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		a := ts.published(map[string]any{"title": "Được đọc", "category_id": cat})
		b := ts.published(map[string]any{"title": "Cũng được đọc", "category_id": cat})
		viewCount := func(id int64) (n int64) {
			t.Helper()
			if err := db.Table("articles").Where("id = ?", id).Pluck("view_count", &n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		_, writes := countQueries(db)
		for range 10 {
			ts.do("GET", "/api/v1/articles/duoc-doc", nil, "", nil)
		}
		ts.do("GET", "/api/v1/articles/cung-duoc-doc", nil, "", nil)
		if n := writes.Load(); n != 0 {
			t.Fatalf("reading articles ran %d writes", n)
		}
		if viewCount(a.ID) != 0 {
			t.Fatal("views written before the flush")
		}
		if err := ts.views.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := viewCount(a.ID); got != 10 {
			t.Errorf("view_count = %d after the flush, want 10", got)
		}
		if got := viewCount(b.ID); got != 1 {
			t.Errorf("view_count = %d, want 1", got)
		}
		// A view is not an edit: the version stays, so editors' If-Match still holds.
		ts.run([]scenario{{name: "version unchanged", method: "GET", path: articlePath(a.ID), as: "editor", want: 200,
			fields: map[string]any{"data.version": 2, "data.view_count": 10}}})

		ts.do("GET", "/api/v1/articles/duoc-doc", nil, "", nil)
		if err := ts.FlushViews(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := viewCount(a.ID); got != 11 {
			t.Errorf("view_count = %d after FlushViews, want 11: shutdown must flush", got)
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

package handlers

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/store"
)

// The sync feed over the benchmark site's 10,000 articles, every one with a row in sync_items
// as the write path would have left it (public, numbered in id order):
//
//	TOASOAN_TEST_DATABASE_URL='postgres://…' go test ./internal/handlers -run '^$' -bench SyncFeed -benchtime 3s
//
// from_start is the first page of a sync from nothing; random_position pages from positions
// all over the sequence (the long tail: each request a different token), of 100 and of 500.
func BenchmarkSyncFeed(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, site benchSite) {
		db := site.srv.store.DB()
		fillSyncItems(b, db)
		var start syncResponse
		res := httptest.NewRecorder()
		site.srv.ServeHTTP(res, httptest.NewRequest("GET", "/api/v1/sync", nil))
		must(b, json.Unmarshal(res.Body.Bytes(), &start))
		token, ok := decodeSyncToken(start.Meta.Next)
		if !ok || len(start.Data) != syncDefaultLimit {
			b.Fatalf("first page: %d changes, token %q", len(start.Data), start.Meta.Next)
		}
		at := func(seq int64) string {
			p := token
			p.Seq, p.Full = seq, 0
			return url.QueryEscape(encodeSyncToken(p))
		}
		for _, bc := range []struct {
			name  string
			path  func(i int) string
			limit int
		}{
			{"from_start_100", func(int) string { return "/api/v1/sync" }, 100},
			{"random_position_100", func(i int) string { return "/api/v1/sync?since=" + at(int64(i*7919%benchArticles)) }, 100},
			{"random_position_500", func(i int) string { return "/api/v1/sync?limit=500&since=" + at(int64(i*7919%benchArticles)) }, 500},
		} {
			b.Run(bc.name, func(b *testing.B) {
				i := 0
				for b.Loop() {
					site.get(b, bc.path(i))
					i++
				}
				reportRate(b)
				b.ReportMetric(float64(b.N*bc.limit)/b.Elapsed().Seconds(), "changes/s")
			})
		}
	})
}

// fillSyncItems numbers every article in sync_items, as public.
func fillSyncItems(b *testing.B, db *gorm.DB) {
	b.Helper()
	var ids []struct {
		ID   int64
		Slug string
	}
	must(b, db.Table("articles").Select("id, slug").Order("id").Scan(&ids).Error)
	rows := make([]store.SyncItem, len(ids))
	now := time.Now().UTC()
	for i, a := range ids {
		rows[i] = store.SyncItem{Kind: store.KindArticle, ItemID: a.ID, Seq: int64(i + 1), Public: true, Slug: a.Slug, ChangedAt: now}
	}
	must(b, db.CreateInBatches(&rows, 1000).Error)
	must(b, db.Exec("UPDATE sync_counter SET seq = "+strconv.Itoa(len(rows))).Error)
}

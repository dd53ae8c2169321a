package handlers

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// The public article endpoints against 10,000 published articles, on SQLite and, when
// TOASOAN_TEST_DATABASE_URL is set, on PostgreSQL:
//
//	TOASOAN_TEST_DATABASE_URL='postgres://…' go test ./internal/handlers -run '^$' -bench PublicArticle -benchtime 3s

const benchArticles = 10_000

// benchSite is a server over a database seeded for the benchmarks.
type benchSite struct {
	srv       *Server  // without the response cache: every request queries
	cachedSrv *Server  // with the default response cache (TOASOAN_CACHE_TTL=1s)
	slugs     []string // of every article
	root      string   // slug of a category with sub-categories
}

// eachBenchDialect seeds a database per dialect and runs the benchmark on it.
func eachBenchDialect(b *testing.B, run func(b *testing.B, site benchSite)) {
	for _, dialect := range testdb.Dialects {
		if dialect == store.Postgres && os.Getenv("TOASOAN_TEST_DATABASE_URL") == "" {
			continue
		}
		site := seedBenchSite(b, testdb.New(b, dialect))
		b.Run(dialect, func(b *testing.B) { run(b, site) })
	}
}

// seedBenchSite fills a database with benchArticles published articles in batches: 12
// categories in a two-level tree, 5 authors, 200 tags (two per article), a cover on every
// third article and the sample body of testdata.
func seedBenchSite(b *testing.B, db *gorm.DB) benchSite {
	b.Helper()
	body, err := os.ReadFile("testdata/article-body.html")
	if err != nil {
		b.Fatal(err)
	}
	var cats []models.Category
	for r := range 3 {
		root := models.Category{Slug: fmt.Sprintf("chuyen-muc-%d", r), Name: fmt.Sprintf("Chuyên mục %d", r)}
		must(b, db.Create(&root).Error)
		cats = append(cats, root)
		for c := range 3 {
			child := models.Category{Slug: fmt.Sprintf("chuyen-muc-%d-%d", r, c), Name: fmt.Sprintf("Chuyên mục %d.%d", r, c), ParentID: &root.ID}
			must(b, db.Create(&child).Error)
			cats = append(cats, child)
		}
	}
	var authors []models.User
	for i := range 5 {
		u := models.User{Email: fmt.Sprintf("pv%d@mattran.org.vn", i), Name: fmt.Sprintf("Phóng viên %d", i), Role: models.RoleAuthor, Active: true, PasswordHash: "x"}
		must(b, db.Create(&u).Error)
		authors = append(authors, u)
	}
	tags := make([]models.Tag, 200)
	for i := range tags {
		tags[i] = models.Tag{Slug: fmt.Sprintf("the-%d", i), Name: fmt.Sprintf("Thẻ %d", i)}
	}
	must(b, db.CreateInBatches(&tags, 200).Error)
	media := make([]models.Media, 100)
	for i := range media {
		media[i] = models.Media{Key: fmt.Sprintf("2026/anh-%d.jpg", i), Name: "anh.jpg", Mime: "image/jpeg", Size: 120_000, Width: 1200, Height: 800}
	}
	must(b, db.CreateInBatches(&media, 100).Error)

	site := benchSite{root: cats[0].Slug}
	start := time.Now().Add(-3 * 365 * 24 * time.Hour).UTC().Truncate(time.Microsecond)
	articles := make([]models.Article, benchArticles)
	for i := range articles {
		title := fmt.Sprintf("Tin số %d: Mặt trận Tổ quốc ký kết Quy chế phối hợp bảo vệ an ninh", i)
		summary := "(Mặt trận) - Ban Thường trực Ủy ban Mặt trận Tổ quốc Việt Nam và Công an ký kết Quy chế phối hợp."
		at := start.Add(time.Duration(i) * 2 * time.Hour)
		a := models.Article{
			Slug: search.Slugify(title), SlugLocked: true, Title: title, Summary: summary, Body: string(body),
			Status:     models.StatusPublished,
			CategoryID: cats[i%len(cats)].ID, AuthorID: authors[i%len(authors)].ID, Byline: "Minh Anh",
			Featured: i%50 == 0, PublishedAt: &at, ViewCount: int64(i % 997), Version: 3,
		}
		if i%3 == 0 {
			a.CoverMediaID = &media[i%len(media)].ID
			a.CoverCaption = "Ký kết Quy chế phối hợp"
		}
		articles[i] = a
		site.slugs = append(site.slugs, a.Slug)
	}
	must(b, db.Omit(clause.Associations).CreateInBatches(&articles, 500).Error)
	links := make([]articleTagRow, 0, 2*len(articles))
	for i, a := range articles {
		links = append(links, articleTagRow{ArticleID: a.ID, TagID: tags[i%len(tags)].ID, Position: 0},
			articleTagRow{ArticleID: a.ID, TagID: tags[(i*7+1)%len(tags)].ID, Position: 1})
	}
	must(b, db.Table("article_tags").CreateInBatches(&links, 1000).Error)
	if db.Dialector.Name() == store.Postgres {
		must(b, db.Exec("VACUUM ANALYZE").Error) // as autovacuum would after a bulk load
	}

	cfg, err := config.Load(func(k string) string {
		if k == "TOASOAN_DATA_DIR" {
			return b.TempDir()
		}
		return ""
	})
	must(b, err)
	cfg.JWTSecret = testSecret
	st := store.New(db, time.Now)
	site.cachedSrv = mustServer(b, Deps{Config: cfg, Store: st})
	cfg.CacheTTL = 0 // every request reaches the database
	site.srv = mustServer(b, Deps{Config: cfg, Store: st})
	return site
}

type articleTagRow struct {
	ArticleID int64
	TagID     int64
	Position  int
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// get runs one request through the router and fails on anything but 200.
func (site benchSite) get(b *testing.B, path string) {
	res := httptest.NewRecorder()
	site.srv.ServeHTTP(res, httptest.NewRequest("GET", path, nil))
	if res.Code != 200 {
		b.Fatalf("%s: %d %s", path, res.Code, res.Body)
	}
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkPublicArticleList(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, site benchSite) {
		firstPage := httptest.NewRecorder()
		site.srv.ServeHTTP(firstPage, httptest.NewRequest("GET", "/api/v1/articles?per_page=100", nil))
		var first publicArticleListResponse
		must(b, json.Unmarshal(firstPage.Body.Bytes(), &first))
		cursor := first.Meta.Pagination.NextCursor // the second hundred
		for _, bc := range []struct{ name, path string }{
			{"newest", "/api/v1/articles"},
			{"category_tree", "/api/v1/articles?category=" + site.root},
			{"cursor", "/api/v1/articles?cursor=" + cursor},
			{"most_viewed", "/api/v1/articles?sort=-view_count"},
		} {
			b.Run(bc.name, func(b *testing.B) {
				for b.Loop() {
					site.get(b, bc.path)
				}
				reportRate(b)
			})
		}
	})
}

func BenchmarkPublicArticleDetail(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, site benchSite) {
		i := 0
		for b.Loop() {
			site.get(b, "/api/v1/articles/"+site.slugs[i%len(site.slugs)])
			i += 7919 // a different article each time, all over the table
		}
		reportRate(b)
	})
}

// BenchmarkPublicArticlesParallel serves the same endpoints from all cores at once, with and
// without the response cache, as a loaded server would:
//
//	go test ./internal/handlers -run '^$' -bench PublicArticlesParallel -benchtime 3s
func BenchmarkPublicArticlesParallel(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, site benchSite) {
		for _, srv := range []struct {
			name string
			s    *Server
		}{{"uncached", site.srv}, {"cached", site.cachedSrv}} {
			for _, bc := range []struct{ name, path string }{
				{"list", "/api/v1/articles"},
				{"detail", "/api/v1/articles/" + site.slugs[len(site.slugs)/2]},
			} {
				b.Run(srv.name+"/"+bc.name, func(b *testing.B) {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							res := httptest.NewRecorder()
							srv.s.ServeHTTP(res, httptest.NewRequest("GET", bc.path, nil))
							if res.Code != 200 {
								b.Errorf("%s: %d", bc.path, res.Code)
								return
							}
						}
					})
					reportRate(b)
				})
			}
		}
	})
}

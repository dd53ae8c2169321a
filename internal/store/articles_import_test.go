package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/htmlsafe"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// importDB is a database with an editor, an author, a category, two images and a PDF of the
// library, and one article, written through the single path, whose title and tag the imports
// below collide with.
type importDB struct {
	db       *gorm.DB
	st       *store.Store
	editor   store.Actor
	author   store.Actor
	category int64
	images   [2]int64
	pdf      int64
}

func newImportDB(t *testing.T, dialect string) importDB {
	t.Helper()
	db := testdb.New(t, dialect)
	d := importDB{db: db, st: store.New(db, testdb.NewClock(testdb.Epoch).Now)}
	d.editor, d.author = newActor(t, db, models.RoleEditor), newActor(t, db, models.RoleAuthor)
	category := models.Category{Slug: "tin-moi", Name: "Tin mới"}
	if err := db.Create(&category).Error; err != nil {
		t.Fatal(err)
	}
	d.category = category.ID
	d.images = [2]int64{testImage(t, db, "2026/08/mot.jpg").ID, testImage(t, db, "2026/08/hai.jpg").ID}
	pdf := models.Media{Key: "2026/08/van-ban.pdf", Name: "van-ban.pdf", Mime: "application/pdf", Size: 900, Checksum: "p"}
	if err := db.Create(&pdf).Error; err != nil {
		t.Fatal(err)
	}
	d.pdf = pdf.ID
	_, err := d.st.CreateArticle(context.Background(), d.author, store.ArticleInput{
		Title: "Ký kết Quy chế phối hợp", Body: "<p>Đã có</p>", CategoryID: category.ID, Tags: []string{"Mặt trận"}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// writeOneByOne writes the articles as the seed did before ImportArticles: each created by its
// author and published by the editor, both at its time, in a transaction each.
func (d importDB) writeOneByOne(t *testing.T, list []store.ArticleImport) {
	t.Helper()
	ctx := context.Background()
	for _, in := range list {
		then := d.st.At(in.PublishedAt)
		a, err := then.CreateArticle(ctx, store.Actor{UserID: in.AuthorID, Role: models.RoleAuthor}, in.ArticleInput)
		if err == nil {
			_, err = then.TransitionArticle(ctx, d.editor, a.ID, models.ActionPublish, store.Schedule{}, a.Version, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// contentRows is what an import writes, as comparable text: the articles, their revisions,
// search entries, tags and webhook events (ids of tags and search entries left out: PostgreSQL
// spends sequence numbers on upserts, so they differ between one-by-one and batched writes).
func contentRows(t *testing.T, db *gorm.DB) map[string][]string {
	t.Helper()
	queries := map[string]string{
		"articles": `SELECT id, slug, slug_locked, title, summary, body, status, category_id, author_id, byline, featured,
			cover_media_id, cover_caption, published_at, view_count, version, created_at, updated_at FROM articles ORDER BY id`,
		"article_revisions": `SELECT article_id, number, action, actor_id, snapshot, created_at FROM article_revisions ORDER BY article_id, number`,
		"search_index": `SELECT kind, item_id, slug, title, body, title_folded, body_folded, public, public_from, public_until, sort_time
			FROM search_index ORDER BY kind, item_id`,
		"article_tags":   `SELECT at.article_id, t.slug, t.name, at.position FROM article_tags at JOIN tags t ON t.id = at.tag_id ORDER BY at.article_id, at.position`,
		"webhook_events": `SELECT id, type, data, fanned_out, created_at FROM webhook_events ORDER BY id`,
		"media_links":    `SELECT media_id, owner_type, owner_id, role, position FROM media_links ORDER BY owner_type, owner_id, role, position`,
	}
	out := map[string][]string{}
	for table, q := range queries {
		var rows []map[string]any
		if err := db.Raw(q).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			keys := make([]string, 0, len(r))
			for k := range r {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			line := ""
			for _, k := range keys {
				v := r[k]
				if tm, ok := v.(time.Time); ok {
					v = tm.UTC().Format(time.RFC3339Nano)
				}
				line += fmt.Sprintf("%s=%v ", k, v)
			}
			out[table] = append(out[table], line)
		}
	}
	return out
}

func TestImportArticlesFollowsTheRulesOfSingleWrites(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		single, batched := newImportDB(t, dialect), newImportDB(t, dialect)
		published := testdb.Epoch.Add(-48 * time.Hour)
		body := `<p onclick="steal()">Nội dung <b>chính</b></p><script>alert(1)</script>`
		item := func(title string, tags ...string) store.ArticleImport {
			published = published.Add(time.Hour)
			return store.ArticleImport{ArticleInput: store.ArticleInput{Title: title, Summary: "To\u0301m ta\u0306\u0301t ", Body: body,
				CategoryID: single.category, Tags: tags, Byline: " Minh Anh", Featured: len(tags) > 1},
				AuthorID: single.author.UserID, PublishedAt: published}
		}
		withCover := func(in store.ArticleImport, cover int64, caption string) store.ArticleImport {
			in.CoverMediaID, in.CoverCaption = &cover, caption
			return in
		}
		list := []store.ArticleImport{
			withCover(item("Ký kết quy chế phối hợp", "Mặt trận", "Đại hội", "đại hội"), single.images[0], " Lễ ký kết "), // the existing article's slug and tag
			item("  Ký kết Quy chế phối hợp  "),                                           // and again, inside the batch
			withCover(item("Ký kết Quy chế phối hợp 2", "Đại hội"), single.images[1], ""), // its own slug is the first one's
			item("!!!"), // no Latin letters: the fallback slug
			withCover(item("Bầu cử", "Bầu cử"), single.images[0], "Cử tri"), // a cover another article has too
		}
		single.writeOneByOne(t, list)
		ids, err := batched.st.ImportArticles(ctx, batched.editor, list)
		if err != nil {
			t.Fatal(err)
		}

		got := contentRows(t, batched.db)
		if want := contentRows(t, single.db); !reflect.DeepEqual(got, want) {
			for table := range want {
				if !reflect.DeepEqual(got[table], want[table]) {
					t.Errorf("%s batched:\n%q\none by one:\n%q", table, got[table], want[table])
				}
			}
		}

		// What the rules made of the batch, stated outright.
		wantSlugs := []string{"ky-ket-quy-che-phoi-hop-2", "ky-ket-quy-che-phoi-hop-3", "ky-ket-quy-che-phoi-hop-2-2", "bai-viet", "bau-cu"}
		for i, id := range ids {
			a, err := batched.st.ArticleByID(ctx, id, nil)
			if err != nil {
				t.Fatal(err)
			}
			if a.Slug != wantSlugs[i] || a.Status != models.StatusPublished || !a.PublishedAt.Equal(list[i].PublishedAt) || a.Version != 2 {
				t.Errorf("article %d: slug %s, %s at %v, version %d; want %s, published at %v, version 2",
					i, a.Slug, a.Status, a.PublishedAt, a.Version, wantSlugs[i], list[i].PublishedAt)
			}
			if a.Body != htmlsafe.Sanitize(body) || a.Body == body || a.Summary != "Tóm tắt" || a.Byline != "Minh Anh" {
				t.Errorf("article %d: body %q, summary %q, byline %q", i, a.Body, a.Summary, a.Byline)
			}
			if a.WordCount != 3 || a.ReadingTime != 1 { // "Nội dung chính": the script is no text
				t.Errorf("article %d: %d words, %d minutes; want 3 and 1", i, a.WordCount, a.ReadingTime)
			}
			found, err := batched.st.PublicArticle(ctx, a.Slug, batched.st.Now())
			if err != nil || found.ID != id {
				t.Errorf("public article %s: %d, %v", a.Slug, found.ID, err)
			}
			if want := list[i].CoverMediaID; (want == nil) != (found.Cover == nil) || want != nil && found.Cover.ID != *want {
				t.Errorf("public article %s: cover %+v, want media %v", a.Slug, found.Cover, want)
			}
		}
		hits, _, err := batched.st.Search(ctx, store.SearchQuery{Query: search.ParseQuery("noi dung chinh", nil), Kinds: []string{store.KindArticle},
			Public: true, Now: batched.st.Now(), Limit: 10})
		if err != nil || len(hits) != len(list) {
			t.Errorf("public search found %d of the %d imported articles (%v)", len(hits), len(list), err)
		}
		var tags int64
		if err := batched.db.Model(&models.Tag{}).Count(&tags).Error; err != nil || tags != 3 {
			t.Errorf("%d tags (%v), want Mặt trận, Đại hội and Bầu cử once each", tags, err)
		}

		// One audit entry for the batch, by the editor, instead of two per article.
		var audit []models.AuditEntry
		if err := batched.db.Where("action LIKE ?", "article.%").Order("id").Find(&audit).Error; err != nil {
			t.Fatal(err)
		}
		wantDetail := fmt.Sprintf("count=5 first=%d last=%d", ids[0], ids[4])
		if len(audit) != 2 || audit[1].Action != "article.import" || audit[1].Detail != wantDetail ||
			audit[1].ActorID == nil || *audit[1].ActorID != batched.editor.UserID {
			t.Errorf("audit entries %+v, want the first article's create and one article.import (%s) by the editor", audit, wantDetail)
		}
	})
}

func TestImportArticlesWritesAllOrNothing(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		d := newImportDB(t, dialect)
		tables := []string{"articles", "article_revisions", "search_index", "article_tags", "tags", "webhook_events", "audit_log", "media_links"}
		before := counts(t, d.db, tables...)
		item := func(title string) store.ArticleImport {
			return store.ArticleImport{ArticleInput: store.ArticleInput{Title: title, Body: "<p>x</p>", CategoryID: d.category,
				Tags: []string{"Tin mới " + title}}, AuthorID: d.author.UserID, PublishedAt: testdb.Epoch.Add(-time.Hour)}
		}
		future := item("Ngày mai")
		future.PublishedAt = testdb.Epoch.Add(time.Hour)
		missingCategory := item("Không chuyên mục")
		missingCategory.CategoryID = d.category + 1000
		missingAuthor := item("Không tác giả")
		missingAuthor.AuthorID = d.author.UserID + 1000
		cover := func(id int64) store.ArticleImport {
			in := item("Có ảnh bìa")
			in.CoverMediaID = &id
			return in
		}

		cases := []struct {
			name  string
			bad   store.ArticleImport
			code  string
			field string
		}{
			{"no title", item(" "), models.CodeValidation, "articles[2].title"},
			{"a tag without letters", store.ArticleImport{ArticleInput: store.ArticleInput{Title: "Thẻ", CategoryID: d.category, Tags: []string{"!"}},
				AuthorID: d.author.UserID, PublishedAt: testdb.Epoch}, models.CodeValidation, "articles[2].tags[0]"},
			{"published in the future", future, models.CodeValidation, "articles[2].published_at"},
			{"a category that does not exist", missingCategory, models.CodeValidation, "category_id"},
			{"an author who does not exist", missingAuthor, models.CodeValidation, "author_id"},
			{"a cover that does not exist", cover(d.pdf + 1000), models.CodeValidation, "articles[2].cover_media_id"},
			{"a PDF for a cover", cover(d.pdf), models.CodeValidation, "articles[2].cover_media_id"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := d.st.ImportArticles(ctx, d.editor, []store.ArticleImport{item("Một"), item("Hai"), c.bad, item("Bốn")})
				var e *models.Error
				if !errors.As(err, &e) || e.Code != c.code || len(e.Fields) != 1 || e.Fields[0].Field != c.field {
					t.Errorf("%v, want %s naming %s", err, c.code, c.field)
				}
				if after := counts(t, d.db, tables...); !reflect.DeepEqual(after, before) {
					t.Errorf("rows after the failed import %v, want as before %v", after, before)
				}
			})
		}

		t.Run("the audit entry failing", func(t *testing.T) {
			stop := failAuditWrites(t, d.db)
			if _, err := d.st.ImportArticles(ctx, d.editor, []store.ArticleImport{item("Một"), item("Hai")}); !errors.Is(err, errInjected) {
				t.Fatalf("%v, want the injected failure", err)
			}
			stop()
			if after := counts(t, d.db, tables...); !reflect.DeepEqual(after, before) {
				t.Errorf("rows after the failed import %v, want as before %v", after, before)
			}
			if _, err := d.st.ImportArticles(ctx, d.editor, []store.ArticleImport{item("Một"), item("Hai")}); err != nil {
				t.Fatal(err)
			}
			after := counts(t, d.db, tables...)
			grew := map[string]int64{"articles": 2, "article_revisions": 4, "search_index": 2, "article_tags": 2, "tags": 2, "webhook_events": 2, "audit_log": 1}
			for _, table := range tables {
				if after[table] != before[table]+grew[table] {
					t.Errorf("%s: %d rows, want %d", table, after[table], before[table]+grew[table])
				}
			}
		})
	})
}

package handlers

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

func profilePath(id int64) string { return fmt.Sprintf("/api/v1/admin/users/%d/profile", id) }

// Authors' public profiles: listed once they have a published article, editable by their owner
// and by editors, never showing anything of the account; articles with several authors in
// order, filtered by an author's slug or id.
func TestAuthors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.withCache(60e9) // a profile edit must purge the kept pages
		cat := ts.createCategory("Tin mới", 0)
		author, author2, editor := ts.ids["author"], ts.ids["author2"], ts.ids["editor"]

		// The author writes a draft with a co-author; the editor publishes it.
		draft := ts.newArticle("author", map[string]any{"title": "Hội nghị điển hình", "category_id": cat, "author_ids": []int64{author, author2}})
		if len(draft.Authors) != 2 || draft.Authors[0].ID != author || draft.Authors[1].ID != author2 || draft.Author.ID != author {
			t.Fatalf("authors of the draft: %+v, author %+v", draft.Authors, draft.Author)
		}
		a := ts.act(draft.ID, "publish", nil)
		ts.run([]scenario{
			{name: "the list shows only authors with a published article", method: "GET", path: "/api/v1/authors", want: 200,
				fields: map[string]any{"meta.pagination.total": 2, "data.0.slug": "nguoi-dung-author", "data.0.article_count": 1,
					"data.1.slug": "nguoi-dung-author-2", "data.0.avatar": nil},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					for _, personal := range []string{"email", "role", "active", "last_login", "mattran.org.vn", "version"} {
						if strings.Contains(res.Body.String(), personal) {
							t.Errorf("the public list shows %q: %s", personal, res.Body)
						}
					}
					if keys := res.Header().Get("Surrogate-Key"); !strings.Contains(keys, fmt.Sprintf("author-%d", author)) {
						t.Errorf("Surrogate-Key %q lacks the author", keys)
					}
				}},
			{name: "an author's page", method: "GET", path: "/api/v1/authors/nguoi-dung-author-2", want: 200,
				fields: map[string]any{"data.id": author2, "data.name": "Người dùng author", "data.article_count": 1}},
			{name: "an author without a published article is not public", method: "GET", path: "/api/v1/authors/nguoi-dung-editor", want: 404},
			{name: "an unknown author", method: "GET", path: "/api/v1/authors/khong-co", want: 404},
			{name: "the list refuses unknown parameters", method: "GET", path: "/api/v1/authors?sort=name", want: 400,
				fields: map[string]any{"errors.0.field": "sort"}},
			{name: "the public article lists its authors in order", method: "GET", path: "/api/v1/articles/" + a.Slug, want: 200,
				fields: map[string]any{"data.author.id": author, "data.authors.0.id": author, "data.authors.1.slug": "nguoi-dung-author-2",
					"data.authors.1.title": ""}},
			{name: "filter by a co-author's slug", method: "GET", path: "/api/v1/articles?author=nguoi-dung-author-2", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": a.ID}},
			{name: "filter by id still works", method: "GET", path: fmt.Sprintf("/api/v1/articles?author=%d", author2), want: 200,
				fields: map[string]any{"meta.pagination.total": 1}},
			{name: "filter by an unknown slug matches nothing", method: "GET", path: "/api/v1/articles?author=khong-co", want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
			{name: "filter by a bad id", method: "GET", path: "/api/v1/articles?author=0", want: 400,
				fields: map[string]any{"errors.0.field": "author"}},
		})

		// Profiles: the owner edits theirs, editors anyone's, an author nobody else's.
		img := ts.uploadFile("chan-dung.png", pngImage(t, 4, 3))
		pdf := ts.uploadFile("ho-so.pdf", pdfDoc)
		mine := decode[authorProfileResponse](t, ts.do("GET", "/api/v1/auth/me/profile", nil, "author", nil)).Data
		ts.run([]scenario{
			{name: "the owner reads their profile", method: "GET", path: "/api/v1/auth/me/profile", as: "author", want: 200,
				fields: map[string]any{"data.slug": "nguoi-dung-author", "data.version": mine.Version}, check: wantETag(fmt.Sprintf("%q", fmt.Sprint(mine.Version)))},
			{name: "a profile edit needs If-Match", method: "PATCH", path: "/api/v1/auth/me/profile", as: "author",
				body: map[string]any{"title": "Phóng viên"}, want: 428},
			{name: "a stale version", method: "PATCH", path: "/api/v1/auth/me/profile", as: "author", headers: ifMatch(mine.Version + 5),
				body: map[string]any{"title": "Phóng viên"}, want: 412},
			{name: "an avatar must be an image", method: "PATCH", path: "/api/v1/auth/me/profile", as: "author", headers: ifMatch(mine.Version),
				body: map[string]any{"avatar_media_id": pdf.ID}, want: 422, fields: map[string]any{"errors.0.field": "avatar_media_id"}},
			{name: "bad fields are named", method: "PATCH", path: "/api/v1/auth/me/profile", as: "author", headers: ifMatch(mine.Version),
				body: map[string]any{"title": strings.Repeat("x", 101), "email": "x@y.vn"}, want: 422,
				check: wantFields("email", "title")},
			{name: "a blank name", method: "PATCH", path: "/api/v1/auth/me/profile", as: "author", headers: ifMatch(mine.Version),
				body: map[string]any{"name": "  "}, want: 422, fields: map[string]any{"errors.0.field": "name"}},
			{name: "an author cannot edit another's profile", method: "PATCH", path: profilePath(author2), as: "author", headers: ifMatch(1),
				body: map[string]any{"title": "Kẻ mạo danh"}, want: 403},
			{name: "nor read it there", method: "GET", path: profilePath(author2), as: "author", want: 403},
			{name: "without a token", method: "PATCH", path: "/api/v1/auth/me/profile", headers: ifMatch(mine.Version),
				body: map[string]any{"title": "Phóng viên"}, want: 401},
			{name: "the owner edits their profile", method: "PATCH", path: "/api/v1/auth/me/profile", as: "author", headers: ifMatch(mine.Version),
				body: map[string]any{"title": "Phóng viên", "bio": "Mảng xã hội.", "avatar_media_id": img.ID}, want: 200,
				fields: map[string]any{"data.title": "Phóng viên", "data.avatar.width": 4, "data.avatar.height": 3, "data.version": mine.Version + 1,
					"data.slug": "nguoi-dung-author"}},
			{name: "the edit shows on the author's page at once", method: "GET", path: "/api/v1/authors/nguoi-dung-author", want: 200,
				fields: map[string]any{"data.title": "Phóng viên", "data.bio": "Mảng xã hội.", "data.avatar.width": 4}},
			{name: "and on their articles", method: "GET", path: "/api/v1/articles/" + a.Slug, want: 200,
				fields: map[string]any{"data.authors.0.title": "Phóng viên", "data.authors.0.avatar.height": 3}},
			{name: "an editor edits anyone's profile, the name too", method: "PATCH", path: profilePath(author2), as: "editor", headers: ifMatch(1),
				body: map[string]any{"title": "Biên tập viên", "name": "Trần Thị Bình"}, want: 200,
				fields: map[string]any{"data.name": "Trần Thị Bình", "data.slug": "nguoi-dung-author-2"}},
			{name: "the slug stays when the name changes", method: "GET", path: "/api/v1/authors/nguoi-dung-author-2", want: 200,
				fields: map[string]any{"data.name": "Trần Thị Bình", "data.title": "Biên tập viên"}},
			{name: "the article list shows the new name", method: "GET", path: "/api/v1/articles", want: 200,
				fields: map[string]any{"data.0.authors.1.name": "Trần Thị Bình"}},
			{name: "an unknown user's profile", method: "GET", path: profilePath(99999), as: "editor", want: 404},
			{name: "an avatar in use cannot be deleted", method: "DELETE", path: fmt.Sprintf("/api/v1/admin/media/%d", img.ID), as: "editor", want: 409},
		})

		// Authors on articles: editors set any; an author must stay first; unknown users are named.
		current := decode[editorialArticleResponse](t, ts.do("GET", articlePath(a.ID), nil, "editor", nil)).Data
		own := ts.newArticle("author", map[string]any{"title": "Bài của tác giả", "category_id": cat})
		ts.run([]scenario{
			{name: "an author cannot give their article away", method: "PATCH", path: articlePath(own.ID), as: "author", headers: ifMatch(own.Version),
				body: map[string]any{"author_ids": []int64{author2, author}}, want: 422, fields: map[string]any{"errors.0.field": "author_ids"}},
			{name: "nor create one in another's name", method: "POST", path: "/api/v1/admin/articles", as: "author",
				body: map[string]any{"title": "Mạo danh", "category_id": cat, "author_ids": []int64{editor}}, want: 422,
				fields: map[string]any{"errors.0.field": "author_ids"}},
			{name: "an author adds a co-author", method: "PATCH", path: articlePath(own.ID), as: "author", headers: ifMatch(own.Version),
				body: map[string]any{"author_ids": []int64{author, editor}}, want: 200, fields: map[string]any{"data.authors.1.id": editor}},
			{name: "unknown users", method: "PATCH", path: articlePath(current.ID), as: "editor", headers: ifMatch(current.Version),
				body: map[string]any{"author_ids": []int64{editor, 99999}}, want: 422, fields: map[string]any{"errors.0.field": "author_ids"}},
			{name: "the same user twice", method: "PATCH", path: articlePath(current.ID), as: "editor", headers: ifMatch(current.Version),
				body: map[string]any{"author_ids": []int64{editor, editor}}, want: 422, fields: map[string]any{"errors.0.field": "author_ids"}},
			{name: "an empty list", method: "PATCH", path: articlePath(current.ID), as: "editor", headers: ifMatch(current.Version),
				body: map[string]any{"author_ids": []int64{}}, want: 422, fields: map[string]any{"errors.0.field": "author_ids"}},
			{name: "an editor reorders the authors: the first is the primary author", method: "PATCH", path: articlePath(current.ID), as: "editor",
				headers: ifMatch(current.Version), body: map[string]any{"author_ids": []int64{author2, editor}}, want: 200,
				fields: map[string]any{"data.author.id": author2, "data.authors.0.id": author2, "data.authors.1.id": editor}},
			{name: "the public article follows", method: "GET", path: "/api/v1/articles/" + a.Slug, want: 200,
				fields: map[string]any{"data.author.id": author2, "data.authors.1.id": editor}},
			{name: "the first author no longer on it leaves the public list", method: "GET", path: "/api/v1/authors/nguoi-dung-author", want: 404},
			{name: "the editor now has a public page", method: "GET", path: "/api/v1/authors/nguoi-dung-editor", want: 200},
		})

		// Revisions keep the authors; restoring one brings them back.
		res := ts.do("POST", articlePath(a.ID, fmt.Sprintf("/revisions/%d/restore", current.Version)), nil, "editor", ifMatch(current.Version+1))
		if res.Code != 200 {
			t.Fatalf("restore: %d %s", res.Code, res.Body)
		}
		restored := decode[editorialArticleResponse](t, res).Data
		if len(restored.Authors) != 2 || restored.Authors[0].ID != author || restored.Authors[1].ID != author2 {
			t.Errorf("restored authors %+v, want author then author2", restored.Authors)
		}
	})
}

// An unknown author slug, which anyone may send, costs one indexed read of that slug: it never
// reads every user again (the profiles stay in the memo).
func TestUnknownAuthorSlugReadsOneRow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		ts.published(map[string]any{"title": "Tin đã đăng", "category_id": cat})
		ts.do("GET", "/api/v1/articles", nil, "", nil) // the profiles are in the memo now
		var mu sync.Mutex
		var statements []string
		_ = db.Callback().Query().After("gorm:query").Register("test:users", func(d *gorm.DB) {
			if !d.DryRun && d.Statement.Table == "users" {
				mu.Lock()
				statements = append(statements, d.Statement.SQL.String())
				mu.Unlock()
			}
		})
		t.Cleanup(func() { _ = db.Callback().Query().Remove("test:users") })
		for _, p := range []string{"/api/v1/authors/khong-ai-co", "/api/v1/articles?author=khong-ai-co", "/api/v1/authors/khong-ai-co"} {
			if res := ts.do("GET", p, nil, "", nil); res.Code != 404 && res.Code != 200 {
				t.Fatalf("GET %s: %d %s", p, res.Code, res.Body)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, sql := range statements {
			if !strings.Contains(sql, "slug = ") {
				t.Errorf("an unknown slug read the users table: %s", sql)
			}
		}
	})
}

package handlers

import (
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/htmlsafe"
	"github.com/toasoan/toasoan/internal/testdb"
)

// TestArticleEmbeds: an embed of an allowed provider survives the write as a sandboxed iframe,
// in the editorial and the public article; any other iframe is stripped.
func TestArticleEmbeds(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Video", 0)
		youtube := `<p>Xem video:</p><iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ" title="YouTube" frameborder="0" allow="autoplay" allowfullscreen></iframe>`
		kept := `<p>Xem video:</p><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" width="560" height="315" title="YouTube" sandbox="` +
			htmlsafe.EmbedSandbox + `" loading="lazy" allowfullscreen=""></iframe>`
		good := ts.published(map[string]any{"title": "Có video", "category_id": cat, "body": youtube})
		evil := ts.published(map[string]any{"title": "Khung lạ", "category_id": cat,
			"body": `<p>Tin</p><iframe src="https://evil.example/embed/x" onload="alert(1)">xem</iframe><iframe src="javascript:alert(1)"></iframe>`})
		ts.run([]scenario{
			{name: "the editorial article keeps the youtube embed", method: "GET", path: articlePath(good.ID, ""), as: "editor", want: 200,
				fields: map[string]any{"data.body": kept}},
			{name: "so does the public one", method: "GET", path: "/api/v1/articles/co-video", want: 200,
				fields: map[string]any{"data.body": kept}},
			{name: "an evil iframe is gone", method: "GET", path: articlePath(evil.ID, ""), as: "editor", want: 200,
				fields: map[string]any{"data.body": "<p>Tin</p>"}},
		})
		if strings.Contains(evil.Body, "iframe") {
			t.Errorf("the write answered with the iframe: %q", evil.Body)
		}
	})
}

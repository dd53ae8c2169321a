package seed

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/docnumber"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

var small = Options{Articles: 30, Documents: 10, Announcements: 4}

func TestRun(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		log := slog.New(slog.DiscardHandler)
		sum, err := Run(ctx, st, small, log)
		if err != nil {
			t.Fatal(err)
		}
		want := Summary{Users: 4, Categories: 20, Articles: Count{30, 30}, Documents: Count{10, 10}, Announcements: Count{4, 4}}
		if sum != want {
			t.Fatalf("summary %+v, want %+v", sum, want)
		}
		now := st.Now()

		t.Run("categories are the taxonomy's tree", func(t *testing.T) { checkTree(t, st) })
		t.Run("articles are published, in the past, varied", func(t *testing.T) { checkArticles(t, st, now) })
		t.Run("search finds an article by a folded query", func(t *testing.T) { checkSearch(t, st, now) })
		t.Run("authors have profiles and some articles two authors", func(t *testing.T) { checkAuthors(t, st, now) })
		t.Run("documents have valid numbers unique per issuer", func(t *testing.T) { checkDocuments(t, st, now) })
		t.Run("announcements: pinned, ending later, one over", func(t *testing.T) { checkAnnouncements(t, st, now) })

		t.Run("a second run adds nothing and a bigger one tops up", func(t *testing.T) {
			again, err := Run(ctx, st, small, log)
			if err != nil {
				t.Fatal(err)
			}
			want := Summary{Articles: Count{0, 30}, Documents: Count{0, 10}, Announcements: Count{0, 4}}
			if again != want {
				t.Fatalf("second run %+v, want %+v", again, want)
			}
			more, err := Run(ctx, st, Options{Articles: 33, Documents: 12, Announcements: 4}, log)
			if err != nil {
				t.Fatal(err)
			}
			if more.Articles != (Count{3, 33}) || more.Documents != (Count{2, 12}) {
				t.Fatalf("topping up: %+v", more)
			}
		})
	})
}

func checkTree(t *testing.T, st *store.Store) {
	c, err := loadContent()
	if err != nil {
		t.Fatal(err)
	}
	cats, err := st.Categories(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	nameOf := map[int64]string{}
	for _, cat := range cats {
		nameOf[cat.ID] = cat.Name
	}
	got := map[string]string{} // name → parent's name ("" for a root)
	for _, cat := range cats {
		if cat.ParentID != nil {
			got[cat.Name] = nameOf[*cat.ParentID]
		} else {
			got[cat.Name] = ""
		}
		if cat.Slug != search.Slugify(cat.Name) {
			t.Errorf("%s has slug %s", cat.Name, cat.Slug)
		}
	}
	want := map[string]string{}
	for _, root := range c.Categories {
		want[root.Name] = ""
		for _, child := range root.Children {
			want[child] = root.Name
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d categories, want %d", len(got), len(want))
	}
	for name, parent := range want {
		if p, ok := got[name]; !ok || p != parent {
			t.Errorf("%s: under %q (present %v), want under %q", name, p, ok, parent)
		}
	}
}

func allPublic(t *testing.T, st *store.Store, now time.Time) []models.Article {
	list, err := st.PublicArticles(context.Background(), store.PublicQuery{Now: now}, models.Page{Page: 1, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list.Articles
}

func checkArticles(t *testing.T, st *store.Store, now time.Time) {
	ctx := context.Background()
	_, total, err := st.EditorialArticles(ctx, store.EditorialQuery{Now: now}, models.Page{Page: 1, PerPage: 1})
	if err != nil {
		t.Fatal(err)
	}
	list := allPublic(t, st, now)
	if total != 30 || len(list) != 30 {
		t.Fatalf("%d articles, %d of them public; want 30 public", total, len(list))
	}
	categories, authors, tags, featured := map[int64]bool{}, map[int64]bool{}, map[string]bool{}, 0
	oldest := now.AddDate(0, 0, -pastDays-1)
	for _, a := range list {
		if a.Status != models.StatusPublished || a.PublishedAt == nil || !a.PublishedAt.Before(now) || a.PublishedAt.Before(oldest) {
			t.Errorf("%s: status %s, published at %v", a.Slug, a.Status, a.PublishedAt)
		}
		if strings.Contains(a.Title, "{") || strings.Contains(a.Summary, "{") || !strings.HasPrefix(a.Summary, "(Mặt trận) - ") {
			t.Errorf("%s: title %q, summary %q", a.Slug, a.Title, a.Summary)
		}
		categories[a.CategoryID], authors[a.AuthorID] = true, true
		for _, tag := range a.Tags {
			tags[tag.Slug] = true
		}
		if a.Featured {
			featured++
		}
	}
	if len(categories) != 16 || len(authors) != 3 || len(tags) < 10 || featured != 3 {
		t.Errorf("%d categories, %d authors, %d tags, %d featured; want 16, 3, ≥ 10, 3", len(categories), len(authors), len(tags), featured)
	}

	a, err := st.ArticleByID(ctx, list[0].ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.Body, "<p>") || strings.Count(a.Body, "<p>") < 3 {
		t.Errorf("body %.200q", a.Body)
	}
	revs, n, err := st.Revisions(ctx, a.ID, models.Page{Page: 1, PerPage: 10})
	if err != nil || n != 2 || revs[0].Action != models.ActionPublish || revs[1].Action != "create" {
		t.Errorf("revisions %+v (%d), %v; want create then publish", revs, n, err)
	}
}

func checkSearch(t *testing.T, st *store.Store, now time.Time) {
	var target models.Article
	for _, a := range allPublic(t, st, now) {
		if strings.HasPrefix(a.Title, "Đại hội đại biểu") {
			target = a
		}
	}
	if target.ID == 0 {
		t.Fatal("no Đại hội article seeded")
	}
	folded := search.Fold(target.Title) // "dai hoi dai bieu ... tinh gia lai ..."
	hits, _, err := st.Search(context.Background(), store.SearchQuery{
		Query: search.ParseQuery(folded, nil), Kinds: []string{store.KindArticle}, Public: true, Now: now, Limit: 50,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		if h.ItemID == target.ID {
			return
		}
	}
	t.Errorf("searching %q did not find article %d among %d hits", folded, target.ID, len(hits))
}

func checkDocuments(t *testing.T, st *store.Store, now time.Time) {
	list, total, err := st.ListDocuments(context.Background(), store.DocumentFilter{Status: models.PublicationPublished}, models.Page{Page: 1, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	if total != 10 {
		t.Fatalf("%d published documents, want 10", total)
	}
	seen := map[string]bool{}
	issuers := map[string]bool{}
	today := models.DateOf(now.In(models.NewsroomZone))
	for _, d := range list {
		parts, err := docnumber.Parse(d.Number)
		if err != nil || parts.Canonical() != d.Number {
			t.Errorf("number %q: %v, reads back as %q", d.Number, err, parts.Canonical())
		}
		if docnumber.TypeNameForCode(parts.TypeCode) != d.Type.Name {
			t.Errorf("%s is a %s", d.Number, d.Type.Name)
		}
		if parts.Year != 0 && parts.Year != d.IssuedOn.Year() {
			t.Errorf("%s issued on %s", d.Number, d.IssuedOn)
		}
		key := d.Issuer + " " + d.Number
		if seen[key] {
			t.Errorf("%s twice", key)
		}
		seen[key], issuers[d.Issuer] = true, true
		if today.Before(d.IssuedOn) || d.IssuedOn.Before(models.DateOf(now.AddDate(0, 0, -pastDays-1))) || d.EffectiveOn.Before(d.IssuedOn) {
			t.Errorf("%s issued on %s, effective on %s", d.Number, d.IssuedOn, d.EffectiveOn)
		}
	}
	if len(issuers) != 5 {
		t.Errorf("%d issuers, want the taxonomy's 5", len(issuers))
	}
}

func checkAnnouncements(t *testing.T, st *store.Store, now time.Time) {
	ctx := context.Background()
	active, n, err := st.ActiveAnnouncements(ctx, now, models.Page{Page: 1, PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("%d active announcements, want 3 of 4 (one is over)", n)
	}
	if !active[0].Pinned || !active[1].Pinned || active[2].Pinned {
		t.Errorf("pinned first: %v %v %v, want the first two", active[0].Pinned, active[1].Pinned, active[2].Pinned)
	}
	endsLater := 0
	for _, a := range active {
		if a.EndsAt != nil && a.EndsAt.After(now) {
			endsLater++
		}
		if !strings.HasPrefix(a.Body, "<p>") || strings.Contains(a.Title, "{") {
			t.Errorf("%s: %q", a.Slug, a.Body)
		}
	}
	if endsLater != 2 {
		t.Errorf("%d active announcements end later, want 2", endsLater)
	}
}

// Every topic names a category of the taxonomy and every template fills completely.
func TestContent(t *testing.T) {
	c, err := loadContent()
	if err != nil {
		t.Fatal(err)
	}
	categories := map[string]bool{}
	for _, root := range c.Categories {
		categories[root.Name] = len(root.Children) == 0
		for _, child := range root.Children {
			categories[child] = true
		}
	}
	for _, topic := range c.Topics {
		if leaf, ok := categories[topic.Category]; !ok || !leaf {
			t.Errorf("topic %q is not a category without sub-categories", topic.Category)
		}
	}
	if len(c.Topics) != 16 || len(c.paragraphs) != 7 {
		t.Errorf("%d topics, %d paragraphs; want one topic per category without sub-categories, and the sample's 7 paragraphs", len(c.Topics), len(c.paragraphs))
	}
	fill := c.filler(itemRand(1, 1), c.Places[0], time.Date(2025, 8, 31, 0, 0, 0, 0, models.NewsroomZone))
	var texts []string
	for _, topic := range c.Topics {
		texts = append(append(texts, topic.Titles...), topic.Lead)
	}
	for _, a := range c.AnnouncementTexts {
		texts = append(append(texts, a.Title), a.Body...)
	}
	texts = append(texts, c.DocumentWords.Subjects...)
	for _, text := range texts {
		if filled := fill.Replace(text); strings.ContainsAny(filled, "{}") {
			t.Errorf("unfilled placeholder in %q", filled)
		}
	}
	if got := fill.Replace("{day} và {day2}-{month}"); got != "30 và 31-8" {
		t.Errorf("two days at the end of a month: %q", got)
	}
}

func checkAuthors(t *testing.T, st *store.Store, now time.Time) {
	ctx := context.Background()
	authors, total, err := st.PublicAuthors(ctx, now, models.Page{Page: 1, PerPage: 20})
	if err != nil {
		t.Fatal(err)
	}
	if total != 3 { // the three reporters; the editor publishes but writes none
		t.Fatalf("%d public authors, want 3: %+v", total, authors)
	}
	for _, a := range authors {
		if a.Slug == "" || a.Title == "" || a.Bio == "" {
			t.Errorf("author %d has no profile: %+v", a.ID, a)
		}
	}
	list, err := st.PublicArticles(ctx, store.PublicQuery{Now: now}, models.Page{Page: 1, PerPage: 30})
	if err != nil {
		t.Fatal(err)
	}
	two := 0
	for _, a := range list.Articles {
		if len(a.Authors) == 2 {
			two++
			if a.Authors[0].ID != a.AuthorID || a.Authors[1].ID == a.AuthorID {
				t.Errorf("article %d: authors %+v, primary %d", a.ID, a.Authors, a.AuthorID)
			}
		}
	}
	if two != 6 {
		t.Errorf("%d of 30 articles have two authors, want 6", two)
	}
}

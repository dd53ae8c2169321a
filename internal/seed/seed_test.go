package seed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/docnumber"
	"github.com/toasoan/toasoan/internal/media"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

var small = Options{Articles: 30, Documents: 10, Announcements: 4}

// withFiles is opts storing files in a new directory, with the server's default upload limits,
// and recording the images AfterImage is given.
func withFiles(t *testing.T, opts Options) (Options, *media.Bucket, *[]models.Media) {
	t.Helper()
	files, err := media.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { files.Close() })
	var images []models.Media
	opts.Files, opts.MaxUploadBytes, opts.MaxImagePixels = files, 20<<20, 40_000_000
	opts.AfterImage = func(_ context.Context, m models.Media) error {
		images = append(images, m)
		return nil
	}
	return opts, files, &images
}

func TestRun(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		log := slog.New(slog.DiscardHandler)
		opts, files, images := withFiles(t, small)
		sum, err := Run(ctx, st, opts, log)
		if err != nil {
			t.Fatal(err)
		}
		// A cover for each of the 30 articles (the pool's pictures 0 to 31 but 29 and 31: the
		// second picture of the 15th and 16th topics, whose second articles are the 31st and
		// 32nd), and a PDF for each document.
		want := Summary{Users: 4, Categories: 20, Files: 40, Articles: Count{30, 30}, Documents: Count{10, 10}, Announcements: Count{4, 4}}
		if sum != want {
			t.Fatalf("summary %+v, want %+v", sum, want)
		}
		now := st.Now()
		if len(*images) != 30 {
			t.Errorf("AfterImage ran for %d images, want the 30 covers", len(*images))
		}

		t.Run("categories are the taxonomy's tree", func(t *testing.T) { checkTree(t, st) })
		t.Run("articles are published, in the past, varied", func(t *testing.T) { checkArticles(t, st, now) })
		t.Run("search finds an article by a folded query", func(t *testing.T) { checkSearch(t, st, now) })
		t.Run("authors have profiles and some articles two authors", func(t *testing.T) { checkAuthors(t, st, now) })
		t.Run("documents have valid numbers unique per issuer", func(t *testing.T) { checkDocuments(t, st, now) })
		t.Run("announcements: pinned, ending later, one over", func(t *testing.T) { checkAnnouncements(t, st, now) })
		var pictures map[string]string
		t.Run("articles have covers with alt text, stored as 1600×900 JPEGs", func(t *testing.T) { pictures = checkCovers(t, st, files, now) })
		var pdfs map[string]string
		t.Run("documents have a PDF that passes the upload checks", func(t *testing.T) { pdfs = checkPDFs(t, st, files, now) })

		t.Run("the same seed elsewhere gives the same files", func(t *testing.T) {
			other := store.New(testdb.New(t, st.Dialect()), testdb.NewClock(testdb.Epoch).Now)
			opts, files, _ := withFiles(t, small)
			if _, err := Run(ctx, other, opts, log); err != nil {
				t.Fatal(err)
			}
			if got := checkCovers(t, other, files, now); !maps.Equal(got, pictures) {
				t.Errorf("covers by article %v, want as the first seed's %v", got, pictures)
			}
			if got := checkPDFs(t, other, files, now); !maps.Equal(got, pdfs) {
				t.Errorf("PDFs by document %v, want as the first seed's %v", got, pdfs)
			}
		})

		t.Run("a second run adds nothing and a bigger one tops up", func(t *testing.T) {
			again, err := Run(ctx, st, opts, log)
			if err != nil {
				t.Fatal(err)
			}
			want := Summary{Articles: Count{0, 30}, Documents: Count{0, 10}, Announcements: Count{0, 4}}
			if again != want || len(*images) != 30 {
				t.Fatalf("second run %+v, AfterImage ran %d times; want %+v and no more than the first run's 30", again, len(*images), want)
			}
			opts.Articles, opts.Documents = 33, 12
			more, err := Run(ctx, st, opts, log)
			if err != nil {
				t.Fatal(err)
			}
			// The 31st and 32nd articles need the pool's pictures 29 and 31; the 33rd has the first
			// article's picture 0 again.
			if more.Articles != (Count{3, 33}) || more.Documents != (Count{2, 12}) || more.Files != 4 || len(*images) != 32 {
				t.Fatalf("topping up: %+v, AfterImage ran %d times", more, len(*images))
			}
			var media []models.Media
			if err := db.Order("id").Find(&media).Error; err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, m := range media {
				if seen[m.Checksum] {
					t.Errorf("media %d (%s) is stored twice", m.ID, m.Name)
				}
				seen[m.Checksum] = true
			}
			if len(media) != 44 {
				t.Errorf("%d media items, want 32 covers and 12 PDFs", len(media))
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
	active, n, err := st.ActiveAnnouncements(ctx, now, nil, models.Page{Page: 1, PerPage: 10})
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

// checkCovers checks that every public article has a cover: an image of the library with alt
// text, a caption and a credit, whose stored file is a 1600×900 JPEG, and returns each
// article's cover checksum by slug.
func checkCovers(t *testing.T, st *store.Store, files media.Storage, now time.Time) map[string]string {
	t.Helper()
	out := map[string]string{}
	decoded := map[int64]bool{}
	palettesSeen, compositionsSeen := map[string]bool{}, map[string]bool{}
	for _, a := range allPublic(t, st, now) {
		m := a.Cover
		if m == nil {
			t.Errorf("%s has no cover", a.Slug)
			continue
		}
		out[a.Slug] = m.Checksum
		if !strings.HasPrefix(a.CoverCaption, "Ảnh minh họa: ") || !strings.Contains(a.CoverCaption, a.Title) {
			t.Errorf("%s: cover caption %q", a.Slug, a.CoverCaption)
		}
		if decoded[m.ID] {
			continue
		}
		decoded[m.ID] = true
		if !strings.HasPrefix(m.Alt, "Ảnh minh họa tông ") || !strings.Contains(m.Alt, "“"+a.Category.Name+"”") ||
			m.Caption != "Ảnh minh họa chuyên mục "+a.Category.Name || m.Credit == "" {
			t.Errorf("media %d of %s: alt %q, caption %q, credit %q", m.ID, a.Slug, m.Alt, m.Caption, m.Credit)
		}
		for _, p := range palettes {
			palettesSeen[p.name] = palettesSeen[p.name] || strings.Contains(m.Alt, "tông "+p.name+":")
		}
		for _, c := range compositions {
			compositionsSeen[c.name] = compositionsSeen[c.name] || strings.Contains(m.Alt, c.name)
		}
		// The sun or the rings' centre is the focal point; a street or a pattern has none.
		focal, pattern := m.Focal(), strings.Contains(m.Alt, "dãy nhà phố") || strings.Contains(m.Alt, "các dải chéo")
		if pattern != (focal == nil) || focal != nil && (focal.X <= 0 || focal.X >= 1 || focal.Y <= 0 || focal.Y >= 1) {
			t.Errorf("media %d (%s): focal point %+v", m.ID, m.Alt, focal)
		}
		data := stored(t, files, m.Key)
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil || img.Bounds() != image.Rect(0, 0, 1600, 900) || m.Mime != "image/jpeg" || m.Width != 1600 || m.Height != 900 {
			t.Errorf("media %d: %s %d×%d; decoded: %v, %v", m.ID, m.Mime, m.Width, m.Height, err, img)
			continue
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != m.Checksum || int64(len(data)) != m.Size {
			t.Errorf("media %d: stored %d bytes, recorded %d and checksum %s", m.ID, len(data), m.Size, m.Checksum)
		}
	}
	// Cards in a grid look different: 30 pictures show every palette and composition.
	for _, seen := range []map[string]bool{palettesSeen, compositionsSeen} {
		for name, ok := range seen {
			if !ok {
				t.Errorf("no cover is %q", name)
			}
		}
	}
	if len(decoded) != 30 {
		t.Errorf("%d pictures among 30 articles, want one each (16 topics, two pictures each)", len(decoded))
	}
	return out
}

// checkPDFs checks that every document has one attachment, a PDF that the upload checks
// take for one, and returns their checksums by number.
func checkPDFs(t *testing.T, st *store.Store, files media.Storage, now time.Time) map[string]string {
	t.Helper()
	ctx := context.Background()
	list, _, err := st.ListDocuments(ctx, store.DocumentFilter{}, models.Page{Page: 1, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	scratch, err := media.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer scratch.Close()
	out := map[string]string{}
	for _, listed := range list {
		d, err := st.DocumentByID(ctx, listed.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Attachments) != 1 {
			t.Errorf("%s has %d attachments, want its PDF", d.Number, len(d.Attachments))
			continue
		}
		m := d.Attachments[0]
		out[d.Number] = m.Checksum
		data := stored(t, files, m.Key)
		f, err := media.Save(ctx, scratch, bytes.NewReader(data), 20<<20, 40_000_000, now)
		if err != nil || f.Mime != "application/pdf" || m.Mime != "application/pdf" || f.Checksum != m.Checksum {
			t.Errorf("%s: attachment %s (%s), uploaded again: %+v, %v", d.Number, m.Name, m.Mime, f, err)
		}
		if !bytes.HasPrefix(data, []byte("%PDF-1.")) || !bytes.Contains(data, []byte("/Count 1")) || !bytes.HasSuffix(bytes.TrimSpace(data), []byte("%%EOF")) {
			t.Errorf("%s: not a one-page PDF: %.60q … %q", d.Number, data, data[max(0, len(data)-20):])
		}
		if !strings.HasSuffix(m.Name, ".pdf") || m.Caption != d.Title {
			t.Errorf("%s: attachment named %q, caption %q", d.Number, m.Name, m.Caption)
		}
	}
	if len(out) != len(list) || len(list) == 0 {
		t.Errorf("%d PDFs for %d documents", len(out), len(list))
	}
	return out
}

// stored is a stored file's content.
func stored(t *testing.T, files media.Storage, key string) []byte {
	t.Helper()
	rc, err := files.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRunNeedsStorage(t *testing.T) {
	st := store.New(testdb.New(t, store.SQLite), testdb.NewClock(testdb.Epoch).Now)
	if _, err := Run(context.Background(), st, small, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "media storage") {
		t.Errorf("seeding without storage: %v", err)
	}
}

// A document whose number was taken by hand meanwhile is skipped, and the PDF stored for it
// removed again: from the library and from storage.
func TestRunSkipsATakenNumberWithoutLeavingItsPDF(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		log := slog.New(slog.DiscardHandler)
		opts, _, _ := withFiles(t, Options{Documents: 2})
		dir := t.TempDir()
		files, err := media.OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer files.Close()
		opts.Files = files
		if _, err := Run(ctx, st, opts, log); err != nil {
			t.Fatal(err)
		}
		// By hand, as the third document, the one the seed's next run starts with (index 3).
		c, err := loadContent()
		if err != nil {
			t.Fatal(err)
		}
		types, err := st.DocumentTypes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var usable []models.DocumentType
		for _, dt := range types {
			if docnumber.TypeNameForCode(dt.Code) != "" {
				usable = append(usable, dt)
			}
		}
		s := seeder{st: st, content: c, now: st.Now()}
		next, err := s.document(3, usable)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateDocument(ctx, store.System, next); err != nil {
			t.Fatal(err)
		}

		opts.Documents = 4
		sum, err := Run(ctx, st, opts, log)
		if err != nil {
			t.Fatal(err)
		}
		// Index 3's number is taken: the fourth document is index 4's.
		if sum.Documents != (Count{1, 4}) || sum.Files != 1 {
			t.Fatalf("summary %+v, want one document and its PDF added", sum)
		}
		var pdfs []models.Media
		if err := db.Where("mime = ?", "application/pdf").Find(&pdfs).Error; err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, m := range pdfs {
			keys = append(keys, m.Key)
			stored(t, files, m.Key)
		}
		if len(pdfs) != 3 {
			t.Errorf("%d PDFs in the library, want the three seeded documents' (%v)", len(pdfs), keys)
		}
		var onDisk int
		if err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				onDisk++
			}
			return err
		}); err != nil || onDisk != 3 {
			t.Errorf("%d files in storage (%v), want the three PDFs", onDisk, err)
		}
	})
}

// Package seed fills a database with realistic Vietnamese content for demos and load tests:
// the category tree of the sample portal, published articles, documents and announcements
// spread over the last two years. Everything is written through the store, as the API
// writes it, so bodies are sanitised, slugs unique, revisions kept and the search index
// complete. Articles have covers and documents a PDF, files the seed generates (pictures.go,
// pdf.go) and stores as uploads are stored.
package seed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/docnumber"
	"github.com/toasoan/toasoan/internal/media"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
)

// Options says how many items of each kind the database should hold: seeding tops each kind
// up to its number and never removes anything, so running it again changes nothing. It also
// says where the generated files go.
type Options struct {
	Articles      int
	Documents     int
	Announcements int

	// Files is the media storage (the server's: TOASOAN_MEDIA_DIR or the bucket), and
	// MaxUploadBytes and MaxImagePixels the upload limits the files are checked against.
	Files                          media.Storage
	MaxUploadBytes, MaxImagePixels int64
	// AfterImage, when set, runs for each image the seed adds to the library, once it is
	// there: where its variants are made. A failure stops the seed; the image stays, and a
	// later run reuses it without running AfterImage again.
	AfterImage func(context.Context, models.Media) error
}

// Defaults are the numbers of `api seed` without flags: a site that looks lived in.
var Defaults = Options{Articles: 200, Documents: 60, Announcements: 8}

// Count is how many items of a kind seeding added, and how many there are now.
type Count struct {
	Added int
	Total int64
}

// Summary is what a run did.
type Summary struct {
	Users         int // seed accounts added
	Categories    int // categories added
	Files         int // covers and PDFs added to the media library
	Articles      Count
	Documents     Count
	Announcements Count
}

func (s Summary) String() string {
	return fmt.Sprintf("articles %d added (%d in all), documents %d added (%d), announcements %d added (%d), categories %d added, users %d added, files %d added",
		s.Articles.Added, s.Articles.Total, s.Documents.Added, s.Documents.Total,
		s.Announcements.Added, s.Announcements.Total, s.Categories, s.Users, s.Files)
}

// Random streams, one per kind of item (see itemRand).
const (
	streamArticles uint64 = iota + 1
	streamDocuments
	streamAnnouncements
	streamPictures
)

// progressEvery is how often a long run logs how far it got.
const progressEvery = 5000

// Run seeds the database. Articles are created as drafts and published through the workflow
// at a past time; their authors are three seed reporters, published by a seed editor.
func Run(ctx context.Context, st *store.Store, opts Options, log *slog.Logger) (Summary, error) {
	var sum Summary
	if opts.Files == nil {
		return sum, errors.New("seed: no media storage for the covers and PDFs")
	}
	c, err := loadContent()
	if err != nil {
		return sum, err
	}
	s := seeder{st: st, content: c, now: st.Now(), log: log, opts: opts, covers: map[int]int64{}}
	if err := s.users(ctx, &sum); err != nil {
		return sum, fmt.Errorf("seed users: %w", err)
	}
	if err := s.categories(ctx, &sum); err != nil {
		return sum, fmt.Errorf("seed categories: %w", err)
	}
	if sum.Articles, err = s.articles(ctx, opts.Articles); err != nil {
		return sum, fmt.Errorf("seed articles: %w", err)
	}
	if sum.Documents, err = s.documents(ctx, opts.Documents); err != nil {
		return sum, fmt.Errorf("seed documents: %w", err)
	}
	if sum.Announcements, err = s.announcements(ctx, opts.Announcements); err != nil {
		return sum, fmt.Errorf("seed announcements: %w", err)
	}
	if sum.Articles.Added+sum.Documents.Added+sum.Announcements.Added >= progressEvery {
		// A bulk load leaves the planner's statistics and the visibility map behind: until
		// autovacuum comes by, index-only scans visit the table and plans guess.
		if err := st.Vacuum(ctx); err != nil {
			return sum, fmt.Errorf("vacuum after seeding: %w", err)
		}
	}
	sum.Files = s.added
	return sum, nil
}

type seeder struct {
	st *store.Store
	content
	now          time.Time
	log          *slog.Logger
	opts         Options
	authors      []int64
	editor       int64
	photographer store.Actor      // who uploads the covers
	categoryIDs  map[string]int64 // by name
	painter      *painter         // made when the first cover is drawn
	covers       map[int]int64    // the pool's pictures stored or found in this run: media ids by number
	added        int              // files added to the library
}

// seedAccount is an account that writes (authors) or publishes (the editor) seeded articles.
// Its password is random and never shown: `api user reset-password` gives it one to log in with.
// A new one gets its public author profile (title and bio) too.
type seedAccount struct {
	email, name, role, title, bio string
}

var seedAccounts = []seedAccount{
	{"phongvien1@toasoan.invalid", "Phóng viên 1", models.RoleAuthor, "Phóng viên", "Phóng viên mảng thời sự, công tác Mặt trận."},
	{"phongvien2@toasoan.invalid", "Phóng viên 2", models.RoleAuthor, "Phóng viên", "Phóng viên mảng xã hội và an sinh."},
	{"phongvien3@toasoan.invalid", "Phóng viên 3", models.RoleAuthor, "Cộng tác viên", "Cộng tác viên ảnh và phóng sự địa phương."},
	{"bientap@toasoan.invalid", "Biên tập viên", models.RoleEditor, "Biên tập viên", "Biên tập viên, Ban Biên tập."},
}

// users finds or creates the seed accounts.
func (s *seeder) users(ctx context.Context, sum *Summary) error {
	for _, acc := range seedAccounts {
		u, err := s.st.UserByEmail(ctx, acc.email)
		if models.ErrorCode(err) == models.CodeNotFound {
			var hash string
			if hash, err = auth.HashPassword(auth.GeneratePassword(), auth.DefaultHashParams); err != nil {
				return err
			}
			u, err = s.st.CreateUser(ctx, store.System, store.NewUser{Email: acc.email, Name: acc.name, Role: acc.role, PasswordHash: hash})
			if err == nil {
				sum.Users++
				u, err = s.st.UpdateProfile(ctx, store.System, u.ID, u.Version, store.ProfilePatch{Title: &acc.title, Bio: &acc.bio})
			}
		}
		if err != nil {
			return err
		}
		if acc.role == models.RoleEditor {
			s.editor = u.ID
		} else {
			s.authors = append(s.authors, u.ID)
		}
	}
	// The covers are the photo reporter's: an author may edit the metadata of what they uploaded.
	s.photographer = store.Actor{UserID: s.authors[len(s.authors)-1], Role: models.RoleAuthor}
	return nil
}

// categories creates the taxonomy's tree, skipping the categories whose slug exists already.
func (s *seeder) categories(ctx context.Context, sum *Summary) error {
	existing, err := s.st.Categories(ctx)
	if err != nil {
		return err
	}
	bySlug := make(map[string]int64, len(existing))
	for _, c := range existing {
		bySlug[c.Slug] = c.ID
	}
	s.categoryIDs = map[string]int64{}
	ensure := func(name string, parentID *int64, position int) (int64, error) {
		slug := search.Slugify(name)
		if id, ok := bySlug[slug]; ok {
			s.categoryIDs[name] = id
			return id, nil
		}
		c, err := s.st.CreateCategory(ctx, store.System, store.CategoryInput{Name: name, Slug: slug, ParentID: parentID, Position: position})
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		sum.Categories++
		s.categoryIDs[name] = c.ID
		return c.ID, nil
	}
	for i, root := range s.Categories {
		id, err := ensure(root.Name, nil, i+1)
		if err != nil {
			return err
		}
		for j, child := range root.Children {
			if _, err := ensure(child, &id, j+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// articles tops the articles up to want, each published at its own time of the last two
// years. The topics take turns, so even a few articles cover every category. They are written
// store.ImportBatchSize at a time, each batch one transaction (store.ImportArticles).
func (s *seeder) articles(ctx context.Context, want int) (Count, error) {
	_, total, err := s.st.EditorialArticles(ctx, store.EditorialQuery{Now: s.now}, models.Page{Page: 1, PerPage: 1})
	if err != nil {
		return Count{}, err
	}
	out := Count{Total: total}
	editor := store.Actor{UserID: s.editor, Role: models.RoleEditor}
	batch := make([]store.ArticleImport, 0, store.ImportBatchSize)
	for i := int(total); i < want; i += len(batch) {
		batch = batch[:0]
		if err := s.storeCovers(ctx, i, min(want, i+store.ImportBatchSize)); err != nil {
			return out, fmt.Errorf("covers: %w", err)
		}
		for k := i; k < want && len(batch) < store.ImportBatchSize; k++ {
			in, publishAt, err := s.article(k)
			if err != nil {
				return out, err
			}
			// Written by one of the reporters (every fifth with a second one) and published by the
			// editor, both at its time.
			author := s.authors[k%len(s.authors)]
			if k%5 == 4 && len(s.authors) > 1 {
				in.AuthorIDs = []int64{author, s.authors[(k+1)%len(s.authors)]}
			}
			batch = append(batch, store.ArticleImport{ArticleInput: in, AuthorID: author, PublishedAt: publishAt})
		}
		if _, err := s.st.ImportArticles(ctx, editor, batch); err != nil {
			return out, err
		}
		out.Added += len(batch)
		out.Total += int64(len(batch))
		if out.Added%progressEvery < len(batch) {
			s.log.Info("seeding articles", "added", out.Added, "of", want-int(total))
		}
	}
	return out, nil
}

// article is the i-th seeded article and its publication time. Its cover (coverOf) must be
// stored already (storeCovers).
func (s *seeder) article(i int) (store.ArticleInput, time.Time, error) {
	topic := s.Topics[i%len(s.Topics)]
	categoryID, ok := s.categoryIDs[topic.Category]
	if !ok {
		return store.ArticleInput{}, time.Time{}, fmt.Errorf("topic %q is not a category of the taxonomy", topic.Category)
	}
	n, _ := s.coverOf(i)
	cover, ok := s.covers[n]
	if !ok {
		return store.ArticleInput{}, time.Time{}, fmt.Errorf("article %d: picture %d is not stored", i, n)
	}
	rng := itemRand(streamArticles, i)
	at := newsTime(rng, s.now)
	p := pick(rng, s.Places)
	fill := s.filler(rng, p, at.AddDate(0, 0, 7))
	tags := []string{pick(rng, topic.Tags)}
	if extra := pick(rng, topic.Tags); extra != tags[0] {
		tags = append(tags, extra)
	}
	if rng.IntN(2) == 0 {
		tags = append(tags, p.Short)
	}
	byline := ""
	if rng.IntN(4) > 0 {
		byline = pick(rng, s.Bylines)
	}
	title := fill.Replace(pick(rng, topic.Titles))
	return store.ArticleInput{
		Title:        title,
		Summary:      "(Mặt trận) - " + partOfDay(at) + ", " + fill.Replace(topic.Lead),
		Body:         s.body(rng),
		CategoryID:   categoryID,
		Tags:         tags,
		CoverMediaID: &cover,
		CoverCaption: "Ảnh minh họa: " + title,
		Byline:       byline,
		Featured:     i%10 == 0,
	}, at, nil
}

// documents tops the documents up to want, adding published ones. The i-th document is the issuers' turn
// i: each issuer numbers its documents 1, 2, 3, … (công văn from 3001), so numbers are unique
// per issuer; an index whose number was taken by hand meanwhile is skipped, and its PDF
// removed again. Each document has its own PDF (documentPDF).
func (s *seeder) documents(ctx context.Context, want int) (Count, error) {
	_, total, err := s.st.ListDocuments(ctx, store.DocumentFilter{}, models.Page{Page: 1, PerPage: 1})
	if err != nil {
		return Count{}, err
	}
	types, err := s.st.DocumentTypes(ctx)
	if err != nil {
		return Count{}, err
	}
	// Only types whose code the number parser knows, so every number reads back as written.
	var usable []models.DocumentType
	for _, t := range types {
		if docnumber.TypeNameForCode(t.Code) != "" {
			usable = append(usable, t)
		}
	}
	if len(usable) == 0 {
		return Count{Total: total}, errors.New("no document type has a code the number parser knows")
	}
	out := Count{Total: total}
	// Each index gives a different number of its issuer, so at most total indexes are taken.
	for i := int(total); out.Total < int64(want); i++ {
		in, err := s.document(i, usable)
		if err != nil {
			return out, err
		}
		p, err := documentPDF(in)
		if err != nil {
			return out, err
		}
		pdf, added, err := s.save(ctx, store.System, p)
		if err != nil {
			return out, err
		}
		in.AttachmentIDs = []int64{pdf.ID}
		_, err = s.st.CreateDocument(ctx, store.System, in)
		if models.ErrorCode(err) == models.CodeConflict {
			if added {
				if err := s.forget(ctx, store.System, pdf); err != nil {
					return out, err
				}
			}
			continue
		}
		if err != nil {
			return out, err
		}
		out.Added++
		out.Total++
	}
	return out, nil
}

// document is the i-th seeded document.
func (s *seeder) document(i int, types []models.DocumentType) (store.DocumentInput, error) {
	rng := itemRand(streamDocuments, i)
	issuer := s.Issuers[i%len(s.Issuers)]
	t := pick(rng, types)
	today := s.now.In(models.NewsroomZone)
	issued := models.NewDate(today.Year(), today.Month(), today.Day()-rng.IntN(pastDays))
	sequence := i/len(s.Issuers) + 1
	number := fmt.Sprintf("%d/%s-%s", sequence, t.Code, issuer.Code)
	switch t.Code {
	case "": // a công văn: no type code, and numbers in the thousands
		number = fmt.Sprintf("%d/%s", 3000+sequence, issuer.Code)
	case "QĐ", "QC": // decisions and regulations carry their year: 05/2024/QĐ-MTTW
		number = fmt.Sprintf("%d/%d/%s-%s", sequence, issued.Year(), t.Code, issuer.Code)
	}
	parts, err := docnumber.Parse(number)
	if err != nil {
		return store.DocumentInput{}, err
	}
	fill := s.filler(rng, pick(rng, s.Places), issued.Time())
	effective := models.DateOf(issued.Time().AddDate(0, 0, rng.IntN(15)))
	return store.DocumentInput{
		Number:      parts,
		Type:        t.Name,
		Title:       t.Name + " về " + fill.Replace(pick(rng, s.DocumentWords.Subjects)),
		Issuer:      issuer.Name,
		Signer:      pick(rng, s.DocumentWords.Signers),
		Field:       pick(rng, s.DocumentWords.Fields),
		IssuedOn:    issued,
		EffectiveOn: &effective,
		Status:      models.PublicationPublished,
	}, nil
}

// announcements tops the announcements up to want: every one published and started, the
// first two pinned, the fourth over, and every other one ending in the weeks ahead.
func (s *seeder) announcements(ctx context.Context, want int) (Count, error) {
	_, total, err := s.st.ListAnnouncements(ctx, "", false, models.Page{Page: 1, PerPage: 1})
	if err != nil {
		return Count{}, err
	}
	out := Count{Total: total}
	for i := int(total); i < want; i++ {
		text := s.AnnouncementTexts[i%len(s.AnnouncementTexts)]
		starts := s.now.AddDate(0, 0, -(2 + 5*i)).Truncate(time.Minute)
		in := store.AnnouncementInput{Pinned: i < 2, StartsAt: &starts, Status: models.PublicationPublished}
		switch {
		case i == 3:
			ends := starts.AddDate(0, 0, 3)
			in.EndsAt = &ends
		case i%2 == 0:
			ends := s.now.AddDate(0, 0, 14+7*i).Truncate(time.Minute)
			in.EndsAt = &ends
		}
		fill := s.filler(itemRand(streamAnnouncements, i), s.Places[0], starts.In(models.NewsroomZone))
		in.Title = fill.Replace(text.Title)
		body := make([]string, len(text.Body))
		for k, p := range text.Body {
			body[k] = fill.Replace(p)
		}
		in.Body = paragraphsHTML(body)
		if _, err := s.st.CreateAnnouncement(ctx, store.System, in); err != nil {
			return out, err
		}
		out.Added++
		out.Total++
	}
	return out, nil
}

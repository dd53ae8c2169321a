package seed

import (
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/toasoan/toasoan/internal/models"
)

// The sample material, copied from the project's fixtures so the binary needs nothing beside
// it: taxonomy.json as it is, the body paragraphs of the sample article page, and the words
// the seeder varies titles, leads, tags and documents with.
//
//go:embed content/taxonomy.json content/paragraphs.txt content/vocabulary.json
var files embed.FS

// taxonomy is the category tree and the issuing bodies of the sample portal.
type taxonomy struct {
	Categories []struct {
		Name     string   `json:"name"`
		Children []string `json:"children"`
	} `json:"categories"`
	Issuers []struct {
		Name string `json:"name"`
		Code string `json:"code"`
	} `json:"issuers"`
}

// place is a province or city: "Gia Lai" heads a title, "tỉnh Gia Lai" sits inside a sentence.
type place struct {
	Short string `json:"short"`
	Full  string `json:"full"`
}

// articleTopic is how articles of one category are written: title templates, the lead's
// template and the tags they carry. Templates hold {placeholders} (see content.filler).
type articleTopic struct {
	Category string   `json:"category"`
	Titles   []string `json:"titles"`
	Lead     string   `json:"lead"`
	Tags     []string `json:"tags"`
}

type announcementText struct {
	Title string   `json:"title"`
	Body  []string `json:"body"`
}

type vocabulary struct {
	Topics        []articleTopic `json:"articles"`
	Places        []place        `json:"places"`
	Countries     []string       `json:"countries"`
	Ordinals      []string       `json:"ordinals"`
	Bylines       []string       `json:"bylines"`
	DocumentWords struct {
		Subjects []string `json:"subjects"`
		Fields   []string `json:"fields"`
		Signers  []string `json:"signers"`
	} `json:"documents"`
	AnnouncementTexts []announcementText `json:"announcements"`
}

// content is everything the seeder writes with.
type content struct {
	taxonomy
	vocabulary
	paragraphs []string // plain text, one per paragraph
}

func loadContent() (content, error) {
	var c content
	for name, into := range map[string]any{"content/taxonomy.json": &c.taxonomy, "content/vocabulary.json": &c.vocabulary} {
		b, err := files.ReadFile(name)
		if err != nil {
			return c, err
		}
		if err := json.Unmarshal(b, into); err != nil {
			return c, fmt.Errorf("%s: %w", name, err)
		}
	}
	b, err := files.ReadFile("content/paragraphs.txt")
	if err != nil {
		return c, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			c.paragraphs = append(c.paragraphs, line)
		}
	}
	return c, nil
}

// itemRand is the random source of the i-th item of a kind: each item is the same whichever
// run writes it, so a database topped up later looks like one seeded at once.
func itemRand(kind uint64, i int) *rand.Rand { return rand.New(rand.NewPCG(kind, uint64(i))) }

func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

// filler fills a template's placeholders for one item: {place}, {place_full}, {country},
// {ordinal}, {amount} (billions of đồng, "17,9"), {count}, {year} and {month} of the event, and
// {day} and {day2}, two days of the same month for an event on two days.
func (c content) filler(rng *rand.Rand, p place, event time.Time) *strings.Replacer {
	next := event.AddDate(0, 0, 1)
	if next.Month() != event.Month() {
		event, next = event.AddDate(0, 0, -1), event
	}
	return strings.NewReplacer(
		"{place}", p.Short,
		"{place_full}", p.Full,
		"{country}", pick(rng, c.Countries),
		"{ordinal}", pick(rng, c.Ordinals),
		"{amount}", fmt.Sprintf("%d,%d", 2+rng.IntN(40), rng.IntN(10)),
		"{count}", strconv.Itoa(5+rng.IntN(200)),
		"{year}", strconv.Itoa(event.Year()),
		"{month}", strconv.Itoa(int(event.Month())),
		"{day}", strconv.Itoa(event.Day()),
		"{day2}", strconv.Itoa(next.Day()),
	)
}

// body is an article body: three or more of the sample paragraphs, in their order from a random
// one on, as HTML.
func (c content) body(rng *rand.Rand) string {
	n := len(c.paragraphs)
	start, count := rng.IntN(n), 3+rng.IntN(n-2)
	list := make([]string, count)
	for k := range list {
		list[k] = c.paragraphs[(start+k)%n]
	}
	return paragraphsHTML(list)
}

func paragraphsHTML(list []string) string {
	var b strings.Builder
	for _, p := range list {
		b.WriteString("<p>" + html.EscapeString(p) + "</p>\n")
	}
	return b.String()
}

// pastDays is how far back seeded content goes.
const pastDays = 730

// newsTime is a time of day at which a newsroom publishes (6:00 to 22:00 in Vietnam), on a day
// of the last two years, before now.
func newsTime(rng *rand.Rand, now time.Time) time.Time {
	local := now.In(models.NewsroomZone)
	day := time.Date(local.Year(), local.Month(), local.Day()-rng.IntN(pastDays), 0, 0, 0, 0, models.NewsroomZone)
	t := day.Add(6*time.Hour + time.Duration(rng.IntN(16*60*60))*time.Second)
	if !t.Before(now) {
		t = t.AddDate(0, 0, -1)
	}
	return t
}

// partOfDay opens a lead the way the portal does: "Chiều ngày 23/8".
func partOfDay(t time.Time) string {
	t = t.In(models.NewsroomZone)
	when := "Sáng"
	if t.Hour() >= 12 {
		when = "Chiều"
	}
	return fmt.Sprintf("%s ngày %d/%d", when, t.Day(), int(t.Month()))
}

package store_test

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// minJudgedNDCG is the floor of the mean nDCG@10 over testdata/judgements.tsv, on each engine: a
// little below what they measure (README, search section), so that a change that ranks worse
// fails here.
const minJudgedNDCG = 0.85

// The ranking, measured: the mean nDCG@10 of public search over the judgement set's queries,
// with the articles of testdata/ranking-articles.tsv indexed, on both databases.
func TestSearchJudgements(t *testing.T) {
	articles := readTSV(t, "testdata/ranking-articles.tsv", 4)
	judgements := readTSV(t, "testdata/judgements.tsv", 2)
	if len(judgements) < 40 {
		t.Fatalf("only %d judged queries", len(judgements))
	}
	now := t0.Add(24 * time.Hour)
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		ctx := context.Background()
		for _, a := range articles {
			id, err1 := strconv.ParseInt(a[0], 10, 64)
			age, err2 := strconv.Atoi(a[1])
			if err1 != nil || err2 != nil {
				t.Fatalf("bad article row %q", a)
			}
			// Published at a time of day that varies with the id, so equal ages do not tie.
			at := now.Add(-time.Duration(age)*24*time.Hour - time.Duration(id)*time.Minute)
			if err := st.Reindex(ctx, publicEntry(store.KindArticle, id, a[2], a[3], at)); err != nil {
				t.Fatal(err)
			}
		}
		sum, worst := 0.0, []string{}
		for _, j := range judgements {
			grades := map[string]int{}
			for _, g := range strings.Fields(j[1]) {
				id, grade, ok := strings.Cut(g, ":")
				n, err := strconv.Atoi(grade)
				if !ok || err != nil {
					t.Fatalf("bad judgement %q of %q", g, j[0])
				}
				grades["article:"+id] = n
			}
			got := firstTen(t, st, j[0], now)
			score := ndcgAt10(got, grades)
			sum += score
			if score < 0.6 {
				worst = append(worst, fmt.Sprintf("%q %.2f %v", j[0], score, got[:min(len(got), 10)]))
			}
		}
		mean := sum / float64(len(judgements))
		t.Logf("mean nDCG@10 over %d judged queries: %.3f (floor %.2f)", len(judgements), mean, minJudgedNDCG)
		for _, w := range worst {
			t.Logf("ranked poorly: %s", w)
		}
		if mean < minJudgedNDCG {
			t.Errorf("mean nDCG@10 %.3f is below the floor %.2f", mean, minJudgedNDCG)
		}
	})
}

// firstTen is the first page of ten of the public search of articles for q.
func firstTen(t *testing.T, st *store.Store, q string, now time.Time) []string {
	t.Helper()
	query, err := st.ParseSearch(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	hits, _, err := st.Search(context.Background(), store.SearchQuery{
		Query: query, Kinds: []string{store.KindArticle}, Public: true, Now: now, Limit: 10,
	})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = fmt.Sprintf("%s:%d", h.Kind, h.ItemID)
	}
	return out
}

// ndcgAt10 is the normalised discounted cumulative gain of the first ten results: each result
// gains 2^grade − 1, discounted by log2(rank + 1), over the same for the ideal order.
func ndcgAt10(got []string, grades map[string]int) float64 {
	dcg := func(gs []int) float64 {
		sum := 0.0
		for i, g := range gs[:min(len(gs), 10)] {
			sum += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i+2))
		}
		return sum
	}
	var ranked, ideal []int
	for _, item := range got {
		ranked = append(ranked, grades[item])
	}
	for _, g := range grades {
		ideal = append(ideal, g)
	}
	slices.SortFunc(ideal, func(a, b int) int { return b - a })
	return dcg(ranked) / dcg(ideal)
}

// nDCG@10 tells a good order from a bad one, and a missing hit from a lower one.
func TestNDCGAt10(t *testing.T) {
	grades := map[string]int{"a": 3, "b": 1, "c": 1}
	for _, tc := range []struct {
		got  []string
		want float64
	}{
		{[]string{"a", "b", "c", "x"}, 1},
		{[]string{"a", "c", "b"}, 1},
		{[]string{"x", "a", "b", "c"}, 0.658},
		{[]string{"b", "c", "a"}, 0.631},
		{nil, 0},
	} {
		if got := ndcgAt10(tc.got, grades); math.Abs(got-tc.want) > 0.001 {
			t.Errorf("nDCG@10 of %v = %.3f, want %.3f", tc.got, got, tc.want)
		}
	}
}

// readTSV reads the rows of a tab-separated fixture of n columns, past its # comments and header.
func readTSV(t *testing.T, path string, n int) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	header := true
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if header {
			header = false
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != n {
			t.Fatalf("%s: %d columns in %q, want %d", path, len(cols), line, n)
		}
		rows = append(rows, cols)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

package handlers

// Sparse fields (fields=) and batches by id (ids=) of the public article reads, for apps.

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// sparseMediaType is the type of an answer with fields= (internal/openapi.SparseMediaType): JSON
// like the full answer, but its schema requires none of the items' properties. The full answer
// keeps application/json and its schema, so typed clients keep their types.
const sparseMediaType = "application/vnd.toasoan.sparse+json"

// jsonNames are the top-level JSON field names of a struct type, embedded structs' included,
// in the order they are written.
func jsonNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case f.Anonymous && name == "":
			out = append(out, jsonNames(f.Type)...)
		case name != "" && name != "-" && f.IsExported():
			out = append(out, name)
		}
	}
	return out
}

// articleItemFields and articleFields are the names fields= may pick from on the public list
// (and batches) and on an article.
var (
	articleItemFields = jsonNames(reflect.TypeFor[publicArticle]())
	articleFields     = jsonNames(reflect.TypeFor[publicArticleDetail]())
)

// Fields reads fields= (names separated by commas) against the names allowed: nil when absent,
// which means every field. An unknown or empty name fails the parameter, naming it. The names
// come back sorted and without repeats, so the same set asked in any order gives the same body.
func (q *queryParams) Fields(allowed []string) []string {
	v := q.String("fields")
	if _, given := q.values["fields"]; !given {
		return nil
	}
	var out, unknown []string
	for name := range strings.SplitSeq(v, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(allowed, name) {
			unknown = append(unknown, strconv.Quote(name))
			continue
		}
		out = append(out, name)
	}
	if len(unknown) > 0 {
		q.fail("fields", "unknown field "+strings.Join(unknown, ", ")+"; the fields are: "+strings.Join(allowed, ", "))
		return nil
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// IDs reads ids= (at most max positive whole numbers separated by commas), in the order given,
// without repeats; nil when absent.
func (q *queryParams) IDs(name string, limit int) []int64 {
	if _, given := q.values[name]; !given {
		return nil
	}
	parts := strings.Split(q.String(name), ",")
	if len(parts) > limit {
		q.fail(name, "must name at most "+strconv.Itoa(limit)+" ids")
		return nil
	}
	out := make([]int64, 0, len(parts))
	for _, p := range parts {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || id < 1 {
			q.fail(name, "must be positive whole numbers separated by commas, e.g. 12,40,41")
			return nil
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// sparse is v (a struct) as a JSON object of only the fields named (all when fields is nil).
func sparse(v any, fields []string) (any, error) {
	if fields == nil {
		return v, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(models.WithShownTimes(v)); err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &all); err != nil {
		return nil, err
	}
	out := make(map[string]json.RawMessage, len(fields))
	for _, f := range fields {
		if raw, ok := all[f]; ok {
			out[f] = raw
		}
	}
	return out, nil
}

// sparseList is sparse for every item of a list.
func sparseList[T any](list []T, fields []string) (any, error) {
	if fields == nil {
		return list, nil
	}
	out := make([]any, len(list))
	for i, v := range list {
		var err error
		if out[i], err = sparse(v, fields); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// batchConflicts are the parameters of the public list that ids cannot be combined with: a
// batch is the articles named, in the order named, not a filtered, sorted or paged list.
var batchConflicts = []string{"page", "per_page", "cursor", "category", "tag", "featured", "author", "from", "to", "q", "sort", "period", "updated_since"}

// batchMeta is the meta of a batch: one page holding every article found.
func batchMeta(found int) listMeta {
	return listMeta{Pagination: models.NewPagination(models.Page{Page: 1, PerPage: store.MaxArticleIDs}, int64(found))}
}

package store

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/toasoan/toasoan/internal/surrogate"
)

// The memo keeps in memory what many public reads need and few writes change, so that a public
// request's queries do not grow with the archive: the small shared tables (categories, authors'
// profiles) and the totals of public lists (a count over the archive per list page would be linear
// in it).
//
// A value is kept with the families of public content it depends on (surrogate's families:
// articles, categories, authors, …). It is dropped
//   - when a purge names one of them: a write of this process, or through ListenPurges one of
//     any other process on the database, names what it changed (purge.go); an item's key
//     ("category-3") counts for its family;
//   - at the next scheduled change of public content, for values that depend on it (a total of
//     published articles changes when a scheduled one comes due, with no write);
//   - after memoTTL at most: a safety net for changes made outside toasoan (an operator's SQL).
//
// A value computed while one of its families was purged is not kept, as in the response cache:
// it may show what that write changed, or not. Each family has a generation, raised by each
// purge of it; a value is kept only if the generations it was read at still hold.

// memoTTL bounds how long a value is kept when nothing purges it.
const memoTTL = time.Minute

// memoEntries bounds the number of values (totals of many filters, mostly).
const memoEntries = 4096

// Families the memo tracks, besides surrogate's: every key names one.
const familyAuthors = "authors"

type memoEntry struct {
	value any
	gens  []uint64 // of its families, as read before it was computed
	from  time.Time
	until time.Time // the next scheduled change it depends on, or from + memoTTL
}

type memo struct {
	mu  sync.Mutex
	gen map[string]uint64 // purges of each family so far
	lru *simplelru.LRU[string, memoEntry]
}

func newMemo() *memo {
	lru, _ := simplelru.NewLRU[string, memoEntry](memoEntries, nil) // only fails for a size < 1
	return &memo{gen: map[string]uint64{}, lru: lru}
}

// keyFamily is the family a surrogate key belongs to: "category-3" is of "categories".
func keyFamily(key string) string {
	kind, _, found := strings.Cut(key, "-")
	if !found || key == surrogate.DocumentTypes {
		return key
	}
	switch kind {
	case "article":
		return surrogate.Articles
	case "category":
		return surrogate.Categories
	case "tag":
		return surrogate.Tags
	case "author":
		return familyAuthors
	case "announcement":
		return surrogate.Announcements
	case "document":
		return surrogate.Documents
	}
	return kind // media-N: no memo value shows media
}

// purged raises the generations of the families keys name; surrogate.All raises every one.
func (m *memo) purged(keys []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if k == surrogate.All { // every value depends on it (see generations)
			m.lru.Purge()
		}
		m.gen[keyFamily(k)]++
	}
}

// generations reads the current generations of families and of surrogate.All, on which every
// value depends.
func (m *memo) generations(families []string) []uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	gens := make([]uint64, len(families)+1)
	for i, f := range families {
		gens[i] = m.gen[f]
	}
	gens[len(families)] = m.gen[surrogate.All]
	return gens
}

// get returns the value under key if it is still good at now for families.
func (m *memo) get(key string, families []string, now time.Time) (any, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.lru.Get(key)
	if !ok {
		return nil, false
	}
	if now.Before(e.from) || !now.Before(e.until) || !m.holds(families, e.gens) {
		m.lru.Remove(key)
		return nil, false
	}
	return e.value, true
}

// put keeps value under key, computed at now after reading gens, unless a purge of one of its
// families came meanwhile. until is when it stops being good (zero: only memoTTL bounds it).
func (m *memo) put(key string, families []string, gens []uint64, value any, now, until time.Time) {
	limit := now.Add(memoTTL)
	if until.IsZero() || until.After(limit) {
		until = limit
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.holds(families, gens) {
		return
	}
	m.lru.Add(key, memoEntry{value: value, gens: gens, from: now, until: until})
}

func (m *memo) holds(families []string, gens []uint64) bool {
	for i, f := range families {
		if m.gen[f] != gens[i] {
			return false
		}
	}
	return m.gen[surrogate.All] == gens[len(families)]
}

// forget drops the value under key (it was found to lack something, as a user created since).
func (m *memo) forget(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lru.Remove(key)
}

// memoized returns the value under key, computing and keeping it on a miss. scheduled says
// whether it depends on the next scheduled change of public content (a total of published
// articles); compute runs without the memo's lock, so concurrent misses may each compute.
func memoized[T any](ctx context.Context, s *Store, key string, families []string, now time.Time, scheduled bool, compute func() (T, error)) (T, error) {
	now = now.UTC()
	if v, ok := s.memo.get(key, families, now); ok {
		return v.(T), nil
	}
	gens := s.memo.generations(families)
	var until time.Time
	if scheduled {
		next, err := s.NextScheduledChange(ctx, now)
		if err != nil {
			var zero T
			return zero, err
		}
		until = next
	}
	v, err := compute()
	if err != nil {
		return v, err
	}
	s.memo.put(key, families, gens, v, now, until)
	return v, nil
}

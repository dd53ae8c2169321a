package handlers

import (
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/toasoan/toasoan/internal/surrogate"
)

// The response cache keeps the encoded bodies of public GETs, so that a page is computed once
// per change rather than once per request.
//
//   - Exact: every entry carries the surrogate keys of what it shows (package surrogate), and a
//     committed write that changes public content purges its keys (store.OnPurge), on this
//     process at commit and on every other process through PostgreSQL's NOTIFY. Writes that
//     change nothing public (logins, sessions, submissions, audit entries, view flushes) purge
//     nothing. A response computed while a purge of one of its keys happened is not kept.
//   - Time: an entry is fresh for TOASOAN_CACHE_TTL (default 5m), a safety net only, and never
//     past the next scheduled change of public content (an article's publish_at, an
//     announcement's starts_at or ends_at), after which it is gone.
//   - One computation per key: concurrent misses of a key wait for the first one's response.
//     Once its TTL has passed, an entry is still served, for at most staleFor, to the requests
//     that come while one request computes its replacement (never past a scheduled change,
//     and never after a purge).
//   - Bounded: at most TOASOAN_CACHE_MAX_MB of bodies and keys; the least recently used entries
//     go first (hashicorp/golang-lru's simplelru keeps the order).
//
// Hits, stale hits, coalesced misses, misses, evictions and bytes are in /metrics
// (toasoan_response_cache_*).
type responseCache struct {
	ttl      time.Duration
	staleFor time.Duration
	maxBytes int64
	// nextChange is the first scheduled change of public content after now (zero: none).
	nextChange func(ctx context.Context, now time.Time) (time.Time, error)

	mu      sync.Mutex
	lru     *simplelru.LRU[string, *cachedResponse]
	bytes   int64
	byKey   map[string]map[string]struct{} // surrogate key → cache keys of the entries carrying it
	flights map[string]chan struct{}       // cache key → closed when its computation ends
	// gen counts purges; recent holds the latest ones, so put can tell whether one that
	// touched an entry's keys happened while the entry was computed.
	gen    uint64
	recent []purgeRecord

	metrics cacheMetrics
	waiting atomic.Int64 // requests waiting for another's computation (for tests)
}

// staleFor bounds how long past its TTL an entry may be served while its replacement is
// computed.
const staleFor = 30 * time.Second

// maxRecentPurges is how many purges put can look back on; an entry computed over more is not
// kept.
const maxRecentPurges = 1024

// entryOverhead is what an entry costs beyond its body, key and surrogate keys, roughly: the
// struct, the LRU's list element and maps, the ETag and content type.
const entryOverhead = 256

type purgeRecord struct {
	gen  uint64
	keys []string
}

type cachedResponse struct {
	contentType string
	body        []byte
	etag        string
	keys        []string  // surrogate keys
	fresh       time.Time // served as it is until then
	usable      time.Time // served stale, while one request computes its replacement, until then
	size        int64
}

type cacheMetrics struct {
	lookups   *prometheus.CounterVec // result: hit, stale, miss
	evictions *prometheus.CounterVec // reason: size, purge, expired
	bytes     prometheus.Gauge
	entries   prometheus.Gauge
}

func newResponseCache(ttl time.Duration, maxBytes int64, reg prometheus.Registerer,
	nextChange func(ctx context.Context, now time.Time) (time.Time, error)) (*responseCache, error) {
	rc := &responseCache{
		ttl: ttl, staleFor: min(ttl, staleFor), maxBytes: maxBytes, nextChange: nextChange,
		byKey: map[string]map[string]struct{}{}, flights: map[string]chan struct{}{},
		metrics: cacheMetrics{
			lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "toasoan_response_cache_lookups_total",
				Help: "Public GETs looked up in the response cache, by result: hit, stale (served while refreshed), coalesced (waited for another request's computation of it), miss.",
			}, []string{"result"}),
			evictions: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "toasoan_response_cache_evictions_total",
				Help: "Entries dropped from the response cache, by reason: size (least recently used, over TOASOAN_CACHE_MAX_MB), purge (a write changed what they show), expired.",
			}, []string{"reason"}),
			bytes: prometheus.NewGauge(prometheus.GaugeOpts{
				Name: "toasoan_response_cache_bytes", Help: "Bytes the response cache holds (bodies, keys and overhead).",
			}),
			entries: prometheus.NewGauge(prometheus.GaugeOpts{
				Name: "toasoan_response_cache_entries", Help: "Entries in the response cache.",
			}),
		},
	}
	for _, r := range []string{"hit", "stale", "coalesced", "miss"} {
		rc.metrics.lookups.WithLabelValues(r)
	}
	for _, r := range []string{"size", "purge", "expired"} {
		rc.metrics.evictions.WithLabelValues(r)
	}
	for _, c := range []prometheus.Collector{rc.metrics.lookups, rc.metrics.evictions, rc.metrics.bytes, rc.metrics.entries} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	// The LRU's own bound is never reached: bytes bound the cache (see put).
	lru, err := simplelru.NewLRU[string, *cachedResponse](math.MaxInt32, rc.forget)
	if err != nil {
		return nil, err
	}
	rc.lru = lru
	return rc, nil
}

// forget unlinks an entry the LRU dropped from the surrogate keys' index (rc.mu is held).
func (rc *responseCache) forget(key string, r *cachedResponse) {
	rc.bytes -= r.size
	for _, k := range r.keys {
		if set := rc.byKey[k]; set != nil {
			delete(set, key)
			if len(set) == 0 {
				delete(rc.byKey, k)
			}
		}
	}
}

type cacheState int

const (
	miss cacheState = iota
	fresh
	stale
)

// get finds the entry of key and says whether it is fresh, usable only while refreshed
// (stale), or missing.
func (rc *responseCache) get(key string, now time.Time) (*cachedResponse, cacheState) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r, ok := rc.lru.Get(key)
	switch {
	case !ok:
		return nil, miss
	case now.Before(r.fresh):
		return r, fresh
	case now.Before(r.usable):
		return r, stale
	default:
		rc.lru.Remove(key)
		rc.metrics.evictions.WithLabelValues("expired").Inc()
		rc.updateGauges()
		return nil, miss
	}
}

// lead makes the caller the one computing key, or returns the channel that closes when the
// one computing it ends.
func (rc *responseCache) lead(key string) (done chan struct{}, leader bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if ch, ok := rc.flights[key]; ok {
		return ch, false
	}
	ch := make(chan struct{})
	rc.flights[key] = ch
	return ch, true
}

// land ends the computation of key: whoever waits for it looks again.
func (rc *responseCache) land(key string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if ch, ok := rc.flights[key]; ok {
		close(ch)
		delete(rc.flights, key)
	}
}

// generation is the purge count, read before a response is computed.
func (rc *responseCache) generation() uint64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.gen
}

// bound is when an entry stored at now stops being usable at the latest: the next scheduled
// change of public content (the store keeps it in its memo until a write or the change itself).
// ok is false if that cannot be told (the database failed): the response is then not kept.
func (rc *responseCache) bound(ctx context.Context, now time.Time) (t time.Time, ok bool) {
	next, err := rc.nextChange(ctx, now)
	return next, err == nil
}

// put keeps a response computed since generation gen, unless a purge of one of its keys (or of
// everything) happened meanwhile: it may show what that write changed, or not.
func (rc *responseCache) put(key string, gen uint64, r *cachedResponse) {
	r.size = int64(len(r.body)+len(key)+len(r.etag)+len(r.contentType)) + entryOverhead
	for _, k := range r.keys {
		r.size += int64(len(k)) + 48
	}
	if r.size > rc.maxBytes/8 { // one entry never takes most of the cache
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.gen != gen && rc.purgedSince(gen, r.keys) {
		return
	}
	rc.lru.Remove(key) // Add would replace an entry without forgetting it
	rc.lru.Add(key, r)
	rc.bytes += r.size
	for _, k := range r.keys {
		set := rc.byKey[k]
		if set == nil {
			set = map[string]struct{}{}
			rc.byKey[k] = set
		}
		set[key] = struct{}{}
	}
	for rc.bytes > rc.maxBytes {
		if _, _, ok := rc.lru.RemoveOldest(); !ok {
			break
		}
		rc.metrics.evictions.WithLabelValues("size").Inc()
	}
	rc.updateGauges()
}

// purgedSince reports whether a purge after generation gen touched keys (rc.mu is held).
func (rc *responseCache) purgedSince(gen uint64, keys []string) bool {
	if len(rc.recent) == 0 || rc.recent[0].gen > gen+1 {
		return true // older than what is remembered
	}
	for _, p := range rc.recent {
		if p.gen <= gen {
			continue
		}
		for _, k := range p.keys {
			if k == surrogate.All || slices.Contains(keys, k) {
				return true
			}
		}
	}
	return false
}

// purge drops every entry that carries one of keys (all of them for surrogate.All). It is the
// store's OnPurge subscriber.
func (rc *responseCache) purge(keys []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.gen++
	rc.recent = append(rc.recent, purgeRecord{gen: rc.gen, keys: keys})
	if len(rc.recent) > maxRecentPurges {
		rc.recent = slices.Delete(rc.recent, 0, len(rc.recent)-maxRecentPurges)
	}
	for _, k := range keys {
		if k == surrogate.All {
			n := rc.lru.Len()
			rc.lru.Purge()
			rc.metrics.evictions.WithLabelValues("purge").Add(float64(n))
		}
		for key := range rc.byKey[k] {
			if rc.lru.Remove(key) {
				rc.metrics.evictions.WithLabelValues("purge").Inc()
			}
		}
	}
	rc.updateGauges()
}

func (rc *responseCache) updateGauges() {
	rc.metrics.bytes.Set(float64(rc.bytes))
	rc.metrics.entries.Set(float64(rc.lru.Len()))
}

// cacheFill is what publicBody needs to store the response it writes.
type cacheFill struct {
	cache *responseCache
	key   string
	gen   uint64
	at    time.Time // when the request came: the entry's age counts from then
}

const cacheFillKey = "response_cache_fill"

// cached serves a public GET from the response cache when it can, and lets publicBody fill it
// otherwise. The key is the path with its query, as both decide the body.
func (s *Server) cached(h echo.HandlerFunc) echo.HandlerFunc {
	if s.cache == nil {
		return h
	}
	rc := s.cache
	return func(c echo.Context) error {
		key := c.Request().URL.RequestURI()
		now := s.now()
		r, state := rc.get(key, now)
		if state == fresh {
			rc.metrics.lookups.WithLabelValues("hit").Inc()
			return writePublic(c, r.contentType, r.body, r.etag, r.keys)
		}
		done, leader := rc.lead(key)
		if !leader {
			if state == stale { // someone is computing its replacement
				rc.metrics.lookups.WithLabelValues("stale").Inc()
				return writePublic(c, r.contentType, r.body, r.etag, r.keys)
			}
			rc.waiting.Add(1)
			defer rc.waiting.Add(-1)
			select {
			case <-done:
			case <-c.Request().Context().Done():
				return c.Request().Context().Err()
			}
			if r, state := rc.get(key, s.now()); state == fresh {
				rc.metrics.lookups.WithLabelValues("coalesced").Inc()
				return writePublic(c, r.contentType, r.body, r.etag, r.keys)
			}
			// The first computation kept nothing (an error, a 404, a purge meanwhile): this
			// request computes its own, and may keep it.
			if done, leader = rc.lead(key); !leader {
				rc.metrics.lookups.WithLabelValues("miss").Inc()
				return h(c)
			}
		}
		defer rc.land(key)
		rc.metrics.lookups.WithLabelValues("miss").Inc()
		c.Set(cacheFillKey, &cacheFill{cache: rc, key: key, gen: rc.generation(), at: now})
		return h(c)
	}
}

// fill keeps the response publicBody writes, if the request may fill the cache.
func (f *cacheFill) fill(ctx context.Context, contentType string, body []byte, etag string, keys []string) {
	if len(keys) == 0 {
		return // nothing could purge it
	}
	bound, ok := f.cache.bound(ctx, f.at)
	if !ok {
		return
	}
	r := &cachedResponse{contentType: contentType, body: body, etag: etag, keys: keys,
		fresh: f.at.Add(f.cache.ttl)}
	r.usable = r.fresh.Add(f.cache.staleFor)
	if !bound.IsZero() {
		r.fresh, r.usable = minTime(r.fresh, bound), minTime(r.usable, bound)
	}
	if !f.at.Before(r.fresh) {
		return
	}
	f.cache.put(f.key, f.gen, r)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// responseKeysKey holds, in a request's context, the surrogate keys of its public response.
const responseKeysKey = "surrogate_keys"

// addKeys notes surrogate keys of what the public response of c shows.
func addKeys(c echo.Context, keys ...string) {
	set, _ := c.Get(responseKeysKey).(*surrogate.Set)
	if set == nil {
		set = &surrogate.Set{}
		c.Set(responseKeysKey, set)
	}
	set.Add(keys...)
}

// responseKeys are the surrogate keys noted for c's response.
func responseKeys(c echo.Context) []string {
	if set, ok := c.Get(responseKeysKey).(*surrogate.Set); ok {
		return set.Keys()
	}
	return nil
}

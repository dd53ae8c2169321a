package handlers

import (
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// maxCachedResponses bounds the response cache; when full it starts again empty.
const maxCachedResponses = 5000

// responseCache keeps the encoded bodies of public GETs for a short time (TOASOAN_CACHE_TTL),
// so a busy front page is computed once per TTL rather than once per request. Any write through
// this process's store that changes what readers see empties it at once (a view flush does not:
// see store.AddViews); writes by other replicas, and visibility that comes with time (a
// scheduled article, an announcement's window), show within the TTL.
type responseCache struct {
	ttl    time.Duration
	writes func() uint64 // the store's write counter

	mu      sync.Mutex
	entries map[string]cachedResponse
	seen    uint64 // the write counter the entries were read under
}

type cachedResponse struct {
	contentType string
	body        []byte
	etag        string
	stored      time.Time
}

func newResponseCache(ttl time.Duration, writes func() uint64) *responseCache {
	return &responseCache{ttl: ttl, writes: writes, entries: map[string]cachedResponse{}}
}

func (rc *responseCache) get(key string, now time.Time) (cachedResponse, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if w := rc.writes(); w != rc.seen {
		clear(rc.entries)
		rc.seen = w
		return cachedResponse{}, false
	}
	r, ok := rc.entries[key]
	if !ok || now.Sub(r.stored) >= rc.ttl {
		return cachedResponse{}, false
	}
	return r, true
}

// put keeps a response read under the write counter seen before it was computed; one computed
// while a write happened is dropped, as it may be stale.
func (rc *responseCache) put(key string, seen uint64, r cachedResponse) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.writes() != seen {
		return
	}
	if rc.seen != seen {
		clear(rc.entries)
		rc.seen = seen
	}
	if len(rc.entries) >= maxCachedResponses {
		clear(rc.entries)
	}
	rc.entries[key] = r
}

// cacheFill is what publicBody needs to store the response it writes.
type cacheFill struct {
	cache *responseCache
	key   string
	seen  uint64
	at    time.Time // when the request came: the entry's age counts from then
}

const cacheFillKey = "response_cache_fill"

// cached serves a public GET from the response cache when it can, and lets publicBody fill it
// otherwise. The key is the path with its query, as both decide the body.
func (s *Server) cached(h echo.HandlerFunc) echo.HandlerFunc {
	if s.cache == nil {
		return h
	}
	return func(c echo.Context) error {
		key := c.Request().URL.RequestURI()
		now := s.now()
		if r, ok := s.cache.get(key, now); ok {
			return writePublic(c, r.contentType, r.body, r.etag)
		}
		c.Set(cacheFillKey, &cacheFill{cache: s.cache, key: key, seen: s.cache.writes(), at: now})
		return h(c)
	}
}

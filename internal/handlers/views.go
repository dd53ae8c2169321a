package handlers

import (
	"context"
	"hash/maphash"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/loop"
	"github.com/toasoan/toasoan/internal/models"
)

// viewFlushInterval is how often buffered article views are written. A crash loses the views
// of at most this long (those recorded since the last flush); a clean shutdown loses none.
const viewFlushInterval = 10 * time.Second

// The view beacon's rules.
const (
	// viewDedupWindow: a client (IP and User-Agent) reading an article again within it is one view.
	viewDedupWindow = 30 * time.Minute
	// viewDedupPairs bounds the (client, article) pairs remembered, least recently seen
	// forgotten first: about 8 MB at most.
	viewDedupPairs = 100_000
	// viewBeaconsPerMinute per IP, counted or not; beyond it 429. Generous, as many readers of
	// a mobile network may share one address.
	viewBeaconsPerMinute = 300
	viewBeaconWindow     = time.Minute
)

// knownBots matches the User-Agents whose views are not counted: search and AI crawlers and
// link previews (Googlebot, bingbot, Facebook's facebookexternalhit, Meta's agents, Zalo's,
// Telegram's and the others' "…Bot"), monitors and headless browsers, and HTTP libraries and
// command-line tools (curl, wget, …), which no reader uses to send a beacon. Crawlers mostly
// name themselves "…bot/", "…bot-…", "…bot;" or "…bot)"; a phone model such as "CUBOT X30"
// does not match, and neither do in-app browsers (Zalo's, Facebook's), which readers use.
// An empty User-Agent is a script too: every browser sends one.
var knownBots = regexp.MustCompile(`(?i)` +
	`bot[/;)\-]|bot$|spider|crawler|slurp|` +
	`googlebot|bingbot|facebookexternalhit|facebookcatalog|meta-external|` +
	`whatsapp/|skypeuripreview|embedly|quora link preview|` +
	`lighthouse|pagespeed|headlesschrome|phantomjs|pingdom|` +
	`^curl/|^wget/|python-requests|python-urllib|aiohttp|httpx|go-http-client|libwww-perl|` +
	`^java/|apache-httpclient|node-fetch|undici|axios/|postmanruntime|insomnia`)

// isBot says whether a User-Agent is one whose views are not counted.
func isBot(userAgent string) bool { return userAgent == "" || knownBots.MatchString(userAgent) }

// recentViews remembers which client read which article when, to count one view per client
// and article within viewDedupWindow. Clients are told apart by IP and User-Agent, hashed so a
// long User-Agent costs no memory; time comes from the server's clock.
type recentViews struct {
	seed  maphash.Seed
	pairs *lru.Cache[uint64, time.Time]
}

func newRecentViews() *recentViews {
	pairs, err := lru.New[uint64, time.Time](viewDedupPairs)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &recentViews{seed: maphash.MakeSeed(), pairs: pairs}
}

// first records that the client read the article at now, and says whether that is the first
// time within viewDedupWindow.
func (r *recentViews) first(ip, userAgent string, articleID int64, now time.Time) bool {
	var h maphash.Hash
	h.SetSeed(r.seed)
	h.WriteString(ip)
	h.WriteByte(0)
	h.WriteString(userAgent)
	h.WriteByte(0)
	h.WriteString(strconv.FormatInt(articleID, 10))
	key := h.Sum64()
	// Peek, then Add: the pair's time is when its view was counted, so a client reading all
	// day counts once per window, not once a day.
	if at, ok := r.pairs.Peek(key); ok && now.Sub(at) < viewDedupWindow {
		return false
	}
	r.pairs.Add(key, now)
	return true
}

// recordView godoc
//
//	@ID				recordArticleView
//	@Summary		Count a view of a published article
//	@Description	The view beacon: the frontend sends it from the reader's browser once the article is shown, with `navigator.sendBeacon(url)` or `fetch(url, {method: "POST", keepalive: true})`. Reading the article (`GET`, `HEAD`, a conditional GET) never counts a view. No body is needed, and any body and Content-Type are accepted and ignored (sendBeacon's `text/plain` included).
//	@Description	Counted once per client (the IP as the server sees it, behind TOASOAN_TRUSTED_PROXIES, and the User-Agent) and article within 30 minutes. Crawlers, link previews, monitors, headless browsers, HTTP libraries and command-line tools such as curl, and requests without a User-Agent are answered 202 too, but not counted. At most 300 beacons per IP a minute, counted or not; then 429 with Retry-After.
//	@Description	Views are buffered and written every 10 seconds (and at shutdown); readers see them in `view_count` and the most-read lists after the next refresh (TOASOAN_VIEW_COUNT_REFRESH, default 5 minutes).
//	@Tags			articles
//	@Param			slug	path	string	true	"article slug"
//	@Success		202		"accepted: counted, or ignored as a repeat or a bot"
//	@Failure		400		{object}	problem
//	@Failure		404		{object}	problem	"no published article has this slug (drafts, pending, future scheduled and archived ones included)"
//	@Failure		429		{object}	problem	"too many beacons from this IP"
//	@Router			/api/v1/articles/{slug}/views [post]
func (s *Server) recordView(c echo.Context) error {
	noStore(c)
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	ip := c.RealIP()
	n, resetAt, err := s.viewThrottle.Add(ctx, "views:ip:"+ip)
	if err != nil {
		return err
	}
	if n > viewBeaconsPerMinute {
		return models.RateLimited(resetAt.Sub(s.now()))
	}
	now := s.now()
	id, err := s.store.PublicArticleID(ctx, c.Param("slug"), now)
	if err != nil {
		return err
	}
	userAgent := c.Request().UserAgent()
	if !isBot(userAgent) && s.recentViews.first(ip, userAgent, id, now) {
		s.views.Add(id)
	}
	return c.NoContent(http.StatusAccepted)
}

// viewCounter counts article views in memory, so a beacon never writes to the database;
// Flush adds the counts to the articles in one transaction.
type viewCounter struct {
	mu     sync.Mutex
	counts map[int64]int64
	write  func(ctx context.Context, views map[int64]int64) error
	// flushing lets one Flush run at a time, so the final flush at shutdown waits for a
	// periodic one under way and writes whatever that one put back.
	flushing sync.Mutex
}

func newViewCounter(write func(ctx context.Context, views map[int64]int64) error) *viewCounter {
	return &viewCounter{counts: map[int64]int64{}, write: write}
}

// Add records one view of an article.
func (v *viewCounter) Add(articleID int64) {
	v.mu.Lock()
	v.counts[articleID]++
	v.mu.Unlock()
}

// Flush writes the buffered views. When the write fails they go back into the buffer for the
// next flush.
func (v *viewCounter) Flush(ctx context.Context) error {
	v.flushing.Lock()
	defer v.flushing.Unlock()
	v.mu.Lock()
	pending := v.counts
	v.counts = map[int64]int64{}
	v.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	err := v.write(ctx, pending)
	if err != nil {
		v.mu.Lock()
		for id, n := range pending {
			v.counts[id] += n
		}
		v.mu.Unlock()
	}
	return err
}

// flushViewsEvery flushes the views every interval until ctx is done.
func (s *Server) flushViewsEvery(ctx context.Context, interval time.Duration) {
	loop.Every(ctx, interval, nil, func() {
		flushCtx, cancel := context.WithTimeout(ctx, interval)
		defer cancel()
		if err := s.views.Flush(flushCtx); err != nil {
			s.log.Error("article views not written; kept for the next flush", "error", err.Error())
		}
	})
}

// refreshShownViewsEvery makes the written views visible to readers every interval
// (TOASOAN_VIEW_COUNT_REFRESH) until ctx is done.
func (s *Server) refreshShownViewsEvery(ctx context.Context, interval time.Duration) {
	loop.Every(ctx, interval, nil, func() {
		refreshCtx, cancel := context.WithTimeout(ctx, min(interval, time.Minute))
		defer cancel()
		if err := s.store.RefreshShownViews(refreshCtx); err != nil {
			s.log.Error("shown view counts not refreshed", "error", err.Error())
		}
	})
}

// FlushViews writes the buffered article views: the final flush at shutdown, once no request
// is left (after http.Server.Shutdown), so no view is lost.
func (s *Server) FlushViews(ctx context.Context) error { return s.views.Flush(ctx) }

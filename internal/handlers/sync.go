package handlers

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/loop"
	"github.com/toasoan/toasoan/internal/store"
)

// syncChange is one change of public content, in the order the changes were made: an item
// that is public now (upsert: its current public form, as its list shows it) or one that left
// public view (delete: a tombstone).
type syncChange struct {
	Op   string `json:"op" enums:"upsert,delete"`
	Type string `json:"type" enums:"article,announcement,document,category,tag"`
	ID   int64  `json:"id" example:"12"`
	// The item's slug (for a tombstone, the last it had in public), so an app drops its page; empty for documents, which are addressed by id.
	Slug string `json:"slug" example:"ky-ket-quy-che-phoi-hop"`
	// When the item took this state.
	ChangedAt time.Time `json:"changed_at" format:"date-time"`
	// A tombstone's: when the item left public view (unpublished, archived, moved to the trash or deleted, taken down on schedule, its window closed, its last public article gone for a tag). Absent for an upsert.
	DeletedAt *time.Time `json:"deleted_at,omitempty" format:"date-time"`
	// The upsert's item, one of these by type, in the form of its public list.
	Article      *publicArticle    `json:"article,omitempty"`
	Announcement *announcementView `json:"announcement,omitempty"`
	Document     *documentItem     `json:"document,omitempty"`
	Category     *syncCategory     `json:"category,omitempty"`
	Tag          *publicTag        `json:"tag,omitempty"`
} // @name SyncChange

// syncCategory is a category as the tree shows it, without its children: an app rebuilds the
// tree from parent_id.
type syncCategory struct {
	ID          int64         `json:"id" example:"3"`
	Slug        string        `json:"slug" example:"mat-tran-dia-phuong"`
	Name        string        `json:"name" example:"Mặt trận địa phương"`
	Description string        `json:"description"`
	ParentID    *int64        `json:"parent_id" example:"1" extensions:"x-nullable"`
	Position    int           `json:"position"`
	Path        []categoryRef `json:"path"`
	// Articles public now in it and its sub-categories.
	ArticleCount int64 `json:"article_count" example:"42"`
} // @name SyncCategory

type syncMeta struct {
	// The token of the next call's since: past every change of this page.
	Next string `json:"next" example:"MS40ZjFhMmIzYzRkNWU2ZjcwLjEyMzQuMA"`
	// More changes wait: call again with next at once. False: the app is up to date; call again later with next.
	More bool `json:"more"`
} // @name SyncMeta

type syncResponse struct {
	Data []syncChange `json:"data"`
	Meta syncMeta     `json:"meta"`
} // @name SyncResponse

// The ops of a change, in the API's enum order.
const (
	syncUpsert = "upsert"
	syncDelete = "delete"
)

var syncOps = []string{syncUpsert, syncDelete}

// syncLimits are the default and the most changes of a page.
const (
	syncDefaultLimit = 100
	syncMaxLimit     = 500
)

// syncFeed godoc
//
//	@ID				syncFeed
//	@Summary		Changes of public content since a token, for apps that keep a copy
//	@Description	Every change of public articles, announcements, documents, categories and tags after `since`, in the order they were made: `upsert` with the item in the form of its public list, or `delete` (a tombstone `{type, id, slug, deleted_at}`) for an item that left public view: unpublished, archived, moved to the trash or deleted, taken down on its `unpublish_at`, an announcement whose window closed, a tag no public article carries any more. A scheduled item enters at its `publish_at` (or an announcement at its `starts_at`), never before: nothing about it is in the feed until then. Each item appears once per page at most, in its state now; an app applies the changes in order, then calls again with `meta.next` (at once while `meta.more`, later otherwise). Without `since` the sync starts from nothing: every public item, and only the tombstones of items that leave public view during it.
//	@Description	Tokens are positions in one sequence that every process of the site shares (the primary database's, in commit order): a page never skips a change made by a write that commits later, nor repeats one. Tombstones are kept TOASOAN_SYNC_RETENTION (90 days by default); a token older than the oldest kept, or of another database (restored, re-created), is 410 with code `resync_required`: the app drops its copy and syncs from the start. Items embedded in others (an article's category, tags and authors) are as of the article's last change; apply category and tag upserts by id. An article's `view_count` moves with its other changes, not with every refresh of the shown counts. Never cached: it reads the primary.
//	@Tags			sync
//	@Produce		json
//	@Param			since	query		string	false	"meta.next of the previous call; absent or empty: start from nothing"
//	@Param			limit	query		int		false	"most changes in the page"	minimum(1)	maximum(500)	default(100)
//	@Success		200		{object}	syncResponse
//	@Header			200		{string}	Cache-Control	"no-store"
//	@Failure		400		{object}	problem	"since is not a token of this feed, or limit is out of range"
//	@Failure		410		{object}	problem	"the token is too old or of another database (code resync_required): sync again without since"
//	@Router			/api/v1/sync [get]
func (s *Server) syncFeed(c echo.Context) error {
	q := parseQuery(c, "since", "limit")
	limit := q.Int("limit", syncDefaultLimit, 1, syncMaxLimit)
	since := q.String("since")
	var pos store.SyncPosition
	if since != "" {
		var ok bool
		if pos, ok = decodeSyncToken(since); !ok {
			q.fail("since", "is not a token of this feed: pass meta.next of the previous call, or nothing to start from the beginning")
		}
	}
	if err := q.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if since == "" {
		start, err := s.store.SyncStart(ctx)
		if err != nil {
			return err
		}
		pos = start
	}
	page, err := s.store.SyncChanges(ctx, pos, limit)
	if err != nil {
		return err
	}
	changes, err := s.syncChanges(c, page.Items)
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, syncResponse{Data: changes, Meta: syncMeta{Next: encodeSyncToken(page.Next), More: page.More}})
}

// syncChanges turns the rows of a page into changes, reading each upsert's item in its public
// form now. An item that is no longer public at this read left since its row was written: its
// newer row, further on, says so, and it is left out here.
func (s *Server) syncChanges(c echo.Context, rows []store.SyncItem) ([]syncChange, error) {
	ctx := c.Request().Context()
	now := s.now()
	ids := map[string][]int64{}
	for _, r := range rows {
		if r.Public {
			ids[r.Kind] = append(ids[r.Kind], r.ItemID)
		}
	}
	articles := map[int64]*publicArticle{}
	if len(ids[store.KindArticle]) > 0 {
		list, err := s.store.PublicArticlesByID(ctx, ids[store.KindArticle], now)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			v := s.toPublicArticle(a)
			articles[a.ID] = &v
		}
	}
	announcements := map[int64]*announcementView{}
	if len(ids[store.KindAnnouncement]) > 0 {
		list, err := s.store.SyncAnnouncements(ctx, ids[store.KindAnnouncement], now)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			v := s.announcementView(a)
			announcements[a.ID] = &v
		}
	}
	documents := map[int64]*documentItem{}
	if len(ids[store.KindDocument]) > 0 {
		list, err := s.store.SyncDocuments(ctx, ids[store.KindDocument])
		if err != nil {
			return nil, err
		}
		for _, d := range list {
			v := s.documentItem(d)
			documents[d.ID] = &v
		}
	}
	categories := map[int64]*syncCategory{}
	if len(ids[store.KindCategory]) > 0 {
		all, err := s.store.Categories(ctx)
		if err != nil {
			return nil, err
		}
		counts, err := s.store.PublicCategoryCounts(ctx, now)
		if err != nil {
			return nil, err
		}
		var walk func(nodes []categoryNode)
		walk = func(nodes []categoryNode) {
			for _, n := range nodes {
				categories[n.ID] = &syncCategory{ID: n.ID, Slug: n.Slug, Name: n.Name, Description: n.Description,
					ParentID: n.ParentID, Position: n.Position, Path: n.Path, ArticleCount: n.ArticleCount}
				walk(n.Children)
			}
		}
		walk(categoryTree(all, counts))
	}
	tags := map[int64]*publicTag{}
	if len(ids[store.KindTag]) > 0 {
		list, err := s.store.SyncTags(ctx, ids[store.KindTag], now)
		if err != nil {
			return nil, err
		}
		for _, t := range list {
			v := toPublicTag(t)
			tags[t.ID] = &v
		}
	}
	out := make([]syncChange, 0, len(rows))
	for _, r := range rows {
		ch := syncChange{Op: syncUpsert, Type: r.Kind, ID: r.ItemID, Slug: r.Slug, ChangedAt: r.ChangedAt}
		if !r.Public {
			ch.Op, ch.DeletedAt = syncDelete, &r.ChangedAt
			out = append(out, ch)
			continue
		}
		switch r.Kind {
		case store.KindArticle:
			ch.Article = articles[r.ItemID]
		case store.KindAnnouncement:
			ch.Announcement = announcements[r.ItemID]
		case store.KindDocument:
			ch.Document = documents[r.ItemID]
		case store.KindCategory:
			ch.Category = categories[r.ItemID]
		case store.KindTag:
			ch.Tag = tags[r.ItemID]
		}
		if ch.Article == nil && ch.Announcement == nil && ch.Document == nil && ch.Category == nil && ch.Tag == nil {
			continue // no longer public: its newer row follows
		}
		out = append(out, ch)
	}
	return out, nil
}

// A sync token is opaque to apps: the version, the database's epoch, the position and, while a
// sync from nothing is under way, where it started.
func encodeSyncToken(p store.SyncPosition) string {
	raw := fmt.Sprintf("1.%s.%d.%d", p.Epoch, p.Seq, p.Full)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeSyncToken(token string) (store.SyncPosition, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return store.SyncPosition{}, false
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 4 || parts[0] != "1" || parts[1] == "" {
		return store.SyncPosition{}, false
	}
	seq, err1 := strconv.ParseInt(parts[2], 10, 64)
	full, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil || seq < 0 || full < 0 {
		return store.SyncPosition{}, false
	}
	return store.SyncPosition{Epoch: parts[1], Seq: seq, Full: full}, true
}

// pruneSyncEvery drops, every interval, the sync feed's tombstones older than
// TOASOAN_SYNC_RETENTION, until ctx is done.
func (s *Server) pruneSyncEvery(ctx context.Context, interval time.Duration) {
	loop.Every(ctx, interval, nil, func() { s.pruneSync(ctx) })
}

// pruneSync drops, on the server's clock, the tombstones past their retention.
func (s *Server) pruneSync(ctx context.Context) {
	runCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	n, err := s.store.PruneSync(runCtx, s.now(), s.cfg.SyncRetention)
	if n > 0 {
		s.log.Info("sync tombstones dropped", "items", n)
	}
	if err != nil {
		s.log.Error("sync tombstones not dropped", "error", err.Error())
	}
}

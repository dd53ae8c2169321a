package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// A preview token lets anyone holding it read one article until it expires: it is signed
// (HMAC-SHA256, with a key derived from the JWT secret for this use only) over the article id,
// the expiry, the article's preview generation and the user who made it, so it opens that
// article and no other, and nothing is stored per link. It shows the article as it is when
// read (later edits show too), and stops working when the article is unpublished or archived
// (which move the generation on), deleted, archived by schedule, or when its maker is
// deactivated.
const (
	previewDefaultTTL = time.Hour
	previewMaxTTL     = 7 * 24 * time.Hour
	previewClaimBytes = 8 * 4                           // article id, expiry (Unix seconds), generation, maker
	previewTokenBytes = previewClaimBytes + sha256.Size // claims, MAC
)

// previewClaims is what a preview token says.
type previewClaims struct {
	ArticleID  int64
	Expires    time.Time
	Generation int64
	MadeBy     int64
}

type previewRequest struct {
	ExpiresIn int `json:"expires_in,omitempty" validate:"omitempty,min=60,max=604800" example:"3600"` // seconds; default 3600
} // @name PreviewRequest

type previewLink struct {
	Token     string    `json:"token"`
	URL       string    `json:"url" example:"https://mattran.org.vn/api/v1/preview/articles/AAAA…"`
	ExpiresAt time.Time `json:"expires_at" format:"date-time"`
} // @name PreviewLink

type previewLinkResponse struct {
	Data previewLink `json:"data"`
} // @name PreviewLinkResponse

// articlePreview is an article of any status as its preview link shows it.
type articlePreview struct {
	publicArticle
	Body   string     `json:"body"`
	SEO    articleSEO `json:"seo"` // as the published article will give it
	Status string     `json:"status" enums:"draft,pending,scheduled,published,archived"`
} // @name ArticlePreview

type articlePreviewResponse struct {
	Data articlePreview `json:"data"`
} // @name ArticlePreviewResponse

func (s *Server) previewMAC(msg []byte) []byte {
	keyMAC := hmac.New(sha256.New, []byte(s.cfg.JWTSecret))
	keyMAC.Write([]byte("toasoan article preview v2"))
	mac := hmac.New(sha256.New, keyMAC.Sum(nil))
	mac.Write(msg)
	return mac.Sum(nil)
}

func (s *Server) previewToken(c previewClaims) string {
	b := make([]byte, previewClaimBytes, previewTokenBytes)
	binary.BigEndian.PutUint64(b[0:8], uint64(c.ArticleID))
	binary.BigEndian.PutUint64(b[8:16], uint64(c.Expires.Unix()))
	binary.BigEndian.PutUint64(b[16:24], uint64(c.Generation))
	binary.BigEndian.PutUint64(b[24:32], uint64(c.MadeBy))
	return base64.RawURLEncoding.EncodeToString(append(b, s.previewMAC(b)...))
}

// previewClaimsOf checks a token's signature and expiry and returns what it says.
func (s *Server) previewClaimsOf(token string) (previewClaims, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != previewTokenBytes {
		return previewClaims{}, false
	}
	if !hmac.Equal(b[previewClaimBytes:], s.previewMAC(b[:previewClaimBytes])) {
		return previewClaims{}, false
	}
	c := previewClaims{
		ArticleID:  int64(binary.BigEndian.Uint64(b[0:8])),
		Expires:    time.Unix(int64(binary.BigEndian.Uint64(b[8:16])), 0),
		Generation: int64(binary.BigEndian.Uint64(b[16:24])),
		MadeBy:     int64(binary.BigEndian.Uint64(b[24:32])),
	}
	if !s.now().Before(c.Expires) {
		return previewClaims{}, false
	}
	return c, true
}

// createPreview godoc
//
//	@ID			createPreview
//	@Summary		Make a preview link for an article
//	@Description	A signed link that shows this one article as it is when read, to anyone who has it, until it expires (default 1 hour, at most 7 days). Unpublishing, archiving or deleting the article (to the trash), or deactivating the link's maker, revokes it; an article in the trash gets no link (409). The body is optional. The link (`url`) is TOASOAN_PREVIEW_URL with `{token}` replaced, so it opens the frontend's preview page, which reads the article from GET /api/v1/preview/articles/{token}; unset, it is that route itself, under TOASOAN_PUBLIC_URL.
//	@Tags			articles
//	@Accept			json
//	@Produce		json
//	@Param			id		path		int				true	"article id"
//	@Param			body	body		previewRequest	false	"lifetime"
//	@Success		200		{object}	previewLinkResponse
//	@Failure		400		{object}	problem
//	@Failure		401		{object}	problem
//	@Failure		403		{object}	problem
//	@Failure		404		{object}	problem
//	@Failure		409		{object}	problem	"the article is in the trash"
//	@Failure		415		{object}	problem
//	@Failure		422		{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/articles/{id}/preview [post]
func (s *Server) createPreview(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req previewRequest
	if err := bindOptionalJSON(c, &req); err != nil {
		return err
	}
	p := principalOf(c)
	a, err := s.store.ArticleByID(c.Request().Context(), id, articleReader(p))
	if err != nil {
		return err
	}
	if a.TrashedAt != nil {
		return models.Conflict("the article is in the trash: restore it first")
	}
	ttl := previewDefaultTTL
	if req.ExpiresIn > 0 {
		ttl = time.Duration(req.ExpiresIn) * time.Second
	}
	expires := s.now().Add(min(ttl, previewMaxTTL)).Truncate(time.Second)
	token := s.previewToken(previewClaims{ArticleID: id, Expires: expires, Generation: a.PreviewGeneration, MadeBy: p.UserID})
	// The link is given out only once the audit log records who made it.
	err = s.store.Record(c.Request().Context(), actorOf(c), store.Audit{Action: "article.preview", TargetType: "article",
		TargetID: strconv.FormatInt(id, 10), Detail: "expires=" + models.ShownTime(expires).Format(models.ShownTimeLayout)})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, previewLinkResponse{Data: previewLink{
		Token: token, URL: s.cfg.PreviewLink(token), ExpiresAt: expires,
	}})
}

// previewArticle godoc
//
//	@ID			getArticlePreview
//	@Summary		Read an article through its preview link
//	@Description	Public: the token is the permission. Shows the article as it is now until the token expires; an invalid, expired or revoked token (the article unpublished, archived or deleted (to the trash) since, or the link's maker deactivated) is 404, as is an archived article. Never cached (`Cache-Control: no-store`). Query parameters it does not know (utm_source, fbclid, zarsrc) are ignored, so shared links keep working.
//	@Tags			articles
//	@Produce		json
//	@Param			token	path		string	true	"preview token"
//	@Success		200		{object}	articlePreviewResponse
//	@Failure		400		{object}	problem
//	@Failure		404		{object}	problem
//	@Router			/api/v1/preview/articles/{token} [get]
func (s *Server) previewArticle(c echo.Context) error {
	noStore(c)
	c.Response().Header().Set("X-Robots-Tag", "noindex")
	if err := parseReaderQuery(c).Err(); err != nil {
		return err
	}
	claims, ok := s.previewClaimsOf(c.Param("token"))
	if !ok {
		return models.NotFound("preview")
	}
	ctx := c.Request().Context()
	a, err := s.store.ArticleByID(ctx, claims.ArticleID, nil)
	if models.ErrorCode(err) == models.CodeNotFound {
		return models.NotFound("preview")
	}
	if err != nil {
		return err
	}
	if a.PreviewGeneration != claims.Generation || a.StatusAt(s.now()) == models.StatusArchived || a.TrashedAt != nil {
		return models.NotFound("preview") // unpublished, archived or trashed since the link was made
	}
	maker, err := s.store.UserByID(ctx, claims.MadeBy)
	if models.ErrorCode(err) == models.CodeNotFound || (err == nil && !maker.Active) {
		return models.NotFound("preview") // its maker left the newsroom
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, articlePreviewResponse{Data: articlePreview{
		publicArticle: s.toPublicArticle(a), Body: a.Body, SEO: s.seoOf(a), Status: a.StatusAt(s.now()),
	}})
}

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
)

// A preview token lets anyone holding it read one article, whatever its status, until it
// expires: it is signed (HMAC-SHA256, with a key derived from the JWT secret for this use
// only) over the article id and the expiry, so it opens that article and no other, and
// nothing is stored. It shows the article as it is when read, so later edits show too.
const (
	previewDefaultTTL = time.Hour
	previewMaxTTL     = 7 * 24 * time.Hour
	previewTokenBytes = 8 + 8 + sha256.Size // article id, expiry (Unix seconds), MAC
)

type previewRequest struct {
	ExpiresIn int `json:"expires_in" validate:"omitempty,min=60,max=604800" example:"3600"` // seconds; default 3600
} // @name PreviewRequest

type previewLink struct {
	Token     string    `json:"token"`
	URL       string    `json:"url" example:"https://mattran.org.vn/api/v1/preview/articles/AAAA…"`
	ExpiresAt time.Time `json:"expires_at"`
} // @name PreviewLink

type previewLinkResponse struct {
	Data previewLink `json:"data"`
} // @name PreviewLinkResponse

// articlePreview is an article of any status as its preview link shows it.
type articlePreview struct {
	publicArticle
	Body   string `json:"body"`
	Status string `json:"status" enums:"draft,pending,scheduled,published,archived"`
} // @name ArticlePreview

type articlePreviewResponse struct {
	Data articlePreview `json:"data"`
} // @name ArticlePreviewResponse

func (s *Server) previewMAC(msg []byte) []byte {
	keyMAC := hmac.New(sha256.New, []byte(s.cfg.JWTSecret))
	keyMAC.Write([]byte("toasoan article preview v1"))
	mac := hmac.New(sha256.New, keyMAC.Sum(nil))
	mac.Write(msg)
	return mac.Sum(nil)
}

func (s *Server) previewToken(articleID int64, expires time.Time) string {
	b := make([]byte, 16, previewTokenBytes)
	binary.BigEndian.PutUint64(b[0:8], uint64(articleID))
	binary.BigEndian.PutUint64(b[8:16], uint64(expires.Unix()))
	return base64.RawURLEncoding.EncodeToString(append(b, s.previewMAC(b)...))
}

// previewArticleID checks a token's signature and expiry and returns the article it opens.
func (s *Server) previewArticleID(token string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != previewTokenBytes {
		return 0, false
	}
	if !hmac.Equal(b[16:], s.previewMAC(b[:16])) {
		return 0, false
	}
	if !s.now().Before(time.Unix(int64(binary.BigEndian.Uint64(b[8:16])), 0)) {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(b[0:8])), true
}

// createPreview godoc
//
//	@Summary		Make a preview link for an article
//	@Description	A signed link that shows this one article, whatever its status, to anyone who has it, until it expires (default 1 hour, at most 7 days). The body is optional.
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
	if _, err := s.store.ArticleByID(c.Request().Context(), id, articleReader(p)); err != nil {
		return err
	}
	ttl := previewDefaultTTL
	if req.ExpiresIn > 0 {
		ttl = time.Duration(req.ExpiresIn) * time.Second
	}
	expires := s.now().Add(min(ttl, previewMaxTTL)).Truncate(time.Second)
	token := s.previewToken(id, expires)
	s.audit(c, &p.UserID, "article.preview", "article", strconv.FormatInt(id, 10), "expires="+models.ShownTime(expires).Format(models.ShownTimeLayout))
	return c.JSON(http.StatusOK, previewLinkResponse{Data: previewLink{
		Token: token, URL: s.cfg.BaseURL + "/api/v1/preview/articles/" + token, ExpiresAt: newsroomTime(expires),
	}})
}

// previewArticle godoc
//
//	@Summary		Read an article through its preview link
//	@Description	Public: the token is the permission. Shows the article as it is now, whatever its status, until the token expires; an invalid or expired token is 404. Never cached (`Cache-Control: no-store`). Query parameters it does not know (utm_source, fbclid, zarsrc) are ignored, so shared links keep working.
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
	id, ok := s.previewArticleID(c.Param("token"))
	if !ok {
		return models.NotFound("preview")
	}
	a, err := s.store.ArticleByID(c.Request().Context(), id, nil)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, articlePreviewResponse{Data: articlePreview{
		publicArticle: s.toPublicArticle(a), Body: a.Body, Status: a.StatusAt(s.now()),
	}})
}

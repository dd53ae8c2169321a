package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

type loginRequest struct {
	Email    string `json:"email" validate:"required,max=254" example:"bientap@mattran.org.vn"`
	Password string `json:"password" validate:"required,max=1024" example:"mật khẩu đủ dài"`
} // @name LoginRequest

type refreshRequest struct {
	RefreshToken string `json:"refresh_token" validate:"required,max=200"`
} // @name RefreshRequest

type passwordRequest struct {
	CurrentPassword string `json:"current_password" validate:"required,max=1024"`
	NewPassword     string `json:"new_password" validate:"required,max=1024"`
} // @name PasswordRequest

// tokenPair is what login and refresh return.
type tokenPair struct {
	AccessToken  string   `json:"access_token"`
	TokenType    string   `json:"token_type" example:"Bearer" enums:"Bearer"`
	ExpiresIn    int      `json:"expires_in" example:"900"`
	RefreshToken string   `json:"refresh_token"`
	User         userView `json:"user"`
} // @name TokenPair

type tokenPairResponse struct {
	Data tokenPair `json:"data"`
} // @name TokenPairResponse

// login godoc
//
//	@ID			logIn
//	@Summary		Log in with email and password
//	@Description	Returns a 15-minute access token and a refresh token. Unknown email and wrong password get the same 401. Within 15 minutes, five failed checks on one account from one network (/24, /64), twenty from one address, or fifty on one account from anywhere give 429 with Retry-After; each failure from the same network waits a little longer. When too many password checks run at once the answer is 503 with Retry-After.
//	@Tags			auth
//	@Accept			json
//	@Produce		json
//	@Param			body	body		loginRequest	true	"credentials"
//	@Success		200		{object}	tokenPairResponse
//	@Failure		400		{object}	problem
//	@Failure		401		{object}	problem
//	@Failure		422		{object}	problem
//	@Failure		429		{object}	problem
//	@Failure		503		{object}	problem
//	@Router			/api/v1/auth/login [post]
func (s *Server) login(c echo.Context) error {
	noStore(c)
	var req loginRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	ip := c.RealIP()
	// The slots are taken before any hashing, so concurrent guesses cannot all be checked.
	attempt, err := s.reserveLogin(ctx, req.Email, ip)
	if err != nil {
		return err
	}
	user, err := s.store.UserByEmail(ctx, req.Email)
	if err != nil && models.ErrorCode(err) != models.CodeNotFound {
		attempt.abandon(ctx) // nothing was checked (the database did not answer): no slot is used up
		return err
	}
	hash := user.PasswordHash
	if hash == "" {
		hash = s.dummyHash // same work for an unknown email as for a wrong password
	}
	ok, err := s.verifyPassword(ctx, req.Password, hash)
	if err != nil {
		attempt.abandon(ctx)
		return err
	}
	if !ok || user.ID == 0 || !user.Active {
		actor := actorOf(c)
		actor.UserID = user.ID // 0 for an unknown email
		s.record(c, actor, store.Audit{Action: "auth.login_failed", TargetType: "user", Detail: "email=" + store.NormalizeEmail(req.Email)})
		attempt.failed(ctx)
		return models.Unauthorized("the email or password is incorrect")
	}
	if err := attempt.succeeded(ctx); err != nil {
		return err
	}
	s.rehashIfOutdated(c, user, req.Password)
	pair, err := s.startSession(c, user)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tokenPairResponse{Data: pair})
}

// startSession logs the user in: the session's actor is the user, with their role.
func (s *Server) startSession(c echo.Context, user models.User) (tokenPair, error) {
	actor := actorOf(c)
	actor.UserID, actor.Role = user.ID, user.Role
	refresh, refreshHash := auth.NewRefreshToken()
	sessionID, err := s.store.CreateSession(c.Request().Context(), actor, refreshHash, s.now().Add(s.cfg.RefreshTTL), c.Request().UserAgent())
	if err != nil {
		return tokenPair{}, err
	}
	now := s.now()
	user.LastLoginAt = &now
	return s.tokenPair(user, sessionID, refresh)
}

func (s *Server) tokenPair(user models.User, sessionID int64, refresh string) (tokenPair, error) {
	access, _, err := s.tokens.Issue(user.ID, user.Role, sessionID)
	if err != nil {
		return tokenPair{}, err
	}
	return tokenPair{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(auth.AccessTokenTTL.Seconds()),
		RefreshToken: refresh, User: userViewOf(user)}, nil
}

// refresh godoc
//
//	@ID			refreshTokens
//	@Summary		Trade a refresh token for a new token pair
//	@Description	The refresh token is rotated: the one sent is spent. Presenting a spent token again revokes its whole session.
//	@Tags			auth
//	@Accept			json
//	@Produce		json
//	@Param			body	body		refreshRequest	true	"refresh token"
//	@Success		200		{object}	tokenPairResponse
//	@Failure		400		{object}	problem
//	@Failure		401		{object}	problem
//	@Failure		422		{object}	problem
//	@Router			/api/v1/auth/refresh [post]
func (s *Server) refresh(c echo.Context) error {
	noStore(c)
	var req refreshRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	next, nextHash := auth.NewRefreshToken()
	user, sessionID, err := s.store.RotateRefresh(c.Request().Context(), actorOf(c), auth.HashToken(req.RefreshToken), nextHash)
	if errors.Is(err, store.ErrRefreshReused) {
		return models.Unauthorized("the refresh token was already used; the session is revoked, log in again")
	}
	if err != nil {
		return err
	}
	pair, err := s.tokenPair(user, sessionID, next)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tokenPairResponse{Data: pair})
}

// logout godoc
//
//	@ID			logOut
//	@Summary	End the session of a refresh token
//	@Tags		auth
//	@Accept		json
//	@Param		body	body	refreshRequest	true	"refresh token"
//	@Success	204
//	@Failure	400	{object}	problem
//	@Failure	422	{object}	problem
//	@Router		/api/v1/auth/logout [post]
func (s *Server) logout(c echo.Context) error {
	noStore(c)
	var req refreshRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if err := s.store.RevokeByRefresh(c.Request().Context(), actorOf(c), auth.HashToken(req.RefreshToken)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// me godoc
//
//	@ID			getCurrentUser
//	@Summary	The authenticated user
//	@Tags		auth
//	@Produce	json
//	@Success	200	{object}	userResponse
//	@Failure	401	{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/auth/me [get]
func (s *Server) me(c echo.Context) error {
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	u, err := s.store.UserByID(c.Request().Context(), principalOf(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, userResponse{Data: userViewOf(u)})
}

// changePassword godoc
//
//	@ID			changePassword
//	@Summary		Change one's own password
//	@Description	Every other session of the user is revoked; this one stays. A wrong current password counts as a failed login: the same limits give 429 with Retry-After.
//	@Tags			auth
//	@Accept			json
//	@Param			body	body	passwordRequest	true	"current and new password"
//	@Success		204
//	@Failure		400	{object}	problem
//	@Failure		401	{object}	problem
//	@Failure		422	{object}	problem
//	@Failure		429	{object}	problem
//	@Failure		503	{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/auth/password [put]
func (s *Server) changePassword(c echo.Context) error {
	var req passwordRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	p := principalOf(c)
	ctx := c.Request().Context()
	u, err := s.store.UserByID(ctx, p.UserID)
	if err != nil {
		return err
	}
	// A stolen access token must not guess the password faster than a login could.
	attempt, err := s.reserveLogin(ctx, u.Email, c.RealIP())
	if err != nil {
		return err
	}
	ok, err := s.verifyPassword(ctx, req.CurrentPassword, u.PasswordHash)
	if err != nil {
		attempt.abandon(ctx)
		return err
	}
	var fields []models.FieldError
	if ok {
		if err := attempt.succeeded(ctx); err != nil {
			return err
		}
	} else {
		s.record(c, actorOf(c), store.Audit{Action: "auth.password_check_failed", TargetType: "user", TargetID: strconv.FormatInt(u.ID, 10)})
		attempt.failed(ctx)
		fields = append(fields, models.FieldError{Field: "current_password", Message: "is incorrect"})
	}
	if why := auth.CheckPassword(req.NewPassword); why != "" {
		fields = append(fields, models.FieldError{Field: "new_password", Message: why})
	}
	if len(fields) > 0 {
		return models.Invalid(fields...)
	}
	hash, err := s.hashPassword(ctx, req.NewPassword)
	if err != nil {
		return err
	}
	if err := s.store.ChangePassword(ctx, actorOf(c), hash, p.SessionID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// rehashIfOutdated stores a new hash when the user's was made with other parameters than the
// server's now; a failure is logged and the login goes on with the old hash.
func (s *Server) rehashIfOutdated(c echo.Context, user models.User, password string) {
	if p, err := auth.HashParamsOf(user.PasswordHash); err == nil && p == s.hashParams {
		return
	}
	ctx := c.Request().Context()
	hash, err := s.hashPassword(ctx, password)
	if err == nil {
		err = s.store.ReplacePasswordHash(ctx, user.ID, user.PasswordHash, hash)
	}
	if err != nil {
		s.log.Warn("password not rehashed", "request_id", requestIDOf(c), "user_id", user.ID, "error", err.Error())
	}
}

const principalKey = "principal"

// authenticate checks the bearer token, then the session and user behind it (so revocation,
// deactivation and role changes apply on the very next request), then the route's rule.
func (s *Server) authenticate(c echo.Context, rule auth.Rule, next echo.HandlerFunc) error {
	noStore(c)
	header := c.Request().Header.Get(echo.HeaderAuthorization)
	scheme, raw, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="toasoan"`)
		return models.Unauthorized("a bearer token is required")
	}
	claims, err := s.tokens.Verify(strings.TrimSpace(raw))
	if err != nil {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="toasoan", error="invalid_token"`)
		return models.Unauthorized("the access token is invalid or expired")
	}
	role, err := s.store.SessionRole(c.Request().Context(), claims.SessionID, claims.UserID(), s.now())
	if err != nil {
		return err
	}
	if !rule.Allows(role) {
		return models.Forbidden("the %s role may not do this", role)
	}
	c.Set(principalKey, auth.Principal{UserID: claims.UserID(), Role: role, SessionID: claims.SessionID})
	return next(c)
}

package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

type createUserRequest struct {
	Email    string `json:"email" validate:"required,email,max=254" example:"phongvien@mattran.org.vn"`
	Name     string `json:"name" validate:"notblank,max=200" example:"Nguyễn Văn An"`
	Role     string `json:"role" validate:"required,oneof=admin editor author" example:"author"`
	Password string `json:"password" validate:"required,max=1024"`
} // @name CreateUserRequest

type updateUserRequest struct {
	Name     *string `json:"name,omitempty" validate:"omitnil,notblank,max=200"`
	Role     *string `json:"role,omitempty" validate:"omitnil,oneof=admin editor author"`
	Active   *bool   `json:"active,omitempty"`
	Password *string `json:"password,omitempty" validate:"omitnil,max=1024"`
} // @name UpdateUserRequest

// userView is an account as admins (and the user, at /auth/me) see it: never its password hash.
type userView struct {
	ID          int64      `json:"id" example:"7"`
	Email       string     `json:"email" example:"phongvien@mattran.org.vn"`
	Name        string     `json:"name" example:"Nguyễn Văn An"`
	Role        string     `json:"role" example:"author" enums:"admin,editor,author"`
	Active      bool       `json:"active" example:"true"`
	LastLoginAt *time.Time `json:"last_login_at" extensions:"x-nullable" format:"date-time"`
	Version     int        `json:"version" example:"1"`
	CreatedAt   time.Time  `json:"created_at" format:"date-time"`
	UpdatedAt   time.Time  `json:"updated_at" format:"date-time"`
} // @name User

func userViewOf(u models.User) userView {
	return userView{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Active: u.Active,
		LastLoginAt: u.LastLoginAt, Version: u.Version,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

type userResponse struct {
	Data userView `json:"data"`
} // @name UserResponse

type userListResponse struct {
	Data []userView `json:"data"`
	Meta listMeta   `json:"meta"`
} // @name UserList

// listUsers godoc
//
//	@ID			listUsers
//	@Summary	List editorial accounts
//	@Tags		users
//	@Produce	json
//	@Param		page		query		int	false	"page, from 1"
//	@Param		per_page	query		int	false	"items per page (default 20, at most 100)"
//	@Success	200			{object}	userListResponse
//	@Failure	400			{object}	problem
//	@Failure	401			{object}	problem
//	@Failure	403			{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/users [get]
func (s *Server) listUsers(c echo.Context) error {
	q := parseQuery(c, paginationParams...)
	page := q.Page()
	if err := q.Err(); err != nil {
		return err
	}
	users, total, err := s.store.ListUsers(c.Request().Context(), page)
	if err != nil {
		return err
	}
	out := make([]userView, len(users))
	for i, u := range users {
		out[i] = userViewOf(u)
	}
	return c.JSON(http.StatusOK, userListResponse{Data: out, Meta: listMeta{Pagination: models.NewPagination(page, total)}})
}

// createUser godoc
//
//	@ID			createUser
//	@Summary	Create an editorial account
//	@Tags		users
//	@Accept		json
//	@Produce	json
//	@Param		body	body		createUserRequest	true	"the account"
//	@Success	201		{object}	userResponse
//	@Header		201		{string}	ETag	"the version, for If-Match"
//	@Failure	400		{object}	problem
//	@Failure	401		{object}	problem
//	@Failure	403		{object}	problem
//	@Failure	409		{object}	problem	"email taken"
//	@Failure	422		{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/users [post]
func (s *Server) createUser(c echo.Context) error {
	var req createUserRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	if req.Password != "" { // a missing one is the validator's to report
		errs.password("password", req.Password)
	}
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	hash, err := s.hashPassword(c.Request().Context(), req.Password)
	if err != nil {
		return err
	}
	u, err := s.store.CreateUser(c.Request().Context(), actorOf(c),
		store.NewUser{Email: req.Email, Name: req.Name, Role: req.Role, PasswordHash: hash})
	if err != nil {
		return err
	}
	setVersionETag(c, u.Version)
	return c.JSON(http.StatusCreated, userResponse{Data: userViewOf(u)})
}

// getUser godoc
//
//	@ID			getUser
//	@Summary	Show an editorial account
//	@Tags		users
//	@Produce	json
//	@Param		id	path		int	true	"user id"
//	@Success	200	{object}	userResponse
//	@Header		200	{string}	ETag	"the version, for If-Match"
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Failure	403	{object}	problem
//	@Failure	404	{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/users/{id} [get]
func (s *Server) getUser(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u, err := s.store.UserByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	setVersionETag(c, u.Version)
	return c.JSON(http.StatusOK, userResponse{Data: userViewOf(u)})
}

// updateUser godoc
//
//	@ID			updateUser
//	@Summary		Change an editorial account
//	@Description	Deactivating a user or setting a new password revokes their sessions at once; a role change applies on their next request. The last active admin cannot be demoted or deactivated (409). Needs If-Match with the version read (428 without, 412 when stale); bumps the version.
//	@Tags			users
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int					true	"user id"
//	@Param			If-Match	header		string				true	"the version read, as its ETag gave it"
//	@Param			body		body		updateUserRequest	true	"fields to change"
//	@Success		200			{object}	userResponse
//	@Header			200			{string}	ETag	"the new version"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"last active admin"
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		422			{object}	problem
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/users/{id} [patch]
func (s *Server) updateUser(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.versionOf("user", id))
	if err != nil {
		return err
	}
	var req updateUserRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	if req.Password != nil {
		errs.password("password", *req.Password)
	}
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	patch := store.UserPatch{Name: req.Name, Role: req.Role, Active: req.Active}
	if req.Password != nil {
		hash, err := s.hashPassword(c.Request().Context(), *req.Password)
		if err != nil {
			return err
		}
		patch.PasswordHash = &hash
	}
	u, err := s.store.UpdateUser(c.Request().Context(), actorOf(c), id, version, patch)
	if err != nil {
		return err
	}
	setVersionETag(c, u.Version)
	return c.JSON(http.StatusOK, userResponse{Data: userViewOf(u)})
}

package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

type createSearchAbbreviationRequest struct {
	Abbreviation string `json:"abbreviation" validate:"notblank,max=20" example:"UBND"`          // one word as written: TP.HCM, KT-XH
	LongForm     string `json:"long_form" validate:"notblank,max=200" example:"Ủy ban nhân dân"` // two to 12 words
} // @name CreateSearchAbbreviationRequest

type updateSearchAbbreviationRequest struct {
	Abbreviation *string `json:"abbreviation,omitempty" validate:"omitnil,notblank,max=20" example:"UBND"`
	LongForm     *string `json:"long_form,omitempty" validate:"omitnil,notblank,max=200" example:"Ủy ban nhân dân"`
} // @name UpdateSearchAbbreviationRequest

// searchAbbreviationView is an entry of the managed list of abbreviations.
type searchAbbreviationView struct {
	ID           int64  `json:"id"`
	Abbreviation string `json:"abbreviation" example:"TP.HCM"`
	LongForm     string `json:"long_form" example:"Thành phố Hồ Chí Minh"`
	Version      int    `json:"version" example:"1"`
} // @name SearchAbbreviation

type searchAbbreviationResponse struct {
	Data searchAbbreviationView `json:"data"`
} // @name SearchAbbreviationResponse

type searchAbbreviationListResponse struct {
	Data []searchAbbreviationView `json:"data"`
} // @name SearchAbbreviationList

func searchAbbreviationViewOf(a models.SearchAbbreviation) searchAbbreviationView {
	return searchAbbreviationView{ID: a.ID, Abbreviation: a.Abbreviation, LongForm: a.LongForm, Version: a.Version}
}

// listSearchAbbreviations godoc
//
//	@ID				listSearchAbbreviations
//	@Summary		Abbreviations search expands
//	@Description	The managed list, by abbreviation: outside quotes, a query's abbreviation finds its long forms and a long form its abbreviations (GET /api/v1/search). Seeded with the dictionary shipped with toasoan; an edit takes effect at the next search, with nothing to re-index.
//	@Tags			search
//	@Produce		json
//	@Success		200	{object}	searchAbbreviationListResponse
//	@Failure		400	{object}	problem
//	@Failure		401	{object}	problem
//	@Failure		403	{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/search/abbreviations [get]
func (s *Server) listSearchAbbreviations(c echo.Context) error {
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	list, err := s.store.SearchAbbreviations(c.Request().Context())
	if err != nil {
		return err
	}
	views := make([]searchAbbreviationView, len(list))
	for i, a := range list {
		views[i] = searchAbbreviationViewOf(a)
	}
	return c.JSON(http.StatusOK, searchAbbreviationListResponse{Data: views})
}

// createSearchAbbreviation godoc
//
//	@ID				createSearchAbbreviation
//	@Summary		Add an abbreviation
//	@Description	The abbreviation is one word as written (letters and digits, with dots, hyphens or & between: TP.HCM, KT-XH, GD&ĐT), found with or without its dots and hyphens; the long form two to 12 words. An abbreviation may have several long forms, and a long form several abbreviations; the same pair again (ignoring case, diacritics, dots and hyphens) is 409. Version 1, sent as the ETag.
//	@Tags			search
//	@Accept			json
//	@Produce		json
//	@Param			body	body		createSearchAbbreviationRequest	true	"the abbreviation"
//	@Success		201		{object}	searchAbbreviationResponse
//	@Header			201		{string}	ETag	"the version, for If-Match"
//	@Failure		400		{object}	problem
//	@Failure		401		{object}	problem
//	@Failure		403		{object}	problem
//	@Failure		409		{object}	problem	"the abbreviation already stands for this long form"
//	@Failure		415		{object}	problem
//	@Failure		422		{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/search/abbreviations [post]
func (s *Server) createSearchAbbreviation(c echo.Context) error {
	var req createSearchAbbreviationRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	a, err := s.store.CreateSearchAbbreviation(c.Request().Context(), actorOf(c),
		store.SearchAbbreviationInput{Abbreviation: req.Abbreviation, LongForm: req.LongForm})
	if err != nil {
		return err
	}
	setVersionETag(c, a.Version)
	return c.JSON(http.StatusCreated, searchAbbreviationResponse{Data: searchAbbreviationViewOf(a)})
}

// getSearchAbbreviation godoc
//
//	@ID			getSearchAbbreviation
//	@Summary	Show an abbreviation
//	@Tags		search
//	@Produce	json
//	@Param		id	path		int	true	"abbreviation id"
//	@Success	200	{object}	searchAbbreviationResponse
//	@Header		200	{string}	ETag	"the version, for If-Match"
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Failure	403	{object}	problem
//	@Failure	404	{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/search/abbreviations/{id} [get]
func (s *Server) getSearchAbbreviation(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	a, err := s.store.SearchAbbreviationByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	setVersionETag(c, a.Version)
	return c.JSON(http.StatusOK, searchAbbreviationResponse{Data: searchAbbreviationViewOf(a)})
}

// updateSearchAbbreviation godoc
//
//	@ID				updateSearchAbbreviation
//	@Summary		Change an abbreviation
//	@Description	Takes effect at the next search. Needs If-Match with the version read (428 without, 412 when stale); bumps the version.
//	@Tags			search
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int								true	"abbreviation id"
//	@Param			If-Match	header		string							true	"the version read, as its ETag gave it"
//	@Param			body		body		updateSearchAbbreviationRequest	true	"fields to change"
//	@Success		200			{object}	searchAbbreviationResponse
//	@Header			200			{string}	ETag	"the new version"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"the abbreviation already stands for this long form"
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		415			{object}	problem
//	@Failure		422			{object}	problem
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/search/abbreviations/{id} [patch]
func (s *Server) updateSearchAbbreviation(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.versionOf("search abbreviation", id))
	if err != nil {
		return err
	}
	var req updateSearchAbbreviationRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	a, err := s.store.UpdateSearchAbbreviation(c.Request().Context(), actorOf(c), id, version,
		store.SearchAbbreviationPatch{Abbreviation: req.Abbreviation, LongForm: req.LongForm})
	if err != nil {
		return err
	}
	setVersionETag(c, a.Version)
	return c.JSON(http.StatusOK, searchAbbreviationResponse{Data: searchAbbreviationViewOf(a)})
}

// deleteSearchAbbreviation godoc
//
//	@ID				deleteSearchAbbreviation
//	@Summary		Delete an abbreviation
//	@Description	Takes effect at the next search. Needs If-Match with the version read (428 without, 412 when stale).
//	@Tags			search
//	@Param			id			path	int		true	"abbreviation id"
//	@Param			If-Match	header	string	true	"the version read, as its ETag gave it"
//	@Success		204
//	@Failure		400	{object}	problem
//	@Failure		401	{object}	problem
//	@Failure		403	{object}	problem
//	@Failure		404	{object}	problem
//	@Failure		412	{object}	problem	"stale version"
//	@Failure		428	{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/search/abbreviations/{id} [delete]
func (s *Server) deleteSearchAbbreviation(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.versionOf("search abbreviation", id))
	if err != nil {
		return err
	}
	if err := s.store.DeleteSearchAbbreviation(c.Request().Context(), actorOf(c), id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

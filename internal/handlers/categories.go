package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// listCategories godoc
//
//	@Summary	The category tree
//	@Tags		categories
//	@Produce	json
//	@Success	200	{object}	object{data=[]object}
//	@Failure	400	{object}	problem
//	@Router		/api/v1/categories [get]
func (s *Server) listCategories(c echo.Context) error {
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"data": []any{}})
}

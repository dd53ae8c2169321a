package handlers

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// status is the body of the health endpoints.
type status struct {
	Status string `json:"status" example:"ok" enums:"ok,database unavailable"`
} // @name Status

// healthz godoc
//
//	@ID			checkLiveness
//	@Summary	Liveness: the process is up
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	status
//	@Router		/healthz [get]
func (s *Server) healthz(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, status{Status: "ok"})
}

// readyz godoc
//
//	@ID			checkReadiness
//	@Summary	Readiness: the database answers
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	status
//	@Failure	503	{object}	status	"the database does not answer; Retry-After says when to ask again"
//	@Router		/readyz [get]
func (s *Server) readyz(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "request_id", requestIDOf(c), "error", err.Error())
		c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(int(unavailableRetryAfter.Seconds())))
		return c.JSON(http.StatusServiceUnavailable, status{Status: "database unavailable"})
	}
	return c.JSON(http.StatusOK, status{Status: "ok"})
}

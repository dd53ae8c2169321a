package handlers

// What every request handler reads of the request: path parameters, the principal, the actor.

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// pathID parses the :id path parameter; a bad one is 404 (no such item), as the path names nothing.
func pathID(c echo.Context) (int64, error) {
	return pathInt(c, "id")
}

func pathInt(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		return 0, models.NotFound("item")
	}
	return id, nil
}

// principalOf is the authenticated caller; routes with a role rule always have one.
func principalOf(c echo.Context) auth.Principal {
	p, _ := c.Get(principalKey).(auth.Principal)
	return p
}

// actorOf is who makes the request's change, for the store's audit entry: the authenticated
// user with their role (none for a reader), the client's address and the request ID.
func actorOf(c echo.Context) store.Actor {
	p := principalOf(c)
	return store.Actor{UserID: p.UserID, Role: p.Role, IP: c.RealIP(), RequestID: requestIDOf(c)}
}

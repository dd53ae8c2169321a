package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// auditEntryView is an entry of the audit log: who (the user and the role they acted with, null
// and "" for a reader or toasoan itself), from where and in which request, did what to which item.
type auditEntryView struct {
	ID         int64     `json:"id" example:"512"`
	ActorID    *int64    `json:"actor_id" example:"7" extensions:"x-nullable"`
	ActorRole  string    `json:"actor_role" example:"editor" enums:"admin,editor,author,"`
	Action     string    `json:"action" example:"article.publish"`
	TargetType string    `json:"target_type" example:"article"`
	TargetID   string    `json:"target_id" example:"42"`
	IP         string    `json:"ip" example:"203.0.113.7"`
	RequestID  string    `json:"request_id" example:"5f8c1e0a9b7d4c21"`
	Detail     string    `json:"detail" example:"status=published"`
	CreatedAt  time.Time `json:"created_at" format:"date-time"`
} // @name AuditEntry

type auditListResponse struct {
	Data []auditEntryView `json:"data"`
	Meta listMeta         `json:"meta"`
} // @name AuditList

// listAudit godoc
//
//	@ID			listAuditLog
//	@Summary		The audit log
//	@Description	Who did what to which item, when and from which IP; newest first.
//	@Tags			audit
//	@Produce		json
//	@Param			action		query		string	false	"e.g. auth.login_failed, user.update, article.publish"
//	@Param			actor		query		int		false	"user id of who did it"
//	@Param			target_type	query		string	false	"e.g. user, article"
//	@Param			target_id	query		string	false	"id of the item"
//	@Param			page		query		int		false	"page, from 1"
//	@Param			per_page	query		int		false	"items per page (default 20, at most 100)"
//	@Success		200			{object}	auditListResponse
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/audit-log [get]
func (s *Server) listAudit(c echo.Context) error {
	q := parseQuery(c, append(paginationParams, "action", "actor", "target_type", "target_id")...)
	f := store.AuditFilter{Action: q.String("action"), ActorID: q.ID("actor"), TargetType: q.String("target_type"), TargetID: q.String("target_id")}
	page := q.Page()
	if err := q.Err(); err != nil {
		return err
	}
	entries, total, err := s.store.AuditEntries(c.Request().Context(), f, page)
	if err != nil {
		return err
	}
	out := make([]auditEntryView, len(entries))
	for i, e := range entries {
		out[i] = auditEntryView{ID: e.ID, ActorID: e.ActorID, ActorRole: e.ActorRole, Action: e.Action, TargetType: e.TargetType,
			TargetID: e.TargetID, IP: e.IP, RequestID: e.RequestID, Detail: e.Detail, CreatedAt: e.CreatedAt}
	}
	return c.JSON(http.StatusOK, auditListResponse{Data: out, Meta: listMeta{Pagination: models.NewPagination(page, total)}})
}

// record writes an audit entry that is no change's (a failed check); a failure is logged, as the
// answer does not depend on it.
func (s *Server) record(c echo.Context, actor store.Actor, a store.Audit) {
	if err := s.store.Record(c.Request().Context(), actor, a); err != nil {
		s.log.Error("audit entry not recorded", "request_id", requestIDOf(c), "action", a.Action, "error", err.Error())
	}
}

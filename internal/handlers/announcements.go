package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
)

type createAnnouncementRequest struct {
	Title         string  `json:"title" validate:"notblank,max=300" example:"Thông báo tuyển dụng công chức năm 2026"`
	Slug          string  `json:"slug,omitempty" example:"thong-bao-tuyen-dung-cong-chuc-nam-2026"` // made from the title when empty
	Body          string  `json:"body" validate:"notblank,max=200000" example:"<p>Ban Thường trực thông báo…</p>"`
	Pinned        bool    `json:"pinned,omitempty"`
	StartsAt      string  `json:"starts_at,omitempty" format:"date-time" example:"2026-08-23T08:00:00+07:00"` // now when empty
	EndsAt        string  `json:"ends_at,omitempty" format:"date-time" example:"2026-09-30T17:00:00+07:00"`   // no end when empty
	Status        string  `json:"status,omitempty" validate:"omitempty,oneof=draft published" enums:"draft,published"`
	AttachmentIDs []int64 `json:"attachment_ids,omitempty" validate:"max=20,dive,gt=0"`
} // @name CreateAnnouncementRequest

type updateAnnouncementRequest struct {
	Title         *string                 `json:"title,omitempty" validate:"omitnil,notblank,max=300"`
	Slug          *string                 `json:"slug,omitempty"`
	Body          *string                 `json:"body,omitempty" validate:"omitnil,notblank,max=200000"`
	Pinned        *bool                   `json:"pinned,omitempty"`
	StartsAt      *string                 `json:"starts_at,omitempty" format:"date-time" example:"2026-08-23T08:00:00+07:00"`
	EndsAt        models.Nullable[string] `json:"ends_at,omitempty" swaggertype:"string" format:"date-time" example:"2026-09-30T17:00:00+07:00" extensions:"x-nullable"` // null: no end
	Status        *string                 `json:"status,omitempty" validate:"omitnil,oneof=draft published" enums:"draft,published"`
	AttachmentIDs *[]int64                `json:"attachment_ids,omitempty" validate:"omitnil,max=20,dive,gt=0"` // replaces the list
} // @name UpdateAnnouncementRequest

// announcementView is the public form of an announcement.
type announcementView struct {
	ID          int64               `json:"id"`
	Slug        string              `json:"slug"`
	Title       string              `json:"title"`
	Body        string              `json:"body"`
	Pinned      bool                `json:"pinned"`
	StartsAt    time.Time           `json:"starts_at" format:"date-time"`
	EndsAt      *time.Time          `json:"ends_at" extensions:"x-nullable" format:"date-time"`
	Attachments []models.Attachment `json:"attachments"`
} // @name Announcement

// adminAnnouncementView adds what editors need to the public form.
type adminAnnouncementView struct {
	announcementView
	Status  string `json:"status" enums:"draft,published"`
	Version int    `json:"version"`
	// When it was moved to the trash, and by whom (null when the account is gone); both null
	// outside the trash.
	TrashedAt   *time.Time `json:"trashed_at" extensions:"x-nullable" format:"date-time"`
	TrashedByID *int64     `json:"trashed_by_id" extensions:"x-nullable"`
	CreatedAt   time.Time  `json:"created_at" format:"date-time"`
	UpdatedAt   time.Time  `json:"updated_at" format:"date-time"`
} // @name AdminAnnouncement

type announcementResponse struct {
	Data announcementView `json:"data"`
} // @name AnnouncementResponse

type announcementListResponse struct {
	Data []announcementView `json:"data"`
	Meta listMeta           `json:"meta"`
} // @name AnnouncementList

type adminAnnouncementResponse struct {
	Data adminAnnouncementView `json:"data"`
} // @name AdminAnnouncementResponse

type adminAnnouncementListResponse struct {
	Data []adminAnnouncementView `json:"data"`
	Meta listMeta                `json:"meta"`
} // @name AdminAnnouncementList

// listActiveAnnouncements godoc
//
//	@ID			listActiveAnnouncements
//	@Summary		Active announcements
//	@Description	Published announcements whose window holds now (starts_at ≤ now < ends_at, or no end): pinned first, then the newest start.
//	@Tags			announcements
//	@Produce		json
//	@Param			page		query		int	false	"page, from 1"
//	@Param			per_page	query		int	false	"items per page (default 20, at most 100)"
//	@Param			updated_since	query		string	false	"only announcements edited, or whose window opened, at or after this instant (RFC 3339); GET /api/v1/sync also tells of removals"	format(date-time)
//	@Success		200			{object}	announcementListResponse
//	@Success		304			"not modified (If-None-Match)"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400			{object}	problem
//	@Router			/api/v1/announcements [get]
func (s *Server) listActiveAnnouncements(c echo.Context) error {
	q := parseQuery(c, append(paginationParams, "updated_since")...)
	page := q.Page()
	updatedSince := q.Time("updated_since")
	if err := q.Err(); err != nil {
		return err
	}
	list, total, err := s.store.ActiveAnnouncements(c.Request().Context(), s.now(), updatedSince, page)
	if err != nil {
		return err
	}
	addKeys(c, surrogate.Announcements)
	views := make([]announcementView, len(list))
	for i, a := range list {
		views[i] = s.announcementView(a)
		mediaKeys(c, a.Attachments)
	}
	return publicJSON(c, announcementListResponse{Data: views, Meta: listMeta{Pagination: models.NewPagination(page, total)}})
}

// getActiveAnnouncement godoc
//
//	@ID			getActiveAnnouncement
//	@Summary		An active announcement
//	@Description	404 unless the announcement is published and its window holds now.
//	@Tags			announcements
//	@Produce		json
//	@Param			slug	path		string	true	"slug"
//	@Success		200		{object}	announcementResponse
//	@Success		304		"not modified (If-None-Match)"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400		{object}	problem
//	@Failure		404		{object}	problem
//	@Router			/api/v1/announcements/{slug} [get]
func (s *Server) getActiveAnnouncement(c echo.Context) error {
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	a, err := s.store.ActiveAnnouncementBySlug(c.Request().Context(), c.Param("slug"), s.now())
	if err != nil {
		return err
	}
	addKeys(c, surrogate.Announcement(a.ID))
	mediaKeys(c, a.Attachments)
	return publicJSON(c, announcementResponse{Data: s.announcementView(a)})
}

// listAnnouncements godoc
//
//	@ID			listAnnouncements
//	@Summary	List announcements in any state
//	@Tags		announcements
//	@Produce	json
//	@Param		status		query		string	false	"only this status"	Enums(draft, published)
//	@Param		trashed		query		bool	false	"true: only the announcements in the trash (otherwise left out)"	default(false)
//	@Param		page		query		int		false	"page, from 1"
//	@Param		per_page	query		int		false	"items per page (default 20, at most 100)"
//	@Success	200			{object}	adminAnnouncementListResponse
//	@Failure	400			{object}	problem
//	@Failure	401			{object}	problem
//	@Failure	403			{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/announcements [get]
func (s *Server) listAnnouncements(c echo.Context) error {
	q := parseQuery(c, append(paginationParams, "status", "trashed")...)
	page := q.Page()
	status := q.OneOf("status", "", models.PublicationStatuses...)
	trashed := ptrTrue(q.Bool("trashed"))
	if err := q.Err(); err != nil {
		return err
	}
	list, total, err := s.store.ListAnnouncements(c.Request().Context(), status, trashed, page)
	if err != nil {
		return err
	}
	views := make([]adminAnnouncementView, len(list))
	for i, a := range list {
		views[i] = s.adminAnnouncementView(a)
	}
	return c.JSON(http.StatusOK, adminAnnouncementListResponse{Data: views, Meta: listMeta{Pagination: models.NewPagination(page, total)}})
}

// createAnnouncement godoc
//
//	@ID			createAnnouncement
//	@Summary		Create an announcement
//	@Description	The body is sanitised. Without a slug one is made from the title (unique: -2, -3, … appended); starts_at defaults to now, ends_at to no end and status to draft. Version 1, sent as the ETag.
//	@Tags			announcements
//	@Accept			json
//	@Produce		json
//	@Param			body	body		createAnnouncementRequest	true	"the announcement"
//	@Success		201		{object}	adminAnnouncementResponse
//	@Header			201		{string}	ETag	"the version, for If-Match"
//	@Failure		400		{object}	problem
//	@Failure		401		{object}	problem
//	@Failure		403		{object}	problem
//	@Failure		409		{object}	problem	"slug taken"
//	@Failure		415		{object}	problem
//	@Failure		422		{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/announcements [post]
func (s *Server) createAnnouncement(c echo.Context) error {
	var req createAnnouncementRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	in := store.AnnouncementInput{Title: req.Title, Body: req.Body, Pinned: req.Pinned, Status: req.Status, AttachmentIDs: req.AttachmentIDs}
	if req.Slug != "" {
		in.Slug = errs.slug("slug", req.Slug)
	}
	if req.StartsAt != "" {
		in.StartsAt = errs.timePtr("starts_at", req.StartsAt)
	}
	if req.EndsAt != "" {
		in.EndsAt = errs.timePtr("ends_at", req.EndsAt)
	}
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	a, err := s.store.CreateAnnouncement(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	setVersionETag(c, a.Version)
	return c.JSON(http.StatusCreated, adminAnnouncementResponse{Data: s.adminAnnouncementView(a)})
}

// getAnnouncement godoc
//
//	@ID			getAnnouncement
//	@Summary	Show an announcement in any state
//	@Tags		announcements
//	@Produce	json
//	@Param		id	path		int	true	"announcement id"
//	@Success	200	{object}	adminAnnouncementResponse
//	@Header		200	{string}	ETag	"the version, for If-Match"
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Failure	403	{object}	problem
//	@Failure	404	{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/announcements/{id} [get]
func (s *Server) getAnnouncement(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	a, err := s.store.AnnouncementByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	setVersionETag(c, a.Version)
	return c.JSON(http.StatusOK, adminAnnouncementResponse{Data: s.adminAnnouncementView(a)})
}

// updateAnnouncement godoc
//
//	@ID			updateAnnouncement
//	@Summary		Change an announcement
//	@Description	Only the fields sent change; ends_at null removes the end, attachment_ids replaces the list. The slug stays unless sent. Needs If-Match with the version read (428 without, 412 when stale); bumps the version.
//	@Tags			announcements
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int							true	"announcement id"
//	@Param			If-Match	header		string						true	"the version read, as its ETag gave it"
//	@Param			body		body		updateAnnouncementRequest	true	"fields to change"
//	@Success		200			{object}	adminAnnouncementResponse
//	@Header			200			{string}	ETag	"the new version"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"slug taken, or the announcement is in the trash (restore it first)"
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		415			{object}	problem
//	@Failure		422			{object}	problem
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/announcements/{id} [patch]
func (s *Server) updateAnnouncement(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.versionOf("announcement", id))
	if err != nil {
		return err
	}
	var req updateAnnouncementRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	patch := store.AnnouncementPatch{Title: req.Title, Body: req.Body, Pinned: req.Pinned, Status: req.Status, AttachmentIDs: req.AttachmentIDs}
	if req.Slug != nil {
		patch.Slug = ptr(errs.slug("slug", *req.Slug))
	}
	if req.StartsAt != nil {
		patch.StartsAt = errs.timePtr("starts_at", *req.StartsAt)
	}
	patch.EndsAt = errs.nullableTime("ends_at", req.EndsAt)
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	a, err := s.store.UpdateAnnouncement(c.Request().Context(), actorOf(c), id, version, patch)
	if err != nil {
		return err
	}
	setVersionETag(c, a.Version)
	return c.JSON(http.StatusOK, adminAnnouncementResponse{Data: s.adminAnnouncementView(a)})
}

// deleteAnnouncement godoc
//
//	@ID			deleteAnnouncement
//	@Summary		Move an announcement to the trash, or delete it for good
//	@Description	Moves the announcement to the trash: it becomes a draft at once (a published one disappears from every public read: detail, list, search, feeds, sitemap), leaves the editorial list (see `trashed=true`) and keeps its attachments. Editors restore it (`POST /api/v1/admin/announcements/{id}/restore`) until the trash retention (TOASOAN_TRASH_RETENTION, 30 days by default) ends, when it is deleted for good. With `permanent=true` an admin deletes an announcement in the trash for good at once (409 when it is not in the trash). No webhook event fires (there is no announcement.unpublished). Needs If-Match with the version read (428 without, 412 when stale); trashing makes a new version.
//	@Tags			announcements
//	@Param			id			path	int		true	"announcement id"
//	@Param			permanent	query	bool	false	"true: delete an announcement in the trash for good (admins)"	default(false)
//	@Param			If-Match	header	string	true	"the version read, as its ETag gave it"
//	@Success		204
//	@Failure		400	{object}	problem
//	@Failure		401	{object}	problem
//	@Failure		403	{object}	problem	"permanent=true and not an admin"
//	@Failure		404	{object}	problem
//	@Failure		409	{object}	problem	"in the trash already, or (permanent=true) not in it"
//	@Failure		412	{object}	problem	"stale version"
//	@Failure		428	{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/announcements/{id} [delete]
func (s *Server) deleteAnnouncement(c echo.Context) error {
	return s.deleteOrPurge(c, "announcement", s.store.DeleteAnnouncement, s.store.DeleteAnnouncementForGood)
}

// restoreAnnouncement godoc
//
//	@ID			restoreAnnouncement
//	@Summary		Restore an announcement from the trash
//	@Description	It comes back as a draft, whatever it was before it was trashed: publish it again when it should be public. Needs If-Match with the version read (428 without, 412 when stale); restoring makes a new version. An announcement not in the trash is 409.
//	@Tags			announcements
//	@Produce		json
//	@Param			id			path		int		true	"announcement id"
//	@Param			If-Match	header		string	true	"the version read, as its ETag gave it"
//	@Success		200			{object}	adminAnnouncementResponse
//	@Header			200			{string}	ETag	"the new version, for If-Match"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"not in the trash"
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/announcements/{id}/restore [post]
func (s *Server) restoreAnnouncement(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.versionOf("announcement", id))
	if err != nil {
		return err
	}
	x, err := s.store.RestoreAnnouncement(c.Request().Context(), actorOf(c), id, version)
	if err != nil {
		return err
	}
	setVersionETag(c, x.Version)
	return c.JSON(http.StatusOK, adminAnnouncementResponse{Data: s.adminAnnouncementView(x)})
}

// mediaKeys notes the surrogate keys of shown attachments.
func mediaKeys(c echo.Context, list []models.Media) {
	for _, m := range list {
		addKeys(c, surrogate.Media(m.ID))
	}
}

func (s *Server) announcementView(a models.Announcement) announcementView {
	v := announcementView{
		ID: a.ID, Slug: a.Slug, Title: a.Title, Body: a.Body, Pinned: a.Pinned,
		StartsAt: a.StartsAt, EndsAt: a.EndsAt, Attachments: s.attachmentViews(a.Attachments),
	}
	return v
}

func (s *Server) adminAnnouncementView(a models.Announcement) adminAnnouncementView {
	return adminAnnouncementView{announcementView: s.announcementView(a), Status: a.Status, Version: a.Version,
		TrashedAt: a.TrashedAt, TrashedByID: a.TrashedByID, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// attachmentViews is the public {url, name, mime, size} of each file; [] when none.
func (s *Server) attachmentViews(media []models.Media) []models.Attachment {
	out := make([]models.Attachment, len(media))
	for i, m := range media {
		out[i] = models.AttachmentOf(m, s.cfg.MediaURL)
	}
	return out
}

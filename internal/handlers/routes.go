package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/models"
)

// routes is the whole API on one page. Every route declares who may call it; the authorize
// middleware denies any route that has no rule. Public content GETs go through the response
// cache (cached), which is a no-op when TOASOAN_CACHE_TTL is 0, and read from a replica when
// one is configured and usable (publicRead); every other route reads the primary.
func (s *Server) routes() {
	const v1 = "/api/v1"
	var (
		public  = auth.Public
		anyone  = auth.Roles(models.RoleAdmin, models.RoleEditor, models.RoleAuthor)
		editors = auth.Roles(models.RoleAdmin, models.RoleEditor)
		admin   = auth.Roles(models.RoleAdmin)
		cached  = func(h echo.HandlerFunc) echo.HandlerFunc { return publicRead(s.cached(h)) }
	)

	// Operations and documentation.
	s.handle(http.MethodGet, "/healthz", s.healthz, public)
	s.handle(http.MethodGet, "/readyz", s.readyz, public)
	s.handle(http.MethodGet, "/metrics", echo.WrapHandler(promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{})), public)
	s.handle(http.MethodGet, "/", s.index, public)
	s.handle(http.MethodGet, "/swagger", swaggerHome, public)
	s.handle(http.MethodGet, "/swagger/", swaggerHome, public)
	s.handle(http.MethodGet, swaggerDocPath, openAPIDoc, public)
	s.handle(http.MethodGet, openAPIJSONPath, openAPIJSON, public)
	s.handle(http.MethodGet, openAPIYAMLPath, openAPIYAML, public)
	s.handle(http.MethodGet, "/swagger/*", swaggerUI(), public)

	// Public content.
	s.handle(http.MethodGet, v1+"/categories", cached(s.listCategories), public)
	s.handle(http.MethodGet, v1+"/categories/:slug", cached(s.getCategory), public)
	s.handle(http.MethodGet, v1+"/tags", cached(s.listTags), public)
	s.handle(http.MethodGet, v1+"/authors", cached(s.listAuthors), public)
	s.handle(http.MethodGet, v1+"/authors/:slug", cached(s.getPublicAuthor), public)
	s.handle(http.MethodGet, v1+"/tags/:slug", cached(s.getPublicTag), public)
	s.handle(http.MethodGet, v1+"/articles", cached(s.listPublicArticles), public)
	s.handle(http.MethodGet, v1+"/articles/:slug", cached(s.getPublicArticle), public)
	s.handle(http.MethodPost, v1+"/articles/:slug/views", s.recordView, public)
	s.handle(http.MethodGet, v1+"/announcements", cached(s.listActiveAnnouncements), public)
	s.handle(http.MethodGet, v1+"/announcements/:slug", cached(s.getActiveAnnouncement), public)
	s.handle(http.MethodGet, v1+"/document-types", cached(s.listPublicDocumentTypes), public)
	s.handle(http.MethodGet, v1+"/documents", cached(s.listPublicDocuments), public)
	s.handle(http.MethodGet, v1+"/documents/:id", cached(s.getPublicDocument), public)
	s.handle(http.MethodGet, v1+"/search", cached(s.searchAll), public)
	s.handle(http.MethodGet, v1+"/search/suggest", cached(s.searchSuggest), public)
	s.handle(http.MethodGet, v1+"/redirects", cached(s.lookupRedirect), public)
	s.handle(http.MethodGet, v1+"/sync", s.syncFeed, public) // never cached, from the primary
	s.handle(http.MethodGet, v1+"/preview/articles/:token", s.previewArticle, public)
	s.handle(http.MethodGet, mediaRoute, s.serveMedia, public)

	// Feeds for readers and crawlers, at the site's root.
	s.handle(http.MethodGet, rssRoute, cached(s.rssFeed), public)
	s.handle(http.MethodGet, announcementsRSSRoute, cached(s.announcementsFeed), public)
	s.handle(http.MethodGet, documentsRSSRoute, cached(s.documentsFeed), public)
	s.handle(http.MethodGet, "/sitemap.xml", cached(s.sitemap), public)

	// Reader submissions ("Gửi ban biên tập").
	s.handle(http.MethodPost, v1+"/submissions", s.createSubmission, public)
	s.handle(http.MethodGet, v1+"/submissions/:tracking_code", s.getSubmissionStatus, public)

	// Auth and users.
	s.handle(http.MethodPost, v1+"/auth/login", s.login, public)
	s.handle(http.MethodPost, v1+"/auth/refresh", s.refresh, public)
	s.handle(http.MethodPost, v1+"/auth/logout", s.logout, public)
	s.handle(http.MethodGet, v1+"/auth/me", s.me, anyone)
	s.handle(http.MethodPut, v1+"/auth/password", s.changePassword, anyone)
	s.handle(http.MethodGet, v1+"/auth/me/profile", s.getMyProfile, anyone)
	s.handle(http.MethodPatch, v1+"/auth/me/profile", s.updateMyProfile, anyone)
	s.handle(http.MethodGet, v1+"/admin/users", s.listUsers, admin)
	s.handle(http.MethodPost, v1+"/admin/users", s.createUser, admin)
	s.handle(http.MethodGet, v1+"/admin/users/:id", s.getUser, admin)
	s.handle(http.MethodPatch, v1+"/admin/users/:id", s.updateUser, admin)
	s.handle(http.MethodGet, v1+"/admin/users/:id/profile", s.getUserProfile, editors) // authors: their own at /auth/me/profile
	s.handle(http.MethodPatch, v1+"/admin/users/:id/profile", s.updateUserProfile, editors)
	s.handle(http.MethodGet, v1+"/admin/audit-log", s.listAudit, admin)
	s.handle(http.MethodGet, v1+"/admin/search/abbreviations", s.listSearchAbbreviations, admin)
	s.handle(http.MethodPost, v1+"/admin/search/abbreviations", s.createSearchAbbreviation, admin)
	s.handle(http.MethodGet, v1+"/admin/search/abbreviations/:id", s.getSearchAbbreviation, admin)
	s.handle(http.MethodPatch, v1+"/admin/search/abbreviations/:id", s.updateSearchAbbreviation, admin)
	s.handle(http.MethodDelete, v1+"/admin/search/abbreviations/:id", s.deleteSearchAbbreviation, admin)

	// Webhooks (admins).
	s.handle(http.MethodGet, v1+"/admin/webhooks", s.listWebhooks, admin)
	s.handle(http.MethodPost, v1+"/admin/webhooks", s.createWebhook, admin)
	s.handle(http.MethodGet, v1+"/admin/webhooks/:id", s.getWebhook, admin)
	s.handle(http.MethodPatch, v1+"/admin/webhooks/:id", s.updateWebhook, admin)
	s.handle(http.MethodDelete, v1+"/admin/webhooks/:id", s.deleteWebhook, admin)
	s.handle(http.MethodGet, v1+"/admin/webhooks/:id/deliveries", s.listWebhookDeliveries, admin)
	s.handle(http.MethodPost, v1+"/admin/webhooks/:id/ping", s.pingWebhook, admin)

	// Editorial: articles (authors see and change only their own; checked in the handlers).
	s.handle(http.MethodGet, v1+"/admin/articles", s.listArticles, anyone)
	s.handle(http.MethodPost, v1+"/admin/articles", s.createArticle, anyone)
	s.handle(http.MethodGet, v1+"/admin/articles/:id", s.getArticle, anyone)
	s.handle(http.MethodPatch, v1+"/admin/articles/:id", s.updateArticle, anyone)
	s.handle(http.MethodDelete, v1+"/admin/articles/:id", s.deleteArticle, anyone)
	s.handle(http.MethodPost, v1+"/admin/articles/:id/submit", s.submitArticle, anyone)
	s.handle(http.MethodPost, v1+"/admin/articles/:id/publish", s.publishArticle, editors)
	s.handle(http.MethodPost, v1+"/admin/articles/:id/unpublish", s.unpublishArticle, editors)
	s.handle(http.MethodPost, v1+"/admin/articles/:id/archive", s.archiveArticle, editors)
	s.handle(http.MethodPost, v1+"/admin/articles/:id/restore", s.restoreArticle, editors)
	s.handle(http.MethodGet, v1+"/admin/articles/:id/revisions", s.listRevisions, anyone)
	s.handle(http.MethodGet, v1+"/admin/articles/:id/revisions/:n", s.getRevision, anyone)
	s.handle(http.MethodPost, v1+"/admin/articles/:id/revisions/:n/restore", s.restoreRevision, anyone)
	s.handle(http.MethodPost, v1+"/admin/articles/:id/preview", s.createPreview, anyone)

	// Editorial: categories and tags (authors read them to write articles).
	s.handle(http.MethodGet, v1+"/admin/categories", s.listAdminCategories, anyone)
	s.handle(http.MethodPost, v1+"/admin/categories", s.createCategory, editors)
	s.handle(http.MethodGet, v1+"/admin/categories/:id", s.getAdminCategory, anyone)
	s.handle(http.MethodPatch, v1+"/admin/categories/:id", s.updateCategory, editors)
	s.handle(http.MethodDelete, v1+"/admin/categories/:id", s.deleteCategory, editors)
	s.handle(http.MethodGet, v1+"/admin/tags", s.listAdminTags, anyone)
	s.handle(http.MethodPost, v1+"/admin/tags", s.createTag, editors)
	s.handle(http.MethodGet, v1+"/admin/tags/:id", s.getAdminTag, anyone)
	s.handle(http.MethodPatch, v1+"/admin/tags/:id", s.updateTag, editors)
	s.handle(http.MethodDelete, v1+"/admin/tags/:id", s.deleteTag, editors)

	// Editorial: announcements and the documents registry.
	s.handle(http.MethodGet, v1+"/admin/announcements", s.listAnnouncements, editors)
	s.handle(http.MethodPost, v1+"/admin/announcements", s.createAnnouncement, editors)
	s.handle(http.MethodGet, v1+"/admin/announcements/:id", s.getAnnouncement, editors)
	s.handle(http.MethodPatch, v1+"/admin/announcements/:id", s.updateAnnouncement, editors)
	s.handle(http.MethodDelete, v1+"/admin/announcements/:id", s.deleteAnnouncement, editors)
	s.handle(http.MethodPost, v1+"/admin/announcements/:id/restore", s.restoreAnnouncement, editors)
	s.handle(http.MethodGet, v1+"/admin/document-types", s.listDocumentTypes, editors)
	s.handle(http.MethodPost, v1+"/admin/document-types", s.createDocumentType, editors)
	s.handle(http.MethodGet, v1+"/admin/document-types/:id", s.getDocumentType, editors)
	s.handle(http.MethodPatch, v1+"/admin/document-types/:id", s.updateDocumentType, editors)
	s.handle(http.MethodDelete, v1+"/admin/document-types/:id", s.deleteDocumentType, editors)
	s.handle(http.MethodGet, v1+"/admin/documents", s.listDocuments, editors)
	s.handle(http.MethodPost, v1+"/admin/documents", s.createDocument, editors)
	s.handle(http.MethodGet, v1+"/admin/documents/:id", s.getDocument, editors)
	s.handle(http.MethodPatch, v1+"/admin/documents/:id", s.updateDocument, editors)
	s.handle(http.MethodDelete, v1+"/admin/documents/:id", s.deleteDocument, editors)
	s.handle(http.MethodPost, v1+"/admin/documents/:id/restore", s.restoreDocument, editors)

	// Editorial: media and reader submissions.
	s.handle(http.MethodPost, v1+"/admin/media", s.uploadMedia, anyone)
	s.handle(http.MethodGet, v1+"/admin/media", s.listMedia, anyone)
	s.handle(http.MethodGet, v1+"/admin/media/:id", s.getMedia, anyone)
	s.handle(http.MethodPatch, v1+"/admin/media/:id", s.updateMedia, anyone)
	s.handle(http.MethodDelete, v1+"/admin/media/:id", s.deleteMedia, editors)
	s.handle(http.MethodGet, v1+"/admin/submissions", s.listSubmissions, editors)
	s.handle(http.MethodGet, v1+"/admin/submissions/:id", s.getSubmission, editors)
	s.handle(http.MethodPatch, v1+"/admin/submissions/:id", s.updateSubmission, editors)
}

// handle registers a route with its access rule. A GET answers HEAD as well (the server sends
// the headers and drops the body), as caches and link checkers expect.
func (s *Server) handle(method, path string, h echo.HandlerFunc, rule auth.Rule) {
	s.rules[method+" "+path] = rule
	s.echo.Add(method, path, h)
	if method == http.MethodGet {
		s.rules[http.MethodHead+" "+path] = rule
		s.echo.Add(http.MethodHead, path, h)
	}
}

// authorize enforces the access rule of the matched route: deny by default.
func (s *Server) authorize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		rule, ok := s.rules[c.Request().Method+" "+c.Path()]
		if !ok {
			if s.routeKnown(c) {
				return models.Forbidden("this route has no access rule")
			}
			// Unknown paths and wrong methods go on to Echo's 404 and 405 handlers.
			return next(c)
		}
		if rule.Public {
			return next(c)
		}
		return s.authenticate(c, rule, next)
	}
}

// routeKnown reports whether the matched route was registered for this method (so it reached
// authorize without a rule), as opposed to Echo's 404 and 405 handlers.
func (s *Server) routeKnown(c echo.Context) bool {
	for _, r := range s.echo.Routes() {
		if r.Method == c.Request().Method && r.Path == c.Path() {
			return true
		}
	}
	return false
}

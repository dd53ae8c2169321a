package handlers

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
	echoSwagger "github.com/swaggo/echo-swagger"
)

// swaggerUIHandler is the docs UI. It opens the OpenAPI 3 document; the Swagger 2.0 one is the
// other choice in its list (echo-swagger's default list names a doc.yaml that is not served).
var swaggerUIHandler = echoSwagger.EchoWrapHandler(func(c *echoSwagger.Config) {
	c.URLs = []string{openAPIJSONPath, swaggerDocPath}
})

// inlineScript matches a <script> element without src: the UI's start-up code.
var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// swaggerUI serves the API docs UI with the security headers of the rest of the API and a
// policy that lets only the UI's own files and its one inline start-up script run. That
// script is fixed at build time, so it is allowed by its hash, computed here from the page the
// handler serves; styles need 'unsafe-inline' (the UI sets style attributes as it renders).
// Editors paste tokens into this page: it may not be framed and sends no referrer.
func swaggerUI() echo.HandlerFunc {
	page := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/swagger/index.html", nil), page)
	c.SetParamNames("*")
	c.SetParamValues("index.html")
	_ = swaggerUIHandler(c)
	var hashes []string
	for _, m := range inlineScript.FindAllStringSubmatch(page.Body.String(), -1) {
		sum := sha256.Sum256([]byte(m[1]))
		hashes = append(hashes, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	csp := "default-src 'none'; script-src 'self' " + strings.Join(hashes, " ") +
		"; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'" +
		"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set(echo.HeaderContentSecurityPolicy, csp)
		h.Set(echo.HeaderXFrameOptions, "DENY")
		h.Set(echo.HeaderXContentTypeOptions, "nosniff")
		h.Set(echo.HeaderReferrerPolicy, "no-referrer")
		return swaggerUIHandler(c)
	}
}

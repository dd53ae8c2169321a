package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/docs"
)

// apiIndex is what GET / answers: where a newcomer goes next.
type apiIndex struct {
	Name    string        `json:"name" example:"toasoan"`
	Version string        `json:"version" example:"1.0"`                   // of the API, as in the OpenAPI document
	Build   string        `json:"build" example:"3f2a9c1d0b7e (modified)"` // the commit the binary was built from, or "devel"
	Links   apiIndexLinks `json:"links"`
} // @name APIIndex

type apiIndexLinks struct {
	Docs     string `json:"docs" example:"/swagger/index.html"`
	OpenAPI  string `json:"openapi" example:"/openapi.json"`      // OpenAPI 3.0; also /openapi.yaml
	Swagger2 string `json:"swagger2" example:"/swagger/doc.json"` // the same API as Swagger 2.0, for older tools
	Health   string `json:"health" example:"/healthz"`
	Ready    string `json:"ready" example:"/readyz"`
	API      string `json:"api" example:"/api/v1"`
} // @name APIIndexLinks

// index godoc
//
//	@ID			getAPIIndex
//	@Summary		Where to start: the API's name, version and links to its documentation
//	@Description	Links are paths on this server.
//	@Tags			operations
//	@Produce		json
//	@Success		200	{object}	apiIndex
//	@Router			/ [get]
func (s *Server) index(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.JSON(http.StatusOK, apiIndex{
		Name: "toasoan", Version: docs.SwaggerInfo.Version, Build: buildVersion(),
		Links: apiIndexLinks{Docs: swaggerUIPath, OpenAPI: openAPIJSONPath, Swagger2: swaggerDocPath, Health: "/healthz", Ready: "/readyz", API: "/api/v1"},
	})
}

const (
	swaggerUIPath   = "/swagger/index.html"
	swaggerDocPath  = "/swagger/doc.json"
	openAPIJSONPath = "/openapi.json"
	openAPIYAMLPath = "/openapi.yaml"
)

// swaggerHome sends /swagger and /swagger/ to the UI.
func swaggerHome(c echo.Context) error { return c.Redirect(http.StatusFound, swaggerUIPath) }

// buildVersion is the VCS revision Go stamped into the binary, or "devel" (go run, go test).
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	revision, modified := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	switch {
	case revision == "":
		return "devel"
	case modified:
		return revision[:min(12, len(revision))] + " (modified)"
	}
	return revision[:min(12, len(revision))]
}

// openAPIJSON and openAPIYAML serve the committed OpenAPI 3 document (docs/openapi.json,
// docs/openapi.yaml) byte for byte.
func openAPIJSON(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, docs.OpenAPIJSON)
}

func openAPIYAML(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.Blob(http.StatusOK, "application/yaml; charset=UTF-8", docs.OpenAPIYAML)
}

// openAPIDocument is made once, at the first request for it.
var openAPIDocument = sync.OnceValues(servedOpenAPI)

// servedOpenAPI is the generated Swagger 2.0 document as it is served at /swagger/doc.json: swag writes an empty
// "host" (and empty "schemes"), which the Swagger 2.0 schema rejects; left out, clients use the
// host that served the document, which is what an empty host was meant to say.
func servedOpenAPI() ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(docs.SwaggerInfo.ReadDoc()), &doc); err != nil {
		return nil, fmt.Errorf("the generated OpenAPI document does not parse: %w", err)
	}
	if host, _ := doc["host"].(string); host == "" {
		delete(doc, "host")
	}
	if schemes, _ := doc["schemes"].([]any); len(schemes) == 0 {
		delete(doc, "schemes")
	}
	return json.Marshal(doc)
}

// openAPIDoc serves the document made by servedOpenAPI.
func openAPIDoc(c echo.Context) error {
	doc, err := openAPIDocument()
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, doc)
}

package handlers

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/toasoan/toasoan/docs"
	"github.com/toasoan/toasoan/internal/testdb"
)

// Every route is documented in the OpenAPI spec, with its method: clients are generated from it.
func TestEveryRouteIsInOpenAPI(t *testing.T) {
	var spec struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(docs.SwaggerInfo.ReadDoc()), &spec); err != nil {
		t.Fatal(err)
	}
	undocumented := map[string]bool{"/metrics": true, "/swagger": true, "/swagger/": true, "/swagger/doc.json": true, "/swagger/*": true} // Prometheus and the spec itself
	param := regexp.MustCompile(`:(\w+)`)
	ts := newTestServer(t, testdb.New(t, "sqlite"))
	for _, r := range ts.Echo().Routes() {
		if undocumented[r.Path] {
			continue
		}
		// Echo's :id is OpenAPI's {id}; a trailing wildcard is documented as {key}.
		path := strings.Replace(param.ReplaceAllString(r.Path, "{$1}"), "*", "{key}", 1)
		method := strings.ToLower(r.Method)
		if method == "head" {
			method = "get" // every GET answers HEAD too, as the spec's description says
		}
		if _, ok := spec.Paths[path][method]; !ok {
			t.Errorf("%s %s is not in docs/ (as %s): add a swag block and run go generate ./cmd/api", r.Method, r.Path, path)
		}
	}
}

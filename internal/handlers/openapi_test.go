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
	if err := json.Unmarshal(docs.OpenAPIJSON, &spec); err != nil {
		t.Fatal(err)
	}
	undocumented := map[string]bool{"/metrics": true, "/swagger": true, "/swagger/": true, "/swagger/doc.json": true, "/swagger/*": true, "/openapi.json": true, "/openapi.yaml": true} // Prometheus and the spec itself
	param := regexp.MustCompile(`:(\w+)`)
	ts := newTestServer(t, testdb.New(t, "sqlite"))
	for _, r := range ts.Echo().Routes() {
		if undocumented[r.Path] {
			continue
		}
		// Echo's :id is OpenAPI's {id}; the media wildcard holds the keys the server makes,
		// year/month/file.
		path := strings.Replace(param.ReplaceAllString(r.Path, "{$1}"), "*", "{year}/{month}/{file}", 1)
		method := strings.ToLower(r.Method)
		if method == "head" {
			method = "get" // every GET answers HEAD too, as the spec's description says
		}
		if _, ok := spec.Paths[path][method]; !ok {
			t.Errorf("%s %s is not in docs/ (as %s): add a swag block and run go generate ./cmd/api", r.Method, r.Path, path)
		}
	}
}

// Every operation has a readable operationId of its own: generated clients name their methods
// after it (listArticles, getArticle, publishArticle), so it must never be missing or repeated.
func TestEveryOperationHasItsOwnID(t *testing.T) {
	var spec struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(docs.OpenAPIJSON, &spec); err != nil {
		t.Fatal(err)
	}
	readable := regexp.MustCompile(`^[a-z][a-zA-Z]+$`)
	seen := map[string]string{}
	for path, ops := range spec.Paths {
		for method, op := range ops {
			where := strings.ToUpper(method) + " " + path
			switch {
			case !readable.MatchString(op.OperationID):
				t.Errorf("%s: operationId %q, want a lowerCamelCase name (an @ID line in its swag block)", where, op.OperationID)
			case seen[op.OperationID] != "":
				t.Errorf("%s: operationId %s is also %s's", where, op.OperationID, seen[op.OperationID])
			}
			seen[op.OperationID] = where
		}
	}
	if len(seen) < 80 {
		t.Errorf("%d operations read, want every one of the API's", len(seen))
	}
}

// Every tag an operation carries is declared at the top with a description (the docs UI and
// generated clients group operations by it), and none is declared unused.
func TestEveryTagIsDeclared(t *testing.T) {
	var spec struct {
		Tags []struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"tags"`
		Paths map[string]map[string]struct {
			Tags []string `json:"tags"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(docs.OpenAPIJSON, &spec); err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, tag := range spec.Tags {
		if tag.Description == "" {
			t.Errorf("tag %s has no description (@tag.description in cmd/api/main.go)", tag.Name)
		}
		declared[tag.Name] = true
	}
	used := map[string]bool{}
	for path, ops := range spec.Paths {
		for method, op := range ops {
			if len(op.Tags) != 1 {
				t.Errorf("%s %s: tags %v, want one", strings.ToUpper(method), path, op.Tags)
			}
			for _, tag := range op.Tags {
				used[tag] = true
				if !declared[tag] {
					t.Errorf("%s %s: tag %s is not declared (@tag.name in cmd/api/main.go)", strings.ToUpper(method), path, tag)
				}
			}
		}
	}
	for name := range declared {
		if !used[name] {
			t.Errorf("tag %s is declared but no operation has it", name)
		}
	}
}

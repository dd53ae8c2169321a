package handlers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/toasoan/toasoan/docs"
	"github.com/toasoan/toasoan/internal/openapi"
)

// The contract: every request a test sends through ts.do and every response it gets are checked
// against the committed OpenAPI 3 document (docs/openapi.json), so a test that produces an
// undocumented status, header, content type, a missing required field, an undeclared null or a
// field the document does not name fails, whatever it was testing.
//
// A request the document rejects may still be sent: tests send bad requests on purpose. It is
// an error only when the API accepted it (a status below 400): then the document is stricter
// than the API.

// contractDoc is the committed document as the tests read it: every object schema of a
// response that lists its properties is closed (additionalProperties: false), so a field the API sends and the
// document does not name fails.
var contractDoc = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPIJSON)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	closeSchema := func(v *openapi3.Schema) {
		if len(v.Properties) > 0 && v.AdditionalProperties.Has == nil && v.AdditionalProperties.Schema == nil {
			v.AdditionalProperties.Has = new(false)
		}
	}
	for name, s := range doc.Components.Schemas {
		// A request body may hold the read-only fields of what the client read (readOnlyFields):
		// the API ignores them, and refuses any other unknown field itself (422).
		if !strings.HasSuffix(name, "Request") {
			openapi.EachSchema(s, closeSchema)
		}
	}
	return gorillamux.NewRouter(doc)
})

// uncontracted are the paths outside the document: Prometheus, the docs UI, the documents, and
// the routes tests add under /test/ to probe the middleware.
func uncontracted(path string) bool {
	return path == "/metrics" || strings.HasPrefix(path, "/test/") || path == "/openapi.json" || path == "/openapi.yaml" ||
		path == "/swagger" || strings.HasPrefix(path, "/swagger/")
}

// headersClientsRead are the response headers the document must declare where they are sent.
var headersClientsRead = []string{"ETag", "Location", "Retry-After", "Cache-Control", "X-Request-ID", "Last-Modified", "Link", "Deprecation", "Surrogate-Key", "Cache-Tag"}

// checkContract checks one exchange of ts.do against the document.
func checkContract(t testing.TB, req *http.Request, body []byte, res *httptest.ResponseRecorder) {
	t.Helper()
	if uncontracted(req.URL.Path) {
		return
	}
	router, err := contractDoc()
	if err != nil {
		t.Fatalf("docs/openapi.json: %v", err)
	}
	// HEAD is documented as the GET it answers like.
	find := req.Clone(req.Context())
	if find.Method == http.MethodHead {
		find.Method = http.MethodGet
	}
	route, params, err := router.FindRoute(find)
	if err != nil {
		if res.Code >= 400 && res.Code < 500 {
			return // the API refused it too (no route, or a key the server never makes)
		}
		t.Errorf("contract: %s %s answered %d but is not in docs/openapi.json (%v)", req.Method, req.URL.Path, res.Code, err)
		return
	}
	where := fmt.Sprintf("%s %s → %d", req.Method, route.Path, res.Code)
	opts := &openapi3filter.Options{
		AuthenticationFunc:         openapi3filter.NoopAuthenticationFunc, // the tests check who may call what
		MultiError:                 true,
		IncludeResponseStatus:      true,
		SkipSettingDefaults:        true,
		ExcludeReadOnlyValidations: true,
		SchemaValidationOptions:    []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation()},
	}
	in := &openapi3filter.RequestValidationInput{Request: find, PathParams: params, Route: route, Options: opts}
	find.Body = io.NopCloser(bytes.NewReader(body))
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && res.Code < 400 {
		t.Errorf("contract: %s: the API accepted a request docs/openapi.json rejects: %v", where, err)
	}

	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 res.Code,
		Header:                 res.Header(),
		Body:                   io.NopCloser(bytes.NewReader(res.Body.Bytes())),
		Options:                opts,
	}
	mediaType, _, _ := mime.ParseMediaType(res.Header().Get(echoContentType))
	if req.Method == http.MethodHead || !isJSON(mediaType) {
		// A HEAD has no body, and kin-openapi reads only JSON bodies: the media type is still
		// checked against the declared ones below.
		noBody := *opts
		noBody.ExcludeResponseBody = true
		out.Options = &noBody
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("contract: %s: the response does not match docs/openapi.json: %v\nbody: %.2000s", where, err, res.Body)
	}
	declared := route.Operation.Responses.Status(res.Code)
	if declared == nil || declared.Value == nil {
		return // reported above
	}
	if mediaType != "" && res.Body.Len() > 0 && req.Method != http.MethodHead && declared.Value.Content.Get(mediaType) == nil {
		t.Errorf("contract: %s: Content-Type %s is not declared for this response", where, mediaType)
	}
	for _, h := range headersClientsRead {
		if res.Header().Get(h) == "" {
			continue
		}
		if _, ok := declared.Value.Headers[h]; !ok {
			t.Errorf("contract: %s: sends %s, which docs/openapi.json does not declare for this response (an @Header line)", where, h)
		}
	}
}

const echoContentType = "Content-Type"

func isJSON(mediaType string) bool {
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

// recordingTB is a testing.TB that keeps the errors it is given, for testing the checks.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

// The contract check fails on each kind of mismatch, and passes the exchange the document describes.
func TestContractCheckCatchesEveryMismatch(t *testing.T) {
	const node = `"id":3,"slug":"mat-tran","name":"Mặt trận","description":"","parent_id":null,"position":1,"path":[{"id":3,"slug":"mat-tran","name":"Mặt trận"}],"article_count":0,"children":[]`
	cases := []struct {
		name, method, path, body string
		status                   int
		header                   map[string]string
		want                     string // in the error; "" for none
	}{
		{name: "as documented", method: "GET", path: "/api/v1/categories/mat-tran", status: 200,
			body: `{"data":{` + node + `}}`},
		{name: "an undeclared field", method: "GET", path: "/api/v1/categories/mat-tran", status: 200,
			body: `{"data":{` + node + `,"secret":1}}`, want: `"secret"`},
		{name: "a required field missing", method: "GET", path: "/api/v1/categories/mat-tran", status: 200,
			body: `{"data":{` + strings.Replace(node, `"position":1,`, "", 1) + `}}`, want: `"position"`},
		{name: "an undeclared null", method: "GET", path: "/api/v1/categories/mat-tran", status: 200,
			body: `{"data":{` + strings.Replace(node, `"name":"Mặt trận"`, `"name":null`, 1) + `}}`, want: "null"},
		{name: "a wrong type", method: "GET", path: "/api/v1/categories/mat-tran", status: 200,
			body: `{"data":{` + strings.Replace(node, `"id":3`, `"id":"3"`, 1) + `}}`, want: `"id"`},
		{name: "an undocumented status", method: "GET", path: "/api/v1/categories/mat-tran", status: 418,
			body: `{"type":"about:blank","title":"I'm a teapot","status":418}`, want: "status is not supported"},
		{name: "an undeclared header", method: "GET", path: "/api/v1/categories/mat-tran", status: 200,
			body: `{"data":{` + node + `}}`, header: map[string]string{"Location": "/elsewhere"}, want: "sends Location"},
		{name: "a required header missing", method: "GET", path: "/api/v1/categories/mat-tran", status: 200,
			body: `{"data":{` + node + `}}`, header: map[string]string{"X-Request-ID": ""}, want: `"X-Request-ID" missing`},
		{name: "a public read without its surrogate keys", method: "GET", path: "/api/v1/categories/mat-tran", status: 200,
			body: `{"data":{` + node + `}}`, header: map[string]string{"Surrogate-Key": ""}, want: `"Surrogate-Key" missing`},
		{name: "an undeclared content type", method: "GET", path: "/api/v1/categories/mat-tran", status: 200,
			body: `<category/>`, header: map[string]string{"Content-Type": "application/xml"}, want: "application/xml is not declared"},
		{name: "an error not sent as a problem", method: "GET", path: "/api/v1/categories/mat-tran", status: 404,
			body: `{"type":"about:blank","title":"Not Found","status":404}`, header: map[string]string{"Content-Type": "application/json"}, want: "application/json"},
		{name: "a path the document does not have", method: "GET", path: "/api/v1/nowhere", status: 200,
			body: `{}`, want: "is not in docs/openapi.json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			res := httptest.NewRecorder()
			contentType := "application/json"
			if tc.status >= 400 {
				contentType = "application/problem+json"
			}
			res.Header().Set("Content-Type", contentType)
			res.Header().Set("X-Request-ID", "r-1")
			res.Header().Set("Cache-Control", "no-store")
			if tc.status == 200 { // a cached public read names its keys
				res.Header().Set("Surrogate-Key", "categories")
				res.Header().Set("Cache-Tag", "categories")
			}
			for k, v := range tc.header {
				if v == "" {
					res.Header().Del(k)
				} else {
					res.Header().Set(k, v)
				}
			}
			res.WriteHeader(tc.status)
			res.WriteString(tc.body)
			rec := &recordingTB{TB: t}
			checkContract(rec, req, nil, res)
			got := strings.Join(rec.errors, "\n")
			switch {
			case tc.want == "" && got != "":
				t.Errorf("the documented exchange failed the check: %s", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("want an error naming %s, got %q", tc.want, got)
			}
		})
	}
}

package openapi

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// A small Swagger 2.0 document as swag writes it, with one case of each rule.
const swagger2 = `{
  "swagger": "2.0",
  "info": {"title": "t", "version": "1"},
  "host": "",
  "basePath": "/",
  "securityDefinitions": {"BearerAuth": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "a token"}},
  "paths": {
    "/things/{id}": {
      "get": {
        "operationId": "getThing",
        "produces": ["application/json", "application/xml"],
        "parameters": [{"name": "id", "in": "path", "required": true, "type": "integer"}],
        "responses": {
          "200": {"description": "OK", "schema": {"$ref": "#/definitions/Thing"}},
          "404": {"description": "Not Found", "schema": {"$ref": "#/definitions/Problem"}}
        }
      },
      "delete": {
        "operationId": "deleteThing",
        "security": [{"BearerAuth": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "type": "integer"}],
        "responses": {"204": {"description": "No Content"}}
      }
    },
    "/healthz": {
      "get": {"operationId": "checkLiveness", "responses": {"200": {"description": "OK"}}}
    },
    "/letters": {
      "post": {
        "operationId": "sendLetter",
        "consumes": ["multipart/form-data", "application/json"],
        "parameters": [
          {"name": "text", "in": "formData", "required": true, "type": "string"},
          {"name": "files", "in": "formData", "type": "array", "items": {"type": "file"}, "collectionFormat": "multi"}
        ],
        "responses": {"201": {"description": "Created"}}
      }
    }
  },
  "definitions": {
    "Thing": {"type": "object", "required": ["cover", "count"], "properties": {
      "cover": {"$ref": "#/definitions/Cover", "x-nullable": true},
      "count": {"type": "integer"},
      "small": {"type": "integer", "format": "int32"}
    }},
    "Cover": {"type": "object", "properties": {"url": {"type": "string"}}},
    "Problem": {"type": "object", "properties": {"title": {"type": "string"}}}
  }
}`

func convert(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := FromSwagger2([]byte(swagger2))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestNullableReferenceIsWrappedInAllOf(t *testing.T) {
	cover := convert(t).Components.Schemas["Thing"].Value.Properties["cover"]
	if cover.Ref != "" || !cover.Value.Nullable || len(cover.Value.AllOf) != 1 || cover.Value.AllOf[0].Ref != "#/components/schemas/Cover" {
		t.Fatalf("cover = %+v, want allOf [Cover], nullable", cover.Value)
	}
	if _, ok := cover.Value.Extensions["x-nullable"]; ok {
		t.Error("x-nullable left beside nullable")
	}
}

func TestIntegersWithoutFormatAreInt64(t *testing.T) {
	doc := convert(t)
	props := doc.Components.Schemas["Thing"].Value.Properties
	if props["count"].Value.Format != "int64" || props["small"].Value.Format != "int32" {
		t.Errorf("count %q, small %q: want int64 and the int32 given", props["count"].Value.Format, props["small"].Value.Format)
	}
	if f := doc.Paths.Find("/things/{id}").Get.Parameters[0].Value.Schema.Value.Format; f != "int64" {
		t.Errorf("path parameter format %q, want int64", f)
	}
}

func TestProblemsAreProblemJSONWhateverTheOperationProduces(t *testing.T) {
	res := convert(t).Paths.Find("/things/{id}").Get.Responses.Status(404).Value
	if len(res.Content) != 1 || res.Content.Get(ProblemMediaType) == nil {
		t.Errorf("404 content types %v, want only %s", keys(res.Content), ProblemMediaType)
	}
	ok := convert(t).Paths.Find("/things/{id}").Get.Responses.Status(200).Value
	if ok.Content.Get("application/json") == nil || ok.Content.Get("application/xml") == nil {
		t.Errorf("200 content types %v: the operation's own are kept", keys(ok.Content))
	}
}

func TestSecurity(t *testing.T) {
	doc := convert(t)
	scheme := doc.Components.SecuritySchemes["BearerAuth"].Value
	if scheme.Type != "http" || scheme.Scheme != "bearer" || scheme.BearerFormat != "JWT" || scheme.Description != "a token" {
		t.Errorf("BearerAuth = %+v, want HTTP bearer JWT with its description", scheme)
	}
	item := doc.Paths.Find("/things/{id}")
	if item.Get.Security == nil || len(*item.Get.Security) != 0 {
		t.Errorf("public operation security = %v, want []", item.Get.Security)
	}
	if item.Delete.Security == nil || len(*item.Delete.Security) != 1 {
		t.Errorf("protected operation security = %v, want BearerAuth", item.Delete.Security)
	}
	if item.Delete.Responses.Status(401) == nil || item.Get.Responses.Status(401) != nil {
		t.Error("401 belongs to the protected operation only")
	}
}

func TestMiddlewareStatusesAndHeaders(t *testing.T) {
	doc := convert(t)
	get := doc.Paths.Find("/things/{id}").Get
	for _, code := range []int{400, 500, 503} {
		if get.Responses.Status(code) == nil {
			t.Errorf("getThing has no %d", code)
		}
	}
	if doc.Paths.Find("/healthz").Get.Responses.Status(503) != nil {
		t.Error("the liveness check reads no database: no 503")
	}
	if get.Responses.Status(413) != nil || doc.Paths.Find("/letters").Post.Responses.Status(413) == nil {
		t.Error("413 belongs to operations with a body")
	}
	if h := get.Responses.Status(503).Value.Headers["Retry-After"]; h == nil || !h.Value.Required {
		t.Error("503 without a required Retry-After")
	}
	for code, res := range get.Responses.Map() {
		if res.Value.Headers["X-Request-ID"] == nil || res.Value.Headers["Cache-Control"] == nil {
			t.Errorf("%s: no X-Request-ID or Cache-Control", code)
		}
	}
}

func TestMultipartAlsoJSONAndRepeatedFiles(t *testing.T) {
	body := convert(t).Paths.Find("/letters").Post.RequestBody.Value
	form := body.Content.Get("multipart/form-data").Schema.Value
	files := form.Properties["files"].Value
	if !files.Type.Is(openapi3.TypeArray) || files.Items.Value.Format != "binary" {
		t.Errorf("files = %+v, want an array of binary parts", files)
	}
	if _, ok := form.Properties["text"].Value.Extensions["x-formData-name"]; ok {
		t.Error("openapi2conv's x-formData-name left in")
	}
	js := body.Content.Get("application/json").Schema.Value
	if _, ok := js.Properties["files"]; ok || js.Properties["text"] == nil || len(js.Required) != 1 {
		t.Errorf("JSON body = %v required %v, want text without files", keys(js.Properties), js.Required)
	}
}

func TestServersAndNoEmptyHost(t *testing.T) {
	doc := convert(t)
	if doc.OpenAPI != "3.0.3" || len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
		t.Errorf("openapi %s, servers %v", doc.OpenAPI, doc.Servers)
	}
}

func TestInvalidInputIsAnError(t *testing.T) {
	if _, err := FromSwagger2([]byte(`{"swagger":`)); err == nil {
		t.Error("a document that does not parse converted")
	}
	if _, err := FromSwagger2([]byte(`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/x":{"get":{"responses":{"200":{"description":"OK","schema":{"$ref":"#/definitions/Missing"}}}}}}}`)); err == nil {
		t.Error("a document with a dangling reference converted")
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// An operation with a fields parameter also answers SparseMediaType, whose schema is a copy of
// its own with the items' properties optional; application/json keeps the full schema.
func TestSparseFields(t *testing.T) {
	doc, err := FromSwagger2([]byte(`{
  "swagger": "2.0", "info": {"title": "t", "version": "1"}, "basePath": "/",
  "paths": {"/things": {"get": {"operationId": "listThings", "produces": ["application/json"],
    "parameters": [{"name": "fields", "in": "query", "type": "string"}],
    "responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/ThingList"}}}}}},
  "definitions": {
    "ThingList": {"type": "object", "required": ["data", "meta"], "properties": {
      "data": {"type": "array", "items": {"$ref": "#/definitions/Thing"}}, "meta": {"type": "object"}}},
    "Thing": {"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
    "Problem": {"type": "object", "properties": {"title": {"type": "string"}}}
  }}`))
	if err != nil {
		t.Fatal(err)
	}
	content := doc.Paths.Find("/things").Get.Responses.Status(200).Value.Content
	if ref := content.Get("application/json").Schema.Ref; ref != "#/components/schemas/ThingList" {
		t.Errorf("application/json is %s", ref)
	}
	if ref := content.Get(SparseMediaType).Schema.Ref; ref != "#/components/schemas/ThingListSparse" {
		t.Fatalf("%s is %s", SparseMediaType, ref)
	}
	list := doc.Components.Schemas["ThingListSparse"].Value
	if len(list.Required) != 2 || list.Properties["data"].Value.Items.Ref != "#/components/schemas/ThingSparse" {
		t.Errorf("ThingListSparse: required %v, items %s", list.Required, list.Properties["data"].Value.Items.Ref)
	}
	if item := doc.Components.Schemas["ThingSparse"].Value; len(item.Required) != 0 || len(item.Properties) != 2 {
		t.Errorf("ThingSparse: required %v, properties %d", item.Required, len(item.Properties))
	}
	if len(doc.Components.Schemas["Thing"].Value.Required) != 2 {
		t.Error("Thing lost its required properties")
	}
}

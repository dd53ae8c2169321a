// Package openapi makes the OpenAPI 3 document from the Swagger 2.0 one swag generates from the
// annotations. kin-openapi's openapi2conv converts it; then the rules below add what Swagger 2.0
// cannot say, each from what the API does for every operation alike (one error handler, one
// middleware chain) or from an annotation:
//
//   - a property written x-nullable (the `extensions:"x-nullable"` struct tag) is nullable,
//     also when it refers to a schema (wrapped in allOf, as OpenAPI 3.0 ignores siblings of $ref,
//     with the type of the schema it refers to, as nullable takes effect only beside a type);
//   - an integer without a format is int64 (toasoan's ids, counts and sizes are Go int or int64);
//   - a response whose schema is Problem is application/problem+json (the error handler's type);
//   - every response sends X-Request-ID and Cache-Control, every 429 and 503 Retry-After, and a
//     response that declares Surrogate-Key or Cache-Tag (the cached public reads) always sends it;
//   - BearerAuth is HTTP bearer with a JWT, and an operation without @Security is public:
//     `security: []`;
//   - every operation may answer what the middleware chain answers for any route: 400 for a
//     parameter that is not valid UTF-8 text, 500 for a bug, 503 with Retry-After when the
//     database is unavailable or the request's deadline passed (all but the liveness check,
//     which reads nothing), 413 for a body over the limit, and, when it needs a token, 401;
//   - a multipart body also accepted as JSON (@Accept mpfd,json) has its file parts only in
//     the multipart form, and a repeated part (`[]file`) is an array of binary parts.
package openapi

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
)

// ProblemMediaType is the media type of every error response (RFC 9457).
const ProblemMediaType = "application/problem+json"

// FromSwagger2 converts swag's Swagger 2.0 document (JSON) to the OpenAPI 3.0 document toasoan
// serves, and checks that the result is a valid OpenAPI 3 document.
func FromSwagger2(swagger2 []byte) (*openapi3.T, error) {
	var raw map[string]any
	if err := json.Unmarshal(swagger2, &raw); err != nil {
		return nil, fmt.Errorf("the Swagger 2.0 document does not parse: %w", err)
	}
	definitions, _ := raw["definitions"].(map[string]any)
	walk(raw, func(obj map[string]any) { nullableRefs(obj, definitions) })
	delete(raw, "host") // swag writes "" when none is set: clients use the server that served the document
	delete(raw, "schemes")
	fixed, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(fixed, &doc2); err != nil {
		return nil, fmt.Errorf("the Swagger 2.0 document does not load: %w", err)
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("converting to OpenAPI 3: %w", err)
	}
	doc.Servers = openapi3.Servers{{URL: "/", Description: "the server that serves this document"}}
	bearerAuth(doc)
	headers(doc)
	for _, s := range doc.Components.Schemas {
		EachSchema(s, int64Integers)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Security == nil {
				op.Security = &openapi3.SecurityRequirements{} // public
			}
			multipartAlsoJSON(op)
			middlewareStatuses(op)
			for code, res := range op.Responses.Map() {
				response(code, res.Value)
			}
			for _, p := range op.Parameters {
				EachSchema(p.Value.Schema, int64Integers)
			}
			if op.RequestBody != nil {
				for _, mt := range op.RequestBody.Value.Content {
					EachSchema(mt.Schema, int64Integers)
				}
			}
		}
	}
	sparseFields(doc)
	if err := Validate(doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// schemaPrefix starts the reference of a component schema.
const schemaPrefix = "#/components/schemas/"

// SparseMediaType is the media type of an answer with fields= (only the fields asked for).
const SparseMediaType = "application/vnd.toasoan.sparse+json"

// sparseFields documents fields=: an operation with a `fields` query parameter answers only
// the top-level fields of its items asked for, which Swagger 2.0 cannot say. Such an answer is
// SparseMediaType, so the application/json answer keeps its schema X (every field required)
// and clients generated from the document keep their types; the 200's SparseMediaType is XSparse,
// a copy of X whose item schema (ItemSparse) requires none of its own properties; what is
// inside them stays as X has it.
func sparseFields(doc *openapi3.T) {
	schemas := doc.Components.Schemas
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Parameters.GetByInAndName("query", "fields") == nil || op.Responses == nil {
				continue
			}
			res := op.Responses.Status(http.StatusOK)
			if res == nil || res.Value == nil {
				continue
			}
			mt := res.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil || !strings.HasPrefix(mt.Schema.Ref, schemaPrefix) {
				continue
			}
			name := strings.TrimPrefix(mt.Schema.Ref, schemaPrefix)
			full := schemas[name]
			if full == nil || full.Value == nil || full.Value.Properties["data"] == nil {
				continue
			}
			if schemas[name+"Sparse"] == nil {
				wrapper := *full.Value
				wrapper.Properties = maps.Clone(full.Value.Properties)
				wrapper.Properties["data"] = sparseItem(schemas, full.Value.Properties["data"])
				wrapper.Description = name + " with `fields` (sent as " + SparseMediaType + "): only the fields asked for."
				schemas[name+"Sparse"] = openapi3.NewSchemaRef("", &wrapper)
			}
			res.Value.Content[SparseMediaType] = openapi3.NewMediaType().WithSchemaRef(openapi3.NewSchemaRef(schemaPrefix+name+"Sparse", nil))
		}
	}
}

// sparseItem is the sparse copy of an item schema (or of a list of them): none of its
// properties required.
func sparseItem(schemas openapi3.Schemas, ref *openapi3.SchemaRef) *openapi3.SchemaRef {
	if ref.Ref == "" && ref.Value != nil && ref.Value.Items != nil {
		list := *ref.Value
		list.Items = sparseItem(schemas, list.Items)
		return openapi3.NewSchemaRef("", &list)
	}
	name := strings.TrimPrefix(ref.Ref, schemaPrefix)
	full := schemas[name]
	if full == nil || full.Value == nil {
		return ref
	}
	if schemas[name+"Sparse"] == nil {
		item := *full.Value
		item.Required = nil
		item.Description = name + " with `fields`: only the top-level fields asked for, each as in " + name + "."
		schemas[name+"Sparse"] = openapi3.NewSchemaRef("", &item)
	}
	return openapi3.NewSchemaRef(schemaPrefix+name+"Sparse", nil)
}

// Validate checks doc as an OpenAPI 3 document, its examples included.
func Validate(doc *openapi3.T) error {
	// Marshalled and loaded again, so the references resolve as a client's loader sees them.
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	loaded, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		return fmt.Errorf("the OpenAPI 3 document does not load: %w", err)
	}
	if err := loaded.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return fmt.Errorf("the OpenAPI 3 document is not valid: %w", err)
	}
	return nil
}

// walk calls fn on every JSON object in v, depth first.
func walk(v any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		fn(v)
		for _, child := range v {
			walk(child, fn)
		}
	case []any:
		for _, child := range v {
			walk(child, fn)
		}
	}
}

// nullableRefs rewrites {"$ref": X, "x-nullable": true} as {"allOf": [{"$ref": X}], "x-nullable":
// true}: openapi2conv, as OpenAPI itself, drops whatever stands beside a $ref. Such a wrapper
// (swag writes one itself beside a description) gets the type of the schema it refers to, as
// OpenAPI 3.0.3's nullable takes effect only beside a type.
func nullableRefs(obj map[string]any, definitions map[string]any) {
	props, _ := obj["properties"].(map[string]any)
	for _, p := range props {
		prop, _ := p.(map[string]any)
		if prop == nil || prop["x-nullable"] != true {
			continue
		}
		if ref, ok := prop["$ref"]; ok {
			delete(prop, "$ref")
			prop["allOf"] = []any{map[string]any{"$ref": ref}}
		}
		allOf, _ := prop["allOf"].([]any)
		if len(allOf) != 1 || prop["type"] != nil {
			continue
		}
		inner, _ := allOf[0].(map[string]any)
		ref, _ := inner["$ref"].(string)
		if def, _ := definitions[strings.TrimPrefix(ref, "#/definitions/")].(map[string]any); def != nil && def["type"] != nil {
			prop["type"] = def["type"]
		}
	}
}

// EachSchema calls fn on s and every schema written inside it (items, allOf, anyOf, oneOf, not,
// properties, additionalProperties), once each; a $ref is left to the component it names, which
// a caller visits as a root of its own.
func EachSchema(s *openapi3.SchemaRef, fn func(*openapi3.Schema)) {
	walkSchema(s, map[*openapi3.Schema]bool{}, fn)
}

func walkSchema(s *openapi3.SchemaRef, seen map[*openapi3.Schema]bool, fn func(*openapi3.Schema)) {
	if s == nil || s.Value == nil || s.Ref != "" || seen[s.Value] {
		return // a $ref is visited as the component it names
	}
	seen[s.Value] = true
	fn(s.Value)
	walkSchema(s.Value.Items, seen, fn)
	walkSchema(s.Value.Not, seen, fn)
	for _, list := range []openapi3.SchemaRefs{s.Value.AllOf, s.Value.AnyOf, s.Value.OneOf} {
		for _, child := range list {
			walkSchema(child, seen, fn)
		}
	}
	for _, child := range s.Value.Properties {
		walkSchema(child, seen, fn)
	}
	walkSchema(s.Value.AdditionalProperties.Schema, seen, fn)
}

func int64Integers(s *openapi3.Schema) {
	if s.Type.Is(openapi3.TypeInteger) && s.Format == "" {
		s.Format = "int64"
	}
}

func bearerAuth(doc *openapi3.T) {
	if doc.Components.SecuritySchemes == nil {
		doc.Components.SecuritySchemes = openapi3.SecuritySchemes{}
	}
	description := ""
	if old := doc.Components.SecuritySchemes["BearerAuth"]; old != nil {
		description = old.Value.Description
	}
	doc.Components.SecuritySchemes["BearerAuth"] = &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{
		Type: "http", Scheme: "bearer", BearerFormat: "JWT", Description: description,
	}}
}

// The headers every client may read, declared once under components.
var componentHeaders = map[string]*openapi3.Header{
	"X-Request-ID": {Parameter: openapi3.Parameter{
		Description: "the request's id, as in the logs and in a problem's request_id; the client's own when it sent a valid one",
		Required:    true, Schema: openapi3.NewStringSchema().NewRef(),
	}},
	"Retry-After": {Parameter: openapi3.Parameter{
		Description: "seconds to wait before trying again",
		Required:    true, Schema: openapi3.NewIntegerSchema().NewRef(),
	}},
	"Cache-Control": {Parameter: openapi3.Parameter{
		Description: "public reads: public, max-age and stale-while-revalidate; everything else no-store or no-cache",
		Schema:      openapi3.NewStringSchema().NewRef(),
	}},
	"Surrogate-Key": {Parameter: openapi3.Parameter{
		Description: "what the response shows, as surrogate keys separated by spaces (article-12, category-3, articles, …): a CDN (Fastly, Varnish with xkey) purges them when a webhook names them",
		Required:    true, Schema: openapi3.NewStringSchema().NewRef(),
	}},
	"Cache-Tag": {Parameter: openapi3.Parameter{
		Description: "the surrogate keys separated by commas, for Cloudflare",
		Required:    true, Schema: openapi3.NewStringSchema().NewRef(),
	}},
}

func headers(doc *openapi3.T) {
	if doc.Components.Headers == nil {
		doc.Components.Headers = openapi3.Headers{}
	}
	for name, h := range componentHeaders {
		doc.Components.Headers[name] = &openapi3.HeaderRef{Value: h}
	}
}

func headerRef(name string) *openapi3.HeaderRef {
	return &openapi3.HeaderRef{Ref: "#/components/headers/" + name, Value: componentHeaders[name]}
}

// response applies the rules about media types and headers to one response of an operation.
func response(code string, res *openapi3.Response) {
	if res.Headers == nil {
		res.Headers = openapi3.Headers{}
	}
	res.Headers["X-Request-ID"] = headerRef("X-Request-ID")
	if code == "429" || code == "503" {
		res.Headers["Retry-After"] = headerRef("Retry-After")
	}
	res.Headers["Cache-Control"] = headerRef("Cache-Control")
	for _, name := range []string{"Surrogate-Key", "Cache-Tag"} { // declared by the cached public reads
		if res.Headers[name] != nil {
			res.Headers[name] = headerRef(name)
		}
	}
	// swag lists every @Produce type on every response; a Problem is sent only as
	// application/problem+json, whatever the operation's own type (XML, RSS, a file).
	for _, mt := range res.Content {
		if mt.Schema != nil && mt.Schema.Ref == "#/components/schemas/Problem" {
			res.Content = openapi3.Content{ProblemMediaType: mt}
			break
		}
	}
}

// middlewareStatuses adds the statuses the middleware chain and the error handler give any
// route, where the operation's annotations do not list them already.
func middlewareStatuses(op *openapi3.Operation) {
	add := func(code int, description string) {
		if op.Responses.Status(code) != nil {
			return
		}
		op.Responses.Set(strconv.Itoa(code), &openapi3.ResponseRef{Value: openapi3.NewResponse().
			WithDescription(description).
			WithContent(openapi3.NewContentWithSchemaRef(openapi3.NewSchemaRef("#/components/schemas/Problem", nil), []string{"application/json"}))})
	}
	add(http.StatusBadRequest, "a path or query parameter that is not valid UTF-8 text without NUL characters")
	if op.RequestBody != nil {
		add(http.StatusRequestEntityTooLarge, "the body is over the size limit")
	}
	if op.Security != nil && len(*op.Security) > 0 {
		add(http.StatusUnauthorized, "no token, or one that is invalid or expired")
	}
	add(http.StatusInternalServerError, "a fault of the server, logged with the request id")
	if op.OperationID != livenessOperation {
		add(http.StatusServiceUnavailable, "the database is unavailable or the request's deadline passed: retry after Retry-After seconds")
	}
}

// livenessOperation is the one operation that reads no database, so it never answers 503.
const livenessOperation = "checkLiveness"

// multipartAlsoJSON keeps an operation's file parts out of its JSON body and makes a repeated
// file part ([]file) an array of binary parts.
func multipartAlsoJSON(op *openapi3.Operation) {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return
	}
	content := op.RequestBody.Value.Content
	form := content.Get("multipart/form-data")
	if form == nil || form.Schema == nil || form.Schema.Value == nil {
		return
	}
	var files []string
	for name, p := range form.Schema.Value.Properties {
		delete(p.Value.Extensions, "x-formData-name") // openapi2conv's note of the part's name: the property's name
		if isFile(p.Value) {
			files = append(files, name)
		}
		if p.Value.Type.Is(openapi3.TypeArray) && p.Value.Items != nil && isFile(p.Value.Items.Value) {
			files = append(files, name)
			p.Value.Items = openapi3.NewStringSchema().WithFormat("binary").NewRef()
		}
	}
	sort.Strings(files)
	body := content.Get("application/json")
	if body == nil || body.Schema == form.Schema && len(files) == 0 {
		return
	}
	// The JSON body: the form's fields without the files, in a schema of its own.
	fields := *form.Schema.Value
	fields.Properties = openapi3.Schemas{}
	fields.Required = nil
	for name, p := range form.Schema.Value.Properties {
		if slices.Contains(files, name) {
			continue
		}
		fields.Properties[name] = p
	}
	for _, name := range form.Schema.Value.Required {
		if !slices.Contains(files, name) {
			fields.Required = append(fields.Required, name)
		}
	}
	body.Schema = fields.NewRef()
}

func isFile(s *openapi3.Schema) bool {
	return s != nil && s.Type.Is(openapi3.TypeString) && (s.Format == "binary" || strings.EqualFold(s.Format, "file"))
}

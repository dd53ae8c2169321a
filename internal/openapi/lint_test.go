package openapi

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// OpenAPI 3.0.3's nullable takes effect only beside a type (Redocly's nullable-type-sibling rule):
// a nullable reference gets the type of the schema it refers to, whether it came as a bare $ref
// or as swag's allOf wrapper (swag writes one beside a description).
// (Problem is there because every operation may answer the middleware's errors.)
const nullableReferences = `{
  "swagger": "2.0",
  "info": {"title": "t", "version": "1"},
  "paths": {"/thing": {"get": {"responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/Thing"}}}}}},
  "definitions": {
    "Thing": {"type": "object", "properties": {
      "cover": {"$ref": "#/definitions/Cover", "x-nullable": true},
      "owner": {"description": "null when nobody owns it", "allOf": [{"$ref": "#/definitions/Owner"}], "x-nullable": true},
      "state": {"allOf": [{"$ref": "#/definitions/State"}], "x-nullable": true},
      "kept": {"allOf": [{"$ref": "#/definitions/Owner"}]}
    }},
    "Cover": {"type": "object", "properties": {"url": {"type": "string"}}},
    "Owner": {"type": "object", "properties": {"name": {"type": "string"}}},
    "State": {"type": "string"},
    "Problem": {"type": "object", "properties": {"title": {"type": "string"}}}
  }
}`

func TestNullableReferenceHasTheTypeItRefersTo(t *testing.T) {
	doc, err := FromSwagger2([]byte(nullableReferences))
	if err != nil {
		t.Fatal(err)
	}
	props := doc.Components.Schemas["Thing"].Value.Properties
	for name, want := range map[string]string{"cover": openapi3.TypeObject, "owner": openapi3.TypeObject, "state": openapi3.TypeString} {
		p := props[name].Value
		if !p.Nullable || len(p.AllOf) != 1 || !p.Type.Is(want) {
			t.Errorf("%s = nullable %v, allOf %d, type %v; want nullable, one allOf, type %s", name, p.Nullable, len(p.AllOf), p.Type, want)
		}
	}
	if kept := props["kept"].Value; kept.Nullable || kept.Type != nil {
		t.Errorf("kept = nullable %v, type %v; want a wrapper that is not nullable left as it was", kept.Nullable, kept.Type)
	}
}

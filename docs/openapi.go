// This file is not generated: it embeds the OpenAPI 3 document that
// internal/openapi/gen writes beside swag's output (go generate ./cmd/api).

package docs

import _ "embed"

// OpenAPIJSON and OpenAPIYAML are the committed OpenAPI 3 document, served at /openapi.json and
// /openapi.yaml as they are.
var (
	//go:embed openapi.json
	OpenAPIJSON []byte
	//go:embed openapi.yaml
	OpenAPIYAML []byte
)

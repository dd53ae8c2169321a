// Command gen writes the OpenAPI 3 document, docs/openapi.json and docs/openapi.yaml, from the
// Swagger 2.0 document swag generated (docs/swagger.json). go generate ./cmd/api runs swag, then
// this: go run ./internal/openapi/gen -docs docs
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"

	"github.com/toasoan/toasoan/internal/openapi"
)

func main() {
	dir := flag.String("docs", "docs", "the directory with swagger.json, where openapi.json and openapi.yaml are written")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	swagger2, err := os.ReadFile(filepath.Join(dir, "swagger.json"))
	if err != nil {
		return err
	}
	doc, err := openapi.FromSwagger2(swagger2)
	if err != nil {
		return err
	}
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	ym, err := yaml.JSONToYAML(js.Bytes())
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.json"), js.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "openapi.yaml"), ym, 0o644)
}

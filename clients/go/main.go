// Command example reads the front page and its first article through the client oapi-codegen
// generates from docs/openapi.json (into ./toasoan, not committed; see oapi-codegen.yaml):
//
//	go tool oapi-codegen -config oapi-codegen.yaml ../../docs/openapi.json
//	go run . http://localhost:8080
//
// CI builds it, so a change to the document that breaks the generated client fails there.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/toasoan/toasoan/clients/go/toasoan"
)

func main() {
	server := "http://localhost:8080"
	if len(os.Args) > 1 {
		server = os.Args[1]
	}
	if err := run(context.Background(), server); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, server string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	client, err := toasoan.NewClientWithResponses(server)
	if err != nil {
		return err
	}

	perPage := int64(5)
	list, err := client.ListPublicArticlesWithResponse(ctx, &toasoan.ListPublicArticlesParams{PerPage: &perPage})
	if err != nil {
		return err
	}
	if list.JSON200 == nil {
		return problem("front page", list.StatusCode(), list.ApplicationproblemJSON400)
	}
	fmt.Printf("front page: %d articles\n", len(list.JSON200.Data))
	for _, item := range list.JSON200.Data {
		fmt.Printf("  %s  %s\n", item.Slug, item.Title)
	}
	if len(list.JSON200.Data) == 0 {
		return nil
	}

	slug := list.JSON200.Data[0].Slug
	one, err := client.GetPublicArticleWithResponse(ctx, slug, nil)
	if err != nil {
		return err
	}
	if one.JSON200 == nil {
		return problem(slug, one.StatusCode(), one.ApplicationproblemJSON404)
	}
	article := one.JSON200.Data
	fmt.Printf("%s (%d related)\n", article.Title, len(article.Related))
	// cover is nullable in the document, so the generated field is a pointer.
	if article.Cover != nil {
		fmt.Printf("  cover %s (%dx%d)\n", article.Cover.Url, article.Cover.Width, article.Cover.Height)
	} else {
		fmt.Println("  no cover")
	}
	return nil
}

// problem describes an error answer: the decoded problem+json when the status has one.
func problem(what string, status int, p *toasoan.Problem) error {
	if p == nil {
		return fmt.Errorf("%s: HTTP %d", what, status)
	}
	err := fmt.Errorf("%s: %d %s (%s)", what, p.Status, p.Title, p.Code)
	if p.Errors != nil {
		for _, e := range *p.Errors {
			err = fmt.Errorf("%w; %s: %s", err, e.Field, e.Message)
		}
	}
	return err
}

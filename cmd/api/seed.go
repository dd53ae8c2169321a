package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/media"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/seed"
	"github.com/toasoan/toasoan/internal/store"
)

// seedCommand fills the database with demo content (internal/seed), its covers and PDFs in the
// server's media storage. Like serving, it creates
// the first admin when there is no user yet: otherwise the seed accounts would be the only
// users, and the server would never create one.
func seedCommand(ctx context.Context, cfg config.Config, args []string, st *store.Store, stdout, stderr io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opts := seed.Defaults
	fs.IntVar(&opts.Articles, "articles", opts.Articles, "articles the database should hold (those added are published)")
	fs.IntVar(&opts.Documents, "documents", opts.Documents, "documents the database should hold")
	fs.IntVar(&opts.Announcements, "announcements", opts.Announcements, "announcements the database should hold")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("seed: unexpected argument %q", fs.Arg(0))
	}
	if opts.Articles < 0 || opts.Documents < 0 || opts.Announcements < 0 {
		return errors.New("seed: counts must not be negative")
	}
	files, err := media.Open(ctx, cfg.MediaBucketURL, cfg.MediaDir) // where the server keeps uploads
	if err != nil {
		return err
	}
	defer files.Close()
	opts.Files, opts.MaxUploadBytes, opts.MaxImagePixels = files, cfg.MaxUploadBytes, cfg.MaxImagePixels
	// Seeded covers get their variants as an upload does, so frontends design srcset against them.
	imager := media.NewImager(cfg.ImageWidths, cfg.ImageWorkers, cfg.MaxImagePixels)
	opts.AfterImage = func(ctx context.Context, m models.Media) error {
		_, err := imager.Ensure(ctx, files, st, m)
		return err
	}
	admin, err := bootstrapAdmin(ctx, cfg, st, log)
	if err != nil {
		return fmt.Errorf("first admin: %w", err)
	}
	printFirstAdmin(stdout, config.LocalURL(cfg.Addr), admin) // where `api` will serve it
	start := time.Now()
	sum, err := seed.Run(ctx, st, opts, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded in %s: %s\n", time.Since(start).Round(100*time.Millisecond), sum)
	return nil
}

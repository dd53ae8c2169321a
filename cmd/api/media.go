package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/media"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// mediaCommand runs `api media variants`: it makes the variants of every image that has none
// (uploaded before variants existed, or whose making failed), in the configured storage, with
// TOASOAN_IMAGE_WORKERS at a time. It is safe to run again, and beside a serving process.
func mediaCommand(ctx context.Context, cfg config.Config, args []string, st *store.Store, stdout, stderr io.Writer, log *slog.Logger) error {
	if len(args) != 1 || args[0] != "variants" {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("media: want `api media variants`")
	}
	files, err := media.Open(ctx, cfg.MediaBucketURL, cfg.MediaDir)
	if err != nil {
		return err
	}
	defer files.Close()
	imager := media.NewImager(cfg.ImageWidths, cfg.ImageWorkers, cfg.MaxImagePixels)
	start := time.Now()
	counts, err := imager.Backfill(ctx, files, st, func(m models.Media, err error) {
		log.Warn("no variants made for an image", "media_id", m.ID, "key", m.Key, "error", err.Error())
	})
	if err != nil {
		return fmt.Errorf("media variants: %w (variants made for %d images before it)", err, counts.Made)
	}
	fmt.Fprintf(stdout, "variants made for %d images in %s; %d failed (logged; run again to retry)\n",
		counts.Made, time.Since(start).Round(100*time.Millisecond), counts.Failed)
	return nil
}

package main

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toasoan/toasoan/internal/media"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

func TestMediaVariantsCommand(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		dir := t.TempDir()
		env := map[string]string{"TOASOAN_DATA_DIR": dir, "TOASOAN_LOG_LEVEL": "warn"}
		opts := store.OpenOptions{SQLitePath: filepath.Join(dir, "toasoan.db")}
		if dialect == store.Postgres {
			env["TOASOAN_DATABASE_URL"] = testdb.FreshURL(t, dialect)
			opts = store.OpenOptions{DatabaseURL: env["TOASOAN_DATABASE_URL"]}
		}
		if err := run(ctx, []string{"migrate"}, envOf(env), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		// An image stored before variants existed: its file, and a row without them.
		files, err := media.OpenDir(filepath.Join(dir, "media"))
		if err != nil {
			t.Fatal(err)
		}
		defer files.Close()
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 1600, 900)), nil); err != nil {
			t.Fatal(err)
		}
		key := "2026/08/k3v7q2m4x5a6b7c8d9e2f3g4h5.jpg"
		if err := files.Put(ctx, key, &buf, "image/jpeg"); err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if sqlDB, err := db.DB(); err == nil {
				sqlDB.Close()
			}
		}()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		m, err := st.CreateMedia(ctx, store.System, store.MediaInput{Key: key, Name: "cu.jpg", Mime: "image/jpeg", Size: 1, Width: 1600, Height: 900})
		if err != nil {
			t.Fatal(err)
		}

		var out bytes.Buffer
		if err := run(ctx, []string{"media", "variants"}, envOf(env), &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out.String(), "variants made for 1 images in ") || !strings.Contains(out.String(), "; 0 failed") {
			t.Errorf("output %q", out.String())
		}
		var got models.Media
		if err := db.Take(&got, m.ID).Error; err != nil {
			t.Fatal(err)
		}
		if len(got.Variants) != 8 || got.Placeholder == "" {
			t.Fatalf("variants %+v", got.Variants)
		}
		for _, v := range got.Variants {
			rc, err := files.Open(ctx, v.Key)
			if err != nil {
				t.Fatalf("%s: %v", v.Key, err)
			}
			rc.Close()
		}

		out.Reset()
		if err := run(ctx, []string{"media", "variants"}, envOf(env), &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "variants made for 0 images") {
			t.Errorf("second run: %v, %q", err, out.String())
		}
		for _, bad := range [][]string{{"media"}, {"media", "thumbnails"}, {"media", "variants", "extra"}} {
			if err := run(ctx, bad, envOf(env), io.Discard, io.Discard); err == nil {
				t.Errorf("%v succeeded", bad)
			}
		}
	})
}

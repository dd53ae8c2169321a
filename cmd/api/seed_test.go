package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

func TestSeedCommand(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		dir := t.TempDir()
		env := map[string]string{"TOASOAN_DATA_DIR": dir, "TOASOAN_LOG_LEVEL": "warn"}
		opts := store.OpenOptions{SQLitePath: filepath.Join(dir, "toasoan.db")}
		if dialect == store.Postgres {
			env["TOASOAN_DATABASE_URL"] = testdb.FreshURL(t, dialect)
			opts = store.OpenOptions{DatabaseURL: env["TOASOAN_DATABASE_URL"]}
		}
		args := []string{"seed", "--articles", "6", "--documents", "3", "--announcements", "4"}
		var out bytes.Buffer
		if err := run(ctx, args, envOf(env), &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"First admin created: admin@localhost", // as serving would: the seed accounts must not stand in for it
			"articles 6 added (6 in all), documents 3 added (3), announcements 4 added (4), categories 20 added, users 4 added, files 9 added\n",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output %q lacks %q", out.String(), want)
			}
		}
		if n := strings.Count(out.String(), "seeded in "); n != 1 {
			t.Errorf("%d summary lines in %q", n, out.String())
		}

		out.Reset()
		if err := run(ctx, args, envOf(env), &out, io.Discard); err != nil {
			t.Fatalf("second run: %v", err)
		}
		if !strings.Contains(out.String(), "articles 0 added (6 in all), documents 0 added (3), announcements 0 added (4), categories 0 added, users 0 added, files 0 added") ||
			strings.Contains(out.String(), "First admin") {
			t.Errorf("second run printed %q", out.String())
		}

		// The six covers, each with its variants (320, 640, 1024 and 1600 wide, as JPEG and
		// WebP), and three PDFs are in the media directory, as uploads are.
		stored := map[string]int{}
		err := filepath.WalkDir(filepath.Join(dir, "media"), func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				stored[filepath.Ext(path)]++
			}
			return err
		})
		if want := map[string]int{".jpg": 6 + 6*4, ".webp": 6 * 4, ".pdf": 3}; err != nil || !maps.Equal(stored, want) {
			t.Errorf("media directory holds %v (%v), want %v: 6 covers with 8 variants each and 3 PDFs", stored, err, want)
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
		if n, err := store.New(db, testdb.NewClock(testdb.Epoch).Now).CountUsers(ctx); err != nil || n != 5 {
			t.Errorf("%d users (%v), want the admin and 4 seed accounts", n, err)
		}

		for _, bad := range [][]string{
			{"seed", "--articles", "-1"},
			{"seed", "--articles", "many"},
			{"seed", "--bogus"},
			{"seed", "extra"},
		} {
			if err := run(ctx, bad, envOf(env), io.Discard, io.Discard); err == nil {
				t.Errorf("%v succeeded", bad)
			}
		}
	})
}

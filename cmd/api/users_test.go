package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

func TestBootstrapAdmin(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		log := slog.New(slog.DiscardHandler)

		t.Run("generated password printed once", func(t *testing.T) {
			st := store.New(testdb.New(t, dialect), testdb.NewClock(testdb.Epoch).Now)
			var out bytes.Buffer
			admin, err := bootstrapAdmin(ctx, config.Config{}, st, log)
			if err != nil {
				t.Fatal(err)
			}
			printWelcome(&out, config.LocalURL("[::]:8080"), admin)
			for _, want := range []string{
				"toasoan is serving at http://localhost:8080\n",
				"API docs (Swagger UI): http://localhost:8080/swagger/index.html\n",
				"curl -s http://localhost:8080/api/v1/auth/login -H 'Content-Type: application/json' -d '{\"email\":\"admin@localhost\",\"password\":\"" + admin.Password + "\"}'\n",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("the welcome lacks %q:\n%s", want, out.String())
				}
			}
			m := regexp.MustCompile(`Password \(shown only this once\): (\S+)`).FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("no password printed: %q", out.String())
			}
			u, err := st.UserByEmail(ctx, "admin@localhost")
			if err != nil || u.Role != "admin" || !u.Active {
				t.Fatalf("admin %+v, %v", u, err)
			}
			if ok, _ := auth.VerifyPassword(m[1], u.PasswordHash); !ok {
				t.Fatal("printed password does not log in")
			}
			if again, err := bootstrapAdmin(ctx, config.Config{}, st, log); err != nil || again != (firstAdmin{}) {
				t.Fatalf("second start: %v, created %+v", err, again)
			}
		})
		t.Run("from the environment", func(t *testing.T) {
			st := store.New(testdb.New(t, dialect), testdb.NewClock(testdb.Epoch).Now)
			var out bytes.Buffer
			cfg := config.Config{AdminEmail: "Admin@MatTran.org.vn", AdminPassword: "mật khẩu quản trị"}
			admin, err := bootstrapAdmin(ctx, cfg, st, log)
			if err != nil {
				t.Fatal(err)
			}
			printWelcome(&out, "http://localhost:8080", admin)
			if strings.Contains(out.String(), cfg.AdminPassword) || !strings.Contains(out.String(), `"password":"<TOASOAN_ADMIN_PASSWORD>"`) {
				t.Fatal("a configured password was printed")
			}
			u, err := st.UserByEmail(ctx, "admin@mattran.org.vn")
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := auth.VerifyPassword(cfg.AdminPassword, u.PasswordHash); !ok {
				t.Fatal("configured password does not verify")
			}
		})
		t.Run("short configured password refused", func(t *testing.T) {
			st := store.New(testdb.New(t, dialect), testdb.NewClock(testdb.Epoch).Now)
			_, err := bootstrapAdmin(ctx, config.Config{AdminEmail: "a@b.vn", AdminPassword: "short"}, st, log)
			if err == nil || !strings.Contains(err.Error(), "10 characters") {
				t.Fatalf("err = %v", err)
			}
		})
	})
}

func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	env := envOf(map[string]string{"TOASOAN_DATA_DIR": dir})
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"user", "create", "--email", "BTV@mattran.org.vn", "--name", "Biên tập viên", "--role", "editor"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`password \(shown only this once\): (\S+)`).FindStringSubmatch(out.String())
	if !strings.Contains(out.String(), "created editor btv@mattran.org.vn") || m == nil {
		t.Fatalf("output %q", out.String())
	}
	for _, args := range [][]string{
		{"user", "create", "--email", "btv@mattran.org.vn", "--name", "Trùng"}, // duplicate
		{"user", "create", "--email", "x@mattran.org.vn", "--name", "X", "--role", "boss"},
		{"user", "create", "--email", "x@mattran.org.vn", "--name", "X", "--password", "short"},
		{"user", "reset-password", "--email", "nobody@mattran.org.vn"},
		{"user", "explode"},
		{"user"},
	} {
		if err := run(ctx, args, env, io.Discard, io.Discard); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
	out.Reset()
	if err := run(ctx, []string{"user", "reset-password", "--email", "btv@mattran.org.vn", "--password", "mật khẩu mới đủ dài"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, store.OpenOptions{SQLitePath: filepath.Join(dir, "toasoan.db")})
	if err != nil {
		t.Fatal(err)
	}
	u, err := store.New(db, testdb.NewClock(testdb.Epoch).Now).UserByEmail(ctx, "btv@mattran.org.vn")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := auth.VerifyPassword("mật khẩu mới đủ dài", u.PasswordHash); !ok {
		t.Fatal("reset password does not verify")
	}
}

func TestJWTSecretKeptInDataDir(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	a, err := jwtSecret(config.Config{DataDir: dir}, log)
	if err != nil || len(a) < 32 {
		t.Fatalf("secret %q, %v", a, err)
	}
	b, _ := jwtSecret(config.Config{DataDir: dir}, log)
	if a != b {
		t.Fatal("secret not kept across restarts")
	}
	info, err := os.Stat(filepath.Join(dir, "jwt-secret"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v, %v", info.Mode(), err)
	}
	if c, _ := jwtSecret(config.Config{DataDir: dir, JWTSecret: strings.Repeat("x", 32)}, log); c != strings.Repeat("x", 32) {
		t.Fatal("configured secret not used")
	}
}

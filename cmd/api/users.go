package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// jwtSecret returns the configured secret, or the one kept in the data dir, made on first use.
// A generated secret is fine for one instance; replicas must share TOASOAN_JWT_SECRET.
func jwtSecret(cfg config.Config, log *slog.Logger) (string, error) {
	if cfg.JWTSecret != "" {
		return cfg.JWTSecret, nil
	}
	path := filepath.Join(cfg.DataDir, "jwt-secret")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		log.Warn("TOASOAN_JWT_SECRET is not set: using the secret kept in the data dir; set it when running several replicas", "file", path)
		return strings.TrimSpace(string(b)), nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("keep generated JWT secret: %w", err)
	}
	log.Warn("TOASOAN_JWT_SECRET is not set: generated one and kept it in the data dir; set it when running several replicas", "file", path)
	return secret, nil
}

// firstAdmin is the account bootstrapAdmin created, with its password when it was generated
// (to be shown once); zero when nothing was created.
type firstAdmin struct {
	Email    string
	Password string // generated; empty when it came from TOASOAN_ADMIN_PASSWORD
}

// bootstrapAdmin creates the first admin when there is no user at all, from TOASOAN_ADMIN_EMAIL
// and TOASOAN_ADMIN_PASSWORD, generating the password when none is configured.
func bootstrapAdmin(ctx context.Context, cfg config.Config, st *store.Store, log *slog.Logger) (firstAdmin, error) {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return firstAdmin{}, err
	}
	email, password := cfg.AdminEmail, cfg.AdminPassword
	if email == "" {
		email = "admin@localhost"
	}
	generated := password == ""
	if generated {
		password = auth.GeneratePassword()
	} else if why := auth.CheckPassword(password); why != "" {
		return firstAdmin{}, fmt.Errorf("TOASOAN_ADMIN_PASSWORD %s", why)
	}
	hash, err := auth.HashPassword(password, auth.DefaultHashParams)
	if err != nil {
		return firstAdmin{}, err
	}
	u, err := st.CreateUser(ctx, store.System, store.NewUser{Email: email, Name: "Administrator", Role: models.RoleAdmin, PasswordHash: hash})
	if err != nil {
		if models.ErrorCode(err) == models.CodeConflict { // another replica was first
			return firstAdmin{}, nil
		}
		return firstAdmin{}, err
	}
	log.Info("created the first admin", "email", u.Email)
	created := firstAdmin{Email: u.Email}
	if generated {
		created.Password = password
	}
	return created, nil
}

// printFirstAdmin tells the operator, in plain text, how to log in as the admin just created:
// the generated password (shown only this once) and a curl line to paste.
func printFirstAdmin(w io.Writer, apiURL string, admin firstAdmin) {
	if admin.Email == "" {
		return
	}
	password := admin.Password
	fmt.Fprintf(w, "\nFirst admin created: %s\n", admin.Email)
	if password != "" {
		fmt.Fprintf(w, "Password (shown only this once): %s\n", password)
	} else {
		password = "<TOASOAN_ADMIN_PASSWORD>"
	}
	var body strings.Builder
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]string{"email": admin.Email, "password": password})
	fmt.Fprintf(w, "Log in (the answer holds an access token):\n  curl -s %s -H 'Content-Type: application/json' -d %s\n",
		apiURL+"/api/v1/auth/login", shellQuote(strings.TrimSpace(body.String())))
	fmt.Fprintf(w, "Change the password with PUT /api/v1/auth/password.\n\n")
}

// printWelcome is what `api` prints once it listens: where the API and its documentation are,
// and how to log in when it has just created the first admin.
func printWelcome(w io.Writer, apiURL string, admin firstAdmin) {
	fmt.Fprintf(w, "\ntoasoan is serving at %s\n  API docs (Swagger UI): %s/swagger/index.html\n  OpenAPI document:      %s/openapi.json\n",
		apiURL, apiURL, apiURL)
	if admin.Email == "" {
		fmt.Fprintln(w)
	}
	printFirstAdmin(w, apiURL, admin)
}

// shellQuote puts s in single quotes for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

const userUsage = `usage:
  api user create --email EMAIL --name NAME [--role admin|editor|author] [--password PASSWORD]
  api user reset-password --email EMAIL [--password PASSWORD]

Without --password a password is generated and printed once.
`

// userCommand lets an operator create an account or reset a password from a shell.
func userCommand(ctx context.Context, args []string, st *store.Store, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return errors.New("user: missing sub-command")
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "email of the account")
	name := fs.String("name", "", "display name (create)")
	role := fs.String("role", models.RoleAdmin, "admin, editor or author (create)")
	password := fs.String("password", "", "password (generated when empty)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("user %s: %w", args[0], err)
	}
	if *email == "" {
		return fmt.Errorf("user %s: --email is required", args[0])
	}
	generated := *password == ""
	if generated {
		*password = auth.GeneratePassword()
	}
	if why := auth.CheckPassword(*password); why != "" {
		return fmt.Errorf("user %s: the password %s", args[0], why)
	}
	hash, err := auth.HashPassword(*password, auth.DefaultHashParams)
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		if *name == "" {
			return errors.New("user create: --name is required")
		}
		valid := false
		for _, r := range models.Roles {
			valid = valid || r == *role
		}
		if !valid {
			return fmt.Errorf("user create: --role %q: want admin, editor or author", *role)
		}
		u, err := st.CreateUser(ctx, store.System, store.NewUser{Email: *email, Name: *name, Role: *role, PasswordHash: hash})
		if err != nil {
			return fmt.Errorf("user create: %w", err)
		}
		fmt.Fprintf(stdout, "created %s %s (id %d)\n", u.Role, u.Email, u.ID)
	case "reset-password":
		u, err := st.UserByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("user reset-password: %w", err)
		}
		active := true
		if _, err := st.UpdateUser(ctx, store.System, u.ID, u.Version, store.UserPatch{PasswordHash: &hash, Active: &active}); err != nil {
			return fmt.Errorf("user reset-password: %w", err)
		}
		fmt.Fprintf(stdout, "password of %s reset; every session of the account is revoked\n", u.Email)
	default:
		fmt.Fprint(stderr, userUsage)
		return fmt.Errorf("user: unknown sub-command %q", args[0])
	}
	if generated {
		fmt.Fprintf(stdout, "password (shown only this once): %s\n", *password)
	}
	return nil
}

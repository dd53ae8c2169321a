// Command api runs toasoan: with no arguments it migrates the database and serves the API.
//
//	@title						toasoan API
//	@version					1.0
//	@description				Headless CMS for Vietnamese news portals: news, announcements, official documents and reader submissions.
//	@description				Errors are RFC 9457 application/problem+json documents with a stable `code`.
//	@description				Every GET also answers HEAD (same headers, no body).
//	@BasePath					/
//	@securityDefinitions.apikey	BearerAuth
//	@in							header
//	@name						Authorization
//	@description				"Bearer " followed by an access token from POST /api/v1/auth/login.
package main

// Regenerate the OpenAPI spec in docs/ with the swag version pinned in go.mod: go generate ./cmd/api
//go:generate go tool swag init -g main.go -d ./,../../internal/handlers,../../internal/models --parseInternal -o ../../docs --outputTypes go,json,yaml

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/handlers"
	"github.com/toasoan/toasoan/internal/media"
	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "toasoan: "+oneLine(err))
		os.Exit(1)
	}
}

// oneLine joins a multi-line error (config problems are joined) into the one line an operator sees.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

const usage = `usage: api [command]

With no command, api migrates the database and serves the API.

commands:
  migrate                 bring the database schema up to date and exit
  user create ...         create an account (api user for details)
  user reset-password ... set a new password and revoke the account's sessions
  seed [--articles N] [--documents N] [--announcements N]
                          fill the database with demo content up to these numbers
                          (defaults 200, 60, 8); running it again adds nothing
`

// run is the whole program; main only calls it, so tests can drive it with their own context,
// arguments and environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := newLogger(cfg, stdout)
	if len(cfg.DatabaseReplicaURLs) > 0 {
		log.Warn("TOASOAN_DATABASE_REPLICA_URLS is set but not used yet: every query goes to TOASOAN_DATABASE_URL")
	}

	cmd := ""
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "", "serve", "migrate", "user", "seed":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}

	db, err := store.Open(ctx, store.OpenOptions{
		DatabaseURL: cfg.DatabaseURL, SQLitePath: cfg.SQLitePath(), Retry: cfg.DatabaseWait, Logger: log,
		StatementTimeout: config.StatementTimeout(cfg.RequestTimeout),
	})
	if err != nil {
		return err
	}
	st := store.New(db, time.Now)
	defer closeDB(st, log)

	if err := migrations.Run(ctx, db); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	switch cmd {
	case "migrate":
		log.Info("database schema is up to date", "version", migrations.Latest())
		return nil
	case "user":
		return userCommand(ctx, args[1:], st, stdout, stderr)
	case "seed":
		return seedCommand(ctx, cfg, args[1:], st, stdout, stderr, log)
	}
	if cfg.JWTSecret, err = jwtSecret(cfg, log); err != nil {
		return err
	}
	return serve(ctx, cfg, st, stdout, log)
}

func serve(ctx context.Context, cfg config.Config, st *store.Store, stdout io.Writer, log *slog.Logger) error {
	files, err := media.Open(ctx, cfg.MediaBucketURL, cfg.MediaDir)
	if err != nil {
		return err
	}
	defer files.Close()
	deps := handlers.Deps{Config: cfg, Store: st, Logger: log, Media: files}
	if cfg.RedisURL != "" {
		client, err := openRedis(ctx, cfg.RedisURL)
		if err != nil {
			return err
		}
		defer client.Close()
		deps.Redis = client
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	here := localURL(ln.Addr().String())
	admin, err := bootstrapAdmin(ctx, cfg, st, log)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("first admin: %w", err)
	}
	srv := handlers.NewServer(deps) // starts background work (view flushing, webhook delivery)
	log.Info("toasoan is serving", "addr", ln.Addr().String(), "database", st.Dialect(),
		"docs", here+"/swagger/index.html")
	printWelcome(stdout, here, admin)
	err = serveUntilDone(ctx, srv.HTTPServer(cfg.Addr), ln, cfg.ShutdownTimeout, log)
	// Requests are done: write what the server buffered (article views) before the database closes.
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if cerr := srv.Close(closeCtx); cerr != nil {
		log.Error("close server", "error", cerr.Error())
	}
	return err
}

// serveUntilDone serves until ctx is cancelled, then stops accepting connections and lets the
// requests in flight finish, for at most timeout.
func serveUntilDone(ctx context.Context, httpServer *http.Server, ln net.Listener, timeout time.Duration, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- httpServer.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	log.Info("shutting down: finishing in-flight requests", "timeout", timeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// openRedis connects to the Redis that holds shared rate limits, failing fast when it is down.
func openRedis(ctx context.Context, url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("TOASOAN_REDIS_URL: %w", err)
	}
	client := redis.NewClient(opts)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("redis at TOASOAN_REDIS_URL not reachable: %w", err)
	}
	return client, nil
}

func closeDB(st *store.Store, log *slog.Logger) {
	if sqlDB, err := st.DB().DB(); err == nil {
		if err := sqlDB.Close(); err != nil {
			log.Warn("close database", "error", err.Error())
		}
	}
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// Command api runs toasoan: with no arguments it migrates the database and serves the API.
//
//	@title						toasoan API
//	@version					1.0
//	@description				Headless CMS for Vietnamese news portals: news, announcements, official documents and reader submissions.
//	@description				Errors are RFC 9457 application/problem+json documents with a stable `code`.
//	@description				Every GET also answers HEAD (same headers, no body).
//	@contact.name				the toasoan maintainers
//	@license.name				Proprietary: no licence has been chosen yet
//	@BasePath					/
//	@tag.name					articles
//	@tag.description			News articles ("Tin mới"): the public list and detail, and the newsroom's drafts, workflow, revisions and previews.
//	@tag.name					authors
//	@tag.description			Authors' public profiles ("Phóng viên", "Biên tập viên"), and each user's own profile.
//	@tag.name					categories
//	@tag.description			The sections of the site, as a tree.
//	@tag.name					tags
//	@tag.description			Keywords of articles.
//	@tag.name					announcements
//	@tag.description			Announcements ("Thông báo") shown within their window.
//	@tag.name					documents
//	@tag.description			The official documents registry ("Tìm kiếm văn bản") and its document types.
//	@tag.name					submissions
//	@tag.description			Readers' messages to the editorial board ("Gửi ban biên tập") and the board's replies.
//	@tag.name					search
//	@tag.description			Vietnamese search across articles, announcements and documents.
//	@tag.name					sync
//	@tag.description			For apps that keep a copy of public content: every change since a token, with tombstones.
//	@tag.name					feeds
//	@tag.description			RSS and the sitemap.
//	@tag.name					media
//	@tag.description			The media library: uploads, and the files themselves.
//	@tag.name					auth
//	@tag.description			Logging in, tokens and passwords.
//	@tag.name					users
//	@tag.description			Editorial accounts (admins).
//	@tag.name					webhooks
//	@tag.description			Signed notifications of published content, and their deliveries.
//	@tag.name					audit
//	@tag.description			Who did what, when and from where.
//	@tag.name					operations
//	@tag.description			The API index, liveness and readiness.
//	@securityDefinitions.apikey	BearerAuth
//	@in							header
//	@name						Authorization
//	@description				"Bearer " followed by an access token from POST /api/v1/auth/login.
package main

// Regenerate the API documents in docs/ with the swag version pinned in go.mod: go generate ./cmd/api
// swag writes the Swagger 2.0 document from the annotations (swagger.json, swagger.yaml,
// docs.go); internal/openapi/gen makes the OpenAPI 3 document from it (openapi.json, openapi.yaml).
//go:generate go tool swag init -g main.go -d ./,../../internal/handlers,../../internal/models --parseInternal --requiredByDefault -o ../../docs --outputTypes go,json,yaml
//go:generate go run ../../internal/openapi/gen -docs ../../docs

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
	"golang.org/x/sync/errgroup"

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
                          (defaults 200, 60, 8): articles with covers and documents
                          with PDFs, in the media storage; running it again adds nothing
  media variants          make the missing variants (resized WebP and JPEG/PNG copies)
                          of every stored image; running it again makes none
`

// run is the whole program; main only calls it, so tests can drive it with their own context,
// arguments and environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := newLogger(cfg, stdout)

	cmd := ""
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "", "serve", "migrate", "user", "seed", "media":
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
	st.UseEmbedProviders(cfg.EmbedProviders)
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
	case "media":
		return mediaCommand(ctx, cfg, args[1:], st, stdout, stderr, log)
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
	// The public reads of the server go to the replicas; the commands use the primary only.
	err = st.UseReplicas(store.ReplicaOptions{
		URLs: cfg.DatabaseReplicaURLs, MaxLag: cfg.DatabaseReplicaMaxLag,
		StatementTimeout: config.StatementTimeout(cfg.RequestTimeout), Logger: log,
	})
	if err != nil {
		return err
	}
	defer st.CloseReplicas()
	deps := handlers.Deps{Config: cfg, Store: st, Logger: log, Media: files}
	if cfg.RedisURL != "" {
		client, err := openRedis(ctx, cfg.RedisURL)
		if err != nil {
			return err
		}
		defer client.Close()
		deps.Redis = client
	}
	srv, err := handlers.NewServer(deps)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	here := config.LocalURL(ln.Addr().String())
	admin, err := bootstrapAdmin(ctx, cfg, st, log)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("first admin: %w", err)
	}
	log.Info("toasoan is serving", "addr", ln.Addr().String(), "database", st.Dialect(),
		"read_replicas", len(cfg.DatabaseReplicaURLs), "docs", here+"/swagger/index.html")
	printWelcome(stdout, here, admin)
	return serveUntilDone(ctx, srv.HTTPServer(cfg.Addr), ln, srv, cfg.ShutdownTimeout, log)
}

// background is what runs beside the HTTP server: a *handlers.Server's workers and its view
// buffer.
type background interface {
	Workers() []func(ctx context.Context)
	FlushViews(ctx context.Context) error
}

// serveUntilDone serves and runs the workers until ctx is cancelled (or serving fails), then
// shuts down in order, all within timeout: it stops accepting connections, lets the requests
// in flight finish, writes the views they counted, and stops the workers, which finish the
// work under way (webhook deliveries are recorded). The caller closes the database after.
func serveUntilDone(ctx context.Context, httpServer *http.Server, ln net.Listener, bg background, timeout time.Duration, log *slog.Logger) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := httpServer.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	})
	// The workers outlive ctx: they stop only once the requests are done and their views written.
	workCtx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWorkers()
	for _, work := range bg.Workers() {
		g.Go(func() error { work(workCtx); return nil })
	}
	<-gctx.Done()

	log.Info("shutting down: finishing in-flight requests", "timeout", timeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	var errs []error
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		errs = append(errs, fmt.Errorf("shutdown: %w", err))
	}
	log.Info("shutting down: writing buffered article views")
	if err := bg.FlushViews(shutdownCtx); err != nil {
		errs = append(errs, fmt.Errorf("article views not written: %w", err))
	}
	log.Info("shutting down: stopping background workers")
	stopWorkers()
	stopped := make(chan error, 1)
	go func() { stopped <- g.Wait() }()
	select {
	case err := <-stopped:
		errs = append(errs, err)
	case <-shutdownCtx.Done(): // a delivery left unrecorded is sent again when its lease ends
		errs = append(errs, errors.New("shutdown: background workers still busy at the timeout"))
	}
	if err := errors.Join(errs...); err != nil {
		return err
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

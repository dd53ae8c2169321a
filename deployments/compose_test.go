package deployments_test

import (
	"cmp"
	"context"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// TestCompose loads docker-compose.yml as `docker compose` does with no variable set and no
// .env file (so every ${NAME:-default} takes its default): validated against the compose spec's
// schema, interpolated, normalised. Then it checks the api service against the Dockerfile and
// internal/config, and its database URL against the postgres service.
func TestCompose(t *testing.T) {
	const file = "docker-compose.yml"
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: file}},
		Environment: types.Mapping{},
	})
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	_, img, _ := readDockerfile(t)

	var api, pg string
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		s := p.Services[name]
		if s.Build != nil {
			api = name
			if df := filepath.Join(s.Build.Context, s.Build.Dockerfile); df != filepath.Join(dir, "Dockerfile") {
				t.Errorf("%s: services.%s.build (context %s, dockerfile %s) is not deployments/Dockerfile", file, name, s.Build.Context, s.Build.Dockerfile)
			}
		}
		if strings.HasPrefix(s.Image, "postgres:") {
			pg = name
		}
	}
	if api == "" || pg == "" {
		t.Fatalf("%s: want a service built from the Dockerfile (found %q) and a postgres: one (found %q)", file, api, pg)
	}
	s := p.Services[api]
	where := file + ": services." + api

	env := map[string]string{}
	for k, v := range s.Environment {
		env[k] = "" // a name without a value, passed from the shell
		if v != nil {
			env[k] = *v
		}
	}
	checkNames(t, where+".environment", env)
	cfg := loadConfig(t, where+".environment (over the Dockerfile's ENV)", img.env, env)

	port := uint32(listenPort(t, cfg))
	if !slices.ContainsFunc(s.Ports, func(p types.ServicePortConfig) bool { return p.Target == port }) {
		t.Errorf("%s.ports publishes no container port %d, where toasoan listens (TOASOAN_ADDR %q)", where, port, cfg.Addr)
	}

	grace := 10 * time.Second // Docker's default
	if s.StopGracePeriod != nil {
		grace = time.Duration(*s.StopGracePeriod)
	}
	if grace <= cfg.ShutdownTimeout {
		t.Errorf("%s.stop_grace_period is %s, not more than TOASOAN_SHUTDOWN_TIMEOUT %s: SIGKILL would cut in-flight requests", where, grace, cfg.ShutdownTimeout)
	}

	// Data on a volume, and with read_only every written directory on a mount.
	mounts := slices.Clone(s.Tmpfs)
	for _, v := range s.Volumes {
		mounts = append(mounts, v.Target)
	}
	dirs := []string{cfg.DataDir, cfg.MediaDir}
	if s.ReadOnly {
		dirs = append(dirs, "/tmp")
	}
	for _, d := range dirs {
		if !under(d, mounts) {
			t.Errorf("%s: %s is not under a volume or tmpfs (%v)", where, d, mounts)
		}
	}

	// The api waits for a healthy postgres and its URL names that service and its credentials.
	if dep, ok := s.DependsOn[pg]; !ok || dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("%s.depends_on: want %s: {condition: service_healthy}", where, pg)
	}
	if hc := p.Services[pg].HealthCheck; hc == nil || len(hc.Test) == 0 {
		t.Errorf("%s: services.%s has no healthcheck, so service_healthy never comes", file, pg)
	}
	pgEnv := p.Services[pg].Environment.ToMapping()
	user := cmp.Or(pgEnv["POSTGRES_USER"], "postgres")
	want := url.URL{Scheme: "postgres", User: url.UserPassword(user, pgEnv["POSTGRES_PASSWORD"]), Host: pg + ":5432", Path: "/" + cmp.Or(pgEnv["POSTGRES_DB"], user)}
	got, err := url.Parse(cfg.DatabaseURL)
	if err != nil || got.Scheme != want.Scheme || got.User.String() != want.User.String() || got.Host != want.Host || got.Path != want.Path {
		t.Errorf("%s.environment.TOASOAN_DATABASE_URL: want %s?… from services.%s (its name, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB)", where, want.Redacted(), pg)
	}
}

// Package deployments_test checks the deployment files in this directory against the service's
// configuration (internal/config) and against each other: a renamed environment variable, a
// moved health route, a changed port or shutdown timeout fails here with the file and field to
// fix. The files are read by the libraries the real tools use: BuildKit's Dockerfile parser and
// linter, compose-go (the compose spec's schema and interpolation) and the Kubernetes API types
// decoded strictly, so a syntax error or a misspelt field fails as docker or kubectl would.
package deployments_test

import (
	"bytes"
	"fmt"
	"maps"
	"net"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"golang.org/x/mod/modfile"

	"github.com/toasoan/toasoan/internal/config"
)

// checkNames reports every name of env that toasoan does not read: a typo, or a variable
// renamed in internal/config but not here.
func checkNames(t *testing.T, where string, env map[string]string) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(env)) {
		if _, ok := config.Env[name]; !ok {
			t.Errorf("%s: %s is not read by toasoan (not in config.Env, internal/config/config.go)", where, name)
		}
	}
}

// loadConfig is the configuration the process gets from env layers, later layers winning.
func loadConfig(t *testing.T, where string, layers ...map[string]string) config.Config {
	t.Helper()
	env := map[string]string{}
	for _, l := range layers {
		for k, v := range l {
			env[k] = v
		}
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Errorf("%s: the configuration does not load: %s", where, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return cfg
}

// listenPort is the port of TOASOAN_ADDR.
func listenPort(t *testing.T, cfg config.Config) int {
	t.Helper()
	_, p, err := net.SplitHostPort(cfg.Addr)
	n, err2 := strconv.Atoi(p)
	if err != nil || err2 != nil {
		t.Fatalf("TOASOAN_ADDR %q has no numeric port", cfg.Addr)
	}
	return n
}

// under reports whether dir is one of mounts or inside one.
func under(dir string, mounts []string) bool {
	return slices.ContainsFunc(mounts, func(m string) bool {
		m = path.Clean(m)
		return path.Clean(dir) == m || strings.HasPrefix(path.Clean(dir), strings.TrimSuffix(m, "/")+"/")
	})
}

// image is what the Dockerfile's final stage gives the process.
type image struct {
	env     map[string]string
	user    string
	exposed []string
	volumes []string
}

// readDockerfile parses the Dockerfile as BuildKit does; lint holds the parser's and the
// linter's warnings (what `docker build --check` reports).
func readDockerfile(t *testing.T) (stages []instructions.Stage, final image, lint []string) {
	t.Helper()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	res, err := parser.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	for _, w := range res.Warnings {
		lint = append(lint, fmt.Sprintf("Dockerfile:%d: %s", w.Location.Start.Line, w.Short))
	}
	warn := func(rule, _, url, msg string, loc []parser.Range) {
		lint = append(lint, fmt.Sprintf("Dockerfile:%d: %s: %s (%s)", loc[0].Start.Line, rule, msg, url))
	}
	stages, _, err = instructions.Parse(res.AST, linter.New(&linter.Config{Warn: warn}))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile: %d stage(s); want a Go build stage, then the runtime stage", len(stages))
	}
	final.env = map[string]string{}
	for _, c := range stages[len(stages)-1].Commands {
		switch c := c.(type) {
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				final.env[kv.Key] = kv.Value
			}
		case *instructions.UserCommand:
			final.user = c.User
		case *instructions.ExposeCommand:
			final.exposed = append(final.exposed, c.Ports...)
		case *instructions.VolumeCommand:
			final.volumes = append(final.volumes, c.Volumes...)
		}
	}
	return stages, final, lint
}

func TestDockerfile(t *testing.T) {
	stages, img, lint := readDockerfile(t)
	for _, w := range lint {
		t.Error(w)
	}

	// The build stage: golang at go.mod's minor version, a static binary for distroless.
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.ParseLax("go.mod", gomod, nil)
	if err != nil || mf.Go == nil {
		t.Fatalf("../go.mod: no go directive (%v)", err)
	}
	minor := strings.Join(strings.SplitN(mf.Go.Version, ".", 3)[:2], ".")
	var build string
	for _, st := range stages[:len(stages)-1] {
		for _, c := range st.Commands {
			if run, ok := c.(*instructions.RunCommand); ok && strings.Contains(strings.Join(run.CmdLine, " "), "go build") {
				build = strings.Join(run.CmdLine, " ")
				tag, _ := strings.CutPrefix(st.BaseName, "golang:")
				if v, _, _ := strings.Cut(tag, "-"); v != minor && !strings.HasPrefix(v, minor+".") {
					t.Errorf("Dockerfile: the build stage is FROM %s, but go.mod says go %s: want golang:%s-alpine", st.BaseName, mf.Go.Version, minor)
				}
			}
		}
	}
	if build == "" {
		t.Errorf("Dockerfile: no RUN ... go build in a stage before the final one")
	} else if !strings.Contains(build, "CGO_ENABLED=0") {
		t.Errorf("Dockerfile: go build without CGO_ENABLED=0: the distroless static image has no libc")
	}

	// The final stage: ENV toasoan reads, a numeric non-root USER, the listen port, a data volume.
	checkNames(t, "Dockerfile: final stage ENV", img.env)
	cfg := loadConfig(t, "Dockerfile: final stage ENV", img.env)
	uid, _, _ := strings.Cut(img.user, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("Dockerfile: final stage USER %q: want a numeric non-root user (65532:65532); runAsNonRoot cannot verify a name", img.user)
	}
	if port := strconv.Itoa(listenPort(t, cfg)); !slices.Equal(img.exposed, []string{port}) {
		t.Errorf("Dockerfile: final stage EXPOSE %v, want [%s], the port of TOASOAN_ADDR %q", img.exposed, port, cfg.Addr)
	}
	if !under(cfg.DataDir, img.volumes) {
		t.Errorf("Dockerfile: TOASOAN_DATA_DIR %q is not under a VOLUME (%v)", cfg.DataDir, img.volumes)
	}
}

// Package deployments_test checks the deployment files in this directory (the Dockerfile, the
// compose file and every Kubernetes manifest under k8s/) against each other and against the
// service's own configuration (internal/config), so that none of them drifts silently: a
// renamed environment variable, a moved health route, a changed port or shutdown timeout makes
// this test fail with the file and the field to fix.
package deployments_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/toasoan/toasoan/internal/config"
)

const (
	dockerfilePath = "Dockerfile"
	livenessPath   = "/healthz"
	readinessPath  = "/readyz"
	metricsPath    = "/metrics"
	// placeholderMark must appear in every value of a Secret manifest, so that no real secret
	// is ever committed.
	placeholderMark = "CHANGE-ME"
)

// ---------------------------------------------------------------------------------------------
// Loading

// deployFiles is everything under deployments/, parsed once for all tests.
type deployFiles struct {
	yamlFiles  []string // slash-separated paths relative to deployments/
	composes   []composeDoc
	objects    []k8sObject
	dockerfile *dockerfile
	// goVersion is the go directive of ../go.mod.
	goVersion string
}

var (
	loadOnce sync.Once
	loaded   *deployFiles
	loadErr  error
)

func load(t *testing.T) *deployFiles {
	t.Helper()
	loadOnce.Do(func() { loaded, loadErr = loadAll() })
	if loadErr != nil {
		t.Fatalf("reading the deployment files: %v", loadErr)
	}
	return loaded
}

func loadAll() (*deployFiles, error) {
	d := &deployFiles{}
	var errs []error
	err := filepath.WalkDir(".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() || (!strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, ".yml")) {
			return nil
		}
		p = filepath.ToSlash(p)
		d.yamlFiles = append(d.yamlFiles, p)
		docs, err := readYAMLDocuments(p)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		for i, doc := range docs {
			switch {
			case mappingValue(doc, "services") != nil:
				var c composeFile
				if err := doc.Decode(&c); err != nil {
					errs = append(errs, fmt.Errorf("%s: not a compose file: %w", p, err))
					continue
				}
				d.composes = append(d.composes, composeDoc{file: p, compose: c})
			case mappingValue(doc, "kind") != nil:
				var h k8sHeader
				if err := doc.Decode(&h); err != nil {
					errs = append(errs, fmt.Errorf("%s: document %d: %w", p, i+1, err))
					continue
				}
				d.objects = append(d.objects, k8sObject{file: p, doc: i + 1, header: h, node: doc})
			default:
				errs = append(errs, fmt.Errorf("%s: document %d is neither a compose file (no services:) nor a Kubernetes manifest (no kind:), so this test cannot check it", p, i+1))
			}
		}
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	df, err := readDockerfile(dockerfilePath)
	if err != nil {
		errs = append(errs, err)
	}
	d.dockerfile = df
	d.goVersion, err = readGoDirective(filepath.Join("..", "go.mod"))
	if err != nil {
		errs = append(errs, err)
	}
	return d, errors.Join(errs...)
}

// readYAMLDocuments returns the non-empty documents of a file, each as its top-level node.
func readYAMLDocuments(p string) ([]*yaml.Node, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var docs []*yaml.Node
	for i := 1; ; i++ {
		var n yaml.Node
		if err := dec.Decode(&n); errors.Is(err, io.EOF) {
			return docs, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", p, i, err)
		}
		if len(n.Content) == 0 || n.Content[0].Kind == 0 || n.Content[0].Tag == "!!null" {
			continue // an empty document, e.g. after a trailing ---
		}
		root := n.Content[0]
		if root.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: document %d (line %d): want a mapping at the top level", p, i, root.Line)
		}
		docs = append(docs, root)
	}
}

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func readGoDirective(p string) (string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "go" {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("%s: no go directive", p)
}

// ---------------------------------------------------------------------------------------------
// Configuration helpers

// defaults is the configuration with no environment at all: the defaults the binary uses.
func defaults(t *testing.T) config.Config {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatalf("config.Load with an empty environment: %v", err)
	}
	return cfg
}

func addrPort(t *testing.T, where, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("%s: TOASOAN_ADDR %q: %v", where, addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatalf("%s: TOASOAN_ADDR %q: port %q is not a number", where, addr, p)
	}
	return n
}

// checkEnvName reports a name that toasoan does not read. strict: the name is given to the
// toasoan process, so any name outside config.Env is a mistake (typically a typo); otherwise only
// TOASOAN_ names are checked (other containers, build stages).
func checkEnvName(t *testing.T, where, name string, strict bool) {
	t.Helper()
	if _, ok := config.Env[name]; ok {
		return
	}
	switch {
	case strings.HasPrefix(name, "TOASOAN_"):
		t.Errorf("%s: %s is not an environment variable toasoan reads (not in config.Env in internal/config/config.go); known: %s",
			where, name, strings.Join(sortedKeys(config.Env), ", "))
	case strict:
		t.Errorf("%s: %s is given to the toasoan process but toasoan does not read it (not in config.Env in internal/config/config.go); a typo?",
			where, name)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// loadEnv runs config.Load on an environment made of layers, later layers winning.
func loadEnv(layers ...map[string]string) (config.Config, error) {
	env := map[string]string{}
	for _, l := range layers {
		for k, v := range l {
			env[k] = v
		}
	}
	return config.Load(func(k string) string { return env[k] })
}

// under reports whether dir is mount or inside it.
func under(dir, mount string) bool {
	dir, mount = path.Clean(dir), path.Clean(mount)
	return dir == mount || strings.HasPrefix(dir, strings.TrimSuffix(mount, "/")+"/")
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

type dockerInstruction struct {
	line int
	cmd  string // upper case
	args string
}

type dockerStage struct {
	line         int
	image        string
	name         string
	instructions []dockerInstruction
}

type dockerfile struct {
	stages []dockerStage
}

func readDockerfile(p string) (*dockerfile, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	df := &dockerfile{}
	sc := bufio.NewScanner(f)
	var cur strings.Builder
	start, n := 0, 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue // comments (also inside continuations) and blank lines
		}
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		if text == "" {
			continue
		}
		cmd, args, _ := strings.Cut(text, " ")
		in := dockerInstruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			st := dockerStage{line: start}
			var words []string
			for _, w := range strings.Fields(in.args) {
				if !strings.HasPrefix(w, "--") {
					words = append(words, w)
				}
			}
			if len(words) == 0 {
				return nil, fmt.Errorf("%s:%d: FROM without an image", p, start)
			}
			st.image = words[0]
			if len(words) == 3 && strings.EqualFold(words[1], "AS") {
				st.name = words[2]
			}
			df.stages = append(df.stages, st)
			continue
		}
		if len(df.stages) == 0 {
			if in.cmd == "ARG" {
				continue // ARG before the first FROM
			}
			return nil, fmt.Errorf("%s:%d: %s before the first FROM", p, start, in.cmd)
		}
		st := &df.stages[len(df.stages)-1]
		st.instructions = append(st.instructions, in)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur.Len() > 0 {
		return nil, fmt.Errorf("%s: ends inside a line continuation", p)
	}
	return df, nil
}

// env returns the stage's ENV settings in order (later ones win in a map).
func (s dockerStage) env() ([][2]string, error) {
	var out [][2]string
	for _, in := range s.instructions {
		if in.cmd != "ENV" {
			continue
		}
		words, err := shellWords(in.args)
		if err != nil {
			return nil, fmt.Errorf("line %d: ENV %s: %v", in.line, in.args, err)
		}
		if len(words) > 0 && !strings.Contains(words[0], "=") {
			// Legacy form: ENV NAME value with spaces
			name, value, _ := strings.Cut(in.args, " ")
			out = append(out, [2]string{name, strings.TrimSpace(value)})
			continue
		}
		for _, w := range words {
			name, value, ok := strings.Cut(w, "=")
			if !ok {
				return nil, fmt.Errorf("line %d: ENV %s: %q is not NAME=value", in.line, in.args, w)
			}
			out = append(out, [2]string{name, value})
		}
	}
	return out, nil
}

// shellWords splits ENV arguments: words separated by spaces, double or single quotes group.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// listArgs reads the arguments of EXPOSE or VOLUME: a JSON array or words.
func listArgs(args string) []string {
	var list []string
	if strings.HasPrefix(args, "[") && json.Unmarshal([]byte(args), &list) == nil {
		return list
	}
	return strings.Fields(args)
}

// finalStageEnv is the environment the image gives the process.
func finalStageEnv(t *testing.T, df *dockerfile) map[string]string {
	t.Helper()
	env := map[string]string{}
	pairs, err := df.stages[len(df.stages)-1].env()
	if err != nil {
		t.Fatalf("%s: %v", dockerfilePath, err)
	}
	for _, p := range pairs {
		env[p[0]] = p[1]
	}
	return env
}

// imageUser returns the final stage's USER, "" if none.
func imageUser(df *dockerfile) (user string, line int) {
	for _, in := range df.stages[len(df.stages)-1].instructions {
		if in.cmd == "USER" {
			user, line = strings.TrimSpace(in.args), in.line
		}
	}
	return user, line
}

func TestDockerfile(t *testing.T) {
	d := load(t)
	df := d.dockerfile
	def := defaults(t)

	if len(df.stages) < 2 {
		t.Fatalf("%s: %d FROM stage(s); want a multi-stage build: a Go build stage, then a small runtime stage", dockerfilePath, len(df.stages))
	}
	final := df.stages[len(df.stages)-1]
	if strings.HasPrefix(final.image, "golang") {
		t.Errorf("%s:%d: the final stage is FROM %s; want a small runtime base (distroless static or alpine), not the Go toolchain", dockerfilePath, final.line, final.image)
	}

	// Every stage's TOASOAN_ names; the final stage's ENV reaches the process, so all of its names
	// must be ones toasoan reads.
	for i, st := range df.stages {
		pairs, err := st.env()
		if err != nil {
			t.Errorf("%s: %v", dockerfilePath, err)
			continue
		}
		for _, p := range pairs {
			checkEnvName(t, fmt.Sprintf("%s: stage %d (FROM %s): ENV", dockerfilePath, i+1, st.image), p[0], i == len(df.stages)-1)
		}
	}
	env := finalStageEnv(t, df)
	cfg, err := loadEnv(env)
	if err != nil {
		t.Errorf("%s: the final stage's ENV does not load: %v", dockerfilePath, err)
	}

	// The build: a static binary with the Go version of go.mod.
	var build *dockerStage
	var buildLine dockerInstruction
	for i := range df.stages[:len(df.stages)-1] {
		for _, in := range df.stages[i].instructions {
			if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
				build, buildLine = &df.stages[i], in
			}
		}
	}
	if build == nil {
		t.Errorf("%s: no RUN ... go build ... in a stage before the final one", dockerfilePath)
	} else {
		cgoOff := strings.Contains(buildLine.args, "CGO_ENABLED=0")
		if pairs, err := build.env(); err == nil {
			for _, p := range pairs {
				if p[0] == "CGO_ENABLED" {
					cgoOff = p[1] == "0"
				}
			}
		}
		if !cgoOff {
			t.Errorf("%s:%d: go build without CGO_ENABLED=0 (in the RUN or an ENV of its stage); the runtime image has no libc", dockerfilePath, buildLine.line)
		}
		if !strings.Contains(buildLine.args, "-trimpath") {
			t.Errorf("%s:%d: go build without -trimpath", dockerfilePath, buildLine.line)
		}
		if !strings.HasPrefix(build.image, "golang:") {
			t.Errorf("%s:%d: the build stage is FROM %s; want a golang: image", dockerfilePath, build.line, build.image)
		} else {
			tag := strings.TrimPrefix(build.image, "golang:")
			want := strings.Join(strings.SplitN(d.goVersion, ".", 3)[:2], ".")
			if v, _, _ := strings.Cut(tag, "-"); v != want && !strings.HasPrefix(v, want+".") {
				t.Errorf("%s:%d: FROM %s builds with Go %s but go.mod says go %s; want golang:%s(-alpine)", dockerfilePath, build.line, build.image, v, d.goVersion, want)
			}
		}
		downloadLine := 0
		for _, in := range build.instructions {
			if in.cmd == "RUN" && strings.Contains(in.args, "go mod download") {
				downloadLine = in.line
			}
		}
		if downloadLine == 0 || downloadLine > buildLine.line {
			t.Errorf("%s: the build stage has no RUN go mod download before go build; modules should be a cached layer of their own", dockerfilePath)
		}
	}

	// A non-root, numeric USER.
	user, line := imageUser(df)
	uid, _, _ := strings.Cut(user, ":")
	switch n, err := strconv.Atoi(uid); {
	case user == "":
		t.Errorf("%s: the final stage sets no USER; want a non-root user such as 65532:65532", dockerfilePath)
	case uid == "root" || (err == nil && n == 0):
		t.Errorf("%s:%d: USER %s is root; want a non-root numeric user such as 65532:65532", dockerfilePath, line, user)
	case err != nil:
		t.Errorf("%s:%d: USER %s is not numeric; Kubernetes' runAsNonRoot cannot verify a user name, use the number (65532:65532 for distroless nonroot)", dockerfilePath, line, user)
	}

	// EXPOSE matches the port the binary listens on by default.
	port := addrPort(t, "config default", def.Addr)
	var exposed []string
	var volumes []string
	for _, in := range final.instructions {
		switch in.cmd {
		case "EXPOSE":
			exposed = append(exposed, listArgs(in.args)...)
		case "VOLUME":
			volumes = append(volumes, listArgs(in.args)...)
		case "HEALTHCHECK":
			if !strings.EqualFold(strings.TrimSpace(in.args), "NONE") {
				t.Errorf("%s:%d: HEALTHCHECK %s: the distroless image has no shell or client to run it; rely on the orchestrator's HTTP probes", dockerfilePath, in.line, in.args)
			}
		}
	}
	if len(exposed) != 1 {
		t.Errorf("%s: the final stage EXPOSEs %v; want exactly the listen port %d", dockerfilePath, exposed, port)
	} else if p, _, _ := strings.Cut(exposed[0], "/"); p != strconv.Itoa(port) {
		t.Errorf("%s: EXPOSE %s, but toasoan listens on %d (TOASOAN_ADDR default %q)", dockerfilePath, exposed[0], port, def.Addr)
	}
	if p := addrPort(t, dockerfilePath+": ENV", cfg.Addr); p != port {
		t.Errorf("%s: ENV TOASOAN_ADDR=%q listens on %d, but EXPOSE and the manifests say %d", dockerfilePath, cfg.Addr, p, port)
	}

	// The data dir is a volume, so the read-only image never needs writing.
	if dataDir, ok := env["TOASOAN_DATA_DIR"]; !ok {
		t.Errorf("%s: the final stage does not set ENV TOASOAN_DATA_DIR (want /data, a VOLUME); the default %q is relative to the working directory", dockerfilePath, def.DataDir)
	} else if !slices.ContainsFunc(volumes, func(v string) bool { return under(dataDir, v) }) {
		t.Errorf("%s: ENV TOASOAN_DATA_DIR=%s is not under a VOLUME (VOLUMEs: %v)", dockerfilePath, dataDir, volumes)
	}
}

// ---------------------------------------------------------------------------------------------
// Compose

type composeDoc struct {
	file    string
	compose composeFile
}

type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image           string       `yaml:"image"`
	Build           composeBuild `yaml:"build"`
	Environment     yaml.Node    `yaml:"environment"`
	DependsOn       yaml.Node    `yaml:"depends_on"`
	Healthcheck     yaml.Node    `yaml:"healthcheck"`
	Volumes         []yaml.Node  `yaml:"volumes"`
	Ports           []yaml.Node  `yaml:"ports"`
	Tmpfs           yaml.Node    `yaml:"tmpfs"`
	ReadOnly        bool         `yaml:"read_only"`
	StopGracePeriod string       `yaml:"stop_grace_period"`
}

// composeBuild is build: either a context string or a mapping.
type composeBuild struct {
	Set        bool
	Context    string
	Dockerfile string
}

func (b *composeBuild) UnmarshalYAML(n *yaml.Node) error {
	b.Set = true
	if n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	var m struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	b.Context, b.Dockerfile = m.Context, m.Dockerfile
	return nil
}

var interpolation = regexp.MustCompile(`\$\$|\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// expand does compose's variable interpolation as `docker compose up` would with no variable set
// and no .env file: ${NAME:-default} and ${NAME-default} give the default, ${NAME} and $NAME give
// "", $$ gives $. The compose file must work out of the box, so ${NAME?err} is an error.
func expand(s string) (string, error) {
	var bad error
	out := interpolation.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		if !strings.HasPrefix(m, "${") {
			return ""
		}
		body := m[2 : len(m)-1]
		if i := strings.IndexAny(body, ":-?+"); i >= 0 {
			op := body[i:]
			switch {
			case strings.HasPrefix(op, ":-"):
				return op[2:]
			case strings.HasPrefix(op, "-"):
				return op[1:]
			default:
				bad = fmt.Errorf("%s: want ${NAME:-default} so the file works without a .env", m)
				return ""
			}
		}
		return ""
	})
	if strings.Contains(out, "${") {
		bad = fmt.Errorf("%q: nested interpolation is not supported by this test", s)
	}
	return out, bad
}

// environment returns a service's environment, interpolated. A name listed without a value is
// passed through from the shell; it is present with ok false.
func (s composeService) environment() (map[string]string, []string, error) {
	env := map[string]string{}
	var names []string
	add := func(name, value string, hasValue bool) error {
		names = append(names, name)
		if !hasValue {
			return nil
		}
		v, err := expand(value)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		env[name] = v
		return nil
	}
	n := s.Environment
	switch n.Kind {
	case 0:
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			v := n.Content[i+1]
			if err := add(n.Content[i].Value, v.Value, v.Tag != "!!null"); err != nil {
				return nil, nil, err
			}
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			name, value, ok := strings.Cut(item.Value, "=")
			if err := add(name, value, ok); err != nil {
				return nil, nil, err
			}
		}
	default:
		return nil, nil, fmt.Errorf("line %d: environment must be a mapping or a list", n.Line)
	}
	return env, names, nil
}

// mountTargets returns the container paths of a service's volumes, and the named volumes used.
func (s composeService) mountTargets() (targets, named []string, err error) {
	for _, v := range s.Volumes {
		switch v.Kind {
		case yaml.ScalarNode:
			spec, err := expand(v.Value)
			if err != nil {
				return nil, nil, err
			}
			parts := strings.Split(spec, ":")
			if len(parts) == 1 {
				targets = append(targets, parts[0]) // anonymous volume
				continue
			}
			targets = append(targets, parts[1])
			if src := parts[0]; !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") && !strings.HasPrefix(src, "~") {
				named = append(named, src)
			}
		case yaml.MappingNode:
			var m struct {
				Type   string `yaml:"type"`
				Source string `yaml:"source"`
				Target string `yaml:"target"`
			}
			if err := v.Decode(&m); err != nil {
				return nil, nil, err
			}
			targets = append(targets, m.Target)
			if m.Type == "volume" && m.Source != "" {
				named = append(named, m.Source)
			}
		}
	}
	switch s.Tmpfs.Kind {
	case yaml.ScalarNode:
		targets = append(targets, strings.Split(s.Tmpfs.Value, ":")[0])
	case yaml.SequenceNode:
		for _, n := range s.Tmpfs.Content {
			targets = append(targets, strings.Split(n.Value, ":")[0])
		}
	}
	return targets, named, nil
}

// containerPorts returns the container side of a service's published ports.
func (s composeService) containerPorts() ([]int, error) {
	var out []int
	for _, p := range s.Ports {
		var spec string
		switch p.Kind {
		case yaml.ScalarNode:
			v, err := expand(p.Value)
			if err != nil {
				return nil, err
			}
			parts := strings.Split(v, ":")
			spec = parts[len(parts)-1]
		case yaml.MappingNode:
			var m struct {
				Target string `yaml:"target"`
			}
			if err := p.Decode(&m); err != nil {
				return nil, err
			}
			spec = m.Target
		}
		spec, _, _ = strings.Cut(spec, "/")
		n, err := strconv.Atoi(spec)
		if err != nil {
			return nil, fmt.Errorf("port %q: want a single container port", spec)
		}
		out = append(out, n)
	}
	return out, nil
}

func TestCompose(t *testing.T) {
	d := load(t)
	if len(d.composes) == 0 {
		t.Fatalf("no compose file under deployments/ (want docker-compose.yml)")
	}
	def := defaults(t)
	for _, cd := range d.composes {
		t.Run(cd.file, func(t *testing.T) { checkCompose(t, d, cd, def) })
	}
}

func checkCompose(t *testing.T, d *deployFiles, cd composeDoc, def config.Config) {
	file, c := cd.file, cd.compose

	// Find the api (the service built from the Dockerfile) and the database.
	var apiName, pgName string
	for _, name := range sortedKeys(c.Services) {
		s := c.Services[name]
		if s.Build.Set {
			// The dockerfile is relative to the context, the context to the compose file.
			df := filepath.Join(filepath.Dir(file), s.Build.Context, cmpOr(s.Build.Dockerfile, "Dockerfile"))
			got, err1 := filepath.Abs(df)
			want, err2 := filepath.Abs(dockerfilePath)
			if err := errors.Join(err1, err2); err != nil {
				t.Fatal(err)
			}
			if got == want {
				if apiName != "" {
					t.Errorf("%s: services %s and %s both build %s; want one api service", file, apiName, name, dockerfilePath)
				}
				apiName = name
			} else {
				t.Errorf("%s: services.%s.build: context %q + dockerfile %q is %s, not deployments/%s", file, name, s.Build.Context, s.Build.Dockerfile, got, dockerfilePath)
			}
		}
		if s.Image == "postgres" || strings.HasPrefix(s.Image, "postgres:") {
			if pgName != "" {
				t.Errorf("%s: services %s and %s both run PostgreSQL", file, pgName, name)
			}
			pgName = name
		}
	}
	if apiName == "" {
		t.Fatalf("%s: no service builds deployments/%s (build: {context: .., dockerfile: deployments/Dockerfile})", file, dockerfilePath)
	}
	api := c.Services[apiName]

	// Environment names, everywhere; the api's must all be read by toasoan.
	var apiEnv map[string]string
	for _, name := range sortedKeys(c.Services) {
		env, names, err := c.Services[name].environment()
		if err != nil {
			t.Errorf("%s: services.%s.environment: %v", file, name, err)
			continue
		}
		for _, n := range names {
			checkEnvName(t, fmt.Sprintf("%s: services.%s.environment", file, name), n, name == apiName)
		}
		if name == apiName {
			apiEnv = env
		}
	}
	cfg, err := loadEnv(finalStageEnv(t, d.dockerfile), apiEnv)
	if err != nil {
		t.Errorf("%s: services.%s.environment (over the Dockerfile's ENV) does not load: %s", file, apiName, strings.ReplaceAll(err.Error(), "\n", "; "))
	}

	// Port: the published container port is the one toasoan listens on.
	port := addrPort(t, file+": services."+apiName, cfg.Addr)
	if want := addrPort(t, "config default", def.Addr); port != want {
		t.Errorf("%s: services.%s listens on %d (TOASOAN_ADDR %q) but the image EXPOSEs %d", file, apiName, port, cfg.Addr, want)
	}
	ports, err := api.containerPorts()
	if err != nil {
		t.Errorf("%s: services.%s.ports: %v", file, apiName, err)
	} else if !slices.Contains(ports, port) {
		t.Errorf("%s: services.%s.ports publishes container ports %v; want %d, where toasoan listens", file, apiName, ports, port)
	}

	// Data on a volume (the image's root filesystem is not where data belongs, and read_only
	// makes it unwritable).
	targets, named, err := api.mountTargets()
	if err != nil {
		t.Errorf("%s: services.%s.volumes: %v", file, apiName, err)
	}
	for _, dir := range []struct{ name, value string }{{"TOASOAN_DATA_DIR", cfg.DataDir}, {"TOASOAN_MEDIA_DIR", cfg.MediaDir}} {
		if !slices.ContainsFunc(targets, func(m string) bool { return under(dir.value, m) }) {
			t.Errorf("%s: services.%s: %s=%s is not on a volume (mounts: %v); data would be lost with the container", file, apiName, dir.name, dir.value, targets)
		}
	}
	if api.ReadOnly && !slices.ContainsFunc(targets, func(m string) bool { return under("/tmp", m) }) {
		t.Errorf("%s: services.%s is read_only but /tmp is not mounted (tmpfs: [/tmp]); large uploads spill there", file, apiName)
	}

	// Graceful shutdown: Docker's SIGKILL must not come before toasoan's own deadline.
	grace := 10 * time.Second // Docker's default
	if api.StopGracePeriod != "" {
		if grace, err = time.ParseDuration(api.StopGracePeriod); err != nil {
			t.Errorf("%s: services.%s.stop_grace_period %q: %v", file, apiName, api.StopGracePeriod, err)
		}
	}
	if grace <= cfg.ShutdownTimeout {
		t.Errorf("%s: services.%s.stop_grace_period is %s, not more than TOASOAN_SHUTDOWN_TIMEOUT %s: in-flight requests would be killed", file, apiName, grace, cfg.ShutdownTimeout)
	}

	// PostgreSQL: healthy before the api starts, on a volume, and the api's URL points at it.
	if pgName == "" {
		t.Errorf("%s: no postgres service (image: postgres:16-alpine)", file)
		return
	}
	pg := c.Services[pgName]
	dep := mappingValue(&api.DependsOn, pgName)
	switch {
	case api.DependsOn.Kind == yaml.SequenceNode:
		t.Errorf("%s: services.%s.depends_on is a list; want the long form %s: {condition: service_healthy}", file, apiName, pgName)
	case dep == nil:
		t.Errorf("%s: services.%s.depends_on does not name %s", file, apiName, pgName)
	case mappingValue(dep, "condition") == nil || mappingValue(dep, "condition").Value != "service_healthy":
		t.Errorf("%s: services.%s.depends_on.%s.condition is not service_healthy; the api would start before the database answers", file, apiName, pgName)
	}
	if pg.Healthcheck.Kind == 0 {
		t.Errorf("%s: services.%s has no healthcheck (test: [CMD-SHELL, pg_isready ...]); service_healthy needs one", file, pgName)
	} else if test := mappingValue(&pg.Healthcheck, "test"); test == nil || !nodeContains(test, "pg_isready") {
		t.Errorf("%s: services.%s.healthcheck.test does not run pg_isready", file, pgName)
	}
	pgTargets, pgNamed, err := pg.mountTargets()
	if err != nil {
		t.Errorf("%s: services.%s.volumes: %v", file, pgName, err)
	}
	if !slices.Contains(pgTargets, "/var/lib/postgresql/data") {
		t.Errorf("%s: services.%s.volumes does not mount /var/lib/postgresql/data; the database would be lost with the container", file, pgName)
	}
	for _, v := range append(named, pgNamed...) {
		if _, ok := c.Volumes[v]; !ok {
			t.Errorf("%s: the named volume %q is used but not declared under the top-level volumes:", file, v)
		}
	}

	pgEnv, _, err := pg.environment()
	if err != nil {
		t.Errorf("%s: services.%s.environment: %v", file, pgName, err)
	}
	u, err := url.Parse(apiEnv["TOASOAN_DATABASE_URL"])
	switch {
	case apiEnv["TOASOAN_DATABASE_URL"] == "":
		t.Errorf("%s: services.%s.environment.TOASOAN_DATABASE_URL is not set; the api would use embedded SQLite, not %s", file, apiName, pgName)
	case err != nil:
		t.Errorf("%s: services.%s.environment.TOASOAN_DATABASE_URL: %v", file, apiName, err)
	default:
		where := fmt.Sprintf("%s: services.%s.environment.TOASOAN_DATABASE_URL", file, apiName)
		if u.Hostname() != pgName {
			t.Errorf("%s: host %q, want the service name %q", where, u.Hostname(), pgName)
		}
		if p := u.Port(); p != "" && p != "5432" {
			t.Errorf("%s: port %s, want 5432", where, p)
		}
		user := cmpOr(pgEnv["POSTGRES_USER"], "postgres")
		if u.User.Username() != user {
			t.Errorf("%s: user %q, but services.%s.environment.POSTGRES_USER is %q", where, u.User.Username(), pgName, user)
		}
		if pw, _ := u.User.Password(); pw != pgEnv["POSTGRES_PASSWORD"] {
			t.Errorf("%s: the password differs from services.%s.environment.POSTGRES_PASSWORD", where, pgName)
		}
		if db := strings.TrimPrefix(u.Path, "/"); db != cmpOr(pgEnv["POSTGRES_DB"], user) {
			t.Errorf("%s: database %q, but services.%s creates %q (POSTGRES_DB)", where, db, pgName, cmpOr(pgEnv["POSTGRES_DB"], user))
		}
	}
}

func nodeContains(n *yaml.Node, s string) bool {
	if strings.Contains(n.Value, s) {
		return true
	}
	return slices.ContainsFunc(n.Content, func(c *yaml.Node) bool { return nodeContains(c, s) })
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

type k8sHeader struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
}

type k8sObject struct {
	file   string
	doc    int
	header k8sHeader
	node   *yaml.Node
}

func (o k8sObject) String() string {
	return fmt.Sprintf("%s (document %d, %s %s)", o.file, o.doc, o.header.Kind, o.header.Metadata.Name)
}

func (d *deployFiles) kind(kind string) []k8sObject {
	var out []k8sObject
	for _, o := range d.objects {
		if o.header.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// portRef is a port given by name or number (an IntOrString).
type portRef struct {
	Value string
	IsInt bool
}

func (p *portRef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a port must be a name or a number", n.Line)
	}
	p.Value, p.IsInt = n.Value, n.Tag == "!!int"
	return nil
}

func (p portRef) String() string {
	if p.IsInt {
		return p.Value
	}
	return strconv.Quote(p.Value)
}

type containerPort struct {
	Name          string `yaml:"name"`
	ContainerPort int    `yaml:"containerPort"`
}

// matches reports whether ref designates this port.
func (p containerPort) matches(ref portRef) bool {
	if ref.IsInt {
		return ref.Value == strconv.Itoa(p.ContainerPort)
	}
	return ref.Value != "" && ref.Value == p.Name
}

type probe struct {
	HTTPGet *struct {
		Path string  `yaml:"path"`
		Port portRef `yaml:"port"`
	} `yaml:"httpGet"`
	PeriodSeconds    int `yaml:"periodSeconds"`
	FailureThreshold int `yaml:"failureThreshold"`
	TimeoutSeconds   int `yaml:"timeoutSeconds"`
}

type securityContext struct {
	RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
	RunAsUser                *int  `yaml:"runAsUser"`
	ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
	Capabilities             *struct {
		Drop []string `yaml:"drop"`
	} `yaml:"capabilities"`
}

type container struct {
	Name  string          `yaml:"name"`
	Image string          `yaml:"image"`
	Ports []containerPort `yaml:"ports"`
	Env   []struct {
		Name      string    `yaml:"name"`
		Value     string    `yaml:"value"`
		ValueFrom yaml.Node `yaml:"valueFrom"`
	} `yaml:"env"`
	EnvFrom []struct {
		ConfigMapRef *struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
		SecretRef *struct {
			Name string `yaml:"name"`
		} `yaml:"secretRef"`
	} `yaml:"envFrom"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	StartupProbe   *probe `yaml:"startupProbe"`
	Lifecycle      *struct {
		PreStop *struct {
			Sleep *struct {
				Seconds int `yaml:"seconds"`
			} `yaml:"sleep"`
		} `yaml:"preStop"`
	} `yaml:"lifecycle"`
	Resources struct {
		Requests map[string]any `yaml:"requests"`
		Limits   map[string]any `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext *securityContext `yaml:"securityContext"`
	VolumeMounts    []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

type labelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type deployment struct {
	Spec struct {
		Replicas *int          `yaml:"replicas"`
		Selector labelSelector `yaml:"selector"`
		Template struct {
			Metadata struct {
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"metadata"`
			Spec struct {
				TerminationGracePeriodSeconds *int             `yaml:"terminationGracePeriodSeconds"`
				SecurityContext               *securityContext `yaml:"securityContext"`
				Containers                    []container      `yaml:"containers"`
				InitContainers                []container      `yaml:"initContainers"`
				Volumes                       []struct {
					Name string `yaml:"name"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type service struct {
	Spec struct {
		Type     string            `yaml:"type"`
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Name       string  `yaml:"name"`
			Port       int     `yaml:"port"`
			TargetPort portRef `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type hpa struct {
	Spec struct {
		ScaleTargetRef struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
			Name       string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		MinReplicas *int        `yaml:"minReplicas"`
		MaxReplicas int         `yaml:"maxReplicas"`
		Metrics     []hpaMetric `yaml:"metrics"`
	} `yaml:"spec"`
}

type hpaMetric struct {
	Type     string `yaml:"type"`
	Resource *struct {
		Name   string `yaml:"name"`
		Target struct {
			Type               string `yaml:"type"`
			AverageUtilization int    `yaml:"averageUtilization"`
		} `yaml:"target"`
	} `yaml:"resource"`
}

type kustomization struct {
	Resources []string `yaml:"resources"`
	Images    []struct {
		Name string `yaml:"name"`
	} `yaml:"images"`
}

func decodeObject[T any](t *testing.T, o k8sObject) (T, bool) {
	t.Helper()
	var v T
	if err := o.node.Decode(&v); err != nil {
		t.Errorf("%s: %v", o, err)
		return v, false
	}
	return v, true
}

// dataOf returns the key/value pairs of a ConfigMap's data or a Secret's stringData and data
// (decoded). Its problems (values that are not strings...) are reported by
// TestKubernetesConfigAndSecrets only, so each is reported once.
func dataOf(o k8sObject) (map[string]string, []error) {
	var errs []error
	out := map[string]string{}
	fields := []string{"data"}
	if o.header.Kind == "Secret" {
		fields = []string{"data", "stringData"}
	}
	for _, field := range fields {
		m := mappingValue(o.node, field)
		if m == nil {
			continue
		}
		if m.Kind != yaml.MappingNode {
			errs = append(errs, fmt.Errorf("%s must be a mapping", field))
			continue
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i].Value, m.Content[i+1]
			if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
				errs = append(errs, fmt.Errorf("%s.%s (line %d) is %s, not a string: quote it (Kubernetes rejects non-string values)", field, k, v.Line, v.Tag))
				continue
			}
			val := v.Value
			if field == "data" && o.header.Kind == "Secret" {
				b, err := base64.StdEncoding.DecodeString(val)
				if err != nil {
					errs = append(errs, fmt.Errorf("data.%s is not base64: %v", k, err))
					continue
				}
				val = string(b)
			}
			if _, dup := out[k]; dup {
				errs = append(errs, fmt.Errorf("%s is set twice", k))
			}
			out[k] = val
		}
	}
	return out, errs
}

func TestKubernetesObjectsAreWellFormed(t *testing.T) {
	d := load(t)
	if len(d.objects) == 0 {
		t.Fatalf("no Kubernetes manifest under deployments/ (want k8s/*.yaml)")
	}
	seen := map[string]k8sObject{}
	for _, o := range d.objects {
		if o.header.APIVersion == "" || o.header.Kind == "" {
			t.Errorf("%s: apiVersion and kind are required", o)
		}
		if o.header.Kind == "Kustomization" {
			continue
		}
		if o.header.Metadata.Name == "" {
			t.Errorf("%s: metadata.name is required", o)
		}
		key := o.header.Kind + "/" + o.header.Metadata.Name
		if prev, dup := seen[key]; dup {
			t.Errorf("%s: %s is also defined in %s", o, key, prev)
		}
		seen[key] = o
	}
	for _, kind := range []string{"Deployment", "Service", "ConfigMap", "Secret", "HorizontalPodAutoscaler"} {
		if len(d.kind(kind)) == 0 {
			t.Errorf("no %s manifest under deployments/k8s", kind)
		}
	}
	if n := len(d.kind("Deployment")); n > 1 {
		t.Errorf("%d Deployments; this test expects the one toasoan Deployment", n)
	}
}

// TestEnvNames checks every environment variable name set in a manifest against config.Env.
func TestEnvNames(t *testing.T) {
	d := load(t)
	for _, o := range d.objects {
		switch o.header.Kind {
		case "ConfigMap", "Secret":
			data, _ := dataOf(o)
			for _, k := range sortedKeys(data) {
				checkEnvName(t, o.String()+": key", k, true)
			}
		}
		// env of every container of any workload, wherever it sits in the object.
		walkContainers(o.node, func(c *yaml.Node) {
			var ct container
			if err := c.Decode(&ct); err != nil {
				t.Errorf("%s: container: %v", o, err)
				return
			}
			for _, e := range ct.Env {
				checkEnvName(t, fmt.Sprintf("%s: containers[%s].env", o, ct.Name), e.Name, true)
			}
		})
	}
	// Compose and the Dockerfile: see TestCompose and TestDockerfile, which check their names too.
}

// walkContainers calls f for every item of a containers or initContainers list, wherever it
// sits in the object (Deployment, StatefulSet, Job, CronJob, Pod...).
func walkContainers(n *yaml.Node, f func(*yaml.Node)) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			if (k == "containers" || k == "initContainers") && v.Kind == yaml.SequenceNode {
				for _, c := range v.Content {
					f(c)
				}
				continue
			}
			walkContainers(v, f)
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			walkContainers(c, f)
		}
	}
}

func TestKubernetesDeployment(t *testing.T) {
	d := load(t)
	deps := d.kind("Deployment")
	if len(deps) == 0 {
		t.Fatalf("no Deployment under deployments/k8s")
	}
	def := defaults(t)
	defaultPort := addrPort(t, "config default", def.Addr)
	for _, o := range deps {
		dep, ok := decodeObject[deployment](t, o)
		if !ok {
			continue
		}
		pod := dep.Spec.Template.Spec

		// The api container.
		var c *container
		if len(pod.Containers) == 1 {
			c = &pod.Containers[0]
		}
		for i := range pod.Containers {
			if pod.Containers[i].Name == "api" {
				c = &pod.Containers[i]
			}
		}
		if c == nil {
			t.Errorf("%s: spec.template.spec.containers: want one container, or one named api", o)
			continue
		}
		where := fmt.Sprintf("%s: spec.template.spec.containers[%s]", o, c.Name)

		// The environment the process sees: the image's ENV, then envFrom, then env.
		configMaps, secrets := map[string]k8sObject{}, map[string]k8sObject{}
		for _, cm := range d.kind("ConfigMap") {
			configMaps[cm.header.Metadata.Name] = cm
		}
		for _, s := range d.kind("Secret") {
			secrets[s.header.Metadata.Name] = s
		}
		layers := []map[string]string{finalStageEnv(t, d.dockerfile)}
		var cmRefs, secretRefs int
		for i, ef := range c.EnvFrom {
			switch {
			case ef.ConfigMapRef != nil:
				cmRefs++
				cm, ok := configMaps[ef.ConfigMapRef.Name]
				if !ok {
					t.Errorf("%s.envFrom[%d].configMapRef.name %q: no such ConfigMap under deployments/k8s (have %v)", where, i, ef.ConfigMapRef.Name, sortedKeys(configMaps))
					continue
				}
				delete(configMaps, ef.ConfigMapRef.Name)
				data, _ := dataOf(cm)
				layers = append(layers, data)
			case ef.SecretRef != nil:
				secretRefs++
				s, ok := secrets[ef.SecretRef.Name]
				if !ok {
					t.Errorf("%s.envFrom[%d].secretRef.name %q: no such Secret under deployments/k8s (have %v)", where, i, ef.SecretRef.Name, sortedKeys(secrets))
					continue
				}
				delete(secrets, ef.SecretRef.Name)
				data, _ := dataOf(s)
				layers = append(layers, data)
			}
		}
		if cmRefs == 0 || secretRefs == 0 {
			t.Errorf("%s.envFrom: want a configMapRef and a secretRef (found %d and %d)", where, cmRefs, secretRefs)
		}
		for name, cm := range configMaps {
			t.Errorf("%s: ConfigMap %s is not used by %s's envFrom", cm, name, where)
		}
		for name, s := range secrets {
			t.Errorf("%s: Secret %s is not used by %s's envFrom", s, name, where)
		}
		literal := map[string]string{}
		for _, e := range c.Env {
			if e.ValueFrom.Kind == 0 {
				literal[e.Name] = e.Value
			}
		}
		layers = append(layers, literal)
		cfg, err := loadEnv(layers...)
		if err != nil {
			t.Errorf("%s: the configuration (Dockerfile ENV + envFrom + env) does not load: %s", where, strings.ReplaceAll(err.Error(), "\n", "; "))
		}

		// Ports and probes.
		port := addrPort(t, where, cfg.Addr)
		if port != defaultPort {
			t.Errorf("%s: TOASOAN_ADDR %q listens on %d but the image EXPOSEs %d (the default %q)", where, cfg.Addr, port, defaultPort, def.Addr)
		}
		var cp *containerPort
		for i := range c.Ports {
			if c.Ports[i].ContainerPort == port {
				cp = &c.Ports[i]
			} else {
				t.Errorf("%s.ports[%d].containerPort %d: toasoan listens only on %d (TOASOAN_ADDR %q)", where, i, c.Ports[i].ContainerPort, port, cfg.Addr)
			}
		}
		if cp == nil {
			t.Errorf("%s.ports: no containerPort %d, where toasoan listens (TOASOAN_ADDR %q)", where, port, cfg.Addr)
			cp = &containerPort{ContainerPort: port}
		} else if cp.Name == "" {
			t.Errorf("%s.ports: containerPort %d has no name; name it http so probes and the Service refer to it", where, port)
		}
		checkProbe := func(field string, p *probe, paths ...string) {
			switch {
			case p == nil:
				t.Errorf("%s.%s is missing (httpGet %s on port %s)", where, field, paths[0], cmpOr(cp.Name, strconv.Itoa(port)))
			case p.HTTPGet == nil:
				t.Errorf("%s.%s: want an httpGet probe", where, field)
			default:
				if !slices.Contains(paths, p.HTTPGet.Path) {
					t.Errorf("%s.%s.httpGet.path = %q, want %q", where, field, p.HTTPGet.Path, paths[0])
				}
				if !cp.matches(p.HTTPGet.Port) {
					want := strconv.Itoa(cp.ContainerPort)
					if cp.Name != "" {
						want = fmt.Sprintf("the container port's name %q or %s", cp.Name, want)
					}
					t.Errorf("%s.%s.httpGet.port = %s, want %s", where, field, p.HTTPGet.Port, want)
				}
			}
		}
		checkProbe("livenessProbe", c.LivenessProbe, livenessPath)
		checkProbe("readinessProbe", c.ReadinessProbe, readinessPath)
		if c.StartupProbe != nil {
			checkProbe("startupProbe", c.StartupProbe, livenessPath, readinessPath)
			period, failures := cmpOrInt(c.StartupProbe.PeriodSeconds, 10), cmpOrInt(c.StartupProbe.FailureThreshold, 3)
			if budget := time.Duration(period*failures) * time.Second; budget <= cfg.DatabaseWait {
				t.Errorf("%s.startupProbe allows %s (periodSeconds %d × failureThreshold %d), not more than TOASOAN_DATABASE_WAIT %s: pods would be restarted while waiting for the database",
					where, budget, period, failures, cfg.DatabaseWait)
			}
		}
		ann := dep.Spec.Template.Metadata.Annotations
		if p, ok := ann["prometheus.io/port"]; ok && p != strconv.Itoa(port) {
			t.Errorf("%s: spec.template.metadata.annotations[prometheus.io/port] = %q, want %d", o, p, port)
		}
		if p, ok := ann["prometheus.io/path"]; ok && p != metricsPath {
			t.Errorf("%s: spec.template.metadata.annotations[prometheus.io/path] = %q, want %q", o, p, metricsPath)
		}

		// Graceful shutdown within the grace period.
		preStop := 0
		if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
			preStop = c.Lifecycle.PreStop.Sleep.Seconds
		}
		if g := pod.TerminationGracePeriodSeconds; g == nil {
			t.Errorf("%s: spec.template.spec.terminationGracePeriodSeconds is not set; want more than TOASOAN_SHUTDOWN_TIMEOUT (%s) + the preStop sleep (%ds)", o, cfg.ShutdownTimeout, preStop)
		} else if time.Duration(*g)*time.Second <= cfg.ShutdownTimeout+time.Duration(preStop)*time.Second {
			t.Errorf("%s: spec.template.spec.terminationGracePeriodSeconds = %d, want more than TOASOAN_SHUTDOWN_TIMEOUT (%s) + the preStop sleep (%ds), or SIGKILL cuts in-flight requests",
				o, *g, cfg.ShutdownTimeout, preStop)
		}

		// Security: non-root (the image's user), read-only root, no privilege escalation.
		podSC, cSC := pod.SecurityContext, c.SecurityContext
		if cSC == nil {
			cSC = &securityContext{}
		}
		if podSC == nil {
			podSC = &securityContext{}
		}
		if nonRoot := cmpOrPtr(cSC.RunAsNonRoot, podSC.RunAsNonRoot); nonRoot == nil || !*nonRoot {
			t.Errorf("%s: securityContext.runAsNonRoot is not true (in the container or the pod)", where)
		}
		if uid := cmpOrPtr(cSC.RunAsUser, podSC.RunAsUser); uid != nil {
			user, _ := imageUser(d.dockerfile)
			imageUID, _, _ := strings.Cut(user, ":")
			if strconv.Itoa(*uid) != imageUID {
				t.Errorf("%s: securityContext.runAsUser = %d, but the Dockerfile's USER is %s", where, *uid, user)
			}
		}
		if p := cSC.ReadOnlyRootFilesystem; p == nil || !*p {
			t.Errorf("%s.securityContext.readOnlyRootFilesystem is not true", where)
		}
		if p := cSC.AllowPrivilegeEscalation; p == nil || *p {
			t.Errorf("%s.securityContext.allowPrivilegeEscalation is not false", where)
		}
		if cSC.Capabilities == nil || !slices.Contains(cSC.Capabilities.Drop, "ALL") {
			t.Errorf("%s.securityContext.capabilities.drop does not contain ALL", where)
		}
		for _, r := range []string{"cpu", "memory"} {
			if _, ok := c.Resources.Requests[r]; !ok {
				t.Errorf("%s.resources.requests.%s is not set (the HPA's utilization is relative to it)", where, r)
			}
		}
		if _, ok := c.Resources.Limits["memory"]; !ok {
			t.Errorf("%s.resources.limits.memory is not set", where)
		}

		// Writable directories are volumes (the root filesystem is read-only).
		volumes := map[string]bool{}
		for _, v := range pod.Volumes {
			volumes[v.Name] = true
		}
		var mounts []string
		for i, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				t.Errorf("%s.volumeMounts[%d].name %q: no such volume in spec.template.spec.volumes", where, i, m.Name)
			}
			if !m.ReadOnly {
				mounts = append(mounts, m.MountPath)
			}
		}
		for _, dir := range []struct{ name, value string }{{"TOASOAN_DATA_DIR", cfg.DataDir}, {"TOASOAN_MEDIA_DIR", cfg.MediaDir}, {"the temporary directory", "/tmp"}} {
			if !path.IsAbs(dir.value) {
				t.Errorf("%s: %s=%q is relative; want an absolute path on a volume", where, dir.name, dir.value)
			} else if !slices.ContainsFunc(mounts, func(m string) bool { return under(dir.value, m) }) {
				t.Errorf("%s: %s (%s) is not under a writable volumeMount (%v), and the root filesystem is read-only", where, dir.name, dir.value, mounts)
			}
		}

		// Labels.
		labels := dep.Spec.Template.Metadata.Labels
		if len(dep.Spec.Selector.MatchLabels) == 0 || !subset(dep.Spec.Selector.MatchLabels, labels) {
			t.Errorf("%s: spec.selector.matchLabels %v do not select spec.template.metadata.labels %v", o, dep.Spec.Selector.MatchLabels, labels)
		}

		// Several replicas share nothing local: PostgreSQL, Redis and a bucket.
		replicas := 1
		if dep.Spec.Replicas != nil {
			replicas = *dep.Spec.Replicas
		}
		maxReplicas := replicas
		for _, h := range d.kind("HorizontalPodAutoscaler") {
			if hh, ok := decodeObject[hpa](t, h); ok && hh.Spec.ScaleTargetRef.Name == o.header.Metadata.Name {
				maxReplicas = max(maxReplicas, hh.Spec.MaxReplicas)
				if lo := hh.Spec.MinReplicas; lo != nil && (replicas < *lo || replicas > hh.Spec.MaxReplicas) {
					t.Errorf("%s: spec.replicas = %d is outside %s's minReplicas..maxReplicas (%d..%d)", o, replicas, h, *lo, hh.Spec.MaxReplicas)
				}
			}
		}
		if maxReplicas > 1 {
			for _, need := range []struct{ name, value, why string }{
				{"TOASOAN_DATABASE_URL", cfg.DatabaseURL, "embedded SQLite is one pod's file"},
				{"TOASOAN_REDIS_URL", cfg.RedisURL, "rate limits must be shared between replicas"},
				{"TOASOAN_MEDIA_BUCKET_URL", cfg.MediaBucketURL, "media on one pod's disk are not seen by the others"},
			} {
				if need.value == "" {
					t.Errorf("%s: up to %d replicas but %s is not set in the ConfigMap or Secret: %s", o, maxReplicas, need.name, need.why)
				}
			}
		}
	}
}

func cmpOrInt(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func cmpOrPtr[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}

func subset(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// podTemplate returns the Deployment's pod labels and the api container's ports.
func podTemplate(t *testing.T, d *deployFiles) (string, map[string]string, []containerPort) {
	t.Helper()
	deps := d.kind("Deployment")
	if len(deps) == 0 {
		t.Fatalf("no Deployment under deployments/k8s")
	}
	dep, ok := decodeObject[deployment](t, deps[0])
	if !ok {
		t.FailNow()
	}
	var ports []containerPort
	for _, c := range dep.Spec.Template.Spec.Containers {
		ports = append(ports, c.Ports...)
	}
	return deps[0].header.Metadata.Name, dep.Spec.Template.Metadata.Labels, ports
}

func TestKubernetesService(t *testing.T) {
	d := load(t)
	_, labels, ports := podTemplate(t, d)
	for _, o := range d.kind("Service") {
		s, ok := decodeObject[service](t, o)
		if !ok {
			continue
		}
		if s.Spec.Type != "" && s.Spec.Type != "ClusterIP" {
			t.Errorf("%s: spec.type = %s, want ClusterIP (expose it with an Ingress or Gateway)", o, s.Spec.Type)
		}
		if len(s.Spec.Selector) == 0 || !subset(s.Spec.Selector, labels) {
			t.Errorf("%s: spec.selector %v does not select the Deployment's pod labels %v", o, s.Spec.Selector, labels)
		}
		if len(s.Spec.Ports) == 0 {
			t.Errorf("%s: spec.ports is empty", o)
		}
		for i, p := range s.Spec.Ports {
			if !slices.ContainsFunc(ports, func(cp containerPort) bool { return cp.matches(p.TargetPort) }) {
				t.Errorf("%s: spec.ports[%d].targetPort = %s matches no container port of the Deployment (%+v)", o, i, p.TargetPort, ports)
			}
		}
	}
}

func TestKubernetesAutoscaling(t *testing.T) {
	d := load(t)
	depName, labels, _ := podTemplate(t, d)
	for _, o := range d.kind("HorizontalPodAutoscaler") {
		h, ok := decodeObject[hpa](t, o)
		if !ok {
			continue
		}
		if o.header.APIVersion != "autoscaling/v2" {
			t.Errorf("%s: apiVersion %s, want autoscaling/v2", o, o.header.APIVersion)
		}
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || ref.Name != depName {
			t.Errorf("%s: spec.scaleTargetRef = %s %s %s, want apps/v1 Deployment %s", o, ref.APIVersion, ref.Kind, ref.Name, depName)
		}
		lo := 1
		if h.Spec.MinReplicas != nil {
			lo = *h.Spec.MinReplicas
		}
		if lo < 2 || h.Spec.MaxReplicas < lo {
			t.Errorf("%s: minReplicas %d, maxReplicas %d: want at least 2 (no single point of failure) and max >= min", o, lo, h.Spec.MaxReplicas)
		}
		cpu := slices.ContainsFunc(h.Spec.Metrics, func(m hpaMetric) bool {
			return m.Type == "Resource" && m.Resource != nil && m.Resource.Name == "cpu" && m.Resource.Target.AverageUtilization > 0
		})
		if !cpu {
			t.Errorf("%s: spec.metrics has no Resource cpu averageUtilization target", o)
		}
	}
	for _, o := range d.kind("PodDisruptionBudget") {
		var pdb struct {
			Spec struct {
				Selector labelSelector `yaml:"selector"`
			} `yaml:"spec"`
		}
		if err := o.node.Decode(&pdb); err != nil {
			t.Errorf("%s: %v", o, err)
			continue
		}
		if sel := pdb.Spec.Selector.MatchLabels; len(sel) == 0 || !subset(sel, labels) {
			t.Errorf("%s: spec.selector.matchLabels %v does not select the Deployment's pod labels %v", o, sel, labels)
		}
	}
}

func TestKubernetesConfigAndSecrets(t *testing.T) {
	d := load(t)
	for _, o := range d.objects {
		if o.header.Kind != "ConfigMap" && o.header.Kind != "Secret" {
			continue
		}
		_, errs := dataOf(o)
		for _, err := range errs {
			t.Errorf("%s: %v", o, err)
		}
	}
	for _, o := range d.kind("Secret") {
		data, _ := dataOf(o)
		for _, k := range sortedKeys(data) {
			if !strings.Contains(data[k], placeholderMark) {
				t.Errorf("%s: the value of %s does not contain %s: commit only placeholders, create the real Secret in the cluster (see deployments/README.md)", o, k, placeholderMark)
			}
		}
	}
	for _, o := range d.kind("ConfigMap") {
		data, _ := dataOf(o)
		for k, v := range data {
			if k == "TOASOAN_JWT_SECRET" || k == "TOASOAN_JWT_PREVIOUS_SECRET" || k == "TOASOAN_ADMIN_PASSWORD" || k == "TOASOAN_DATABASE_URL" ||
				(strings.HasSuffix(k, "_URL") && strings.Contains(v, "@")) {
				t.Errorf("%s: %s is a secret (or holds credentials); put it in the Secret, not the ConfigMap", o, k)
			}
		}
	}
}

func TestKustomization(t *testing.T) {
	d := load(t)
	ks := d.kind("Kustomization")
	if len(ks) == 0 {
		return
	}
	for _, o := range ks {
		k, ok := decodeObject[kustomization](t, o)
		if !ok {
			continue
		}
		dir := path.Dir(o.file)
		listed := map[string]bool{}
		for _, r := range k.Resources {
			p := path.Join(dir, r)
			listed[p] = true
			if _, err := os.Stat(filepath.FromSlash(p)); err != nil {
				t.Errorf("%s: resources lists %s: %v", o.file, r, err)
			}
		}
		images := map[string]bool{}
		for _, o2 := range d.objects {
			if path.Dir(o2.file) != dir || o2.header.Kind == "Kustomization" {
				continue
			}
			switch {
			case o2.header.Kind == "Secret" && listed[o2.file]:
				t.Errorf("%s: resources lists %s, whose Secret holds placeholders: `kubectl apply -k` would overwrite the real Secret", o.file, path.Base(o2.file))
			case o2.header.Kind != "Secret" && !listed[o2.file]:
				t.Errorf("%s: resources does not list %s (%s %s): `kubectl apply -k` would leave it out", o.file, path.Base(o2.file), o2.header.Kind, o2.header.Metadata.Name)
			}
			walkContainers(o2.node, func(c *yaml.Node) {
				if img := mappingValue(c, "image"); img != nil {
					name, _, _ := strings.Cut(img.Value, ":")
					images[name] = true
				}
			})
		}
		for i, img := range k.Images {
			if !images[img.Name] {
				t.Errorf("%s: images[%d].name %q matches no container image (%v)", o.file, i, img.Name, sortedKeys(images))
			}
		}
	}
}

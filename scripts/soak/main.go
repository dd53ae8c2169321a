// Command soak runs toasoan under a mixed load for a while (default 10 minutes) against
// PostgreSQL on 127.0.0.1 and reports errors by status, latency percentiles per kind of request
// and the server's RSS over time. It is not part of the test suite:
//
//	go run ./scripts/soak -duration 10m
//
// It creates a scratch database (dropped at the end), builds and starts the server on a free
// port with it, seeds it (`api seed`), then runs a fixed number of workers (bounded concurrency,
// each request with its own timeout) doing public reads, searches, editorial writes (create,
// edit, publish), logins and reader submissions. Every 10 s it samples VmRSS of the server from
// /proc/PID/status. It exits non-zero when any request got a 5xx or failed outright.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

type options struct {
	duration time.Duration
	workers  int
	adminURL string
	articles int
}

func run() error {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Minute, "how long to run the load")
	flag.IntVar(&o.workers, "workers", 8, "concurrent clients (the bound on in-flight requests)")
	flag.StringVar(&o.adminURL, "admin-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL URL allowed to CREATE and DROP DATABASE")
	flag.IntVar(&o.articles, "articles", 2000, "articles seeded before the load")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	work, err := os.MkdirTemp("", "toasoan-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	// The scratch database.
	admin, err := sql.Open("pgx", o.adminURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	dbName := fmt.Sprintf("toasoan_soak_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+dbName); err != nil {
		return fmt.Errorf("create scratch database: %w", err)
	}
	defer func() {
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + dbName + ` WITH (FORCE)`); err != nil {
			fmt.Fprintln(os.Stderr, "soak: drop scratch database:", err)
		}
	}()
	u, _ := url.Parse(o.adminURL)
	u.Path = "/" + dbName
	dbURL := u.String()

	bin := filepath.Join(work, "api")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/api").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	const adminEmail, adminPassword = "soak-admin@mattran.org.vn", "soak admin password 2026"
	env := append(os.Environ(),
		"TOASOAN_DATABASE_URL="+dbURL,
		"TOASOAN_ADDR=127.0.0.1:"+strconv.Itoa(port),
		"TOASOAN_DATA_DIR="+filepath.Join(work, "data"),
		"TOASOAN_LOG_LEVEL=warn",
	)
	for _, args := range [][]string{
		{"user", "create", "--email", adminEmail, "--name", "Soak", "--role", "admin", "--password", adminPassword},
		{"seed", "--articles", strconv.Itoa(o.articles)},
	} {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("api %s: %v\n%s", args[0], err, out)
		}
	}
	logFile, err := os.Create(filepath.Join(work, "server.log"))
	if err != nil {
		return err
	}
	server := exec.Command(bin)
	server.Env, server.Stdout, server.Stderr = env, logFile, logFile
	if err := server.Start(); err != nil {
		return err
	}
	defer func() {
		_ = server.Process.Signal(syscall.SIGTERM)
		_ = server.Wait()
		logFile.Close()
		if errorLines := grepLog(logFile.Name(), `"level":"ERROR"`); len(errorLines) > 0 {
			fmt.Printf("\nserver ERROR log lines: %d, first:\n%s\n", len(errorLines), errorLines[0])
		}
	}()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := waitReady(ctx, base); err != nil {
		return err
	}

	c := &client{base: base, http: &http.Client{Timeout: 30 * time.Second}, stats: newStats()}
	if err := c.loginAdmin(ctx, adminEmail, adminPassword); err != nil {
		return err
	}
	if err := c.prepare(ctx); err != nil {
		return err
	}

	fmt.Printf("soak: %s, %d workers, PostgreSQL database %s, server pid %d on %s\n", o.duration, o.workers, dbName, server.Process.Pid, base)
	loadCtx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	var rss []rssSample
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			kb, _ := vmRSS(server.Process.Pid)
			rss = append(rss, rssSample{time.Since(start), kb})
			select {
			case <-loadCtx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	for w := 0; w < o.workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for loadCtx.Err() == nil {
				c.step(loadCtx, rng)
			}
		}(w)
	}
	wg.Wait()
	kb, _ := vmRSS(server.Process.Pid)
	rss = append(rss, rssSample{time.Since(start), kb})
	bad := c.stats.report(os.Stdout, time.Since(start))
	fmt.Println("\nRSS of the server (VmRSS from /proc/PID/status):")
	for _, s := range rss {
		fmt.Printf("  %6s  %7.1f MiB\n", s.at.Round(time.Second), float64(s.kb)/1024)
	}
	if len(rss) > 6 {
		first, last := rss[len(rss)/6].kb, rss[len(rss)-1].kb
		fmt.Printf("  growth from %s to the end: %+.1f MiB\n", rss[len(rss)/6].at.Round(time.Second), float64(last-first)/1024)
	}
	if bad > 0 {
		return fmt.Errorf("%d requests failed with 5xx or no response", bad)
	}
	return nil
}

type rssSample struct {
	at time.Duration
	kb int64
}

// client does the requests and records them.
type client struct {
	base  string
	http  *http.Client
	stats *stats

	mu         sync.Mutex
	token      string
	categoryID int64
	slugs      []string
}

var words = []string{"mặt trận", "an ninh", "bảo vệ", "người nghèo", "đoàn kết", "hội nghị", "bao ve", "nong thon", "giám sát", "phản biện"}

// step runs one request chosen by weight: mostly public reads, as a news site sees.
func (c *client) step(ctx context.Context, rng *rand.Rand) {
	switch n := rng.IntN(100); {
	case n < 35:
		c.do(ctx, "public list", http.MethodGet, fmt.Sprintf("/api/v1/articles?page=%d&per_page=20", 1+rng.IntN(20)), nil, "", nil)
	case n < 50:
		c.mu.Lock()
		slug := ""
		if len(c.slugs) > 0 {
			slug = c.slugs[rng.IntN(len(c.slugs))]
		}
		c.mu.Unlock()
		c.do(ctx, "public article", http.MethodGet, "/api/v1/articles/"+url.PathEscape(slug), nil, "", nil)
	case n < 65:
		q := words[rng.IntN(len(words))]
		c.do(ctx, "search", http.MethodGet, "/api/v1/search?q="+url.QueryEscape(q), nil, "", nil)
	case n < 70:
		c.do(ctx, "public filter", http.MethodGet, "/api/v1/articles?q="+url.QueryEscape(words[rng.IntN(len(words))])+"&category="+"tin-tuc", nil, "", nil)
	case n < 85:
		c.editorial(ctx, rng)
	case n < 95:
		password := "wrong password for the soak"
		if rng.IntN(2) == 0 {
			password = "soak admin password 2026"
		}
		c.do(ctx, "login", http.MethodPost, "/api/v1/auth/login", map[string]any{"email": "soak-admin@mattran.org.vn", "password": password}, "", nil)
	default:
		c.do(ctx, "submission", http.MethodPost, "/api/v1/submissions", map[string]any{
			"name": "Bạn đọc", "email": "ban.doc@example.vn", "subject": "Góp ý " + strconv.Itoa(rng.IntN(1000)), "content": "Nội dung góp ý của bạn đọc.",
		}, "", nil)
	}
}

// editorial writes an article, edits it and publishes it.
func (c *client) editorial(ctx context.Context, rng *rand.Rand) {
	c.mu.Lock()
	token, cat := c.token, c.categoryID
	c.mu.Unlock()
	title := fmt.Sprintf("Bài soak %d %s", rng.IntN(1_000_000), words[rng.IntN(len(words))])
	var created struct {
		Data struct {
			ID      int64  `json:"id"`
			Version int    `json:"version"`
			Slug    string `json:"slug"`
		} `json:"data"`
	}
	if c.do(ctx, "editorial create", http.MethodPost, "/api/v1/admin/articles", map[string]any{
		"title": title, "category_id": cat, "summary": "Tóm tắt", "body": "<p>Thân bài về " + title + "</p>",
	}, token, &created) != http.StatusCreated {
		return
	}
	id := strconv.FormatInt(created.Data.ID, 10)
	var patched struct {
		Data struct {
			Version int `json:"version"`
		} `json:"data"`
	}
	c.do(ctx, "editorial edit", http.MethodPatch, "/api/v1/admin/articles/"+id, map[string]any{"summary": "Tóm tắt đã sửa"}, token, &patched,
		"If-Match", `"`+strconv.Itoa(created.Data.Version)+`"`)
	var published struct {
		Data struct {
			Slug string `json:"slug"`
		} `json:"data"`
	}
	if c.do(ctx, "editorial publish", http.MethodPost, "/api/v1/admin/articles/"+id+"/publish", nil, token, &published) == http.StatusOK {
		c.mu.Lock()
		if len(c.slugs) < 5000 {
			c.slugs = append(c.slugs, published.Data.Slug)
		}
		c.mu.Unlock()
	}
}

func (c *client) loginAdmin(ctx context.Context, email, password string) error {
	var res struct {
		Data struct {
			AccessToken string `json:"access_token"`
		} `json:"data"`
	}
	if status := c.do(ctx, "setup", http.MethodPost, "/api/v1/auth/login", map[string]any{"email": email, "password": password}, "", &res); status != http.StatusOK {
		return fmt.Errorf("admin login: status %d", status)
	}
	c.token = res.Data.AccessToken
	return nil
}

// prepare makes the category the editorial writes go to and collects slugs to read.
func (c *client) prepare(ctx context.Context) error {
	var cat struct {
		Data struct {
			ID int64 `json:"id"`
		} `json:"data"`
	}
	if status := c.do(ctx, "setup", http.MethodPost, "/api/v1/admin/categories", map[string]any{"name": "Soak " + strconv.FormatInt(time.Now().UnixNano(), 36)}, c.token, &cat); status != http.StatusCreated {
		return fmt.Errorf("create category: status %d", status)
	}
	c.categoryID = cat.Data.ID
	var list struct {
		Data []struct {
			Slug string `json:"slug"`
		} `json:"data"`
	}
	if status := c.do(ctx, "setup", http.MethodGet, "/api/v1/articles?per_page=100", nil, "", &list); status != http.StatusOK {
		return fmt.Errorf("list articles: status %d", status)
	}
	for _, a := range list.Data {
		c.slugs = append(c.slugs, a.Slug)
	}
	if len(c.slugs) == 0 {
		return errors.New("the seeded database has no published articles")
	}
	return nil
}

// do sends one request and records its kind, status and latency; 0 is no response at all.
func (c *client) do(ctx context.Context, kind, method, path string, body any, token string, out any, headers ...string) int {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return 0
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() == nil { // the end of the run cancels requests in flight: not a failure
			c.stats.record(kind, 0, time.Since(start), err.Error())
		}
		return 0
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	took := time.Since(start)
	detail := ""
	if res.StatusCode >= 500 {
		detail = string(b)
	}
	c.stats.record(kind, res.StatusCode, took, detail)
	if out != nil && res.StatusCode < 300 {
		_ = json.Unmarshal(b, out)
	}
	if res.StatusCode == http.StatusUnauthorized && token != "" {
		c.relogin(ctx)
	}
	return res.StatusCode
}

func (c *client) relogin(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var res struct {
		Data struct {
			AccessToken string `json:"access_token"`
		} `json:"data"`
	}
	b, _ := json.Marshal(map[string]any{"email": "soak-admin@mattran.org.vn", "password": "soak admin password 2026"})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/v1/auth/login", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if r, err := c.http.Do(req); err == nil {
		_ = json.NewDecoder(r.Body).Decode(&res)
		r.Body.Close()
		if res.Data.AccessToken != "" {
			c.token = res.Data.AccessToken
		}
	}
}

// stats counts statuses and keeps every latency per kind (a 10-minute run is a few hundred
// thousand numbers: small).
type stats struct {
	mu        sync.Mutex
	latencies map[string][]time.Duration
	statuses  map[string]map[int]int
	failures  map[string]int // first lines of 5xx bodies and transport errors, counted
}

func newStats() *stats {
	return &stats{latencies: map[string][]time.Duration{}, statuses: map[string]map[int]int{}, failures: map[string]int{}}
}

func (s *stats) record(kind string, status int, took time.Duration, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latencies[kind] = append(s.latencies[kind], took)
	if s.statuses[kind] == nil {
		s.statuses[kind] = map[int]int{}
	}
	s.statuses[kind][status]++
	if status == 0 || status >= 500 {
		if len(detail) > 200 {
			detail = detail[:200]
		}
		s.failures[fmt.Sprintf("%s %d %s", kind, status, detail)]++
	}
}

// report prints the tables and returns how many requests were 5xx or got no response.
func (s *stats) report(w io.Writer, elapsed time.Duration) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	kinds := make([]string, 0, len(s.latencies))
	total := 0
	for k, l := range s.latencies {
		kinds = append(kinds, k)
		total += len(l)
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "\n%d requests in %s (%.0f/s)\n\n", total, elapsed.Round(time.Second), float64(total)/elapsed.Seconds())
	fmt.Fprintln(w, "| kind | requests | statuses | p50 | p95 | p99 | max |")
	fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|---:|")
	bad := 0
	all := map[int]int{}
	for _, k := range kinds {
		l := s.latencies[k]
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		var parts []string
		codes := make([]int, 0)
		for code := range s.statuses[k] {
			codes = append(codes, code)
		}
		sort.Ints(codes)
		for _, code := range codes {
			n := s.statuses[k][code]
			all[code] += n
			parts = append(parts, fmt.Sprintf("%d×%d", n, code))
			if code == 0 || code >= 500 {
				bad += n
			}
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s |\n", k, len(l), strings.Join(parts, " "),
			pct(l, 0.50), pct(l, 0.95), pct(l, 0.99), l[len(l)-1].Round(100*time.Microsecond))
	}
	codes := make([]int, 0, len(all))
	for code := range all {
		codes = append(codes, code)
	}
	sort.Ints(codes)
	fmt.Fprint(w, "\nall statuses:")
	for _, code := range codes {
		fmt.Fprintf(w, " %d×%d", all[code], code)
	}
	fmt.Fprintln(w)
	for f, n := range s.failures {
		fmt.Fprintf(w, "failure ×%d: %s\n", n, f)
	}
	return bad
}

func pct(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted)-1) * p)
	return sorted[i].Round(100 * time.Microsecond)
}

func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				return strconv.ParseInt(f[1], 10, 64)
			}
		}
	}
	return 0, errors.New("no VmRSS")
}

func waitReady(ctx context.Context, base string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return errors.New("server not ready after 60s")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func grepLog(path, needle string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, needle) {
			out = append(out, line)
		}
	}
	return out
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// syncBuffer is a bytes.Buffer safe to read while run writes logs to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envOf(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestRunRefusesBadConfiguration(t *testing.T) {
	occupied, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer occupied.Close()

	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unparsable database URL", map[string]string{"TOASOAN_DATABASE_URL": "postgres://%zz"}, "TOASOAN_DATABASE_URL"},
		{"bad upload size", map[string]string{"TOASOAN_MAX_UPLOAD_MB": "big"}, "TOASOAN_MAX_UPLOAD_MB"},
		{"port in use", map[string]string{"TOASOAN_ADDR": occupied.Addr().String()}, "listen on"},
		{"unreachable database", map[string]string{
			"TOASOAN_DATABASE_URL": "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=1", "TOASOAN_DATABASE_WAIT": "1s",
		}, "database not reachable"},
		{"unreachable redis", map[string]string{"TOASOAN_REDIS_URL": "redis://127.0.0.1:1/0", "TOASOAN_ADDR": "127.0.0.1:0"}, "redis at TOASOAN_REDIS_URL not reachable"},
		{"unknown command", nil, "unknown command"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"TOASOAN_DATA_DIR": t.TempDir()}
			for k, v := range tc.env {
				env[k] = v
			}
			args := []string{}
			if tc.name == "unknown command" {
				args = []string{"frobnicate"}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := run(ctx, args, envOf(env), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run error = %v, want one mentioning %q", err, tc.want)
			}
			if strings.Contains(oneLine(err), "\n") {
				t.Fatalf("error is not one line: %q", oneLine(err))
			}
		})
	}
}

// TestRunServesAndStopsCleanly starts the real program on each database, counts views (beacons) and
// starts a webhook delivery, then stops it as SIGTERM would: the views are written before the
// workers stop, the delivery under way is finished and recorded, and run exits cleanly.
func TestRunServesAndStopsCleanly(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		addr, dir := freeAddr(t), t.TempDir()
		const email, password = "admin@mattran.org.vn", "mật khẩu đủ dài 2026"
		env := map[string]string{"TOASOAN_ADDR": addr, "TOASOAN_DATA_DIR": dir, "TOASOAN_WEBHOOKS_ALLOW_LOCAL": "1",
			"TOASOAN_ADMIN_EMAIL": email, "TOASOAN_ADMIN_PASSWORD": password}
		opts := store.OpenOptions{SQLitePath: filepath.Join(dir, "toasoan.db")}
		if dialect == store.Postgres {
			env["TOASOAN_DATABASE_URL"] = testdb.FreshURL(t, dialect)
			opts = store.OpenOptions{DatabaseURL: env["TOASOAN_DATABASE_URL"]}
		}
		seed := []string{"seed", "--articles", "1", "--documents", "0", "--announcements", "0"}
		if err := run(context.Background(), seed, envOf(env), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if sqlDB, err := db.DB(); err == nil {
				sqlDB.Close()
			}
		}()

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		logs := &syncBuffer{}
		done := make(chan error, 1)
		go func() { done <- run(ctx, nil, envOf(env), logs, logs) }()
		api := "http://" + addr
		testdb.WaitFor(t, 15*time.Second, "the server answers /healthz", func() bool {
			res, err := http.Get(api + "/healthz")
			if err != nil {
				return false
			}
			res.Body.Close()
			return res.StatusCode == 200
		})

		var list struct {
			Data []struct{ Slug string } `json:"data"`
		}
		call(t, "GET", api+"/api/v1/articles", "", nil, 200, &list)
		if len(list.Data) != 1 {
			t.Fatalf("%d articles listed, want the seeded one", len(list.Data))
		}
		slug := list.Data[0].Slug
		call(t, "GET", api+"/api/v1/articles/"+slug, "", nil, 200, nil) // reading counts no view
		// Three readers' browsers send the view beacon, as navigator.sendBeacon does.
		for i := range 3 {
			req, err := http.NewRequest("POST", api+"/api/v1/articles/"+slug+"/views", strings.NewReader(""))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
			req.Header.Set("User-Agent", fmt.Sprintf("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/13%d.0.0.0 Safari/537.36", i))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusAccepted {
				t.Fatalf("view beacon: %d", res.StatusCode)
			}
		}

		// A receiver that holds the delivery until the test lets it go.
		arrived, release := make(chan struct{}, 1), make(chan struct{})
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			<-release
		}))
		defer rcv.Close()
		letGo := sync.OnceFunc(func() { close(release) })
		defer letGo() // before rcv.Close, which waits for the held request
		var login struct {
			Data struct {
				AccessToken string `json:"access_token"`
			} `json:"data"`
		}
		call(t, "POST", api+"/api/v1/auth/login", "", map[string]string{"email": email, "password": password}, 200, &login)
		token := login.Data.AccessToken
		var hook struct {
			Data struct{ ID int64 } `json:"data"`
		}
		call(t, "POST", api+"/api/v1/admin/webhooks", token, map[string]any{"url": rcv.URL, "events": []string{"submission.received"}}, 201, &hook)
		call(t, "POST", fmt.Sprintf("%s/api/v1/admin/webhooks/%d/ping", api, hook.Data.ID), token, nil, 202, nil)
		select {
		case <-arrived:
		case <-time.After(10 * time.Second): // a guard against hanging, not a measurement
			t.Fatal("the ping was never sent")
		}

		cancel() // as SIGTERM does
		testdb.WaitFor(t, 10*time.Second, "the workers are told to stop", func() bool {
			return strings.Contains(logs.String(), "stopping background workers")
		})
		// The views are written and the delivery is still under way: the workers have not stopped.
		var views int64
		if err := db.Table("articles").Where("slug = ?", slug).Pluck("view_count", &views).Error; err != nil {
			t.Fatal(err)
		}
		if views != 3 {
			t.Errorf("view_count = %d once the workers are told to stop, want the 3 buffered views", views)
		}
		select {
		case err := <-done:
			t.Fatalf("run returned with a delivery under way: %v", err)
		default:
		}
		letGo()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run after shutdown: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("run did not return after shutdown")
		}
		var status []string
		if err := db.Table("webhook_deliveries").Where("webhook_id = ?", hook.Data.ID).Pluck("status", &status).Error; err != nil {
			t.Fatal(err)
		}
		if len(status) != 1 || status[0] != models.DeliveryDelivered {
			t.Errorf("deliveries %v, want the one under way at shutdown recorded as delivered", status)
		}

		out := logs.String()
		if !strings.Contains(out, `"msg":"request"`) || !strings.Contains(out, `"route":"/healthz"`) {
			t.Errorf("no structured request log line: %s", out)
		}
		last := -1
		for _, step := range []string{"finishing in-flight requests", "writing buffered article views", "stopping background workers", `"msg":"stopped"`} {
			i := strings.Index(out, step)
			if i <= last {
				t.Fatalf("shutdown step %q missing or out of order in: %s", step, out)
			}
			last = i
		}
	})
}

// call sends one JSON request to the running server, checks its status and decodes the answer
// into into (when not nil).
func call(t *testing.T, method, url, token string, body any, want int, into any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, url, res.StatusCode, got, want)
	}
	if into != nil {
		if err := json.Unmarshal(got, into); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, got)
		}
	}
}

// steps is a background for serveUntilDone that records when each shutdown step happens.
type steps struct {
	mu   sync.Mutex
	seen []string
}

func (s *steps) add(step string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, step)
}

func (s *steps) Workers() []func(ctx context.Context) {
	return []func(ctx context.Context){func(ctx context.Context) { <-ctx.Done(); s.add("worker stopped") }}
}

func (s *steps) FlushViews(context.Context) error { s.add("views flushed"); return nil }

// TestShutdownFinishesSlowInFlightRequest stops the server while a slow request is being
// handled: the request must still be answered, then the views flushed, then the workers
// stopped, and serving must end cleanly.
func TestShutdownFinishesSlowInFlightRequest(t *testing.T) {
	bg := &steps{}
	started, shuttingDown := make(chan struct{}), make(chan struct{})
	httpServer := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-shuttingDown // still in flight when the shutdown begins
		bg.add("request finished")
		io.WriteString(w, "finished")
	})}
	httpServer.RegisterOnShutdown(func() { close(shuttingDown) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serveUntilDone(ctx, httpServer, ln, bg, 5*time.Second, slog.New(slog.DiscardHandler))
	}()

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		got <- result{string(b), err}
	}()
	<-started
	cancel()
	r := <-got
	if r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: %q, %v", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Fatalf("serveUntilDone: %v", err)
	}
	if want := []string{"request finished", "views flushed", "worker stopped"}; !slices.Equal(bg.seen, want) {
		t.Errorf("shutdown steps %v, want %v", bg.seen, want)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	if err := run(context.Background(), []string{"migrate"}, envOf(map[string]string{"TOASOAN_DATA_DIR": dir}), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"migrate"}, envOf(map[string]string{"TOASOAN_DATA_DIR": dir}), io.Discard, io.Discard); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}

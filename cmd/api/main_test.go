package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

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

// TestRunServesAndStopsCleanly starts the real program on each database, waits until it answers
// /healthz, stops it as SIGTERM would, and checks it exits cleanly with a request log line.
func TestRunServesAndStopsCleanly(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		addr := freeAddr(t)
		env := map[string]string{"TOASOAN_ADDR": addr, "TOASOAN_DATA_DIR": t.TempDir()}
		if dialect == store.Postgres {
			env["TOASOAN_DATABASE_URL"] = testdb.FreshURL(t, dialect)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		logs := &syncBuffer{}
		done := make(chan error, 1)
		go func() { done <- run(ctx, nil, envOf(env), logs, logs) }()

		deadline := time.Now().Add(15 * time.Second)
		for {
			res, err := http.Get("http://" + addr + "/healthz")
			if err == nil {
				res.Body.Close()
				if res.StatusCode != 200 {
					t.Fatalf("healthz = %d", res.StatusCode)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("server did not answer /healthz: %v; logs: %s", err, logs)
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run after shutdown: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("run did not return after shutdown")
		}
		if !strings.Contains(logs.String(), `"msg":"request"`) || !strings.Contains(logs.String(), `"route":"/healthz"`) {
			t.Errorf("no structured request log line: %s", logs)
		}
	})
}

// TestShutdownFinishesSlowInFlightRequest stops the server while a slow request is being
// handled: the request must still be answered, and serving must end cleanly after it.
func TestShutdownFinishesSlowInFlightRequest(t *testing.T) {
	started := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(500 * time.Millisecond)
		io.WriteString(w, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serveUntilDone(ctx, &http.Server{Handler: slow}, ln, 5*time.Second, slog.New(slog.DiscardHandler))
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

package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// testServer is a server over a fresh database, driven through the whole router.
type testServer struct {
	*Server
	t      *testing.T
	db     *gorm.DB
	tokens map[string]string // role → bearer token, for scenarios
	ids    map[string]int64  // role → user id
	clock  *atomic.Pointer[func() time.Time]
}

// newTestServer is a server whose clock starts at testdb.Epoch, whatever the hour and zone the
// test runs in, and moves 10 ms at every reading, so that writes made one after another get
// distinct, ordered times (a 15-minute token lasts 90,000 readings). Tests about time set their
// own clock (setClock) or jump this one (tickingClock).
func newTestServer(t *testing.T, db *gorm.DB) *testServer {
	t.Helper()
	return newTestServerAt(t, db, tickingClock().Now)
}

func tickingClock() *testdb.Clock {
	clock := testdb.NewClock(testdb.Epoch)
	clock.Tick(10 * time.Millisecond)
	return clock
}

// newTestServerAt is newTestServer with a clock of the test's choosing, for rules about time.
func newTestServerAt(t *testing.T, db *gorm.DB, now func() time.Time) *testServer {
	t.Helper()
	clock := new(atomic.Pointer[func() time.Time])
	clock.Store(&now)
	cfg, err := config.Load(func(k string) string {
		switch k {
		case "TOASOAN_DATA_DIR":
			return t.TempDir()
		case "TOASOAN_JWT_SECRET":
			return testSecret
		case "TOASOAN_CACHE_TTL":
			return "0" // scenarios read their own writes and move clocks; cache_test.go tests the cache
		case "TOASOAN_WEBHOOKS_ALLOW_LOCAL":
			return "1" // receivers are httptest servers on 127.0.0.1
		case "TOASOAN_TRUSTED_PROXIES":
			return testProxyNet
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(db, func() time.Time { return (*clock.Load())() })
	s := mustServer(t, Deps{Config: cfg, Store: st, HashParams: testHashParams, LoginDelay: noLoginDelay})
	return &testServer{Server: s, t: t, db: db, tokens: map[string]string{}, ids: map[string]int64{}, clock: clock}
}

// mustServer is NewServer for tests: a server that cannot be built fails the test.
func mustServer(t testing.TB, d Deps) *Server {
	t.Helper()
	s, err := NewServer(d)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// setClock makes now the clock of the server and its store from here on. Tokens issued before
// are judged by it: after a jump past their lifetime, relogin.
func (ts *testServer) setClock(now func() time.Time) { ts.clock.Store(&now) }

// relogin gives every user of withUsers a fresh token, valid at the clock's time.
func (ts *testServer) relogin() {
	ts.t.Helper()
	for role := range ts.tokens {
		ts.tokens[role] = ts.login(role+"@mattran.org.vn", testPassword).AccessToken
	}
}

// testProxyNet is the reverse proxy's network in tests: do() sends requests that carry an
// X-Forwarded-For from testProxy, as a proxy would.
const (
	testProxyNet = "10.255.0.0/16"
	testProxy    = "10.255.0.1"
)

// noLoginDelay lets tests count failed logins without waiting; progressiveDelay is tested alone.
func noLoginDelay(int) time.Duration { return 0 }

const testSecret = "test-secret-test-secret-test-secret-0123"

// testHashParams keep argon2id cheap in tests; production uses auth.DefaultHashParams.
var testHashParams = auth.HashParams{Memory: 64, Time: 1, Threads: 1}

const testPassword = "mật khẩu đủ dài 2026"

// withUsers creates an active admin, editor and author (and a second author, "author2") and
// logs each in, filling ts.tokens and ts.ids by role.
func (ts *testServer) withUsers() *testServer {
	ts.t.Helper()
	for _, role := range []string{models.RoleAdmin, models.RoleEditor, models.RoleAuthor, "author2"} {
		r := role
		if r == "author2" {
			r = models.RoleAuthor
		}
		id := ts.createUser(role+"@mattran.org.vn", r)
		ts.ids[role] = id
		ts.tokens[role] = ts.login(role+"@mattran.org.vn", testPassword).AccessToken
	}
	return ts
}

func (ts *testServer) createUser(email, role string) int64 {
	ts.t.Helper()
	hash, err := auth.HashPassword(testPassword, testHashParams)
	if err != nil {
		ts.t.Fatal(err)
	}
	u, err := ts.store.CreateUser(context.Background(), store.System,
		store.NewUser{Email: email, Name: "Người dùng " + role, Role: role, PasswordHash: hash})
	if err != nil {
		ts.t.Fatal(err)
	}
	return u.ID
}

func (ts *testServer) login(email, password string) tokenPair {
	ts.t.Helper()
	res := ts.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password}, "", nil)
	if res.Code != http.StatusOK {
		ts.t.Fatalf("login %s: %d %s", email, res.Code, res.Body)
	}
	return decode[tokenPairResponse](ts.t, res).Data
}

// scenario is one request through the router and what must come back.
type scenario struct {
	name    string
	method  string
	path    string
	body    any               // string or []byte: sent as is; anything else: JSON-encoded
	headers map[string]string // extra request headers
	as      string            // role whose token is sent ("" for none)
	want    int               // status
	fields  map[string]any    // dotted JSON paths ("data.slug", "errors.0.field") → expected value
	check   func(t *testing.T, res *httptest.ResponseRecorder)
}

func (ts *testServer) run(scenarios []scenario) {
	ts.t.Helper()
	for _, sc := range scenarios {
		ts.t.Run(sc.name, func(t *testing.T) {
			res := ts.do(sc.method, sc.path, sc.body, sc.as, sc.headers)
			if res.Code != sc.want {
				t.Fatalf("%s %s: status %d, want %d; body %s", sc.method, sc.path, res.Code, sc.want, res.Body)
			}
			if len(sc.fields) > 0 {
				var doc any
				if err := json.Unmarshal(res.Body.Bytes(), &doc); err != nil {
					t.Fatalf("body is not JSON: %v: %s", err, res.Body)
				}
				for path, want := range sc.fields {
					got, ok := lookup(doc, path)
					if !ok {
						t.Errorf("%s: missing in %s", path, res.Body)
						continue
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("%s = %v, want %v", path, got, want)
					}
				}
			}
			if sc.check != nil {
				sc.check(t, res)
			}
		})
	}
}

// do sends one request through the router.
func (ts *testServer) do(method, path string, body any, as string, headers map[string]string) *httptest.ResponseRecorder {
	var sent []byte
	contentType := ""
	switch b := body.(type) {
	case nil:
	case string:
		sent, contentType = []byte(b), "application/json"
	case []byte:
		sent, contentType = b, "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			ts.t.Fatal(err)
		}
		sent, contentType = j, "application/json"
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(sent))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if as != "" {
		tok, ok := ts.tokens[as]
		if !ok {
			tok = as // a raw token
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if headers["X-Forwarded-For"] != "" && headers["Remote-Addr"] == "" {
		req.RemoteAddr = testProxy + ":40000" // the reverse proxy, trusted to forward
	}
	if a := headers["Remote-Addr"]; a != "" { // the peer itself, not a header
		req.RemoteAddr = a
		req.Header.Del("Remote-Addr")
	}
	res := httptest.NewRecorder()
	ts.ServeHTTP(res, req.Clone(req.Context()))
	checkContract(ts.t, req, sent, res)
	return res
}

// decode unmarshals a response body.
func decode[T any](t *testing.T, res *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(res.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", res.Body, err)
	}
	return v
}

// lookup follows a dotted path through decoded JSON; numbers index arrays.
func lookup(doc any, path string) (any, bool) {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[part]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

var _ http.Handler = (*Server)(nil)

// wantFields checks that a problem lists exactly these bad fields.
func wantFields(fields ...string) func(t *testing.T, res *httptest.ResponseRecorder) {
	return func(t *testing.T, res *httptest.ResponseRecorder) {
		t.Helper()
		p := decode[problem](t, res)
		got := map[string]bool{}
		for _, f := range p.Errors {
			got[f.Field] = true
		}
		for _, f := range fields {
			if !got[f] {
				t.Errorf("%s not among the bad fields %+v", f, p.Errors)
			}
		}
		if len(p.Errors) != len(fields) {
			t.Errorf("bad fields %+v, want exactly %v", p.Errors, fields)
		}
	}
}

// wantETag checks the response's ETag.
func wantETag(want string) func(t *testing.T, res *httptest.ResponseRecorder) {
	return func(t *testing.T, res *httptest.ResponseRecorder) {
		t.Helper()
		if got := res.Header().Get("ETag"); got != want {
			t.Errorf("ETag %q, want %q", got, want)
		}
	}
}

// wantDetail checks that a problem's detail says this.
func wantDetail(part string) func(t *testing.T, res *httptest.ResponseRecorder) {
	return func(t *testing.T, res *httptest.ResponseRecorder) {
		t.Helper()
		if p := decode[problem](t, res); !strings.Contains(p.Detail, part) {
			t.Errorf("detail %q does not say %q", p.Detail, part)
		}
	}
}

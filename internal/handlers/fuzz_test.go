package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// fuzzTarget is a server over a fresh SQLite database with one admin logged in, for fuzzing
// through the whole router (each fuzz worker process builds its own).
type fuzzTarget struct {
	s     *Server
	token string
}

func newFuzzTarget(f *testing.F) *fuzzTarget {
	f.Helper()
	db := testdb.New(f, store.SQLite)
	dataDir := f.TempDir()
	cfg, err := config.Load(func(k string) string {
		switch k {
		case "TOASOAN_DATA_DIR":
			return dataDir
		case "TOASOAN_JWT_SECRET":
			return testSecret
		case "TOASOAN_CACHE_TTL":
			return "0"
		}
		return ""
	})
	if err != nil {
		f.Fatal(err)
	}
	clock := testdb.NewClock(testdb.Epoch)
	clock.Tick(time.Millisecond)
	s := mustServer(f, Deps{Config: cfg, Store: store.New(db, clock.Now), HashParams: testHashParams})
	hash, err := auth.HashPassword(testPassword, testHashParams)
	if err != nil {
		f.Fatal(err)
	}
	admin, err := s.store.CreateUser(context.Background(), store.System,
		store.NewUser{Email: "admin@mattran.org.vn", Name: "Quản trị", Role: models.RoleAdmin, PasswordHash: hash})
	if err != nil {
		f.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"email": admin.Email, "password": testPassword})
	req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res := httptest.NewRecorder()
	s.ServeHTTP(res, req)
	var login struct{ Data tokenPair }
	if err := json.Unmarshal(res.Body.Bytes(), &login); err != nil || login.Data.AccessToken == "" {
		f.Fatalf("login: %d %s", res.Code, res.Body)
	}
	return &fuzzTarget{s: s, token: login.Data.AccessToken}
}

// routes lists the registered "METHOD path" of the given methods, sorted, with path parameters
// filled in: ids with 2 (not the admin, whom a fuzzed PATCH could otherwise deactivate), other
// parameters with a word.
func (ft *fuzzTarget) routes(methods ...string) []string {
	var out []string
	for _, r := range ft.s.Echo().Routes() {
		if !contains(methods, r.Method) || strings.HasPrefix(r.Path, "/swagger") {
			continue
		}
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			switch {
			case strings.HasPrefix(p, ":") && strings.HasSuffix(p, "id"), p == ":number":
				parts[i] = "2"
			case strings.HasPrefix(p, ":"):
				parts[i] = "mat-tran"
			case p == "*":
				parts[i] = "2026/08/a.jpg"
			}
		}
		out = append(out, r.Method+" "+strings.Join(parts, "/"))
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (ft *fuzzTarget) serve(t *testing.T, route, query string, body []byte, asAdmin bool) {
	method, path, _ := strings.Cut(route, " ")
	req := httptest.NewRequest(method, "/", bytes.NewReader(body))
	req.URL.Path, req.URL.RawQuery = path, query
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("If-Match", `"1"`)
	if asAdmin {
		req.Header.Set("Authorization", "Bearer "+ft.token)
	}
	res := httptest.NewRecorder()
	ft.s.ServeHTTP(res, req)
	if res.Code >= 500 {
		t.Fatalf("%s?%s with body %q (admin %v): %d %s", route, query, body, asAdmin, res.Code, res.Body)
	}
}

// FuzzListQuery: any query string on any GET route, anonymous or as an admin, is answered
// without a 5xx: the list binding (page, per_page, cursor, sort, dates, ids, q) names the bad
// parameter with a 4xx.
func FuzzListQuery(f *testing.F) {
	ft := newFuzzTarget(f)
	routes := ft.routes(http.MethodGet)
	for _, q := range []string{
		"", "page=2&per_page=50", "page=-1", "per_page=100000", "page=99999999999999999999", "cursor=abc",
		"cursor=eyJwIjoiMjAyNi0wOC0yM1QxNDowMDowMFoiLCJpIjoxfQ", "q=b%E1%BA%A3o+v%E1%BB%87", "q=" + strings.Repeat("a", 300),
		"from=2026-08-01&to=2026-07-01", "from=yesterday", "category=tin-tuc&tag=x&sort=-published_at", "sort=;drop",
		"status=nope", "type_id=1&year=2024&issuer=MTTW", "year=99999", "q=%00", "q=%ff", "page=1&page=2", "author_id=x",
	} {
		f.Add(uint16(len(q)), q, len(q)%2 == 0)
	}
	for i := range routes { // every route once, with a plain page
		f.Add(uint16(i), "page=2&per_page=5", i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, route uint16, query string, asAdmin bool) {
		ft.serve(t, routes[int(route)%len(routes)], query, nil, asAdmin)
	})
}

// FuzzBindJSON: any bytes as the JSON body of any POST, PUT or PATCH route (every request type
// of the API) are answered without a 5xx.
func FuzzBindJSON(f *testing.F) {
	ft := newFuzzTarget(f)
	routes := ft.routes(http.MethodPost, http.MethodPut, http.MethodPatch)
	for _, b := range []string{
		``, `{}`, `[]`, `null`, `"x"`, `{"title":"Mặt trận","category_id":1,"body":"<p>x</p>"}`,
		`{"title":123}`, `{"category_id":-1}`, `{"category_id":1e400}`, `{"publish_at":"10000-01-01T00:00:00Z"}`,
		`{"tags":["a",null,{}]}`, `{"name":"\u0000"}`, `{"email":"a@b","password":"x"}`, `{"number":"12/NQ-MTTW","issued_on":"2026-02-30"}`,
		`{"url":"http://127.0.0.1:1/","events":["article.published"]}`, `{"role":"root"}`, `{"parent_id":2}`, `{"a":` + strings.Repeat(`[`, 1000),
		`{"title":"x","title":"y"}`, "{\"name\":\"\xff\"}",
	} {
		f.Add(uint16(len(b)), []byte(b))
	}
	for i := range routes { // every route once, with an empty object
		f.Add(uint16(i), []byte(`{}`))
	}
	f.Fuzz(func(t *testing.T, route uint16, body []byte) {
		ft.serve(t, routes[int(route)%len(routes)], "", body, true)
	})
}

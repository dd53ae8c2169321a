package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/testdb"
)

func TestLogin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		ts.createUser("bientap@mattran.org.vn", models.RoleEditor)
		wrongPassword := ts.do("POST", "/api/v1/auth/login", map[string]string{"email": "bientap@mattran.org.vn", "password": "sai mật khẩu rồi"}, "", nil)
		unknownEmail := ts.do("POST", "/api/v1/auth/login", map[string]string{"email": "khong-co@mattran.org.vn", "password": "sai mật khẩu rồi"}, "", nil)
		if wrongPassword.Code != 401 || unknownEmail.Code != 401 {
			t.Fatalf("statuses %d and %d, want 401", wrongPassword.Code, unknownEmail.Code)
		}
		a, b := decode[problem](t, wrongPassword), decode[problem](t, unknownEmail)
		a.RequestID, b.RequestID = "", ""
		if a.Detail != b.Detail || a.Code != b.Code || a.Title != b.Title {
			t.Errorf("unknown email and wrong password differ: %+v vs %+v", a, b)
		}

		ts.run([]scenario{
			{name: "ok, email in any case", method: "POST", path: "/api/v1/auth/login",
				body: map[string]string{"email": "BienTap@MatTran.org.vn", "password": testPassword}, want: 200,
				fields: map[string]any{"data.token_type": "Bearer", "data.expires_in": 900, "data.user.email": "bientap@mattran.org.vn", "data.user.role": "editor"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if res.Header().Get("Cache-Control") != "no-store" {
						t.Errorf("Cache-Control = %q", res.Header().Get("Cache-Control"))
					}
					pair := decode[tokenPairResponse](t, res).Data
					if pair.AccessToken == "" || pair.RefreshToken == "" || pair.User.LastLoginAt == nil {
						t.Errorf("pair = %+v", pair)
					}
					if strings.Contains(res.Body.String(), "password_hash") || strings.Contains(res.Body.String(), "argon2") {
						t.Error("password hash leaked")
					}
				}},
			{name: "missing fields", method: "POST", path: "/api/v1/auth/login", body: map[string]string{}, want: 422,
				fields: map[string]any{"code": "validation_failed"}},
		})

		var entries []models.AuditEntry
		db.Order("id").Find(&entries)
		actions := []string{}
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		// The first is the fixture's account, made by toasoan itself.
		if strings.Join(actions, ",") != "user.create,auth.login_failed,auth.login_failed,auth.login" {
			t.Fatalf("audit actions = %v", actions)
		}
		if e := entries[1]; e.ActorID == nil || e.ActorRole != "" || e.IP == "" || e.RequestID == "" {
			t.Errorf("a wrong password is audited as the account's, with no role: %+v", e)
		}
		if e := entries[2]; e.ActorID != nil || e.IP == "" || e.Detail != "email=khong-co@mattran.org.vn" {
			t.Errorf("an unknown email is audited with no actor: %+v", e)
		}
		if e := entries[3]; e.IP == "" || e.ActorID == nil || e.ActorRole != models.RoleEditor || e.RequestID == "" {
			t.Errorf("audit entry lacks who or where: %+v", e)
		}
	})
}

func TestRefreshRotationReuseAndLogout(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		ts.createUser("tacgia@mattran.org.vn", models.RoleAuthor)
		first := ts.login("tacgia@mattran.org.vn", testPassword)

		res := ts.do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": first.RefreshToken}, "", nil)
		if res.Code != 200 {
			t.Fatalf("refresh: %d %s", res.Code, res.Body)
		}
		second := decode[tokenPairResponse](t, res).Data
		if second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
			t.Fatal("refresh token not rotated")
		}
		if got := ts.do("GET", "/api/v1/auth/me", nil, second.AccessToken, nil); got.Code != 200 {
			t.Fatalf("new access token refused: %d", got.Code)
		}

		// The spent token comes back: theft. The whole session dies, including the new pair.
		res = ts.do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": first.RefreshToken}, "", nil)
		if res.Code != 401 {
			t.Fatalf("reused refresh token: %d, want 401", res.Code)
		}
		if got := ts.do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": second.RefreshToken}, "", nil); got.Code != 401 {
			t.Errorf("successor of a reused token still works: %d", got.Code)
		}
		if got := ts.do("GET", "/api/v1/auth/me", nil, second.AccessToken, nil); got.Code != 401 {
			t.Errorf("access token of a revoked session still works: %d", got.Code)
		}

		// Logout ends only its own session.
		a := ts.login("tacgia@mattran.org.vn", testPassword)
		b := ts.login("tacgia@mattran.org.vn", testPassword)
		if got := ts.do("POST", "/api/v1/auth/logout", map[string]string{"refresh_token": a.RefreshToken}, "", nil); got.Code != 204 {
			t.Fatalf("logout: %d", got.Code)
		}
		if got := ts.do("GET", "/api/v1/auth/me", nil, a.AccessToken, nil); got.Code != 401 {
			t.Errorf("access token after logout: %d", got.Code)
		}
		if got := ts.do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": a.RefreshToken}, "", nil); got.Code != 401 {
			t.Errorf("refresh after logout: %d", got.Code)
		}
		if got := ts.do("GET", "/api/v1/auth/me", nil, b.AccessToken, nil); got.Code != 200 {
			t.Errorf("other session hit by logout: %d", got.Code)
		}
		if got := ts.do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": "made-up"}, "", nil); got.Code != 401 {
			t.Errorf("unknown refresh token: %d", got.Code)
		}
		if got := ts.do("POST", "/api/v1/auth/logout", map[string]string{"refresh_token": "made-up"}, "", nil); got.Code != 204 {
			t.Errorf("logout of an unknown token: %d", got.Code)
		}

		// The reuse is audited with no actor (whoever presented it), the logout as the user's.
		var entries []models.AuditEntry
		db.Where("action IN ?", []string{"auth.refresh_reused", "auth.logout"}).Order("id").Find(&entries)
		if len(entries) != 2 {
			t.Fatalf("audit entries %+v, want the reuse and one logout", entries)
		}
		if e := entries[0]; e.Action != "auth.refresh_reused" || e.ActorID != nil || e.TargetType != "session" || e.Detail != "session revoked" || e.RequestID == "" {
			t.Errorf("reuse audited as %+v", e)
		}
		if e := entries[1]; e.Action != "auth.logout" || e.ActorID == nil || *e.ActorID != first.User.ID || e.TargetID != strconv.FormatInt(first.User.ID, 10) || e.IP == "" {
			t.Errorf("logout audited as %+v", e)
		}
	})
}

func TestAccessTokensAreStrict(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		valid := ts.tokens["editor"]
		claims, err := ts.tokens2Claims(valid)
		if err != nil {
			t.Fatal(err)
		}
		sign := func(method jwt.SigningMethod, key any, mutate func(c *auth.Claims)) string {
			c := *claims
			mutate(&c)
			s, err := jwt.NewWithClaims(method, c).SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		parts := strings.Split(valid, ".")
		tamperedPayload := jwt.NewWithClaims(jwt.SigningMethodHS256, auth.Claims{Role: "admin", SessionID: claims.SessionID, RegisteredClaims: claims.RegisteredClaims})
		forged, _ := tamperedPayload.SigningString()
		tampered := strings.Split(forged, ".")[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2]

		past := ts.now().Add(-time.Hour)
		cases := map[string]string{
			"expired": sign(jwt.SigningMethodHS256, []byte(testSecret), func(c *auth.Claims) {
				c.IssuedAt = jwt.NewNumericDate(past.Add(-15 * time.Minute))
				c.ExpiresAt = jwt.NewNumericDate(past)
			}),
			"no expiry":      sign(jwt.SigningMethodHS256, []byte(testSecret), func(c *auth.Claims) { c.ExpiresAt = nil }),
			"alg none":       sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, func(c *auth.Claims) {}),
			"HS512":          sign(jwt.SigningMethodHS512, []byte(testSecret), func(c *auth.Claims) {}),
			"wrong secret":   sign(jwt.SigningMethodHS256, []byte("another-secret-another-secret-another"), func(c *auth.Claims) {}),
			"wrong audience": sign(jwt.SigningMethodHS256, []byte(testSecret), func(c *auth.Claims) { c.Audience = jwt.ClaimStrings{"someone-else"} }),
			"wrong issuer":   sign(jwt.SigningMethodHS256, []byte(testSecret), func(c *auth.Claims) { c.Issuer = "evil" }),
			"tampered":       tampered,
			"garbage":        "not.a.jwt",
		}
		for name, tok := range cases {
			t.Run(name, func(t *testing.T) {
				res := ts.do("GET", "/api/v1/auth/me", nil, tok, nil)
				if res.Code != 401 {
					t.Fatalf("status %d, want 401", res.Code)
				}
				if !strings.HasPrefix(res.Header().Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate = %q", res.Header().Get("WWW-Authenticate"))
				}
			})
		}
		if res := ts.do("GET", "/api/v1/auth/me", nil, "", nil); res.Code != 401 {
			t.Errorf("no token: %d", res.Code)
		}
		if res := ts.do("GET", "/api/v1/auth/me", nil, "", map[string]string{"Authorization": "Basic YWRtaW46YWRtaW4="}); res.Code != 401 {
			t.Errorf("basic auth: %d", res.Code)
		}
		if res := ts.do("GET", "/api/v1/auth/me", nil, "editor", nil); res.Code != 200 || res.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("valid token: %d, Cache-Control %q", res.Code, res.Header().Get("Cache-Control"))
		}

		// Key rotation: a token signed with the previous secret is still accepted.
		rotated := ts.cfg
		rotated.JWTPreviousSecret, rotated.JWTSecret = testSecret, "the-new-secret-the-new-secret-the-new-secret"
		ts.Server = mustServer(t, Deps{Config: rotated, Store: ts.store, HashParams: testHashParams})
		if res := ts.do("GET", "/api/v1/auth/me", nil, valid, nil); res.Code != 200 {
			t.Errorf("token of the previous secret during rotation: %d", res.Code)
		}
	})
}

func (ts *testServer) tokens2Claims(raw string) (*auth.Claims, error) {
	return ts.Server.tokens.Verify(raw)
}

var pathParam = regexp.MustCompile(`:[a-z_]+`)

func TestChangesTakeEffectAtOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		editorID := strconv.FormatInt(ts.ids["editor"], 10)
		authorID := strconv.FormatInt(ts.ids["author"], 10)
		other := ts.login("author@mattran.org.vn", testPassword) // a second session of the author

		ts.run([]scenario{
			{name: "editor may not list users", method: "GET", path: "/api/v1/admin/users", as: "editor", want: 403},
			{name: "promote editor to admin", method: "PATCH", path: "/api/v1/admin/users/" + editorID, body: map[string]any{"role": "admin"}, as: "admin",
				headers: ifMatch(1), want: 200, fields: map[string]any{"data.role": "admin"}},
			{name: "promotion applies on the next request", method: "GET", path: "/api/v1/admin/users", as: "editor", want: 200},
			{name: "demote back", method: "PATCH", path: "/api/v1/admin/users/" + editorID, body: map[string]any{"role": "editor"}, as: "admin",
				headers: ifMatch(2), want: 200},
			{name: "demotion applies on the next request", method: "GET", path: "/api/v1/admin/users", as: "editor", want: 403},

			{name: "password: wrong current", method: "PUT", path: "/api/v1/auth/password", as: "author",
				body: map[string]string{"current_password": "not it at all", "new_password": "short"}, want: 422,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					p := decode[problem](t, res)
					if len(p.Errors) != 2 || p.Errors[0].Field != "current_password" || p.Errors[1].Field != "new_password" || !strings.Contains(p.Errors[1].Message, "10") {
						t.Errorf("errors = %+v", p.Errors)
					}
				}},
			{name: "password: change", method: "PUT", path: "/api/v1/auth/password", as: "author",
				body: map[string]string{"current_password": testPassword, "new_password": "một mật khẩu mới dài"}, want: 204},
			{name: "this session survives; the account has a new version", method: "GET", path: "/api/v1/auth/me", as: "author", want: 200,
				fields: map[string]any{"data.version": 2}},
			{name: "the other session is revoked", method: "GET", path: "/api/v1/auth/me", as: other.AccessToken, want: 401},
			{name: "old password refused", method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "author@mattran.org.vn", "password": testPassword}, want: 401},
			{name: "new password works", method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "author@mattran.org.vn", "password": "một mật khẩu mới dài"}, want: 200},

			{name: "deactivate author, at the version the password change made", method: "PATCH", path: "/api/v1/admin/users/" + authorID,
				body: map[string]any{"active": false}, as: "admin", headers: ifMatch(2), want: 200, fields: map[string]any{"data.active": false}},
			{name: "deactivated token refused at once", method: "GET", path: "/api/v1/auth/me", as: "author", want: 401},
			{name: "deactivated cannot log in", method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "author@mattran.org.vn", "password": "một mật khẩu mới dài"}, want: 401},
		})
	})
}

func TestLoginThrottling(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		ts.createUser("a@mattran.org.vn", models.RoleAuthor)
		ts.createUser("b@mattran.org.vn", models.RoleAuthor)
		bad := func(email, ip string) *httptest.ResponseRecorder {
			return ts.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "wrong password!"}, "", map[string]string{"X-Forwarded-For": ip})
		}
		good := func(email, ip string) *httptest.ResponseRecorder {
			return ts.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": testPassword}, "", map[string]string{"X-Forwarded-For": ip})
		}
		// Per account: four failures, then a success resets the account's counter.
		for i := range 4 {
			if res := bad("a@mattran.org.vn", "10.0.0."+strconv.Itoa(i+1)); res.Code != 401 {
				t.Fatalf("failure %d: %d %s", i, res.Code, res.Body)
			}
		}
		if res := good("a@mattran.org.vn", "10.0.1.1"); res.Code != 200 {
			t.Fatalf("login after 4 failures: %d", res.Code)
		}
		for i := range 5 {
			if res := bad("a@mattran.org.vn", "10.0.2."+strconv.Itoa(i+1)); res.Code != 401 {
				t.Fatalf("failure %d: %d %s", i, res.Code, res.Body)
			}
		}
		res := good("a@mattran.org.vn", "10.0.2.200")
		if res.Code != 429 {
			t.Fatalf("sixth attempt on the account from that network: %d, want 429", res.Code)
		}
		retry, err := strconv.Atoi(res.Header().Get("Retry-After"))
		if err != nil || retry < 1 || retry > int(loginWindow.Seconds()) {
			t.Errorf("Retry-After = %q", res.Header().Get("Retry-After"))
		}
		if p := decode[problem](t, res); p.Code != "rate_limited" {
			t.Errorf("code = %q", p.Code)
		}
		if res := good("a@mattran.org.vn", "10.0.3.1"); res.Code != 200 {
			t.Fatalf("the owner from another network: %d, want 200", res.Code)
		}
		// Per IP: failures against different accounts from one address.
		for i := range loginMaxFailuresPerAddress {
			email := "nobody" + strconv.Itoa(i) + "@mattran.org.vn"
			if res := bad(email, "10.9.9.9"); res.Code != 401 {
				t.Fatalf("failure %d: %d %s", i, res.Code, res.Body)
			}
		}
		if res := good("b@mattran.org.vn", "10.9.9.9"); res.Code != 429 {
			t.Fatalf("attempt %d from the IP: %d, want 429", loginMaxFailuresPerAddress+1, res.Code)
		}
		if res := good("b@mattran.org.vn", "10.9.9.10"); res.Code != 200 {
			t.Fatalf("another IP, same account: %d, want 200", res.Code)
		}
	})
}

func TestAdminUsers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		adminID := strconv.FormatInt(ts.ids["admin"], 10)
		ts.run([]scenario{
			{name: "create", method: "POST", path: "/api/v1/admin/users", as: "admin",
				body: map[string]string{"email": "Moi@MatTran.org.vn", "name": " Trần Thị Bình ", "role": "editor", "password": testPassword}, want: 201,
				fields: map[string]any{"data.email": "moi@mattran.org.vn", "data.name": "Trần Thị Bình", "data.role": "editor", "data.active": true, "data.version": 1},
				check:  wantVersionETag(1)},
			{name: "duplicate email in another case", method: "POST", path: "/api/v1/admin/users", as: "admin",
				body: map[string]string{"email": "MOI@mattran.org.vn", "name": "Trùng", "role": "editor", "password": testPassword}, want: 409,
				fields: map[string]any{"code": "conflict"}},
			{name: "invalid role, email and password", method: "POST", path: "/api/v1/admin/users", as: "admin",
				body: map[string]string{"email": "not-an-email", "name": "X", "role": "owner", "password": "short"}, want: 422,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					fields := map[string]bool{}
					for _, f := range decode[problem](t, res).Errors {
						fields[f.Field] = true
					}
					if !fields["email"] || !fields["role"] || !fields["password"] {
						t.Errorf("errors name %v, want email, role and password", fields)
					}
				}},
			{name: "list", method: "GET", path: "/api/v1/admin/users?per_page=2", as: "admin", want: 200,
				fields: map[string]any{"meta.pagination.total": 5, "meta.pagination.total_pages": 3, "meta.pagination.next": 2}},
			{name: "get", method: "GET", path: "/api/v1/admin/users/" + adminID, as: "admin", want: 200, fields: map[string]any{"data.role": "admin"}},
			{name: "get missing", method: "GET", path: "/api/v1/admin/users/999999", as: "admin", want: 404},
			{name: "get bad id", method: "GET", path: "/api/v1/admin/users/abc", as: "admin", want: 404},
			{name: "get sends the version as ETag", method: "GET", path: "/api/v1/admin/users/" + adminID, as: "admin", want: 200,
				fields: map[string]any{"data.version": 1}, check: wantVersionETag(1)},
			{name: "update without If-Match", method: "PATCH", path: "/api/v1/admin/users/" + adminID, as: "admin", body: map[string]any{"name": "Mới"}, want: 428,
				fields: map[string]any{"detail": `this change needs an If-Match header with the version you read; the current version is 1: send If-Match: "1"`}},
			{name: "update at a stale version", method: "PATCH", path: "/api/v1/admin/users/" + adminID, as: "admin", body: map[string]any{"name": "Mới"},
				headers: ifMatch(7), want: 412, fields: map[string]any{"code": "version_mismatch"}},
			{name: "last admin cannot demote", method: "PATCH", path: "/api/v1/admin/users/" + adminID, as: "admin", body: map[string]any{"role": "editor"}, headers: ifMatch(1), want: 409},
			{name: "last admin cannot deactivate", method: "PATCH", path: "/api/v1/admin/users/" + adminID, as: "admin", body: map[string]any{"active": false}, headers: ifMatch(1), want: 409},
			{name: "bad role on update", method: "PATCH", path: "/api/v1/admin/users/" + adminID, as: "admin", body: map[string]any{"role": "root"}, headers: ifMatch(1), want: 422,
				fields: map[string]any{"errors.0.field": "role"}},
			{name: "short password on update", method: "PATCH", path: "/api/v1/admin/users/" + adminID, as: "admin", body: map[string]any{"password": "short"}, headers: ifMatch(1), want: 422,
				fields: map[string]any{"errors.0.field": "password"}},
			{name: "update a missing user", method: "PATCH", path: "/api/v1/admin/users/999999", as: "admin", body: map[string]any{"name": "X"}, headers: ifMatch(1), want: 404},
			{name: "author may not create users", method: "POST", path: "/api/v1/admin/users", as: "author",
				body: map[string]string{"email": "x@mattran.org.vn", "name": "X", "role": "admin", "password": testPassword}, want: 403},
		})
		// With a second admin, the first may step down.
		editorID := strconv.FormatInt(ts.ids["editor"], 10)
		ts.run([]scenario{
			{name: "promote editor", method: "PATCH", path: "/api/v1/admin/users/" + editorID, as: "admin", body: map[string]any{"role": "admin"},
				headers: ifMatch(1), want: 200, fields: map[string]any{"data.version": 2}, check: wantVersionETag(2)},
			{name: "the version read before is stale now", method: "PATCH", path: "/api/v1/admin/users/" + editorID, as: "admin", body: map[string]any{"name": "X"},
				headers: ifMatch(1), want: 412},
			{name: "now the first admin may step down", method: "PATCH", path: "/api/v1/admin/users/" + adminID, as: "admin", body: map[string]any{"role": "editor"},
				headers: ifMatch(1), want: 200, fields: map[string]any{"data.version": 2}},
		})
		var entries []models.AuditEntry
		db.Where("action IN ? AND actor_id = ?", []string{"user.create", "user.update"}, ts.ids["admin"]).Order("id").Find(&entries)
		var details []string
		for _, e := range entries {
			details = append(details, e.Action+" "+e.Detail)
			if e.ActorRole != models.RoleAdmin || e.IP == "" || e.RequestID == "" {
				t.Errorf("audit entry %+v", e)
			}
		}
		if want := []string{"user.create role=editor", "user.update role=admin", "user.update role=editor"}; !slices.Equal(details, want) {
			t.Errorf("audit entries of the admin's user changes = %q, want %q", details, want)
		}
	})
}

// TestAccessRules walks every protected route and calls it as each role and without a token:
// allowed roles never get 401 or 403, the others get 403, and no token gets 401.
func TestAccessRules(t *testing.T) {
	ts := newTestServer(t, testdb.New(t, "sqlite")).withUsers()
	for key, rule := range ts.Rules() {
		if rule.Public {
			continue
		}
		method, path, _ := strings.Cut(key, " ")
		path = pathParam.ReplaceAllString(path, "999999")
		t.Run(key, func(t *testing.T) {
			if res := ts.do(method, path, nil, "", nil); res.Code != http.StatusUnauthorized {
				t.Errorf("no token: %d, want 401", res.Code)
			}
			for _, role := range models.Roles {
				res := ts.do(method, path, nil, role, nil)
				if rule.Allows(role) {
					if res.Code == http.StatusUnauthorized || res.Code == http.StatusForbidden {
						t.Errorf("%s is allowed but got %d: %s", role, res.Code, res.Body)
					}
				} else if res.Code != http.StatusForbidden {
					t.Errorf("%s is not allowed but got %d", role, res.Code)
				}
			}
		})
	}
}

// Two replicas sharing Redis share the login throttle: failures on one count on the other.
func TestLoginThrottlingSharedThroughRedis(t *testing.T) {
	client := testdb.Redis(t)
	db := testdb.New(t, "sqlite")
	first := newTestServer(t, db)
	email := "replica-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "@mattran.org.vn"
	first.createUser(email, models.RoleAuthor)
	first.Server = mustServer(t, Deps{Config: first.cfg, Store: first.store, HashParams: testHashParams, LoginDelay: noLoginDelay, Redis: client})
	second := newTestServer(t, db)
	second.Server = mustServer(t, Deps{Config: second.cfg, Store: second.store, HashParams: testHashParams, LoginDelay: noLoginDelay, Redis: client})
	// Redis outlives test runs: this run's addresses are its own.
	net := "10." + strconv.Itoa(int(time.Now().UnixNano()%200)) + "." + strconv.Itoa(int(time.Now().UnixNano()/7%250)) + "."
	defer client.Del(context.Background(), "toasoan:ratelimit:login:login:account:"+email, "toasoan:ratelimit:login:login:account-net:"+email+"|"+net+"0/24")

	for i := range loginMaxFailures {
		ts := first
		if i%2 == 1 {
			ts = second
		}
		ip := map[string]string{"X-Forwarded-For": net + strconv.Itoa(i)}
		if res := ts.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "wrong password!"}, "", ip); res.Code != 401 {
			t.Fatalf("failure %d: %d", i, res.Code)
		}
	}
	res := second.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": testPassword}, "", map[string]string{"X-Forwarded-For": net + "200"})
	if res.Code != 429 || res.Header().Get("Retry-After") == "" {
		t.Fatalf("after failures spread over two replicas: %d, Retry-After %q", res.Code, res.Header().Get("Retry-After"))
	}
}

func TestAuditLogEndpoint(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.do("POST", "/api/v1/auth/login", map[string]string{"email": "editor@mattran.org.vn", "password": "not the password"}, "", nil)
		editorID := strconv.FormatInt(ts.ids["editor"], 10)
		ts.run([]scenario{
			{name: "failed logins", method: "GET", path: "/api/v1/admin/audit-log?action=auth.login_failed", as: "admin", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.action": "auth.login_failed", "data.0.actor_id": ts.ids["editor"]}},
			{name: "by actor, newest first", method: "GET", path: "/api/v1/admin/audit-log?actor=" + editorID, as: "admin", want: 200,
				fields: map[string]any{"meta.pagination.total": 2, "data.0.action": "auth.login_failed", "data.1.action": "auth.login",
					"data.0.actor_role": "", "data.1.actor_role": "editor"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					for _, e := range decode[auditListResponse](t, res).Data {
						if e.RequestID == "" || e.IP == "" || e.CreatedAt.IsZero() {
							t.Errorf("entry %+v lacks its request, address or time", e)
						}
					}
					if strings.Contains(res.Body.String(), "ActorRole") {
						t.Errorf("not the view's field names: %s", res.Body)
					}
				}},
			{name: "bad actor", method: "GET", path: "/api/v1/admin/audit-log?actor=x", as: "admin", want: 400, fields: map[string]any{"errors.0.field": "actor"}},
			{name: "editors may not read it", method: "GET", path: "/api/v1/admin/audit-log", as: "editor", want: 403},
		})
	})
}

// wantVersionETag checks that a response sends version v as its ETag, for the next If-Match.
func wantVersionETag(v int) func(t *testing.T, res *httptest.ResponseRecorder) {
	return func(t *testing.T, res *httptest.ResponseRecorder) {
		t.Helper()
		if got, want := res.Header().Get("ETag"), versionETag(v); got != want {
			t.Errorf("ETag = %q, want %q", got, want)
		}
	}
}

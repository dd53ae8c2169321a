package handlers

import (
	"net/http/httptest"
	"strconv"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/testdb"
)

// lastAuditIP is the address recorded with the newest entry of an action.
func (ts *testServer) lastAuditIP(action string) string {
	ts.t.Helper()
	var e models.AuditEntry
	if err := ts.db.Where("action = ?", action).Order("id DESC").Take(&e).Error; err != nil {
		ts.t.Fatal(err)
	}
	return e.IP
}

// A peer that is not a configured proxy is the client, whatever X-Forwarded-For it sends: a
// private address (which Echo trusts by default) cannot pick another address to get past the
// login throttle or the submissions quota, or to be recorded in the audit log.
func TestSpoofedForwardedForFromUntrustedPeer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		ts.createUser("a@mattran.org.vn", models.RoleAuthor)
		const peer = "192.168.1.50"
		spoofed := func(i int) map[string]string {
			return map[string]string{"Remote-Addr": peer + ":5555", "X-Forwarded-For": "203.0.113." + strconv.Itoa(i+1), "X-Real-IP": "198.51.100." + strconv.Itoa(i+1)}
		}
		for i := range loginMaxFailures {
			email := "nobody" + strconv.Itoa(i) + "@mattran.org.vn" // other accounts: only the per-address limit applies
			if res := ts.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "wrong password!"}, "", spoofed(i)); res.Code != 401 {
				t.Fatalf("failure %d: %d", i, res.Code)
			}
		}
		if got := ts.lastAuditIP("auth.login_failed"); got != peer {
			t.Errorf("audit log IP = %q, want the peer %q", got, peer)
		}
		if res := ts.do("POST", "/api/v1/auth/login", map[string]string{"email": "a@mattran.org.vn", "password": testPassword}, "", spoofed(99)); res.Code != 429 {
			t.Fatalf("login after %d failures from one peer under changing X-Forwarded-For: %d, want 429", loginMaxFailures, res.Code)
		}

		ts.submissionLimit = 2
		for i := range 2 {
			if res := ts.do("POST", "/api/v1/submissions", reader, "", spoofed(i)); res.Code != 201 {
				t.Fatalf("submission %d: %d %s", i, res.Code, res.Body)
			}
		}
		if res := ts.do("POST", "/api/v1/submissions", reader, "", spoofed(7)); res.Code != 429 {
			t.Fatalf("third submission under another X-Forwarded-For: %d, want 429", res.Code)
		}
	})
}

// From a configured proxy the client is the rightmost address that is not a proxy.
func TestForwardedForFromTrustedProxy(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		for _, sc := range []struct{ xff, want string }{
			{"203.0.113.9", "203.0.113.9"},
			{"198.51.100.1, 203.0.113.9", "203.0.113.9"}, // the client's own claim on the left is not believed
			{"203.0.113.9, 10.255.3.4", "203.0.113.9"},   // a second proxy of the trusted range
			{"2001:db8::5", "2001:db8::5"},
			{"not-an-address, 203.0.113.9", "203.0.113.9"},
		} {
			ts.do("POST", "/api/v1/auth/login", map[string]string{"email": "x@mattran.org.vn", "password": "wrong password!"}, "", map[string]string{"X-Forwarded-For": sc.xff})
			if got := ts.lastAuditIP("auth.login_failed"); got != sc.want {
				t.Errorf("X-Forwarded-For %q from the proxy: audit IP %q, want %q", sc.xff, got, sc.want)
			}
		}
	})
}

// By default only loopback may forward: a proxy on the same host.
func TestDefaultTrustedProxiesAreLoopback(t *testing.T) {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	extract := clientIPExtractor(cfg.TrustedProxies)
	for _, sc := range []struct{ peer, want string }{
		{"127.0.0.1:1", "203.0.113.9"},
		{"[::1]:1", "203.0.113.9"},
		{"10.0.0.1:1", "10.0.0.1"},
		{"172.16.0.1:1", "172.16.0.1"},
		{"[fe80::1]:1", "fe80::1"},
		{"[fd00::1]:1", "fd00::1"},
		{"203.0.113.200:1", "203.0.113.200"},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = sc.peer
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		req.Header.Set("X-Real-IP", "198.51.100.1")
		if got := extract(req); got != sc.want {
			t.Errorf("peer %s: client %q, want %q", sc.peer, got, sc.want)
		}
	}
}

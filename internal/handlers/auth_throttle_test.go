package handlers

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// guessConcurrently sends 29 wrong passwords and the right one at the same moment from one
// address, then the right one again as the 31st, and returns the statuses of the 30.
func guessConcurrently(t *testing.T, ts *testServer, email, ip string) map[int]int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	start := make(chan struct{})
	for i := range 30 {
		pw := "wrong password " + strconv.Itoa(i)
		if i == 29 {
			pw = testPassword
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res := ts.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": pw}, "", map[string]string{"X-Forwarded-For": ip})
			mu.Lock()
			statuses[res.Code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

// checkRaceBounded: of 30 concurrent guesses at most loginMaxFailures wrong ones had their
// password checked (each a 401 with an audit entry), the rest 429. Should the right password be
// among those checked, its success forgets the account's failures from that network, as any
// success does, and up to loginMaxFailures-1 more wrong ones may follow it: the attacker had
// the password by then.
func checkRaceBounded(t *testing.T, ts *testServer, email, ip string) {
	t.Helper()
	statuses := guessConcurrently(t, ts, email, ip)
	var failedChecks int64
	ts.db.Model(&models.AuditEntry{}).Where("action = ? AND detail = ?", "auth.login_failed", "email="+email).Count(&failedChecks)
	bound := int64(loginMaxFailures)
	if statuses[200] == 1 {
		bound = 2*loginMaxFailures - 1
	}
	if failedChecks > bound || statuses[401] != int(failedChecks) || statuses[200] > 1 {
		t.Fatalf("30 concurrent guesses: statuses %v, %d failed checks; want at most %d checked", statuses, failedChecks, bound)
	}
	if statuses[200] == 0 { // the right password was not among the checked ones: it stays refused
		res := ts.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": testPassword}, "", map[string]string{"X-Forwarded-For": ip})
		if res.Code != 429 {
			t.Fatalf("the right password after the race: %d, want 429", res.Code)
		}
	}
}

func TestLoginThrottleConcurrentGuesses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		ts.createUser("race@mattran.org.vn", models.RoleAuthor)
		checkRaceBounded(t, ts, "race@mattran.org.vn", "203.0.113.7")

		// 29 wrong guesses at once, then the right password as the 30th: not accepted.
		ts.createUser("race2@mattran.org.vn", models.RoleAuthor)
		var wg sync.WaitGroup
		for i := range 29 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ts.do("POST", "/api/v1/auth/login", map[string]string{"email": "race2@mattran.org.vn", "password": "wrong " + strconv.Itoa(i)}, "", map[string]string{"X-Forwarded-For": "198.51.100.9"})
			}()
		}
		wg.Wait()
		res := ts.do("POST", "/api/v1/auth/login", map[string]string{"email": "race2@mattran.org.vn", "password": testPassword}, "", map[string]string{"X-Forwarded-For": "198.51.100.9"})
		if res.Code != 429 {
			t.Fatalf("the right password as #30: %d, want 429", res.Code)
		}
	})
}

func TestLoginThrottleConcurrentGuessesThroughRedis(t *testing.T) {
	client := testdb.Redis(t)
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		// Two replicas share the counters; the guesses alternate between them.
		first := newTestServer(t, db)
		first.Server = mustServer(t, Deps{Config: first.cfg, Store: first.store, HashParams: testHashParams, LoginDelay: noLoginDelay, Redis: client})
		run := strconv.FormatInt(time.Now().UnixNano(), 36) // Redis outlives test runs
		email := "race-" + run + "@mattran.org.vn"
		first.createUser(email, models.RoleAuthor)
		ip := "2001:db8:" + strconv.FormatInt(time.Now().UnixNano()%0xffff, 16) + "::1"
		defer func() {
			keys, _ := client.Keys(context.Background(), "toasoan:ratelimit:login:*"+email+"*").Result()
			client.Del(context.Background(), append(keys, "toasoan:ratelimit:login:login:ip:"+ip)...)
		}()
		checkRaceBounded(t, first, email, ip)
	})
}

// Strangers cannot lock the owner out: their failures count against their own network, and
// the account-wide ceiling only counts checks the other limits let through.
func TestLoginOwnerNotLockedOutByStrangers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		ts.createUser("owner@mattran.org.vn", models.RoleAdmin)
		attempt := func(password, ip string) *httptest.ResponseRecorder {
			return ts.do("POST", "/api/v1/auth/login", map[string]string{"email": "owner@mattran.org.vn", "password": password}, "", map[string]string{"X-Forwarded-For": ip})
		}
		// An attacker on one IPv4 /24 and one IPv6 /64, changing addresses within them.
		for _, prefix := range []string{"192.0.2.", "2001:db8:aa:1::"} {
			for i := range loginMaxFailures {
				if res := attempt("wrong password!", prefix+strconv.Itoa(i+1)); res.Code != 401 {
					t.Fatalf("%s failure %d: %d", prefix, i, res.Code)
				}
			}
			for i := range 100 { // hammering on once throttled fills no other counter
				if res := attempt("wrong password!", prefix+strconv.Itoa(100+i)); res.Code != 429 {
					t.Fatalf("%s throttled attempt %d: %d, want 429", prefix, i, res.Code)
				}
			}
			if res := attempt(testPassword, prefix+"250"); res.Code != 429 {
				t.Fatalf("the right password from the attacker's network %s: %d, want 429", prefix, res.Code)
			}
		}
		if res := attempt(testPassword, "198.51.100.20"); res.Code != 200 {
			t.Fatalf("the owner from another network: %d %s, want 200", res.Code, res.Body)
		}
		if res := attempt(testPassword, "2001:db8:bb:1::1"); res.Code != 200 {
			t.Fatalf("the owner from another IPv6 network: %d, want 200", res.Code)
		}
		// Only an attacker holding many networks reaches the account's ceiling.
		networks := loginAccountCeiling/loginMaxFailures - 2 // two networks above already count
		for n := range networks {
			for i := range loginMaxFailures {
				if res := attempt("wrong password!", "100.64."+strconv.Itoa(n)+"."+strconv.Itoa(i+1)); res.Code != 401 {
					t.Fatalf("network %d failure %d: %d", n, i, res.Code)
				}
			}
		}
		if res := attempt(testPassword, "198.51.100.21"); res.Code != 429 {
			t.Fatalf("after %d failures on the account: %d, want 429", loginAccountCeiling, res.Code)
		}
	})
}

func TestChangePasswordGuessingThrottled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		guess := func(current string) *httptest.ResponseRecorder {
			return ts.do("PUT", "/api/v1/auth/password", map[string]string{"current_password": current, "new_password": "một mật khẩu mới dài"}, "author", nil)
		}
		for i := range loginMaxFailures {
			if res := guess("guess number " + strconv.Itoa(i)); res.Code != 422 {
				t.Fatalf("wrong current password %d: %d %s", i, res.Code, res.Body)
			}
		}
		res := guess(testPassword)
		if res.Code != 429 || res.Header().Get("Retry-After") == "" {
			t.Fatalf("the right current password after %d wrong ones: %d, want 429 with Retry-After", loginMaxFailures, res.Code)
		}
		// The same counter: a login from that network is throttled too.
		if res := ts.do("POST", "/api/v1/auth/login", map[string]string{"email": "author@mattran.org.vn", "password": testPassword}, "", nil); res.Code != 429 {
			t.Fatalf("login after password guessing: %d, want 429", res.Code)
		}
	})
}

// When hashing capacity is taken, a login is 503 with Retry-After, without hashing.
func TestLoginBusyWhenHashingIsFull(t *testing.T) {
	ts := newTestServer(t, testdb.New(t, "sqlite"))
	ts.createUser("busy@mattran.org.vn", models.RoleAuthor)
	if err := ts.hashing.Acquire(context.Background(), hashMemoryBudget); err != nil {
		t.Fatal(err)
	}
	res := ts.do("POST", "/api/v1/auth/login", map[string]string{"email": "busy@mattran.org.vn", "password": testPassword}, "", nil)
	if res.Code != 503 || res.Header().Get("Retry-After") == "" || decode[problem](t, res).Code != models.CodeBusy {
		t.Fatalf("login with hashing full: %d %q %s", res.Code, res.Header().Get("Retry-After"), res.Body)
	}
	// The busy answers checked nothing, so they took no throttle slot.
	for range loginMaxFailures {
		ts.do("POST", "/api/v1/auth/login", map[string]string{"email": "busy@mattran.org.vn", "password": testPassword}, "", nil)
	}
	ts.hashing.Release(hashMemoryBudget)
	if res := ts.do("POST", "/api/v1/auth/login", map[string]string{"email": "busy@mattran.org.vn", "password": testPassword}, "", nil); res.Code != 200 {
		t.Fatalf("login once hashing is free: %d", res.Code)
	}
}

// A hash made with other parameters still verifies, and is replaced by one with the server's.
func TestLoginRehashesOutdatedHash(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		old := auth.HashParams{Memory: 128, Time: 3, Threads: 2}
		hash, err := auth.HashPassword(testPassword, old)
		if err != nil {
			t.Fatal(err)
		}
		u, err := ts.store.CreateUser(context.Background(), store.System,
			store.NewUser{Email: "old@mattran.org.vn", Name: "Cũ", Role: models.RoleAuthor, PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		ts.login("old@mattran.org.vn", testPassword)
		stored, _ := ts.store.UserByID(context.Background(), u.ID)
		if p, err := auth.HashParamsOf(stored.PasswordHash); err != nil || p != testHashParams {
			t.Fatalf("after login the hash has %+v (%v), want %+v", p, err, testHashParams)
		}
		if !strings.HasPrefix(stored.PasswordHash, "$argon2id$") || stored.PasswordHash == hash {
			t.Fatal("hash not replaced")
		}
		ts.login("old@mattran.org.vn", testPassword) // the new hash verifies
	})
}

func TestProgressiveDelay(t *testing.T) {
	want := []time.Duration{0, 0, 250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 2 * time.Second}
	for n, w := range want {
		if got := progressiveDelay(n); got != w {
			t.Errorf("progressiveDelay(%d) = %s, want %s", n, got, w)
		}
	}
	// The server waits by it after each failure from one network.
	ts := newTestServer(t, testdb.New(t, "sqlite"))
	var mu sync.Mutex
	var seen []int
	ts.failedLoginDelay = func(n int) time.Duration {
		mu.Lock()
		seen = append(seen, n)
		mu.Unlock()
		return 0
	}
	for range 3 {
		ts.do("POST", "/api/v1/auth/login", map[string]string{"email": "x@mattran.org.vn", "password": "wrong password!"}, "", nil)
	}
	if len(seen) != 3 || seen[0] != 1 || seen[2] != 3 {
		t.Fatalf("delays asked for failures %v, want [1 2 3]", seen)
	}
}

func TestClientNetwork(t *testing.T) {
	for ip, want := range map[string]string{
		"203.0.113.77":          "203.0.113.0/24",
		"2001:db8:1:2:3:4:5:6":  "2001:db8:1:2::/64",
		"::ffff:203.0.113.77":   "203.0.113.0/24",
		"not an address (kept)": "not an address (kept)",
	} {
		if got := clientNetwork(ip); got != want {
			t.Errorf("clientNetwork(%q) = %q, want %q", ip, got, want)
		}
	}
}

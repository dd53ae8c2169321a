package auth

import (
	"strings"
	"testing"
	"time"
)

var cheap = HashParams{Memory: 64, Time: 1, Threads: 1}

func TestPasswordHashing(t *testing.T) {
	hash, err := HashPassword("mật khẩu đủ dài", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash format: %s", hash)
	}
	if ok, err := VerifyPassword("mật khẩu đủ dài", hash); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := VerifyPassword("mat khau du dai", hash); ok {
		t.Fatal("wrong password accepted")
	}
	other, _ := HashPassword("mật khẩu đủ dài", cheap)
	if other == hash {
		t.Fatal("same salt twice")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=x$c2FsdA$a2V5", "$argon2id$v=19$m=64,t=1,p=1$!!$a2V5"} {
		if _, err := VerifyPassword("x", bad); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"":                        false,
		"ngắn":                    false,
		"123456789":               false,
		"1234567890":              true,
		"mười ký tự":              true, // 10 runes, more bytes
		"          ":              false,
		strings.Repeat("a", 2000): false,
	} {
		if got := CheckPassword(pw) == ""; got != ok {
			t.Errorf("CheckPassword(%q) ok = %v, want %v (%s)", pw, got, ok, CheckPassword(pw))
		}
	}
}

func TestTokensRoundTripAndExpire(t *testing.T) {
	now := time.Date(2026, 8, 23, 14, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tok := NewTokens(strings.Repeat("k", 32), "", clock)
	raw, exp, err := tok.Issue(42, "editor", 7)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(AccessTokenTTL)) {
		t.Errorf("exp = %v", exp)
	}
	c, err := tok.Verify(raw)
	if err != nil || c.UserID() != 42 || c.Role != "editor" || c.SessionID != 7 || c.ID == "" {
		t.Fatalf("claims %+v, %v", c, err)
	}
	now = now.Add(AccessTokenTTL + time.Minute)
	if _, err := tok.Verify(raw); err == nil {
		t.Fatal("expired token accepted")
	}
}

func TestRefreshTokens(t *testing.T) {
	a, ha := NewRefreshToken()
	b, _ := NewRefreshToken()
	if a == b || len(a) < 40 || HashToken(a) != ha || ha == a {
		t.Fatalf("refresh tokens: %q %q %q", a, b, ha)
	}
}

func TestRules(t *testing.T) {
	if !Public.Allows("") || (Rule{}).Allows("admin") {
		t.Fatal("public must allow anyone, the zero rule nobody")
	}
	r := Roles("admin", "editor")
	if !r.Allows("editor") || r.Allows("author") {
		t.Fatal("Roles")
	}
}

package auth

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzVerify: no string but a token this issuer signed (with the current or the previous key)
// verifies, and one that does carries exactly the claims it was issued with, unexpired. Seeds are real tokens (current and previous
// key, expired, other algorithms, alg none) for the fuzzer to mutate.
func FuzzVerify(f *testing.F) {
	now := time.Date(2026, 8, 23, 14, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	current, previous := strings.Repeat("k", 32), strings.Repeat("p", 32)
	tokens := NewTokens(current, previous, clock)
	issue := func(tok *Tokens) string {
		raw, _, err := tok.Issue(42, "editor", 7)
		if err != nil {
			f.Fatal(err)
		}
		return raw
	}
	good := issue(tokens)
	old := issue(NewTokens(previous, "", clock))
	expired := issue(NewTokens(current, "", func() time.Time { return now.Add(-2 * AccessTokenTTL) }))
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "1", "sid": 1, "iss": Issuer, "aud": Audience, "exp": now.Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"sub": "1", "sid": 1, "iss": Issuer, "aud": Audience, "exp": now.Add(time.Hour).Unix()}).SignedString([]byte(current))
	for _, s := range []string{good, old, expired, none, hs512, "", ".", "..", "a.b.c", "Bearer " + good, good + "=", strings.ToUpper(good),
		base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"0"}`)) + ".x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := tokens.Verify(raw)
		if err != nil {
			if err != ErrInvalidToken {
				t.Fatalf("Verify(%q) error %v, want ErrInvalidToken", raw, err)
			}
			return
		}
		if c.UserID() != 42 || c.Role != "editor" || c.SessionID != 7 {
			t.Fatalf("Verify(%q) accepted claims that were never issued: %+v", raw, c)
		}
		if c.ExpiresAt == nil || !c.ExpiresAt.After(now.Add(-5*time.Second)) || c.Issuer != Issuer {
			t.Fatalf("Verify(%q) accepted an expired or foreign token: %+v", raw, c)
		}
	})
}

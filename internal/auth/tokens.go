package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token settings fixed by the API contract.
const (
	AccessTokenTTL = 15 * time.Minute
	Issuer         = "toasoan"
	Audience       = "toasoan-api"
)

// Claims are the claims of an access token.
type Claims struct {
	Role      string `json:"role"`
	SessionID int64  `json:"sid"`
	jwt.RegisteredClaims
}

// UserID is the subject as a number.
func (c *Claims) UserID() int64 {
	id, _ := strconv.ParseInt(c.Subject, 10, 64)
	return id
}

// Tokens issues and verifies HS256 access tokens. A previous secret may be given to keep
// accepting tokens signed before a key rotation; new tokens always use the current secret.
type Tokens struct {
	secret   []byte
	previous []byte
	now      func() time.Time
}

// NewTokens makes a token issuer; previous may be empty.
func NewTokens(secret, previous string, now func() time.Time) *Tokens {
	t := &Tokens{secret: []byte(secret), now: now}
	if previous != "" {
		t.previous = []byte(previous)
	}
	return t
}

// Issue signs an access token for the user's session.
func (t *Tokens) Issue(userID int64, role string, sessionID int64) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(AccessTokenTTL)
	claims := Claims{
		Role:      role,
		SessionID: sessionID,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   strconv.FormatInt(userID, 10),
			Issuer:    Issuer,
			Audience:  jwt.ClaimStrings{Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        randomToken(12),
		},
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
	return s, exp, err
}

// ErrInvalidToken covers every reason a token is refused; the reason is not told to clients.
var ErrInvalidToken = errors.New("invalid or expired token")

// Verify parses an access token, pinning the algorithm, issuer and audience and requiring exp;
// so alg "none", other algorithms, expired, tampered or foreign tokens all fail.
func (t *Tokens) Verify(raw string) (*Claims, error) {
	for _, key := range [][]byte{t.secret, t.previous} {
		if key == nil {
			continue
		}
		claims := &Claims{}
		_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return key, nil },
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(Issuer),
			jwt.WithAudience(Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithTimeFunc(t.now),
			jwt.WithLeeway(5*time.Second),
		)
		if err == nil && claims.UserID() > 0 && claims.SessionID > 0 {
			return claims, nil
		}
		if !errors.Is(err, jwt.ErrTokenSignatureInvalid) {
			break // only a signature mismatch is worth trying the previous key for
		}
	}
	return nil, ErrInvalidToken
}

// NewRefreshToken makes an opaque refresh token and the hash under which it is stored.
func NewRefreshToken() (token, hash string) {
	token = randomToken(32)
	return token, HashToken(token)
}

// HashToken is the stored form of an opaque token: SHA-256, hex. Tokens are random and long, so
// a fast hash is enough.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

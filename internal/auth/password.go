package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// HashParams are argon2id's cost parameters.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultHashParams are OWASP's first argon2id choice (m=19 MiB, t=2, p=1): with at most four
// hashes at once (handlers bound it) the server's hashing stays under 80 MiB, well inside the
// 512 MiB pod limit of deployments/. Older hashes keep verifying with their own parameters
// and are rehashed at the next successful login.
var DefaultHashParams = HashParams{Memory: 19 * 1024, Time: 2, Threads: 1}

// CheckPassword says why a new password is not acceptable, or returns "".
func CheckPassword(pw string) string {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return fmt.Sprintf("must be at least %d characters", MinPasswordLength)
	}
	if len(pw) > 1024 {
		return "must be at most 1024 bytes"
	}
	if strings.TrimSpace(pw) == "" {
		return "must not be only spaces"
	}
	return ""
}

// HashPassword returns an encoded argon2id hash in the PHC string format.
func HashPassword(pw string, p HashParams) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed password hash")

// HashParamsOf reads the parameters an encoded hash was made with.
func HashParamsOf(encoded string) (HashParams, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return HashParams{}, errBadHash
	}
	var p HashParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || p.Time < 1 || p.Threads < 1 {
		return HashParams{}, errBadHash
	}
	return p, nil
}

// VerifyPassword reports whether pw matches the encoded hash, in constant time. The hash's own
// parameters are used, so raising the cost later still verifies old hashes.
func VerifyPassword(pw, encoded string) (bool, error) {
	p, err := HashParamsOf(encoded)
	if err != nil {
		return false, err
	}
	parts := strings.Split(encoded, "$")
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// GeneratePassword makes a random password for a bootstrap admin or a reset.
func GeneratePassword() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

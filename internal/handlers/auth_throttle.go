package handlers

import (
	"context"
	"errors"
	"net"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// Password checks are throttled within loginWindow by three counters, each reserved before any
// hashing (see README, "Login throttling"):
//   - per account and client network (/24 IPv4, /64 IPv6): loginMaxFailures, with a growing
//     delay on each failure, so guessing from one network stops quickly;
//   - per client address: loginMaxFailures, across accounts;
//   - per account from everywhere: loginAccountCeiling, looser, so that strangers on other
//     networks cannot lock the owner out unless they hold very many networks.
const (
	loginMaxFailures    = 5
	loginAccountCeiling = 50
	loginWindow         = 15 * time.Minute
)

// Hashing is bounded by memory: at most hashMemoryBudget of argon2id work runs at once (four
// hashes at auth.DefaultHashParams); a check that finds no room within hashWait is answered 503
// without hashing.
const (
	hashMemoryBudget = 80 << 10 // KiB
	hashWait         = time.Second
)

// loginAttempt holds the throttle slots reserved for one password check.
type loginAttempt struct {
	s          *Server
	networkKey string // account and network: forgotten on success
	released   []string
	failures   int // failures on networkKey including this attempt, if it fails
}

// reserveLogin takes a slot on each counter, in order; a counter already full releases what this
// attempt took, so throttled requests never fill the looser counters, and answers 429.
func (s *Server) reserveLogin(ctx context.Context, email, ip string) (*loginAttempt, error) {
	account := store.NormalizeEmail(email)
	a := &loginAttempt{s: s, networkKey: "login:account-net:" + account + "|" + clientNetwork(ip)}
	counters := []struct {
		key   string
		limit int
	}{
		{"login:ip:" + ip, loginMaxFailures},
		{a.networkKey, loginMaxFailures},
		{"login:account:" + account, loginAccountCeiling},
	}
	var taken []string
	for _, c := range counters {
		n, resetAt, err := s.loginFailures.Add(ctx, c.key)
		if err != nil {
			a.release(ctx, taken)
			return nil, err
		}
		taken = append(taken, c.key)
		if n > c.limit {
			a.release(ctx, taken)
			return nil, models.RateLimited(resetAt.Sub(s.now()))
		}
		if c.key == a.networkKey {
			a.failures = n
		}
	}
	a.released = []string{taken[0], taken[2]}
	return a, nil
}

// succeeded forgets the account's failures from this network and gives back the other slots.
func (a *loginAttempt) succeeded(ctx context.Context) error {
	if err := a.s.loginFailures.Reset(ctx, a.networkKey); err != nil {
		return err
	}
	a.release(ctx, a.released)
	return nil
}

// failed keeps the slots and makes the caller wait a little longer with each failure from the
// same network; the wait holds no hashing capacity.
func (a *loginAttempt) failed(ctx context.Context) {
	d := a.s.failedLoginDelay(a.failures)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// abandon gives every slot back: no password was checked (the server was busy, or failed).
func (a *loginAttempt) abandon(ctx context.Context) {
	a.release(context.WithoutCancel(ctx), []string{a.released[0], a.networkKey, a.released[1]})
}

func (a *loginAttempt) release(ctx context.Context, keys []string) {
	for _, k := range keys {
		if err := a.s.loginFailures.Release(ctx, k); err != nil {
			a.s.log.Warn("login throttle slot not released", "error", err.Error())
		}
	}
}

// progressiveDelay is the wait after the n-th failure from one network on one account: none
// after the first, then 250 ms doubling to at most 2 s.
func progressiveDelay(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	d := 250 * time.Millisecond << min(n-2, 3)
	return min(d, 2*time.Second)
}

// clientNetwork is the /24 of an IPv4 address or the /64 of an IPv6 one: the unit a single
// attacker easily changes addresses within.
func clientNetwork(ip string) string {
	addr := net.ParseIP(ip)
	if addr == nil {
		return ip
	}
	if v4 := addr.To4(); v4 != nil {
		return v4.Mask(net.CIDRMask(24, 32)).String() + "/24"
	}
	return addr.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// newHashLimiter bounds the memory of concurrent argon2id work.
func newHashLimiter() *semaphore.Weighted { return semaphore.NewWeighted(hashMemoryBudget) }

// verifyPassword checks pw against an encoded hash under the memory bound; a server too busy
// hashing answers 503 with Retry-After rather than queueing without limit.
func (s *Server) verifyPassword(ctx context.Context, pw, encoded string) (bool, error) {
	cost := int64(hashMemoryBudget)
	if p, err := auth.HashParamsOf(encoded); err == nil {
		cost = min(int64(p.Memory), cost)
	}
	wait, cancel := context.WithTimeout(ctx, hashWait)
	defer cancel()
	if err := s.hashing.Acquire(wait, cost); err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return false, ctx.Err()
		}
		return false, models.Busy(time.Second)
	}
	defer s.hashing.Release(cost)
	return auth.VerifyPassword(pw, encoded)
}

// hashPassword hashes under the same memory bound as verifyPassword.
func (s *Server) hashPassword(ctx context.Context, pw string) (string, error) {
	cost := min(int64(s.hashParams.Memory), hashMemoryBudget)
	wait, cancel := context.WithTimeout(ctx, hashWait)
	defer cancel()
	if err := s.hashing.Acquire(wait, cost); err != nil {
		return "", models.Busy(time.Second)
	}
	defer s.hashing.Release(cost)
	return auth.HashPassword(pw, s.hashParams)
}

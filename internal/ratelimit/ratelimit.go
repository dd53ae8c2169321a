// Package ratelimit counts events per key in fixed windows: failed logins per account and per
// IP, submissions per IP. The in-memory counter serves one replica; several replicas share
// counts through Redis.
package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Counter counts events per key within a window that starts at the key's first event.
//
// Add is atomic, so it doubles as a reservation: of N concurrent Adds on one key exactly one
// sees each count 1…N, and a caller allowed L events proceeds only when its count is at most L.
// Release gives one reservation back (a rejected or successful attempt that should not count).
type Counter interface {
	// Add records one event and returns the count in the current window and when it ends.
	Add(ctx context.Context, key string) (count int, resetAt time.Time, err error)
	// Release takes back one event recorded by Add in the current window: a reservation that
	// was not used (a submission refused for its content, a login that succeeded). A count
	// never goes below zero.
	Release(ctx context.Context, key string) error
	// Peek returns the count without recording anything.
	Peek(ctx context.Context, key string) (count int, resetAt time.Time, err error)
	// Reset forgets the key.
	Reset(ctx context.Context, key string) error
}

// Memory is a Counter for a single process.
type Memory struct {
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]entry
	sweep   time.Time
}

type entry struct {
	count   int
	resetAt time.Time
}

// NewMemory makes an in-memory counter with the given window.
func NewMemory(window time.Duration, now func() time.Time) *Memory {
	return &Memory{window: window, now: now, entries: map[string]entry{}}
}

// Add implements Counter.
func (m *Memory) Add(_ context.Context, key string) (int, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.sweepExpired(now)
	e := m.entries[key]
	if !now.Before(e.resetAt) {
		e = entry{resetAt: now.Add(m.window)}
	}
	e.count++
	m.entries[key] = e
	return e.count, e.resetAt, nil
}

// Peek implements Counter.
func (m *Memory) Peek(_ context.Context, key string) (int, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[key]
	if !m.now().Before(e.resetAt) {
		return 0, time.Time{}, nil
	}
	return e.count, e.resetAt, nil
}

// Release implements Counter.
func (m *Memory) Release(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok || !m.now().Before(e.resetAt) {
		return nil
	}
	if e.count--; e.count <= 0 {
		delete(m.entries, key)
		return nil
	}
	m.entries[key] = e
	return nil
}

// Reset implements Counter.
func (m *Memory) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, key)
	return nil
}

// sweepExpired drops finished windows now and then, so the map does not grow without bound.
func (m *Memory) sweepExpired(now time.Time) {
	if now.Before(m.sweep) {
		return
	}
	for k, e := range m.entries {
		if !now.Before(e.resetAt) {
			delete(m.entries, k)
		}
	}
	m.sweep = now.Add(m.window)
}

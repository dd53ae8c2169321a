package ratelimit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMemoryWindow(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	m := NewMemory(15*time.Minute, func() time.Time { return now })
	windowEnd := now.Add(15 * time.Minute) // fixed by the first event
	for i := 1; i <= 3; i++ {
		n, reset, _ := m.Add(ctx, "k")
		if n != i || !reset.Equal(windowEnd) {
			t.Fatalf("Add %d: %d %v", i, n, reset)
		}
		now = now.Add(time.Minute)
	}
	if n, _, _ := m.Peek(ctx, "k"); n != 3 {
		t.Fatalf("Peek = %d", n)
	}
	if n, _, _ := m.Peek(ctx, "other"); n != 0 {
		t.Fatalf("Peek other = %d", n)
	}
	now = now.Add(15 * time.Minute) // the window has passed
	if n, _, _ := m.Peek(ctx, "k"); n != 0 {
		t.Fatalf("Peek after window = %d", n)
	}
	if n, _, _ := m.Add(ctx, "k"); n != 1 {
		t.Fatalf("Add after window = %d", n)
	}
	if err := m.Release(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := m.Peek(ctx, "k"); n != 0 {
		t.Fatalf("Peek after release = %d", n)
	}
	_ = m.Release(ctx, "k")
	if n, _, _ := m.Add(ctx, "k"); n != 1 {
		t.Fatalf("a release below zero counted: Add = %d", n)
	}
	_ = m.Reset(ctx, "k")
	if n, _, _ := m.Peek(ctx, "k"); n != 0 {
		t.Fatalf("Peek after reset = %d", n)
	}
	if len(m.entries) > 1 {
		t.Fatalf("expired keys kept: %d", len(m.entries))
	}
}

// reserveConcurrently sends n Adds at once on one key and returns how many saw a count within
// limit: the callers a throttle lets through.
func reserveConcurrently(t *testing.T, c Counter, key string, n, limit int) int {
	t.Helper()
	var wg sync.WaitGroup
	var allowed atomic.Int64
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			count, _, err := c.Add(context.Background(), key)
			if err != nil {
				t.Error(err)
				return
			}
			if count <= limit {
				allowed.Add(1)
			} else if err := c.Release(context.Background(), key); err != nil {
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	return int(allowed.Load())
}

func TestMemoryReservesAtomically(t *testing.T) {
	m := NewMemory(15*time.Minute, time.Now)
	if got := reserveConcurrently(t, m, "k", 30, 5); got != 5 {
		t.Fatalf("30 concurrent reservations, limit 5: %d allowed", got)
	}
	if n, _, _ := m.Peek(context.Background(), "k"); n != 5 {
		t.Fatalf("after the rejected ones were released the count is %d, want 5", n)
	}
	_ = m.Release(context.Background(), "k")
	if n, _, _ := m.Peek(context.Background(), "k"); n != 4 {
		t.Fatalf("after one release: %d, want 4", n)
	}
}

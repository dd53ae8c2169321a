package ratelimit

import (
	"context"
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

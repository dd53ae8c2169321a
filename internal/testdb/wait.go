package testdb

import (
	"testing"
	"time"
)

// WaitFor polls cond until it holds, and fails the test if it does not within limit. It is for
// what a real goroutine, server or database makes true in its own time (the test's clock
// cannot move it); limit is a guard against hanging, not a measurement.
func WaitFor(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		<-poll.C
	}
}

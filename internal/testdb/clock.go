package testdb

import (
	"sync"
	"time"
)

// Epoch is where a test's clock starts unless the test says otherwise: a fixed instant, so no
// test depends on the hour or the day it runs (14:00 in Hà Nội, 07:00 UTC, 00:00 in Los Angeles).
var Epoch = time.Date(2026, 8, 23, 7, 0, 0, 0, time.UTC)

// Clock is a test's clock: it stands still until the test moves it. Pass its Now to
// store.New; everything the server does then takes its time from it.
type Clock struct {
	mu   sync.Mutex
	at   time.Time
	tick time.Duration
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{at: t} }

// Now reads the clock (and moves it on by the tick, when one is set).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(c.tick)
	return c.at
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.at = c.at.Add(d)
	c.mu.Unlock()
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.at = t
	c.mu.Unlock()
}

// Tick makes every reading move the clock on by d, so that writes made one after another get
// distinct, ordered times.
func (c *Clock) Tick(d time.Duration) {
	c.mu.Lock()
	c.tick = d
	c.mu.Unlock()
}

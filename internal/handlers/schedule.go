package handlers

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/toasoan/toasoan/internal/loop"
	"github.com/toasoan/toasoan/internal/store"
)

// scheduleInterval is how often the scheduler looks for scheduled changes come due (see
// store.ApplySchedule): article.published fires within about this long of a publish_at.
const scheduleInterval = time.Second

// runSchedule applies the scheduled changes at once (catch-up of what came due while toasoan
// was down) and then every scheduleInterval, until ctx is done.
func (s *Server) runSchedule(ctx context.Context) {
	apply := func() {
		runCtx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if _, err := s.store.ApplySchedule(runCtx); err != nil && ctx.Err() == nil {
			s.log.Error("scheduled changes not applied; tried again in a second", "error", err.Error())
		}
	}
	apply()
	loop.Every(ctx, scheduleInterval, nil, apply)
}

// scheduleCollector reports, at each scrape, the scheduled changes that are due and not yet
// applied: zero while a scheduler runs.
type scheduleCollector struct {
	store  *store.Store
	now    func() time.Time
	count  *prometheus.Desc
	oldest *prometheus.Desc
}

func newScheduleCollector(st *store.Store, now func() time.Time) scheduleCollector {
	return scheduleCollector{
		store: st, now: now,
		count: prometheus.NewDesc("toasoan_scheduled_overdue",
			"Scheduled changes (an article's publish_at or unpublish_at, an announcement's window opening or closing) whose time has passed and that no scheduler has applied yet.", nil, nil),
		oldest: prometheus.NewDesc("toasoan_scheduled_overdue_seconds",
			"How long the oldest overdue scheduled change has waited (0: none).", nil, nil),
	}
}

func (c scheduleCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.count
	ch <- c.oldest
}

// Collect reads the database; when it cannot (an outage), the series are absent from the
// scrape rather than wrong.
func (c scheduleCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, oldest, err := c.store.OverdueSchedule(ctx, c.now())
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.count, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, oldest.Seconds())
}

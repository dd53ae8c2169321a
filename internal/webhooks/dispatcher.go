// Package webhooks delivers the events of the store's outbox to the webhooks subscribed to
// them: signed POSTs, retried with backoff, every attempt logged; and keeps those requests
// away from private networks.
package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/toasoan/toasoan/internal/loop"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// Backoff is how long a failed delivery waits before each retry: six attempts in all, over
// about seven hours, then it is failed. Tests walk it with their own clock.
var Backoff = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour}

const (
	// RequestTimeout bounds each POST, answer included.
	RequestTimeout = 10 * time.Second
	// lease is how long a claimed delivery is left to its sender before another may take it:
	// longer than a POST can take, so a delivery is sent twice only if its sender died.
	lease = time.Minute
	// Work per step: events fanned out, and deliveries claimed and sent side by side.
	eventBatch    = 100
	deliveryBatch = 20
	// pollInterval is how often the dispatcher looks for work when not woken: events other
	// replicas enqueued, and retries coming due.
	pollInterval = time.Second
	// maxErrorLength bounds an attempt's error as stored and shown.
	maxErrorLength = 300
)

// Options configure a Dispatcher.
type Options struct {
	PublicURL  string           // TOASOAN_PUBLIC_URL: the items' URLs on the public API in the payloads
	SiteURL    string           // TOASOAN_SITE_URL: the items' pages on the public site in the payloads
	AllowLocal bool             // TOASOAN_WEBHOOKS_ALLOW_LOCAL: localhost may be called
	Now        func() time.Time // nil: time.Now
	Logger     *slog.Logger     // nil: discard
}

// Dispatcher fans events out into deliveries and sends them.
type Dispatcher struct {
	store   *store.Store
	client  *http.Client
	origins Origins
	now     func() time.Time
	log     *slog.Logger
}

// New makes a dispatcher; Run drives it, or call Step.
func New(st *store.Store, o Options) *Dispatcher {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{store: st, client: newClient(o.AllowLocal), origins: Origins{Public: o.PublicURL, Site: o.SiteURL}, now: o.Now, log: o.Logger}
}

// newClient is the HTTP client of deliveries: connections only to allowed addresses, never
// through a proxy (which would connect for it, unchecked), and redirects are not followed (a
// 3xx is an answer like any other that is not 2xx).
func newClient(allowLocal bool) *http.Client {
	return &http.Client{
		Timeout: RequestTimeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           newDialer(allowLocal).DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   5 * time.Second,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
			ResponseHeaderTimeout: RequestTimeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Run steps every pollInterval, and at once when this process's store committed a write that
// may have enqueued events, until ctx is done. The step under way then is finished, on a
// context of its own, so its attempts are recorded; the caller bounds how long it waits.
func (d *Dispatcher) Run(ctx context.Context) {
	loop.Drain(ctx, pollInterval, d.store.WebhookWake(), d.Step, func(err error) {
		d.log.Error("webhooks: dispatch step failed", "error", err.Error())
	})
}

// Step does one round of work: it fans new events out into deliveries, then sends the
// deliveries due, side by side, and records each answer. It returns when all are recorded;
// more says a batch was full, so work may be left for another step at once.
func (d *Dispatcher) Step(ctx context.Context) (more bool, err error) {
	now := d.now()
	events, err := d.store.FanOutWebhookEvents(ctx, now, eventBatch)
	if err != nil {
		return false, err
	}
	claimed, err := d.store.ClaimWebhookDeliveries(ctx, now, lease, deliveryBatch)
	if err != nil {
		return false, err
	}
	var wg sync.WaitGroup
	for _, c := range claimed {
		wg.Go(func() { d.deliver(ctx, c) })
	}
	wg.Wait()
	return events == eventBatch || len(claimed) == deliveryBatch, nil
}

// deliver makes one attempt of a claimed delivery and records it: delivered on a 2xx, else
// retried after the backoff of its attempt, or failed after the last.
func (d *Dispatcher) deliver(ctx context.Context, c store.ClaimedDelivery) {
	attempt := models.WebhookAttempt{DeliveryID: c.ID, Number: c.Attempts, AttemptedAt: d.now()}
	status, next := models.DeliveryFailed, time.Time{}
	if c.Attempts > len(Backoff)+1 {
		// Its last attempt was claimed by a dispatcher that stopped before recording it.
		attempt.Error = "no answer recorded for the last attempt"
	} else {
		started := time.Now()
		code, err := d.send(ctx, c)
		attempt.ResponseMS = time.Since(started).Milliseconds()
		switch {
		case err != nil:
			attempt.Error = shorten(err.Error())
		case code < 200 || code > 299:
			attempt.StatusCode = &code
			attempt.Error = "HTTP " + strconv.Itoa(code) + " " + http.StatusText(code)
		default:
			attempt.StatusCode = &code
			status = models.DeliveryDelivered
		}
		if status != models.DeliveryDelivered && c.Attempts <= len(Backoff) {
			status, next = models.DeliveryPending, attempt.AttemptedAt.Add(Backoff[c.Attempts-1])
		}
	}
	if err := d.store.RecordWebhookAttempt(ctx, attempt, status, next); err != nil {
		d.log.Error("webhooks: attempt not recorded; the delivery is retried when its lease ends",
			"delivery_id", c.ID, "webhook_id", c.WebhookID, "error", err.Error())
		return
	}
	if status != models.DeliveryDelivered {
		// The webhook's URL may hold a token of the receiver's: it is never logged.
		d.log.Warn("webhooks: delivery failed", "delivery_id", c.ID, "webhook_id", c.WebhookID,
			"event", c.Event.Type, "attempt", c.Attempts, "error", attempt.Error, "status", status)
	}
}

// send POSTs the delivery's payload, signed, and returns the answer's status code.
func (d *Dispatcher) send(ctx context.Context, c store.ClaimedDelivery) (int, error) {
	payload, err := Payload(d.origins, c.ID, c.Event)
	if err != nil {
		return 0, err
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "toasoan-webhooks")
	req.Header.Set("X-Toasoan-Event", c.Event.Type)
	req.Header.Set("X-Toasoan-Delivery", strconv.FormatInt(c.ID, 10))
	req.Header.Set("X-Toasoan-Signature", Sign(c.Secret, body))
	res, err := d.client.Do(req)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // without the URL, which may hold a token
		}
		return 0, err
	}
	// Read a little of the answer so the connection can be reused; the rest is not wanted.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	_ = res.Body.Close()
	return res.StatusCode, nil
}

// Sign is the X-Toasoan-Signature of a body: "sha256=" and the hex HMAC-SHA256 of the exact
// bytes sent, keyed with the webhook's secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Origins are where the links of payloads point: the public API (TOASOAN_PUBLIC_URL) and the
// public site (TOASOAN_SITE_URL).
type Origins struct{ Public, Site string }

// Payload is the body of a delivery of an event: its data with the item's public API URL and
// its page on the site, times as the API shows them (models.ShownTime).
func Payload(o Origins, deliveryID int64, e models.WebhookEvent) (models.WebhookPayload, error) {
	var data models.WebhookEventData
	if err := json.Unmarshal([]byte(e.Data), &data); err != nil {
		return models.WebhookPayload{}, fmt.Errorf("event %d: %w", e.ID, err)
	}
	if api, page := itemPaths(e.Type, data); api != "" {
		data.URL, data.PageURL = o.Public+api, o.Site+page
	}
	for _, t := range []*time.Time{data.PublishedAt, data.StartsAt, data.EndsAt, data.CreatedAt} {
		if t != nil {
			*t = models.ShownTime(*t)
		}
	}
	return models.WebhookPayload{
		Event: e.Type, EventID: e.ID, DeliveryID: deliveryID, OccurredAt: models.ShownTime(e.CreatedAt), Data: data,
	}, nil
}

// itemPaths are the paths of an event's item on the public API and on the site; "" for events
// of items the public does not see.
func itemPaths(eventType string, data models.WebhookEventData) (api, page string) {
	switch {
	case strings.HasPrefix(eventType, "article."):
		return "/api/v1/articles/" + url.PathEscape(data.Slug), surrogate.ArticlePage(data.Slug)
	case strings.HasPrefix(eventType, "announcement."):
		return "/api/v1/announcements/" + url.PathEscape(data.Slug), surrogate.AnnouncementPage(data.Slug)
	case strings.HasPrefix(eventType, "document."):
		return "/api/v1/documents/" + strconv.FormatInt(data.ID, 10), surrogate.DocumentPage(data.ID)
	}
	return "", ""
}

// shorten cuts an error to what an attempt keeps, on a character boundary.
func shorten(s string) string {
	if len(s) <= maxErrorLength {
		return s
	}
	cut := maxErrorLength - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// Package mail sends the store's mail outbox (the mails to readers, such as a reply to their
// submission) through the SMTP server of TOASOAN_SMTP_URL, retrying with backoff; without one
// it logs each mail instead and marks it sent.
//
// The guarantee is at least once: a mail is in the outbox before the change it tells of
// commits, so it is never lost, and once recorded as sent it is never sent again; but a worker
// that dies after the SMTP server accepted a mail and before recording it sends it again when
// its lease ends. Every copy carries the same Message-ID (one per outbox row), by which mail
// clients drop duplicates.
package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	gomail "github.com/wneessen/go-mail"

	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/loop"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// Backoff is how long a mail waits after each failed attempt: six attempts over about
// fifteen hours, then it is failed. Tests walk it with their own clock.
var Backoff = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 12 * time.Hour}

const (
	// SendTimeout bounds one mail's SMTP conversation, connecting included.
	SendTimeout = 30 * time.Second
	// Lease is how long a claimed mail is left to its sender before another worker may take
	// it: longer than a send can take, so a mail is sent twice only if its sender died.
	Lease = 2 * time.Minute
	// batch is how many mails one step claims and sends side by side.
	batch = 10
	// pollInterval is how often the worker looks for mails when not woken: those other
	// processes enqueued, and retries coming due.
	pollInterval = 5 * time.Second
	// maxErrorLength bounds a mail's last error as stored.
	maxErrorLength = 300
)

// Options configure a Worker.
type Options struct {
	SMTP       *config.SMTP          // nil: mails are logged, not sent
	Now        func() time.Time      // nil: time.Now
	Logger     *slog.Logger          // nil: discard
	Registerer prometheus.Registerer // nil: no metrics
	// TLSConfig verifies the SMTP server's certificate (STARTTLS or smtps); nil: against the
	// system's roots, for the host of TOASOAN_SMTP_URL. Tests pass their own roots.
	TLSConfig *tls.Config
}

// Worker sends the due mails of the outbox.
type Worker struct {
	store  *store.Store
	send   func(ctx context.Context, m models.OutboxMail) error
	now    func() time.Time
	log    *slog.Logger
	sent   prometheus.Counter
	failed prometheus.Counter
}

// New makes a worker; Run drives it, or call Step.
func New(st *store.Store, o Options) (*Worker, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Worker{
		store: st, now: o.Now, log: o.Logger,
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "toasoan_mail_sent_total", Help: "Mails to readers accepted by the SMTP server (or logged, without one).",
		}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "toasoan_mail_attempts_failed_total", Help: "Attempts at sending a mail that failed (each is retried with backoff, the last given up).",
		}),
	}
	if o.SMTP != nil {
		w.send = smtpSender(*o.SMTP, o.TLSConfig, o.Now)
	} else {
		w.send = w.logMail
	}
	if o.Registerer != nil {
		queued := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "toasoan_mail_queued", Help: "Mails to readers waiting to be sent (retries included).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := st.MailsQueued(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		})
		for _, c := range []prometheus.Collector{w.sent, w.failed, queued} {
			if err := o.Registerer.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return w, nil
}

// Run steps every pollInterval, and at once when this process committed a write that enqueued
// a mail, until ctx is done. The step under way then is finished, on a context of its own, so
// its outcomes are recorded.
func (w *Worker) Run(ctx context.Context) {
	loop.Drain(ctx, pollInterval, w.store.MailWake(), w.Step, func(err error) {
		w.log.Error("mail: step failed", "error", err.Error())
	})
}

// Step claims the mails due, sends them side by side and records each outcome. more says the
// batch was full, so mails may be left for another step at once.
func (w *Worker) Step(ctx context.Context) (more bool, err error) {
	claimed, err := w.store.ClaimMails(ctx, w.now(), Lease, batch)
	if err != nil {
		return false, err
	}
	var wg sync.WaitGroup
	for _, m := range claimed {
		wg.Go(func() { w.deliver(ctx, m) })
	}
	wg.Wait()
	return len(claimed) == batch, nil
}

// deliver makes one attempt at a claimed mail and records it: sent, or tried again after the
// backoff of its attempt, or failed after the last.
func (w *Worker) deliver(ctx context.Context, m models.OutboxMail) {
	a := store.MailAttempt{ID: m.ID, Status: models.MailFailed}
	if m.Attempts > len(Backoff)+1 {
		// Its last attempt was claimed by a worker that stopped before recording it.
		a.At, a.Error = w.now(), "no outcome recorded for the last attempt"
	} else {
		sendCtx, cancel := context.WithTimeout(ctx, SendTimeout)
		err := w.send(sendCtx, m)
		cancel()
		a.At = w.now()
		if err != nil {
			// A server's refusal may quote the address: kept and logged masked, as everywhere.
			a.Error = shorten(strings.ReplaceAll(err.Error(), m.ToAddress, MaskAddress(m.ToAddress)))
		}
		switch {
		case err == nil:
			a.Status = models.MailSent
		case m.Attempts <= len(Backoff):
			a.Status, a.Next = models.MailPending, a.At.Add(Backoff[m.Attempts-1])
		}
	}
	if a.Status == models.MailSent {
		w.sent.Inc()
	} else {
		w.failed.Inc()
		w.log.Warn("mail: not sent", "mail_id", m.ID, "attempt", m.Attempts, "status", a.Status, "error", a.Error)
	}
	if err := w.store.RecordMailAttempt(ctx, a); err != nil {
		w.log.Error("mail: outcome not recorded; the mail is tried again when its lease ends",
			"mail_id", m.ID, "error", err.Error())
	}
}

// logMail stands in for sending when no SMTP server is configured. The address is masked, the
// subject and body left out: they are the reader's personal data, and the body's tracking link
// lets anyone read the reply.
func (w *Worker) logMail(_ context.Context, m models.OutboxMail) error {
	w.log.Info("mail: TOASOAN_SMTP_URL is unset; logged instead of sent", "mail_id", m.ID,
		"to", MaskAddress(m.ToAddress), "key", m.IdempotencyKey)
	return nil
}

// smtpSender sends each mail in a connection of its own: mails are few (a reply now and then),
// and a fresh connection never meets one the server has dropped.
func smtpSender(c config.SMTP, tlsConfig *tls.Config, now func() time.Time) func(ctx context.Context, m models.OutboxMail) error {
	return func(ctx context.Context, m models.OutboxMail) error {
		msg, err := Message(c.FromName, c.From, m, now())
		if err != nil {
			return err
		}
		opts := []gomail.Option{gomail.WithPort(c.Port), gomail.WithTimeout(SendTimeout)}
		if tlsConfig != nil {
			opts = append(opts, gomail.WithTLSConfig(tlsConfig))
		}
		if c.ImplicitTLS {
			opts = append(opts, gomail.WithSSL())
		} else {
			opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
		}
		if c.Username != "" {
			opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
				gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
		}
		client, err := gomail.NewClient(c.Host, opts...)
		if err != nil {
			return err
		}
		return client.DialAndSendWithContext(ctx, msg)
	}
}

// Message is the MIME message of an outbox mail, from the address (with its display name, if
// any, encoded like the subject): UTF-8 text (and HTML when it has one) in
// quoted-printable, the subject encoded by RFC 2047, and a Message-ID of its own row, the same
// in every attempt, so a client can drop a copy sent twice.
func Message(fromName, from string, m models.OutboxMail, date time.Time) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	msg.FromMailAddress(&netmail.Address{Name: fromName, Address: from})
	if err := msg.To(m.ToAddress); err != nil {
		return nil, fmt.Errorf("recipient of mail %d: %w", m.ID, err)
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(date)
	msg.SetMessageIDWithValue(MessageID(from, m))
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.BodyText)
	if m.BodyHTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.BodyHTML)
	}
	return msg, nil
}

// MessageID is a mail's Message-ID without its angle brackets: its row and creation, at the
// sender's domain.
func MessageID(from string, m models.OutboxMail) string {
	domain := "toasoan.invalid"
	if at := strings.LastIndexByte(from, '@'); at >= 0 {
		domain = from[at+1:]
	}
	return "mail-" + strconv.FormatInt(m.ID, 10) + "." + strconv.FormatInt(m.CreatedAt.UnixNano(), 36) + "@" + domain
}

// MaskAddress keeps an address's first character and its domain: enough to tell mails apart
// in a log, not to write to the reader.
func MaskAddress(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 1 {
		return "***"
	}
	first, _ := utf8.DecodeRuneInString(addr)
	return string(first) + "***" + addr[at:]
}

// shorten cuts an error to what a mail keeps, on a character boundary.
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

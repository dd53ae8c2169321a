package handlers

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/config"
	mailer "github.com/toasoan/toasoan/internal/mail"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/testdb"
)

// smtpSink is a real SMTP server on 127.0.0.1 that keeps what it receives; it refuses the next
// fail messages with a 451, as a busy server does.
type smtpSink struct {
	mu       sync.Mutex
	received []receivedMail
	fail     int
	addr     string
	password string // when set, AUTH PLAIN as "toasoan" with it is required
}

type receivedMail struct {
	from     string
	to       []string
	data     []byte
	tls      bool // over STARTTLS
	authUser string
}

func newSMTPSink(t *testing.T) *smtpSink { return newSMTPSinkTLS(t, nil, "") }

// newSMTPSinkTLS is a sink offering STARTTLS with the certificate of tlsConfig (nil: no TLS),
// and requiring AUTH PLAIN with the password, when given.
func newSMTPSinkTLS(t *testing.T, tlsConfig *tls.Config, password string) *smtpSink {
	t.Helper()
	sink := &smtpSink{password: password}
	srv := smtp.NewServer(sink)
	srv.TLSConfig = tlsConfig
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return sink
}

func (s *smtpSink) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &sinkSession{sink: s, conn: c}, nil
}

func (s *smtpSink) failNext(n int) { s.mu.Lock(); s.fail = n; s.mu.Unlock() }

func (s *smtpSink) mails() []receivedMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]receivedMail(nil), s.received...)
}

// config is TOASOAN_SMTP_URL pointing at the sink, read by the real configuration.
func (s *smtpSink) config(t *testing.T) *config.SMTP {
	t.Helper()
	c, err := config.Load(func(k string) string {
		if k == "TOASOAN_SMTP_URL" {
			return "smtp://" + s.addr + "?from=" + url.QueryEscape("Ban biên tập Mặt trận <toasoan@mattran.org.vn>")
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.SMTP
}

type sinkSession struct {
	sink     *smtpSink
	conn     *smtp.Conn
	from     string
	to       []string
	authUser string
}

func (s *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != "toasoan" || password != s.sink.password {
			return errors.New("wrong user or password")
		}
		s.authUser = username
		return nil
	}), nil
}

func (s *sinkSession) Reset()        { s.from, s.to = "", nil }
func (s *sinkSession) Logout() error { return nil }
func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.sink.password != "" && s.authUser == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	if s.sink.fail > 0 {
		s.sink.fail--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.sink.received = append(s.sink.received, receivedMail{from: s.from, to: s.to, data: b, tls: isTLS, authUser: s.authUser})
	return nil
}

// parsedMail is a received mail decoded: its subject (RFC 2047), Message-ID and the text and
// HTML parts (quoted-printable).
type parsedMail struct {
	subject, messageID, text, html string
	from                           []*mail.Address
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	for i, b := range data {
		if b >= 0x80 { // headers encoded (RFC 2047), bodies quoted-printable: the mail is 7-bit
			t.Fatalf("byte %d of the mail is not ASCII: %q", i, data[max(0, i-40):min(len(data), i+40)])
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out parsedMail
	if out.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	if raw := msg.Header.Get("Subject"); !strings.HasPrefix(raw, "=?UTF-8?") && !strings.HasPrefix(raw, "=?utf-8?") {
		t.Errorf("Subject %q is not RFC 2047 encoded", raw)
	}
	out.messageID = msg.Header.Get("Message-ID")
	if out.from, err = msg.Header.AddressList("From"); err != nil {
		t.Fatal(err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	parts := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := parts.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if enc := p.Header.Get("Content-Transfer-Encoding"); enc != "quoted-printable" {
			t.Errorf("part encoded %q, want quoted-printable", enc)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
		ct := p.Header.Get("Content-Type")
		switch {
		case strings.HasPrefix(ct, "text/plain; charset=UTF-8"):
			out.text = string(body)
		case strings.HasPrefix(ct, "text/html; charset=UTF-8"):
			out.html = string(body)
		default:
			t.Errorf("unexpected part %q", ct)
		}
	}
	return out
}

// outbox reads the mail outbox, oldest first.
func (ts *testServer) outbox() []models.OutboxMail {
	ts.t.Helper()
	var out []models.OutboxMail
	if err := ts.db.Order("id").Find(&out).Error; err != nil {
		ts.t.Fatal(err)
	}
	return out
}

// withMail rebuilds the server (a new process on the same database) with the given SMTP
// configuration (nil: mails are logged) and logger.
func (ts *testServer) withMail(smtpConfig *config.SMTP, log *slog.Logger) {
	ts.t.Helper()
	cfg := ts.cfg
	cfg.SMTP = smtpConfig
	ts.Server = mustServer(ts.t, Deps{Config: cfg, Store: ts.store, HashParams: testHashParams, LoginDelay: noLoginDelay, Logger: log})
}

// stepMail runs one step of the mail worker, as its loop would.
func (ts *testServer) stepMail() {
	ts.t.Helper()
	if _, err := ts.mailer.Step(context.Background()); err != nil {
		ts.t.Fatal(err)
	}
}

// reply sends a reader's submission and has the editor reply to it; it returns the submission.
func (ts *testServer) reply(body map[string]string, reply string) models.Submission {
	ts.t.Helper()
	res := ts.do("POST", "/api/v1/submissions", body, "", nil)
	if res.Code != 201 {
		ts.t.Fatalf("submit: %d %s", res.Code, res.Body)
	}
	sub := ts.submission(decode[submissionReceiptResponse](ts.t, res).Data.TrackingCode)
	ts.replyTo(sub, reply)
	return ts.submission(sub.TrackingCode)
}

func (ts *testServer) replyTo(sub models.Submission, reply string) {
	ts.t.Helper()
	res := ts.do("PATCH", "/api/v1/admin/submissions/"+itoa(sub.ID), map[string]any{"reply": reply}, "editor", ifMatch(sub.Version))
	if res.Code != 200 {
		ts.t.Fatalf("reply: %d %s", res.Code, res.Body)
	}
}

const mailReply = "Cảm ơn bạn. UBND xã Hòa Bình sẽ sửa đoạn đường trong tháng 12.\nTrân trọng, Ban biên tập."

// An editor's reply reaches the reader: one mail, to the address they gave, with the reply and
// the tracking link, in UTF-8 with its subject encoded; sent once however often the worker runs.
func TestReplyMailsTheReader(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		sink := newSMTPSink(t)
		ts := newTestServer(t, db)
		ts.withMail(sink.config(t), nil)
		ts.withUsers()
		ts.submissionLimit = 1000

		sub := ts.reply(reader, mailReply)
		ts.stepMail()
		ts.stepMail()
		got := sink.mails()
		if len(got) != 1 {
			t.Fatalf("%d mails received, want 1", len(got))
		}
		if got[0].from != "toasoan@mattran.org.vn" || len(got[0].to) != 1 || got[0].to[0] != reader["email"] {
			t.Errorf("envelope from %q to %v, want toasoan@mattran.org.vn to %s", got[0].from, got[0].to, reader["email"])
		}
		m := parseMail(t, got[0].data)
		link := ts.cfg.PublicURL + "/api/v1/submissions/" + sub.TrackingCode
		if want := "Ban biên tập đã trả lời: " + reader["subject"]; m.subject != want {
			t.Errorf("subject %q, want %q", m.subject, want)
		}
		for _, part := range []string{m.text, m.html} {
			if !strings.Contains(part, "Hòa Bình sẽ sửa đoạn đường") || !strings.Contains(part, link) || !strings.Contains(part, reader["name"]) {
				t.Errorf("the mail lacks the reply, the tracking link %s or the name:\n%s", link, part)
			}
		}
		if !strings.Contains(m.text, mailReply) {
			t.Errorf("the text part lacks the reply as written:\n%s", m.text)
		}
		box := ts.outbox()
		if len(box) != 1 || box[0].Status != models.MailSent || box[0].SentAt == nil || box[0].Attempts != 1 ||
			box[0].IdempotencyKey != "submission-reply:"+itoa(sub.ID)+":v2" {
			t.Fatalf("outbox %+v, want one mail sent at the first attempt", box)
		}
		if len(m.from) != 1 || m.from[0].Name != "Ban biên tập Mặt trận" || m.from[0].Address != "toasoan@mattran.org.vn" {
			t.Errorf("From %v, want Ban biên tập Mặt trận <toasoan@mattran.org.vn>", m.from)
		}
		if want := "<" + mailer.MessageID("toasoan@mattran.org.vn", box[0]) + ">"; m.messageID != want {
			t.Errorf("Message-ID %q, want %q", m.messageID, want)
		}

		// A note is internal: no mail. A new reply is a new mail, with a Message-ID of its own.
		res := ts.do("PATCH", "/api/v1/admin/submissions/"+itoa(sub.ID), map[string]any{"note": "Đã gửi thư."}, "editor", ifMatch(sub.Version))
		if res.Code != 200 {
			t.Fatalf("note: %d %s", res.Code, res.Body)
		}
		ts.stepMail()
		if n := len(sink.mails()); n != 1 {
			t.Fatalf("%d mails after a note, want 1", n)
		}
		ts.replyTo(ts.submission(sub.TrackingCode), "Bổ sung: công trình khởi công ngày 5/12.")
		ts.stepMail()
		got = sink.mails()
		if len(got) != 2 {
			t.Fatalf("%d mails after a second reply, want 2", len(got))
		}
		second := parseMail(t, got[1].data)
		if !strings.Contains(second.text, "khởi công ngày 5/12") || second.messageID == m.messageID {
			t.Errorf("second mail: Message-ID %s (first %s), text:\n%s", second.messageID, m.messageID, second.text)
		}
		if ts.metric("toasoan_mail_sent_total") != 2 || ts.metric("toasoan_mail_queued") != 0 {
			t.Errorf("metrics: sent %v, queued %v; want 2, 0", ts.metric("toasoan_mail_sent_total"), ts.metric("toasoan_mail_queued"))
		}
	})
}

// The mail is in the outbox when the reply commits: a process that stops before sending it
// leaves it to the next one, and a worker that dies with a mail claimed leaves it to be sent
// when its lease ends, never before.
func TestReplyMailSurvivesACrash(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		sink := newSMTPSink(t)
		clock := tickingClock()
		ts := newTestServerAt(t, db, clock.Now)
		ts.withMail(sink.config(t), nil)
		ts.withUsers()

		// Committed, then the process stops before its worker runs.
		ts.reply(reader, mailReply)
		if box := ts.outbox(); len(box) != 1 || box[0].Status != models.MailPending {
			t.Fatalf("outbox after the reply %+v, want one pending mail", box)
		}
		if ts.metric("toasoan_mail_queued") != 1 {
			t.Errorf("queued %v, want 1", ts.metric("toasoan_mail_queued"))
		}
		ts.withMail(sink.config(t), nil) // the next process
		ts.stepMail()
		if n := len(sink.mails()); n != 1 {
			t.Fatalf("%d mails sent by the next process, want 1", n)
		}

		// Claimed by a worker that died before sending.
		ts.reply(readerWith(map[string]string{"email": "hung.do@example.vn"}), "Đã chuyển cơ quan chức năng.")
		claimed, err := ts.store.ClaimMails(context.Background(), clock.Now(), mailer.Lease, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claimed %d (%v), want 1", len(claimed), err)
		}
		ts.stepMail()
		if n := len(sink.mails()); n != 1 {
			t.Fatalf("%d mails while the dead worker's lease lasts, want 1", n)
		}
		clock.Advance(mailer.Lease)
		ts.stepMail()
		got := sink.mails()
		if len(got) != 2 || got[1].to[0] != "hung.do@example.vn" {
			t.Fatalf("after the lease: %d mails, want the second one sent", len(got))
		}
		if box := ts.outbox(); box[1].Status != models.MailSent || box[1].Attempts != 2 {
			t.Errorf("outbox %+v, want the second sent at its second attempt", box[1])
		}
	})
}

// A server that refuses a mail has it again after the backoff, until it takes it.
func TestReplyMailRetried(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		sink := newSMTPSink(t)
		clock := tickingClock()
		ts := newTestServerAt(t, db, clock.Now)
		ts.withMail(sink.config(t), nil)
		ts.withUsers()
		sink.failNext(2)

		ts.reply(reader, mailReply)
		ts.stepMail()
		box := ts.outbox()
		if len(sink.mails()) != 0 || box[0].Status != models.MailPending || box[0].Attempts != 1 || !strings.Contains(box[0].LastError, "451") {
			t.Fatalf("after a refusal: outbox %+v, want pending with the 451", box[0])
		}
		ts.stepMail() // not due yet
		clock.Advance(mailer.Backoff[0])
		ts.stepMail() // refused again
		clock.Advance(mailer.Backoff[1] - time.Second)
		ts.stepMail() // not due yet
		if n, box := len(sink.mails()), ts.outbox(); n != 0 || box[0].Attempts != 2 {
			t.Fatalf("%d mails, %d attempts; want 0 and 2", n, box[0].Attempts)
		}
		clock.Advance(time.Second)
		ts.stepMail()
		if n := len(sink.mails()); n != 1 {
			t.Fatalf("%d mails after the retries, want 1", n)
		}
		if box := ts.outbox(); box[0].Status != models.MailSent || box[0].Attempts != 3 || box[0].LastError != "" {
			t.Errorf("outbox %+v, want sent at the third attempt", box[0])
		}
		if ts.metric("toasoan_mail_attempts_failed_total") != 2 || ts.metric("toasoan_mail_sent_total") != 1 {
			t.Errorf("metrics: failed %v sent %v, want 2 and 1", ts.metric("toasoan_mail_attempts_failed_total"), ts.metric("toasoan_mail_sent_total"))
		}

		// Refused at every attempt: given up after the last.
		sink.failNext(len(mailer.Backoff) + 1)
		ts.reply(readerWith(map[string]string{"email": "hung.do@example.vn"}), "Trả lời.")
		for i := 0; i <= len(mailer.Backoff); i++ {
			ts.stepMail()
			if i < len(mailer.Backoff) {
				clock.Advance(mailer.Backoff[i])
			}
		}
		if box := ts.outbox(); box[1].Status != models.MailFailed || box[1].Attempts != len(mailer.Backoff)+1 || len(sink.mails()) != 1 {
			t.Errorf("outbox %+v, want failed after %d attempts", box[1], len(mailer.Backoff)+1)
		}
	})
}

// A submission without an address (as older ones may be) and one left as spam get no mail; without
// TOASOAN_SMTP_URL a mail is logged, its address masked, and marked sent.
func TestReplyMailWithoutAddressOrServer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		var logs bytes.Buffer
		ts := newTestServer(t, db)
		ts.withMail(nil, slog.New(slog.NewJSONHandler(&logs, nil)))
		ts.withUsers()
		ts.submissionLimit = 1000

		anonymous := models.Submission{TrackingCode: models.NewTrackingCode(), Name: "Bạn đọc", Subject: "Góp ý",
			Content: "Không để lại địa chỉ.", Status: models.SubmissionReceived}
		if err := db.Create(&anonymous).Error; err != nil {
			t.Fatal(err)
		}
		ts.replyTo(ts.submission(anonymous.TrackingCode), "Cảm ơn bạn.")
		spam := ts.submission(decode[submissionReceiptResponse](t, ts.do("POST", "/api/v1/submissions",
			readerWith(map[string]string{"website": "x"}), "", nil)).Data.TrackingCode)
		// Replied to and kept as spam (a reply alone makes it answered: then it is mailed).
		res := ts.do("PATCH", "/api/v1/admin/submissions/"+itoa(spam.ID), map[string]any{"reply": "Không.", "status": "spam"}, "editor", ifMatch(spam.Version))
		if res.Code != 200 {
			t.Fatalf("reply to spam: %d %s", res.Code, res.Body)
		}
		if box := ts.outbox(); len(box) != 0 {
			t.Fatalf("outbox %+v, want no mail without an address or for spam", box)
		}

		ts.reply(reader, mailReply)
		ts.stepMail()
		if box := ts.outbox(); len(box) != 1 || box[0].Status != models.MailSent {
			t.Fatalf("outbox %+v, want the mail marked sent", box)
		}
		if !strings.Contains(logs.String(), "TOASOAN_SMTP_URL is unset") || !strings.Contains(logs.String(), "b***@example.vn") {
			t.Errorf("the mail was not logged: %s", logs.String())
		}
		for _, secret := range []string{reader["email"], reader["subject"], "Hòa Bình"} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("the log holds %q: %s", secret, logs.String())
			}
		}
	})
}

// The running worker is woken by the reply's commit: the mail goes out without waiting for a
// poll, and stopping the worker finishes the step under way.
func TestReplyMailWorkerWoken(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		sink := newSMTPSink(t)
		ts := newTestServer(t, db)
		ts.withMail(sink.config(t), nil)
		ts.withUsers()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { ts.mailer.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		ts.reply(reader, mailReply)
		for deadline := time.Now().Add(10 * time.Second); len(sink.mails()) == 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) { // a guard against hanging, not a measurement
				t.Fatal("the mail was never sent")
			}
		}
	})
}

// With a user in TOASOAN_SMTP_URL, the mail goes over STARTTLS (the server offers it; its
// certificate is verified: an untrusted one sends nothing) and logs in: the password never
// crosses the network in clear.
func TestReplyMailOverSTARTTLSWithAuth(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		// httptest's certificate, for 127.0.0.1, and the roots that trust it.
		certs := httptest.NewUnstartedServer(http.NotFoundHandler())
		certs.StartTLS()
		defer certs.Close()
		roots := x509.NewCertPool()
		roots.AddCert(certs.Certificate())
		sink := newSMTPSinkTLS(t, &tls.Config{Certificates: certs.TLS.Certificates, MinVersion: tls.VersionTLS12}, "mật-khẩu-smtp")
		cfg, err := config.Load(func(k string) string {
			if k == "TOASOAN_SMTP_URL" {
				return "smtp://toasoan:" + url.QueryEscape("mật-khẩu-smtp") + "@" + sink.addr + "?from=toasoan@mattran.org.vn"
			}
			return ""
		})
		if err != nil {
			t.Fatal(err)
		}
		clock := tickingClock()
		ts := newTestServerAt(t, db, clock.Now)
		withRoots := func(roots *x509.CertPool) {
			c := ts.cfg
			c.SMTP = cfg.SMTP
			var trust *tls.Config
			if roots != nil {
				trust = &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
			}
			ts.Server = mustServer(t, Deps{Config: c, Store: ts.store, HashParams: testHashParams, LoginDelay: noLoginDelay, SMTPTLS: trust})
		}
		withRoots(nil) // the system's roots do not trust the test's certificate
		ts.withUsers()
		ts.reply(reader, mailReply)
		ts.stepMail()
		if box := ts.outbox(); len(sink.mails()) != 0 || box[0].Status != models.MailPending || !strings.Contains(box[0].LastError, "certificate") {
			t.Fatalf("with an untrusted certificate: outbox %+v, want nothing sent and the certificate named", box[0])
		}
		withRoots(roots)
		clock.Advance(mailer.Backoff[0])
		ts.stepMail()
		got := sink.mails()
		if len(got) != 1 || !got[0].tls || got[0].authUser != "toasoan" {
			t.Fatalf("received %d mails (%+v), want one over TLS, logged in", len(got), got)
		}
		if !strings.Contains(parseMail(t, got[0].data).text, "Hòa Bình") {
			t.Error("the mail lacks the reply")
		}
	})
}

package webhooks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/models"
)

func TestAllowed(t *testing.T) {
	cases := []struct {
		addr       string
		allowLocal bool
		want       bool
	}{
		{"93.184.216.34", false, true},
		{"2606:2800:220:1:248:1893:25c8:1946", false, true},
		{"127.0.0.1", false, false},
		{"127.0.0.1", true, true},
		{"::1", true, true},
		{"10.0.0.1", true, false}, // allowing local means this machine, never the private network
		{"172.16.5.4", false, false},
		{"192.168.1.1", false, false},
		{"169.254.169.254", false, false}, // cloud metadata
		{"100.100.100.200", false, false}, // carrier-grade NAT, a metadata address on some clouds
		{"0.0.0.0", false, false},
		{"224.0.0.1", false, false},
		{"255.255.255.255", false, false},
		{"::ffff:10.0.0.1", false, false},
		{"::ffff:127.0.0.1", false, false},
		{"fd00::1", false, false},
		{"fe80::1", false, false},
		{"::", false, false},
	}
	for _, c := range cases {
		if got := Allowed(netip.MustParseAddr(c.addr), c.allowLocal); got != c.want {
			t.Errorf("Allowed(%s, allowLocal=%v) = %v, want %v", c.addr, c.allowLocal, got, c.want)
		}
	}
}

// fakeResolver answers from a table; other hosts do not resolve.
type fakeResolver map[string][]netip.Addr

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if addrs, ok := r[host]; ok {
		return addrs, nil
	}
	return nil, errors.New("no such host")
}

func TestCheckURL(t *testing.T) {
	dns := fakeResolver{
		"tich-hop.example.vn": {netip.MustParseAddr("93.184.216.34")},
		"noi-bo.example.vn":   {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.1.2.3")},
		"rebind.example.vn":   {netip.MustParseAddr("127.0.0.1")},
	}
	cases := []struct {
		url        string
		allowLocal bool
		want       string // a part of the problem; "" for none
	}{
		{"https://tich-hop.example.vn/toasoan?token=x", false, ""},
		{"https://tich-hop.example.vn:8443/toasoan", false, ""},
		{"http://tich-hop.example.vn/toasoan", false, "https"},
		{"ftp://tich-hop.example.vn/toasoan", false, "https"},
		{"tich-hop.example.vn/toasoan", false, "absolute"},
		{"https:///toasoan", false, "absolute"},
		{"mailto:bientap@example.vn", false, "absolute"},
		{"https://noi-bo.example.vn/hook", false, "10.1.2.3"},
		{"https://rebind.example.vn/hook", true, "127.0.0.1"}, // local means localhost, not any name resolving to it
		{"https://khong-co.example.vn/hook", false, "cannot be resolved"},
		{"https://10.0.0.1/hook", true, "10.0.0.1"},
		{"https://[::ffff:a00:1]/hook", false, "10.0.0.1"},
		{"http://127.0.0.1:8080/hook", true, ""},
		{"http://localhost:8080/hook", true, ""},
		{"http://[::1]:8080/hook", true, ""},
		{"http://127.0.0.1:8080/hook", false, "this server"},
		{"https://LOCALHOST/hook", false, "this server"},
	}
	for _, c := range cases {
		got := CheckURL(context.Background(), c.url, c.allowLocal, dns)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("CheckURL(%q, allowLocal=%v) = %q, want %q", c.url, c.allowLocal, got, c.want)
		}
	}
}

// The client refuses private addresses on connection, whatever the URL says.
func TestClientConnectsToAllowedAddressesOnly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	if _, err := newClient(false).Get(srv.URL); err == nil || !strings.Contains(err.Error(), "is not public") {
		t.Errorf("a local address without allowLocal: %v", err)
	}
	res, err := newClient(true).Get(srv.URL)
	if err != nil {
		t.Fatalf("a local address with allowLocal: %v", err)
	}
	res.Body.Close()
}

// Redirects are answers, not followed: a receiver cannot send the request on to a private host.
func TestClientDoesNotFollowRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	}))
	defer srv.Close()
	res, err := newClient(true).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Errorf("status %d, want the 302 itself", res.StatusCode)
	}
}

func TestSign(t *testing.T) {
	// RFC 4231, test case 2.
	const want = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got := Sign("Jefe", []byte("what do ya want for nothing?")); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestPayload(t *testing.T) {
	at := time.Date(2026, 8, 23, 7, 0, 0, 0, time.UTC)
	event := func(eventType, data string) models.WebhookEvent {
		return models.WebhookEvent{ID: 9, Type: eventType, Data: data, CreatedAt: at}
	}
	const base, site = "https://api.mattran.org.vn", "https://mattran.org.vn"
	cases := []struct {
		event             models.WebhookEvent
		wantURL, wantPage string
	}{
		{event(models.EventArticleUpdated, `{"id":1,"slug":"dai-hoi","published_at":"2026-08-23T07:00:00Z"}`), base + "/api/v1/articles/dai-hoi", site + "/articles/dai-hoi"},
		{event(models.EventAnnouncementPublished, `{"id":2,"slug":"thong-bao"}`), base + "/api/v1/announcements/thong-bao", site + "/announcements/thong-bao"},
		{event(models.EventAnnouncementUnpublished, `{"id":2,"slug":"thong-bao"}`), base + "/api/v1/announcements/thong-bao", site + "/announcements/thong-bao"},
		{event(models.EventDocumentPublished, `{"id":3,"number":"12/NQ-MTTW"}`), base + "/api/v1/documents/3", site + "/documents/3"},
		{event(models.EventSubmissionReceived, `{"id":4}`), "", ""},
		{event(models.EventPing, `{"id":5}`), "", ""},
	}
	for _, c := range cases {
		p, err := Payload(Origins{Public: base, Site: site}, 77, c.event)
		if err != nil {
			t.Fatal(err)
		}
		if p.Data.URL != c.wantURL || p.Data.PageURL != c.wantPage || p.Event != c.event.Type || p.EventID != 9 || p.DeliveryID != 77 ||
			p.OccurredAt.Format(time.RFC3339) != "2026-08-23T14:00:00+07:00" {
			t.Errorf("Payload of %s = %+v", c.event.Type, p)
		}
		if p.Data.PublishedAt != nil && p.Data.PublishedAt.Format(time.RFC3339) != "2026-08-23T14:00:00+07:00" {
			t.Errorf("published_at %s, want the newsroom's zone", p.Data.PublishedAt)
		}
	}
}

func TestShorten(t *testing.T) {
	long := strings.Repeat("lỗi ", 200)
	got := shorten(long)
	if len(got) > maxErrorLength || !strings.HasSuffix(got, "...") || !strings.HasPrefix(long, strings.TrimSuffix(got, "...")) {
		t.Errorf("shorten: %d bytes, %q", len(got), got)
	}
	if shorten("HTTP 500") != "HTTP 500" {
		t.Error("a short error changed")
	}
}

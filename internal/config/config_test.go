package config

import (
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/htmlsafe"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatalf("Load with nothing set: %v", err)
	}
	if c.Addr != ":8080" || c.DatabaseURL != "" || c.DataDir != "./data" || c.MaxUploadBytes != 20<<20 {
		t.Errorf("defaults: %+v", c)
	}
	if c.SQLitePath() != "data/toasoan.db" {
		t.Errorf("SQLitePath = %q", c.SQLitePath())
	}
	if c.MediaDir != "data/media" || c.RefreshTTL != 720*time.Hour || c.DatabaseWait != 30*time.Second || c.WebhooksAllowLocal ||
		c.SubmissionsPerHour != 5 || c.RequestTimeout != 10*time.Second || c.DatabaseReplicaMaxLag != 5*time.Second ||
		c.TrashRetention != 30*24*time.Hour {
		t.Errorf("defaults: %+v", c)
	}
}

func TestLoadValues(t *testing.T) {
	c, err := Load(env(map[string]string{
		"TOASOAN_ADDR":                     "127.0.0.1:9000",
		"TOASOAN_DATABASE_URL":             "postgres://u@db:5432/toasoan?sslmode=disable",
		"TOASOAN_CORS_ORIGINS":             "https://mattran.org.vn, https://m.mattran.org.vn",
		"TOASOAN_MAX_UPLOAD_MB":            "5",
		"TOASOAN_JWT_SECRET":               strings.Repeat("s", 32),
		"TOASOAN_BASE_URL":                 "https://mattran.org.vn/",
		"TOASOAN_WEBHOOKS_ALLOW_LOCAL":     "1",
		"TOASOAN_SUBMISSIONS_PER_HOUR":     "20",
		"TOASOAN_REQUEST_TIMEOUT":          "3s",
		"TOASOAN_DATABASE_REPLICA_URLS":    "postgres://u@replica-1:5432/toasoan, postgres://u@replica-2:5432/toasoan",
		"TOASOAN_DATABASE_REPLICA_MAX_LAG": "2s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.CORSOrigins) != 2 || c.CORSOrigins[1] != "https://m.mattran.org.vn" {
		t.Errorf("CORS origins %q", c.CORSOrigins)
	}
	if c.MaxUploadBytes != 5<<20 || c.SiteURL != "https://mattran.org.vn" || !c.WebhooksAllowLocal || c.SubmissionsPerHour != 20 ||
		c.RequestTimeout != 3*time.Second || len(c.DatabaseReplicaURLs) != 2 || c.DatabaseReplicaMaxLag != 2*time.Second {
		t.Errorf("%+v", c)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	cases := []struct {
		name, key, value, want string
	}{
		{"addr", "TOASOAN_ADDR", "8080", "TOASOAN_ADDR"},
		{"database url scheme", "TOASOAN_DATABASE_URL", "mysql://x/y", "TOASOAN_DATABASE_URL"},
		{"database url unparsable", "TOASOAN_DATABASE_URL", "postgres://%zz", "TOASOAN_DATABASE_URL"},
		{"short secret", "TOASOAN_JWT_SECRET", "short", "TOASOAN_JWT_SECRET"},
		{"upload size", "TOASOAN_MAX_UPLOAD_MB", "lots", "TOASOAN_MAX_UPLOAD_MB"},
		{"upload size zero", "TOASOAN_MAX_UPLOAD_MB", "0", "TOASOAN_MAX_UPLOAD_MB"},
		{"submissions per hour", "TOASOAN_SUBMISSIONS_PER_HOUR", "five", "TOASOAN_SUBMISSIONS_PER_HOUR"},
		{"submissions per hour zero", "TOASOAN_SUBMISSIONS_PER_HOUR", "0", "TOASOAN_SUBMISSIONS_PER_HOUR"},
		{"cors origin", "TOASOAN_CORS_ORIGINS", "mattran.org.vn", "TOASOAN_CORS_ORIGINS"},
		{"base url", "TOASOAN_BASE_URL", "/relative", "TOASOAN_BASE_URL"},
		{"site url relative", "TOASOAN_SITE_URL", "/tin", "TOASOAN_SITE_URL"},
		{"site url scheme", "TOASOAN_SITE_URL", "ftp://mattran.org.vn", "TOASOAN_SITE_URL"},
		{"site url without host", "TOASOAN_SITE_URL", "https://", "TOASOAN_SITE_URL"},
		{"public url with a query", "TOASOAN_PUBLIC_URL", "https://api.mattran.org.vn/?v=1", "TOASOAN_PUBLIC_URL"},
		{"public url with a fragment", "TOASOAN_PUBLIC_URL", "https://api.mattran.org.vn#top", "TOASOAN_PUBLIC_URL"},
		{"media url not http", "TOASOAN_MEDIA_URL", "s3://bucket/media", "TOASOAN_MEDIA_URL"},
		{"media url unparsable", "TOASOAN_MEDIA_URL", "https://%zz", "TOASOAN_MEDIA_URL"},
		{"preview url without the token", "TOASOAN_PREVIEW_URL", "https://tin.mattran.org.vn/preview", "TOASOAN_PREVIEW_URL"},
		{"preview url relative", "TOASOAN_PREVIEW_URL", "/preview/{token}", "TOASOAN_PREVIEW_URL"},
		{"local webhooks", "TOASOAN_WEBHOOKS_ALLOW_LOCAL", "maybe", "TOASOAN_WEBHOOKS_ALLOW_LOCAL"},
		{"request timeout", "TOASOAN_REQUEST_TIMEOUT", "soon", "TOASOAN_REQUEST_TIMEOUT"},
		{"request timeout above the write timeout", "TOASOAN_REQUEST_TIMEOUT", "60s", "TOASOAN_REQUEST_TIMEOUT"},
		{"request timeout zero", "TOASOAN_REQUEST_TIMEOUT", "0", "TOASOAN_REQUEST_TIMEOUT"},
		{"refresh ttl", "TOASOAN_REFRESH_TTL", "forever", "TOASOAN_REFRESH_TTL"},
		{"log format", "TOASOAN_LOG_FORMAT", "xml", "TOASOAN_LOG_FORMAT"},
		{"redis", "TOASOAN_REDIS_URL", "http://x", "TOASOAN_REDIS_URL"},
		{"replica lag", "TOASOAN_DATABASE_REPLICA_MAX_LAG", "a little", "TOASOAN_DATABASE_REPLICA_MAX_LAG"},
		{"replica lag too small", "TOASOAN_DATABASE_REPLICA_MAX_LAG", "10ms", "TOASOAN_DATABASE_REPLICA_MAX_LAG"},
		{"replicas without primary", "TOASOAN_DATABASE_REPLICA_URLS", "postgres://r1/db", "TOASOAN_DATABASE_REPLICA_URLS"},
		{"admin password without email", "TOASOAN_ADMIN_PASSWORD", "long enough password", "TOASOAN_ADMIN_EMAIL"},
		{"trash retention", "TOASOAN_TRASH_RETENTION", "a month", "TOASOAN_TRASH_RETENTION"},
		{"trash retention in minutes", "TOASOAN_TRASH_RETENTION", "30m", "TOASOAN_TRASH_RETENTION"},
		{"trash retention zero days", "TOASOAN_TRASH_RETENTION", "0d", "TOASOAN_TRASH_RETENTION"},
		{"trash retention negative", "TOASOAN_TRASH_RETENTION", "-3d", "TOASOAN_TRASH_RETENTION"},
		{"trash retention too long", "TOASOAN_TRASH_RETENTION", "4000d", "TOASOAN_TRASH_RETENTION"},
		{"sync retention", "TOASOAN_SYNC_RETENTION", "three months", "TOASOAN_SYNC_RETENTION"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(env(map[string]string{tc.key: tc.value}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load(%s=%q) error = %v, want one naming %s", tc.key, tc.value, err, tc.want)
			}
		})
	}
}

// The three origins and the preview template: each set on its own, or filled from
// TOASOAN_BASE_URL as before they existed.
func TestLoadOrigins(t *testing.T) {
	cases := []struct {
		name                              string
		env                               map[string]string
		site, public, media, previewToken string
	}{
		{"nothing set: this process, locally", nil,
			"http://localhost:8080", "http://localhost:8080", "http://localhost:8080/media", "http://localhost:8080/api/v1/preview/articles/T"},
		{"another port, nothing else set: this process on it", map[string]string{"TOASOAN_ADDR": ":9090"},
			"http://localhost:9090", "http://localhost:9090", "http://localhost:9090/media", "http://localhost:9090/api/v1/preview/articles/T"},
		{"one interface", map[string]string{"TOASOAN_ADDR": "127.0.0.1:18080"},
			"http://127.0.0.1:18080", "http://127.0.0.1:18080", "http://127.0.0.1:18080/media", "http://127.0.0.1:18080/api/v1/preview/articles/T"},
		{"only the base URL: everything as before", map[string]string{"TOASOAN_BASE_URL": "https://mattran.org.vn/"},
			"https://mattran.org.vn", "https://mattran.org.vn", "https://mattran.org.vn/media", "https://mattran.org.vn/api/v1/preview/articles/T"},
		{"all three and the preview page", map[string]string{
			"TOASOAN_SITE_URL": "https://mattran.org.vn", "TOASOAN_PUBLIC_URL": "https://api.mattran.org.vn/",
			"TOASOAN_MEDIA_URL": "https://cdn.mattran.org.vn/toasoan/", "TOASOAN_PREVIEW_URL": "https://mattran.org.vn/xem-truoc/{token}?ban=nhap"},
			"https://mattran.org.vn", "https://api.mattran.org.vn", "https://cdn.mattran.org.vn/toasoan", "https://mattran.org.vn/xem-truoc/T?ban=nhap"},
		{"the base URL fills only what is unset", map[string]string{"TOASOAN_BASE_URL": "https://mattran.org.vn", "TOASOAN_SITE_URL": "https://tin.mattran.org.vn"},
			"https://tin.mattran.org.vn", "https://mattran.org.vn", "https://mattran.org.vn/media", "https://mattran.org.vn/api/v1/preview/articles/T"},
		{"media and preview follow the public URL", map[string]string{"TOASOAN_BASE_URL": "https://mattran.org.vn", "TOASOAN_PUBLIC_URL": "https://api.mattran.org.vn"},
			"https://mattran.org.vn", "https://api.mattran.org.vn", "https://api.mattran.org.vn/media", "https://api.mattran.org.vn/api/v1/preview/articles/T"},
		{"a site under a path", map[string]string{"TOASOAN_SITE_URL": "https://mattran.org.vn/tin-tuc/"},
			"https://mattran.org.vn/tin-tuc", "http://localhost:8080", "http://localhost:8080/media", "http://localhost:8080/api/v1/preview/articles/T"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.SiteURL != tc.site || c.PublicURL != tc.public || c.MediaURL != tc.media || c.PreviewLink("T") != tc.previewToken {
				t.Errorf("site %q public %q media %q preview %q", c.SiteURL, c.PublicURL, c.MediaURL, c.PreviewLink("T"))
			}
		})
	}
	// A bad base URL is reported once, under its own name, not again under the origins it fills.
	_, err := Load(env(map[string]string{"TOASOAN_BASE_URL": "mattran.org.vn"}))
	if err == nil || !strings.Contains(err.Error(), "TOASOAN_BASE_URL") || strings.Contains(err.Error(), "TOASOAN_SITE_URL") {
		t.Errorf("error = %v, want TOASOAN_BASE_URL alone", err)
	}
}

func TestTrashRetention(t *testing.T) {
	for value, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "90": 90 * 24 * time.Hour, "36h": 36 * time.Hour, "3650d": 3650 * 24 * time.Hour} {
		c, err := Load(env(map[string]string{"TOASOAN_TRASH_RETENTION": value}))
		if err != nil || c.TrashRetention != want {
			t.Errorf("TOASOAN_TRASH_RETENTION=%s: %s, %v; want %s", value, c.TrashRetention, err, want)
		}
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load(env(map[string]string{"TOASOAN_ADDR": "x", "TOASOAN_MAX_UPLOAD_MB": "-1"}))
	if err == nil || !strings.Contains(err.Error(), "TOASOAN_ADDR") || !strings.Contains(err.Error(), "TOASOAN_MAX_UPLOAD_MB") {
		t.Fatalf("error = %v, want both problems", err)
	}
}

func TestTrustedProxiesAndImagePixels(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range c.TrustedProxies {
		got = append(got, n.String())
	}
	if strings.Join(got, ",") != "127.0.0.0/8,::1/128" || c.MaxImagePixels != 40_000_000 {
		t.Errorf("defaults: proxies %v, max pixels %d", got, c.MaxImagePixels)
	}
	if !slices.Equal(c.ImageWidths, []int{320, 640, 1024, 1600}) || c.ImageWorkers != 1 {
		t.Errorf("defaults: image widths %v, workers %d", c.ImageWidths, c.ImageWorkers)
	}
	c, err = Load(env(map[string]string{"TOASOAN_TRUSTED_PROXIES": "10.42.0.0/16, fd00::/8", "TOASOAN_MAX_IMAGE_PIXELS": "1000",
		"TOASOAN_IMAGE_WIDTHS": "800, 400,800", "TOASOAN_IMAGE_WORKERS": "3"}))
	if err != nil || len(c.TrustedProxies) != 2 || c.TrustedProxies[1].String() != "fd00::/8" || c.MaxImagePixels != 1000 {
		t.Errorf("set: %v %v %d", err, c.TrustedProxies, c.MaxImagePixels)
	}
	if !slices.Equal(c.ImageWidths, []int{400, 800}) || c.ImageWorkers != 3 {
		t.Errorf("set: image widths %v, workers %d", c.ImageWidths, c.ImageWorkers)
	}
	for env2, value := range map[string]string{"TOASOAN_IMAGE_WIDTHS": "320,abc", "TOASOAN_IMAGE_WORKERS": "0"} {
		if _, err := Load(env(map[string]string{env2: value})); err == nil || !strings.Contains(err.Error(), env2) {
			t.Errorf("%s=%s: err = %v", env2, value, err)
		}
	}
	if _, err := Load(env(map[string]string{"TOASOAN_IMAGE_WIDTHS": "8"})); err == nil || !strings.Contains(err.Error(), "TOASOAN_IMAGE_WIDTHS") {
		t.Errorf("a width of 8: err = %v", err)
	}
	_, err = Load(env(map[string]string{"TOASOAN_TRUSTED_PROXIES": "10.42.0.0/16,10.0.0.1,proxy.local", "TOASOAN_MAX_IMAGE_PIXELS": "-5"}))
	for _, want := range []string{`"10.0.0.1" is not a CIDR`, `"proxy.local" is not a CIDR`, "TOASOAN_MAX_IMAGE_PIXELS"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %s", err, want)
		}
	}
}

func TestEmbedProviders(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || !slices.Equal(c.EmbedProviders, htmlsafe.DefaultEmbedProviders) {
		t.Errorf("default: %v %v", c.EmbedProviders, err)
	}
	c, err = Load(env(map[string]string{"TOASOAN_EMBED_PROVIDERS": "player.vimeo.com/video/, www.youtube.com/embed/"}))
	if err != nil || !slices.Equal(c.EmbedProviders, []string{"player.vimeo.com/video/", "www.youtube.com/embed/"}) {
		t.Errorf("set: %v %v", c.EmbedProviders, err)
	}
	_, err = Load(env(map[string]string{"TOASOAN_EMBED_PROVIDERS": "https://player.vimeo.com/video/,/embed/,evil.example:8443/x,a@b/c"}))
	for _, want := range []string{`"https://player.vimeo.com/video/"`, `"/embed/"`, `"evil.example:8443/x"`, `"a@b/c"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

// The README's configuration table and Env are the same list: nothing documented that the
// process does not read, nothing read that is not documented.
func TestREADMEConfigurationTableIsEnv(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(TOASOAN_[A-Z_]+)`(?:, `(TOASOAN_[A-Z_]+)`)? \\|")
	documented := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		for _, name := range m[1:] {
			if name != "" {
				documented[name] = true
			}
		}
	}
	for name := range Env {
		if !documented[name] {
			t.Errorf("%s is read (config.Env) but not in the README's configuration table", name)
		}
	}
	for name := range documented {
		if _, ok := Env[name]; !ok {
			t.Errorf("%s is in the README's configuration table but the process does not read it", name)
		}
	}
}

func TestLoadSMTPURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want *SMTP
	}{
		{"", nil},
		{"smtp://mail.example.vn?from=toasoan@example.vn", &SMTP{Host: "mail.example.vn", Port: 587, From: "toasoan@example.vn"}},
		{"smtp://user:p%40ss@mail.example.vn:2525?from=toasoan@example.vn",
			&SMTP{Host: "mail.example.vn", Port: 2525, Username: "user", Password: "p@ss", From: "toasoan@example.vn"}},
		{"smtp://mail.example.vn?from=" + url.QueryEscape("Ban biên tập <toasoan@example.vn>"),
			&SMTP{Host: "mail.example.vn", Port: 587, From: "toasoan@example.vn", FromName: "Ban biên tập"}},
		{"smtps://user:secret@mail.example.vn?from=toasoan@example.vn",
			&SMTP{Host: "mail.example.vn", Port: 465, ImplicitTLS: true, Username: "user", Password: "secret", From: "toasoan@example.vn"}},
	} {
		c, err := Load(env(map[string]string{"TOASOAN_SMTP_URL": tc.url}))
		if err != nil {
			t.Errorf("%q: %v", tc.url, err)
			continue
		}
		if (c.SMTP == nil) != (tc.want == nil) || c.SMTP != nil && *c.SMTP != *tc.want {
			t.Errorf("%q: %+v, want %+v", tc.url, c.SMTP, tc.want)
		}
	}
	for _, bad := range []string{
		"http://mail.example.vn?from=toasoan@example.vn",
		"smtp://?from=toasoan@example.vn",
		"smtp://mail.example.vn:0?from=toasoan@example.vn",
		"smtp://user:secret@mail.example.vn",
		"smtp://mail.example.vn?from=not-an-address",
		"smtp://mail.example.vn?from=Toà Soạn toasoan@example.vn",
	} {
		_, err := Load(env(map[string]string{"TOASOAN_SMTP_URL": bad}))
		if err == nil || !strings.Contains(err.Error(), "TOASOAN_SMTP_URL") {
			t.Errorf("%q: %v, want an error naming TOASOAN_SMTP_URL", bad, err)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: the error quotes the password: %v", bad, err)
		}
	}
}

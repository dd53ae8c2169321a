package store

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/toasoan/toasoan/internal/models"
)

// SetTrackingURL sets how the mails to readers link to a submission's tracking page; the
// server sets it from its configuration before it serves. Without it, mails give the API's
// path alone.
func (s *Store) SetTrackingURL(link func(code string) string) { s.trackingURL = link }

// defaultTrackingURL is the tracking page's path on the API.
func defaultTrackingURL(code string) string { return "/api/v1/submissions/" + url.PathEscape(code) }

// replyMail is the mail telling a submitter that the board replied: the reply itself and the
// link to the tracking page, in plain text and HTML, keyed to the submission's reply version.
func replyMail(sub models.Submission, link string) (models.OutboxMail, error) {
	name := sub.Name
	if name == "" {
		name = "bạn"
	}
	text := "Chào " + name + ",\n\n" +
		"Ban biên tập đã trả lời thư “" + sub.Subject + "” của bạn (mã theo dõi " + sub.TrackingCode + "):\n\n" +
		sub.Reply + "\n\n" +
		"Xem thư và câu trả lời: " + link + "\n\n" +
		"Thư này được gửi tự động; xin đừng trả lời thư này.\n"
	var html bytes.Buffer
	err := replyHTML.Execute(&html, map[string]any{"Name": name, "Subject": sub.Subject, "Code": sub.TrackingCode,
		"Paragraphs": strings.Split(sub.Reply, "\n"), "Link": link})
	if err != nil {
		return models.OutboxMail{}, err
	}
	return models.OutboxMail{
		IdempotencyKey: fmt.Sprintf("submission-reply:%d:v%d", sub.ID, sub.Version),
		ToAddress:      sub.Email,
		Subject:        truncateRunes("Ban biên tập đã trả lời: "+sub.Subject, 300),
		BodyText:       text,
		BodyHTML:       html.String(),
	}, nil
}

var replyHTML = template.Must(template.New("reply").Parse(`<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Ban biên tập đã trả lời</title></head>
<body>
<p>Chào {{.Name}},</p>
<p>Ban biên tập đã trả lời thư “{{.Subject}}” của bạn (mã theo dõi <strong>{{.Code}}</strong>):</p>
<blockquote>{{range $i, $p := .Paragraphs}}{{if $i}}<br>
{{end}}{{$p}}{{end}}</blockquote>
<p><a href="{{.Link}}">Xem thư và câu trả lời</a></p>
<p><small>Thư này được gửi tự động; xin đừng trả lời thư này.</small></p>
</body></html>
`))

// truncateRunes cuts s to at most n characters.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

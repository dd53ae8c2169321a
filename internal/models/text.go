package models

import (
	"net/url"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// CleanText is how free text from clients is stored: valid UTF-8 without NUL bytes (which
// PostgreSQL refuses), in NFC (so equal Vietnamese text compares equal), trimmed.
func CleanText(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	return norm.NFC.String(strings.TrimSpace(s))
}

// IsWebURL says whether s is an absolute http or https URL with a host.
func IsWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(s, " \t\r\n")
}

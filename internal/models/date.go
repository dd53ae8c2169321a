package models

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Date is a calendar day without a time of day or zone: "YYYY-MM-DD" in JSON and in the
// database (a DATE column on PostgreSQL, TEXT on SQLite, where that form sorts and compares
// by day).
type Date struct {
	t time.Time // midnight UTC of the day
}

// ParseDate reads "YYYY-MM-DD", rejecting days that do not exist (2024-02-30).
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, err
	}
	return Date{t}, nil
}

// NewDate is the given day; out-of-range parts are normalised as time.Date does.
func NewDate(year int, month time.Month, day int) Date {
	return Date{time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// DateOf is the day of t in t's own zone.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return NewDate(y, m, d)
}

func (d Date) String() string { return d.t.Format(time.DateOnly) }

// Year is the year of the day.
// Time is midnight UTC at the start of the day.
func (d Date) Time() time.Time { return d.t }

func (d Date) Year() int { return d.t.Year() }

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.t.Before(o.t) }

// MarshalJSON writes "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// Value stores "YYYY-MM-DD": PostgreSQL reads it into a DATE, SQLite keeps the text.
func (d Date) Value() (driver.Value, error) { return d.String(), nil }

// Scan reads a DATE (a time.Time from either driver) or the stored text.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*d = DateOf(v)
		return nil
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	}
	return fmt.Errorf("models.Date: cannot scan %T", src)
}

func (d *Date) scanText(s string) error {
	if len(s) > len(time.DateOnly) {
		s = s[:len(time.DateOnly)]
	}
	parsed, err := ParseDate(s)
	if err != nil {
		return fmt.Errorf("models.Date: %w", err)
	}
	*d = parsed
	return nil
}

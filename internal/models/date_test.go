package models

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" for an error
	}{
		{"2024-05-10", "2024-05-10"},
		{"2024-02-29", "2024-02-29"},
		{"2023-02-29", ""},
		{"2024-13-45", ""},
		{"2024-5-1", ""},
		{"10/05/2024", ""},
		{"2024-05-10T00:00:00Z", ""},
		{"", ""},
	} {
		d, err := ParseDate(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseDate(%q) = %s, want an error", tc.in, d)
			}
			continue
		}
		if err != nil || d.String() != tc.want {
			t.Errorf("ParseDate(%q) = %s, %v; want %s", tc.in, d, err, tc.want)
		}
	}
}

func TestDateScanValueJSON(t *testing.T) {
	want := NewDate(2024, time.May, 10)
	for _, src := range []any{
		"2024-05-10",
		[]byte("2024-05-10"),
		time.Date(2024, 5, 10, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 5, 10, 0, 0, 0, 0, time.FixedZone("ICT", 7*3600)), // the day in its own zone
		"2024-05-10 00:00:00+00:00",
	} {
		var d Date
		if err := d.Scan(src); err != nil || d != want {
			t.Errorf("Scan(%#v) = %s, %v; want %s", src, d, err, want)
		}
	}
	var d Date
	if err := d.Scan(int64(20240510)); err == nil {
		t.Error("Scan of an integer did not fail")
	}
	if v, _ := want.Value(); v != "2024-05-10" {
		t.Errorf("Value = %#v", v)
	}
	b, _ := json.Marshal(struct {
		On    Date  `json:"on"`
		Until *Date `json:"until"`
	}{On: want})
	if string(b) != `{"on":"2024-05-10","until":null}` {
		t.Errorf("JSON %s", b)
	}
	if !NewDate(2024, time.May, 9).Before(want) || want.Before(want) || want.Year() != 2024 {
		t.Error("Before or Year wrong")
	}
}

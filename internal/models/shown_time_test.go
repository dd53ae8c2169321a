package models

import (
	"encoding/json"
	"testing"
	"time"
)

type shownInner struct {
	At time.Time `json:"at"`
}

type shownOuter struct {
	shownInner                        // embedded, of an unexported type: JSON shows its fields
	Ptr        *time.Time             `json:"ptr"`
	List       []shownInner           `json:"list"`
	Map        map[string]time.Time   `json:"map"`
	Any        any                    `json:"any"`
	Date       Date                   `json:"date"`
	Nil        *time.Time             `json:"nil"`
	Nested     map[string]*shownOuter `json:"nested"`
}

func TestWithShownTimes(t *testing.T) {
	at := time.Date(2026, 8, 23, 7, 0, 0, 987654321, time.UTC)
	in := shownOuter{shownInner: shownInner{At: at}, Ptr: &at, List: []shownInner{{At: at}}, Map: map[string]time.Time{"k": at},
		Any: shownInner{At: at}, Date: DateOf(at), Nested: map[string]*shownOuter{"n": {Ptr: &at}}}
	b, err := json.Marshal(WithShownTimes(in))
	if err != nil {
		t.Fatal(err)
	}
	const shown = `"2026-08-23T14:00:00+07:00"`
	want := `{"at":` + shown + `,"ptr":` + shown + `,"list":[{"at":` + shown + `}],"map":{"k":` + shown + `},"any":{"at":` + shown +
		`},"date":"2026-08-23","nil":null,"nested":{"n":{"at":"0001-01-01T07:00:00+07:00","ptr":` + shown +
		`,"list":null,"map":null,"any":null,"date":"0001-01-01","nil":null,"nested":null}}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	if !in.At.Equal(at) || in.At.Location() != time.UTC || *in.Ptr != at || in.List[0].At != at || in.Map["k"] != at {
		t.Error("the value given was changed")
	}
	if v := WithShownTimes(struct{ N int }{3}); v != (struct{ N int }{3}) {
		t.Errorf("a value without times: %v", v)
	}
}

func BenchmarkWithShownTimes(b *testing.B) {
	at := time.Now()
	list := make([]shownOuter, 20) // a page of a list
	for i := range list {
		list[i] = shownOuter{shownInner: shownInner{At: at}, Ptr: &at, List: []shownInner{{At: at}, {At: at}}}
	}
	v := struct {
		Data []shownOuter `json:"data"`
	}{list}
	for b.Loop() {
		WithShownTimes(v)
	}
}

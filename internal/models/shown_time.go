package models

import (
	"encoding/json"
	"reflect"
	"sync"
	"time"
	"unsafe"
)

// ShownTimeLayout is how every time leaves toasoan (JSON responses, webhook payloads): RFC 3339
// in the newsroom's zone at whole seconds, e.g. 2026-08-23T14:00:00+07:00.
const ShownTimeLayout = time.RFC3339

// ShownTime is t as toasoan shows it: in the newsroom's zone, at whole seconds.
func ShownTime(t time.Time) time.Time { return t.In(NewsroomZone).Truncate(time.Second) }

// WithShownTimes returns a copy of v in which every time.Time, wherever it sits (fields, pointers,
// slices, maps, nested values), is a ShownTime, so that encoding it writes every time in one
// style. It is the one step every JSON body goes through before it is encoded: times stay exact
// inside the program (keyset cursors compare microseconds) and only their display is rounded.
// v itself is never changed; parts without times are shared, not copied.
func WithShownTimes(v any) any {
	if v == nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	if !holdsTime(rv.Type()) {
		return v
	}
	return withShownTimes(rv).Interface()
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
	holdsTimeMemo sync.Map // reflect.Type → bool
)

// holdsTime reports whether values of t can contain a time.Time that JSON encoding would show.
// Types that encode themselves (other than time.Time) are left to their own MarshalJSON.
func holdsTime(t reflect.Type) bool {
	if v, ok := holdsTimeMemo.Load(t); ok {
		return v.(bool)
	}
	holdsTimeMemo.Store(t, false) // recursive types: assume no while looking
	found := lookForTime(t)
	holdsTimeMemo.Store(t, found)
	return found
}

func lookForTime(t reflect.Type) bool {
	if t == timeType {
		return true
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface &&
		(t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType)) {
		return false
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return holdsTime(t.Elem())
	case reflect.Interface:
		return true // decided by the value inside
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); encoded(f) && holdsTime(f.Type) {
				return true
			}
		}
	}
	return false
}

// encoded reports whether encoding/json writes a struct field: exported ones, and the fields of
// embedded structs whatever their type's name.
func encoded(f reflect.StructField) bool {
	return f.IsExported() || (f.Anonymous && f.Type.Kind() == reflect.Struct)
}

func withShownTimes(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	out.Set(v)
	showInPlace(out)
	return out
}

// showInPlace rewrites the times of v, a copy this package owns (addressable). What v only
// points at (pointers, slices, maps, interfaces) may be shared with the caller's value, so it
// is copied before it is changed.
func showInPlace(v reflect.Value) {
	t := v.Type()
	if t == timeType {
		tp := v.Addr().Interface().(*time.Time)
		*tp = ShownTime(*tp)
		return
	}
	if !holdsTime(t) {
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			v.Set(withShownTimes(v.Elem()).Addr())
		}
	case reflect.Interface:
		if !v.IsNil() && holdsTime(v.Elem().Type()) {
			v.Set(withShownTimes(v.Elem()))
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		s := reflect.MakeSlice(t, v.Len(), v.Len())
		reflect.Copy(s, v)
		for i := 0; i < s.Len(); i++ {
			showInPlace(s.Index(i))
		}
		v.Set(s)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			showInPlace(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(t, v.Len())
		for it := v.MapRange(); it.Next(); {
			m.SetMapIndex(it.Key(), withShownTimes(it.Value()))
		}
		v.Set(m)
	case reflect.Struct:
		for _, f := range timeFieldsOf(t) {
			field := v.Field(f.index)
			if !f.exported {
				// An embedded struct of an unexported type: JSON shows its fields, reflection
				// may not set it. v is this package's own copy, so writing it is safe.
				field = reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem()
			}
			showInPlace(field)
		}
	}
}

// timeField is a field of a struct that holds times.
type timeField struct {
	index    int
	exported bool
}

var timeFieldsMemo sync.Map // reflect.Type → []timeField

// timeFieldsOf lists, once per type, the fields of struct type t that hold times.
func timeFieldsOf(t reflect.Type) []timeField {
	if v, ok := timeFieldsMemo.Load(t); ok {
		return v.([]timeField)
	}
	var out []timeField
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); encoded(f) && holdsTime(f.Type) {
			out = append(out, timeField{index: i, exported: f.IsExported()})
		}
	}
	timeFieldsMemo.Store(t, out)
	return out
}

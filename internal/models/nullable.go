package models

import "encoding/json"

// Nullable is a field of a change that can be left out (unchanged), set to null (cleared) or
// given a value: Set reports that the field was sent, Value is nil for null. Request bodies
// decode into it and store patches carry it as it is, so "absent" and "null" mean the same
// from the client to the database.
type Nullable[T any] struct {
	Set   bool
	Value *T
}

// Null is a Nullable set to null.
func Null[T any]() Nullable[T] { return Nullable[T]{Set: true} }

// Value is a Nullable set to v.
func Value[T any](v T) Nullable[T] { return Nullable[T]{Set: true, Value: &v} }

// UnmarshalJSON is called for null too, so Set is true whenever the field is present.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err // a *json.UnmarshalTypeError: the decoder names the field
	}
	n.Value = &v
	return nil
}

package store

import "github.com/toasoan/toasoan/internal/models"

// Patches: a field left out (nil, or a Nullable not Set) is unchanged.

// setValue applies a patch field: when v is sent, *dst becomes it, through clean if given.
func setValue[T any](dst *T, v *T, clean func(T) T) {
	if v == nil {
		return
	}
	*dst = *v
	if clean != nil {
		*dst = clean(*v)
	}
}

// setNullable applies a nullable patch field: null clears *dst, a value replaces it.
func setNullable[T any](dst **T, v models.Nullable[T], clean func(T) T) {
	if !v.Set {
		return
	}
	if v.Value == nil {
		*dst = nil
		return
	}
	x := *v.Value
	if clean != nil {
		x = clean(x)
	}
	*dst = &x
}

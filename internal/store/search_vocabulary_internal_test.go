package store

import (
	"testing"
)

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"ninh", "ninh", 0},
		{"nimh", "ninh", 1},  // substitution
		{"nihn", "ninh", 1},  // transposition
		{"nin", "ninh", 1},   // insertion
		{"ninhh", "ninh", 1}, // deletion
		{"", "ab", 2},
		{"ca", "abc", 3}, // optimal string alignment: no edit of a transposed pair
		{"thanh", "tahnh", 1},
		{"nguyen", "ngyuen", 1},
		{"bình", "binh", 1}, // runes, not bytes
		{"kitten", "sitting", 3},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := editDistance(tc.b, tc.a); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestRankCorrections(t *testing.T) {
	words := []vocabularyRow{{Word: "an", DocCount: 900}, {Word: "nam", DocCount: 40}, {Word: "nang", DocCount: 500},
		{Word: "man", DocCount: 40}, {Word: "nan", DocCount: 1}, {Word: "xyz", DocCount: 1000}}
	got := rankCorrections("nan", words)
	var order []string
	for _, w := range got {
		order = append(order, w.Word)
	}
	// The word itself is no correction; one edit only; the typo's length first; then the more
	// frequent; then byte order.
	want := []string{"man", "nam", "an", "nang"}
	if len(order) != len(want) {
		t.Fatalf("ranked %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("ranked %v, want %v", order, want)
		}
	}
	for _, term := range []string{"an", "a", "12ab", "mttq2"} {
		if n := maxEdits(term); n != 0 {
			t.Errorf("maxEdits(%q) = %d: short words and codes are not corrected", term, n)
		}
	}
	if maxEdits("nimh") != 1 || maxEdits("nguyen") != 2 {
		t.Errorf("maxEdits: %d, %d", maxEdits("nimh"), maxEdits("nguyen"))
	}
}

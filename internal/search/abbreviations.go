package search

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Abbreviation is one entry of the abbreviations dictionary: a short form as the press writes
// it and the long form it stands for.
type Abbreviation struct {
	Short string // "TP.HCM"
	Long  string // "Thành phố Hồ Chí Minh"
}

// Limits of an abbreviation's forms.
const (
	MaxAbbreviationLen = 20  // characters of the short form
	MaxLongFormLen     = 200 // characters of the long form
	MaxLongFormWords   = 12  // words of the long form
)

// maxAlternatives bounds the forms one query word (or run of words) expands into.
const maxAlternatives = 12

//go:embed abbreviations.tsv
var shippedAbbreviationsTSV string

// ShippedAbbreviations is the dictionary shipped with toasoan (abbreviations.tsv), which seeds
// the managed list of the database.
func ShippedAbbreviations() []Abbreviation {
	list, err := ParseAbbreviations(shippedAbbreviationsTSV)
	if err != nil {
		panic("search: abbreviations.tsv: " + err.Error()) // a test reads the file: never at run time
	}
	return list
}

// ParseAbbreviations reads a dictionary file: one abbreviation and its long form per line,
// separated by a tab; empty lines and lines starting with # are skipped.
func ParseAbbreviations(text string) ([]Abbreviation, error) {
	var out []Abbreviation
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		short, long, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("line %d: no tab between the abbreviation and its long form", n+1)
		}
		a := Abbreviation{Short: strings.TrimSpace(short), Long: strings.TrimSpace(long)}
		if problem := a.Check(); problem != "" {
			return nil, fmt.Errorf("line %d: %s", n+1, problem)
		}
		out = append(out, a)
	}
	return out, nil
}

// AbbreviationKey is the folded short form written without separators: "tphcm" for TP.HCM,
// "hdnd" for HĐND. Two abbreviations with the same key and long form are the same entry.
func AbbreviationKey(short string) string { return strings.ReplaceAll(Fold(short), " ", "") }

// Check returns what is wrong with an entry ("" when nothing): CheckShort, CheckLong, and the
// long form must not be the abbreviation itself.
func (a Abbreviation) Check() string {
	if p := CheckShort(a.Short); p != "" {
		return p
	}
	if p := CheckLong(a.Long); p != "" {
		return p
	}
	if Fold(a.Long) == Fold(a.Short) {
		return "the long form must differ from the abbreviation"
	}
	return ""
}

// CheckShort returns what is wrong with an abbreviation ("" when nothing): one word as written
// (letters and digits, with dots, hyphens or & between them: TP.HCM, KT-XH, UBND), at most
// MaxAbbreviationLen characters.
func CheckShort(short string) string {
	switch {
	case short == "" || strings.ContainsFunc(short, unicode.IsSpace):
		return "must be one word, without spaces (TP.HCM, KT-XH, UBND)"
	case utf8.RuneCountInString(short) > MaxAbbreviationLen:
		return fmt.Sprintf("must be at most %d characters", MaxAbbreviationLen)
	case AbbreviationKey(short) == "":
		return "must contain letters or digits"
	}
	return ""
}

// CheckLong returns what is wrong with a long form ("" when nothing): two to MaxLongFormWords
// words, at most MaxLongFormLen characters.
func CheckLong(long string) string {
	if utf8.RuneCountInString(long) > MaxLongFormLen {
		return fmt.Sprintf("must be at most %d characters", MaxLongFormLen)
	}
	folded := Fold(long)
	words := strings.Count(folded, " ") + 1
	switch {
	case folded == "" || words < 2:
		return "must be at least two words"
	case words > MaxLongFormWords:
		return fmt.Sprintf("must be at most %d words", MaxLongFormWords)
	}
	return ""
}

// Abbreviations is a dictionary ready for queries. Every long form is a concept; its forms are
// the long form, each abbreviation of it (folded as written, "tp hcm", and without separators,
// "tphcm"), and the long form with a shorter concept inside it abbreviated ("tp ho chi minh",
// "uy ban mttq"). A query that says one form finds every form of the concepts it names.
type Abbreviations struct {
	forms    map[string][]int // folded form → the concepts it names
	concepts [][]string       // each concept's forms, long form first
	maxWords int              // the most words of any form
}

// NewAbbreviations builds the dictionary of a list (entries that fail Check are skipped).
func NewAbbreviations(list []Abbreviation) *Abbreviations {
	d := &Abbreviations{forms: map[string][]int{}}
	byLong := map[string]int{}
	var shorts [][]string // per concept: the folded abbreviation forms
	for _, a := range list {
		if a.Check() != "" {
			continue
		}
		long := Fold(a.Long)
		c, ok := byLong[long]
		if !ok {
			c = len(d.concepts)
			byLong[long] = c
			d.concepts = append(d.concepts, []string{long})
			shorts = append(shorts, nil)
		}
		for _, f := range []string{Fold(a.Short), AbbreviationKey(a.Short)} {
			if f != long && !slices.Contains(shorts[c], f) {
				shorts[c] = append(shorts[c], f)
			}
		}
	}
	for c := range d.concepts {
		d.concepts[c] = append(d.concepts[c], shorts[c]...)
	}
	// One level of abbreviation inside long forms: "Ủy ban MTTQ", "TP. Hồ Chí Minh".
	for c, forms := range d.concepts {
		long := forms[0]
		for o, inner := range d.concepts {
			if o == c || !strings.Contains(" "+long+" ", " "+inner[0]+" ") {
				continue
			}
			for _, s := range shorts[o] {
				v := strings.TrimSpace(strings.Replace(" "+long+" ", " "+inner[0]+" ", " "+s+" ", 1))
				if !slices.Contains(d.concepts[c], v) {
					d.concepts[c] = append(d.concepts[c], v)
				}
			}
		}
	}
	for c, forms := range d.concepts {
		for _, f := range forms {
			if !slices.Contains(d.forms[f], c) {
				d.forms[f] = append(d.forms[f], c)
			}
			d.maxWords = max(d.maxWords, strings.Count(f, " ")+1)
		}
	}
	return d
}

var shipped = sync.OnceValue(func() *Abbreviations { return NewAbbreviations(ShippedAbbreviations()) })

// ShippedDictionary is NewAbbreviations(ShippedAbbreviations()), built once.
func ShippedDictionary() *Abbreviations { return shipped() }

// Len is the number of concepts (distinct long forms).
func (d *Abbreviations) Len() int {
	if d == nil {
		return 0
	}
	return len(d.concepts)
}

// longestAt finds the longest form that words[i:] starts with: its length in words and the
// forms it expands into (every form of every concept it names, itself first). 0 when none.
func (d *Abbreviations) longestAt(words []string, i int) (int, []string) {
	if d == nil || len(d.forms) == 0 {
		return 0, nil
	}
	for n := min(d.maxWords, len(words)-i); n > 0; n-- {
		form := strings.Join(words[i:i+n], " ")
		concepts, ok := d.forms[form]
		if !ok {
			continue
		}
		out := []string{form}
		for _, c := range concepts {
			for _, f := range d.concepts[c] {
				if len(out) < maxAlternatives && !slices.Contains(out, f) {
					out = append(out, f)
				}
			}
		}
		return n, out
	}
	return 0, nil
}

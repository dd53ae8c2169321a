package search

import "strings"

// Query is a parsed search query: every group must match.
type Query struct {
	Groups []Group
}

// Group is one part of a query: it matches when any of its alternatives does. A word of the
// query is a group of one alternative; an abbreviation (or a long form) is a group of the words
// as typed and of the other forms of the same thing.
type Group []Alt

// Alt is one alternative of a group.
type Alt struct {
	Words  []string // folded words
	Phrase bool     // adjacent and in order, in one field; otherwise each word anywhere
	Prefix bool     // the last word may also be the start of a word (the reader may be typing it)
}

// quoteMarks are the characters that open or close a phrase: straight and typographic double
// quotes, as keyboards and phones type them.
var quoteMarks = strings.NewReplacer("“", `"`, "”", `"`, "„", `"`, "‟", `"`, "«", `"`, "»", `"`, "〝", `"`, "〞", `"`, "＂", `"`)

// ParseQuery reads a search query. Words in double quotes (straight or curly) are a phrase:
// adjacent and in that order. Other words must each be a word of the item, and the query's last
// word, unless a closed quote ends the query, may also be the start of one (search as you type;
// an unclosed quote at the end is a phrase whose last word is a start). Outside quotes, words
// that are an abbreviation or a long form of abbr's dictionary (nil: none) also find the other
// forms of the same thing: "ubnd" finds "Ủy ban nhân dân" and "mat tran to quoc" finds "MTTQ";
// inside quotes, words are taken as written. Repeated words count once, and at most MaxTerms
// words are read.
func ParseQuery(text string, abbr *Abbreviations) Query {
	segments := strings.Split(quoteMarks.Replace(text), `"`)
	var q Query
	words := 0
	prefixable := -1 // the group that ends the query, if its last word may be a start
	for i, seg := range segments {
		quoted := i%2 == 1
		unclosed := quoted && i == len(segments)-1
		ws := strings.Fields(Fold(seg))
		if len(ws) > MaxTerms-words {
			ws = ws[:MaxTerms-words]
		}
		if len(ws) == 0 {
			if quoted && !unclosed {
				prefixable = -1 // the query ends with a closed (empty) phrase
			}
			continue
		}
		words += len(ws)
		switch {
		case quoted && len(ws) > 1:
			q.Groups = append(q.Groups, Group{{Words: ws, Phrase: true}})
		case quoted:
			q.addWord(ws[0])
		default:
			for j := 0; j < len(ws); {
				n, forms := abbr.longestAt(ws, j)
				if n == 0 {
					q.addWord(ws[j])
					j++
					continue
				}
				g := Group{{Words: ws[j : j+n]}}
				for _, f := range forms[1:] {
					fw := strings.Split(f, " ")
					g = append(g, Alt{Words: fw, Phrase: len(fw) > 1})
				}
				q.Groups = append(q.Groups, g)
				j += n
			}
		}
		prefixable = -1
		if !quoted || unclosed {
			prefixable = len(q.Groups) - 1
		}
		if words == MaxTerms {
			break
		}
	}
	if prefixable >= 0 && prefixable == len(q.Groups)-1 {
		q.Groups[prefixable][0].Prefix = true
	}
	return q
}

// addWord adds a single word unless the query has it already.
func (q *Query) addWord(w string) {
	for _, g := range q.Groups {
		if len(g) == 1 && len(g[0].Words) == 1 && g[0].Words[0] == w {
			return
		}
	}
	q.Groups = append(q.Groups, Group{{Words: []string{w}}})
}

// Empty reports whether the query has no words: it matches nothing.
func (q Query) Empty() bool { return len(q.Groups) == 0 }

// Typed is the query's words as the reader typed them, folded, in order, one space apart (of
// an abbreviation, the form typed; of a phrase, its words): what the folded title of an item
// whose title is exactly the query is.
func (q Query) Typed() string {
	words := make([]string, 0, len(q.Groups))
	for _, g := range q.Groups {
		words = append(words, g[0].Words...)
	}
	return strings.Join(words, " ")
}

// String is the query in a canonical text form, for logs and tests: groups separated by " AND ",
// alternatives by " OR ", phrases quoted, a start marked with *.
func (q Query) String() string {
	groups := make([]string, len(q.Groups))
	for i, g := range q.Groups {
		alts := make([]string, len(g))
		for j, a := range g {
			s := strings.Join(a.Words, " ")
			if a.Phrase {
				s = `"` + s + `"`
			}
			if a.Prefix {
				s += "*"
			}
			alts[j] = s
		}
		groups[i] = strings.Join(alts, " OR ")
		if len(g) > 1 {
			groups[i] = "(" + groups[i] + ")"
		}
	}
	return strings.Join(groups, " AND ")
}

// MatchesFolded reports whether an item whose fields, folded with Fold, are fields is a hit:
// every group has an alternative whose words are all words of the fields (the last, with Prefix,
// maybe the start of one), adjacent and in order within one field for a phrase. It is the
// definition both databases' searches implement.
func (q Query) MatchesFolded(fields ...string) bool {
	if q.Empty() {
		return false
	}
	for _, g := range q.Groups {
		if !g.matches(fields) {
			return false
		}
	}
	return true
}

func (g Group) matches(fields []string) bool {
	for _, a := range g {
		if a.matches(fields) {
			return true
		}
	}
	return false
}

func (a Alt) matches(fields []string) bool {
	find := func(s string, prefix bool) bool {
		for _, f := range fields {
			if prefix && hasWordPrefix(f, s) || !prefix && hasWord(f, s) {
				return true
			}
		}
		return false
	}
	if a.Phrase {
		return find(strings.Join(a.Words, " "), a.Prefix)
	}
	for i, w := range a.Words {
		if !find(w, a.Prefix && i == len(a.Words)-1) {
			return false
		}
	}
	return true
}

// highlights are the strings a snippet marks for the query: each word, and each phrase as a
// whole, with whether it may be the start of a word.
func (q Query) highlights() []highlight {
	var out []highlight
	for _, g := range q.Groups {
		for _, a := range g {
			if a.Phrase {
				out = append(out, highlight{strings.Join(a.Words, " "), a.Prefix})
				continue
			}
			for i, w := range a.Words {
				out = append(out, highlight{w, a.Prefix && i == len(a.Words)-1})
			}
		}
	}
	return out
}

type highlight struct {
	text   string
	prefix bool
}

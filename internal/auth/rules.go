// Package auth holds passwords, JWT access tokens, refresh sessions and the access rules that
// decide who may call which route.
package auth

// Rule is the access rule of one route: public, or the roles allowed. The zero Rule allows
// nobody, so a route registered without a rule is denied.
type Rule struct {
	Public bool
	Roles  []string
}

// Public is the rule of routes anyone may call without a token.
var Public = Rule{Public: true}

// Roles allows callers with any of the given roles.
func Roles(roles ...string) Rule { return Rule{Roles: roles} }

// Allows reports whether a caller with the given role passes the rule.
func (r Rule) Allows(role string) bool {
	if r.Public {
		return true
	}
	for _, allowed := range r.Roles {
		if allowed == role {
			return true
		}
	}
	return false
}

package auth

// Principal is the authenticated caller of a request, as checked against the database on that
// request: the role is the user's current one, not the one in the token.
type Principal struct {
	UserID    int64
	Role      string
	SessionID int64
}

// Is reports whether the principal has one of the roles.
func (p Principal) Is(roles ...string) bool {
	for _, r := range roles {
		if p.Role == r {
			return true
		}
	}
	return false
}

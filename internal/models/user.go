package models

import "time"

// Roles of editorial users.
const (
	RoleAdmin  = "admin"  // everything, users, webhooks, audit log
	RoleEditor = "editor" // all content of anyone: publish, schedule, categories, documents, submissions
	RoleAuthor = "author" // own articles while draft or pending; never publishes
)

// Roles lists every role, most powerful first.
var Roles = []string{RoleAdmin, RoleEditor, RoleAuthor}

// User is an editorial account. Email is stored lower-cased, so uniqueness is case-insensitive.
// Like every table model it is never encoded as it is (handlers answer with views); the hash is
// marked all the same, so no mistake can ever send it.
type User struct {
	ID           int64  `gorm:"primaryKey"`
	Email        string `gorm:"size:254;not null;uniqueIndex"`
	Name         string `gorm:"size:200;not null"`
	Role         string `gorm:"size:20;not null"`
	Active       bool   `gorm:"not null"`
	PasswordHash string `json:"-" gorm:"size:255;not null"`
	LastLoginAt  *time.Time
	Version      int `gorm:"not null;default:1"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// The public author profile (migration 0090): Slug is unique, made from the name when the
	// user is created and stable after; Title is the job shown beside the name ("Phóng viên").
	Slug          string `gorm:"size:100;uniqueIndex;default:null"` // NULL for accounts made outside CreateUser (tests)
	Title         string `gorm:"size:100;not null;default:''"`
	Bio           string `gorm:"not null;default:''"`
	AvatarMediaID *int64
	Avatar        *Media `gorm:"-"`
}

// Session is one login: refresh tokens rotate within it, and revoking it ends them all.
type Session struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64 `gorm:"not null;index"`
	ExpiresAt  time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
	LastUsedAt time.Time
	IP         string `gorm:"size:64"`
	UserAgent  string `gorm:"size:255"`
}

// RefreshToken is one refresh token of a session, stored only as a SHA-256 hash. A token is
// spent once used; presenting a spent token again means it was stolen.
type RefreshToken struct {
	Hash      string `gorm:"primaryKey;size:64"`
	SessionID int64  `gorm:"not null;index"`
	SpentAt   *time.Time
	CreatedAt time.Time
}

// AuditEntry records who did what to which item, when and from where.
type AuditEntry struct {
	ID         int64 `gorm:"primaryKey"`
	ActorID    *int64
	Action     string `gorm:"size:60;not null;index"`
	TargetType string `gorm:"size:40"`
	TargetID   string `gorm:"size:60"`
	ActorRole  string `gorm:"size:20"`
	IP         string `gorm:"size:64"`
	RequestID  string `gorm:"size:64"`
	Detail     string
	CreatedAt  time.Time `gorm:"index"`
}

// TableName keeps the audit log's table name readable.
func (AuditEntry) TableName() string { return "audit_log" }

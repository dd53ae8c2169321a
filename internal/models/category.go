package models

import "time"

// Category is a section of the site. Categories form a tree through ParentID; a filter on a
// category includes its sub-categories.
type Category struct {
	ID          int64  `gorm:"primaryKey"`
	ParentID    *int64 `gorm:"index"`
	Slug        string `gorm:"size:100;not null;uniqueIndex"`
	Name        string `gorm:"size:200;not null"`
	Description string
	Position    int `gorm:"not null;default:0"`
	Version     int `gorm:"not null;default:1"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Path is the categories from the root down to this one, itself last: breadcrumbs. The
	// store fills it where a view shows it (from the memo of every category, no query).
	Path []Category `gorm:"-"`
}

// Tag is a keyword of articles, identified by its slug: names that fold to the same slug
// ("Đại hội", "đại hội") are one tag.
type Tag struct {
	ID   int64  `gorm:"primaryKey"`
	Slug string `gorm:"size:100;not null;uniqueIndex"`
	Name string `gorm:"size:100;not null"`
	// Description is shown on the tag's public page.
	Description string `gorm:"not null;default:''"`
	Version     int    `gorm:"not null;default:1"`
	CreatedAt   time.Time
}

// NewsroomZone is the time zone of the newsroom (Vietnam, UTC+7 all year): dates in queries
// mean its days, and times in responses are given in it.
var NewsroomZone = time.FixedZone("ICT", 7*60*60)

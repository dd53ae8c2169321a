package models

// Page is a validated page request: page numbers start at 1.
type Page struct {
	Page    int
	PerPage int
}

// Offset is the number of rows before this page.
func (p Page) Offset() int { return (p.Page - 1) * p.PerPage }

// Pagination is meta.pagination of a list response.
type Pagination struct {
	Page       int    `json:"page,omitempty"`
	PerPage    int    `json:"per_page"`
	Total      *int64 `json:"total,omitempty"`
	TotalPages *int   `json:"total_pages,omitempty"`
	Next       *int   `json:"next" extensions:"x-nullable"`
	Prev       *int   `json:"prev" extensions:"x-nullable"`
	NextCursor string `json:"next_cursor,omitempty"`
} // @name Pagination

// NewPagination computes the page links of a page of a list of total items.
func NewPagination(p Page, total int64) Pagination {
	pages := int((total + int64(p.PerPage) - 1) / int64(p.PerPage))
	out := Pagination{Page: p.Page, PerPage: p.PerPage, Total: &total, TotalPages: &pages}
	if p.Page < pages {
		n := p.Page + 1
		out.Next = &n
	}
	if p.Page > 1 {
		prev := p.Page - 1
		if prev > pages && pages > 0 {
			prev = pages
		}
		out.Prev = &prev
	}
	return out
}

package store

// publiclyVisible is the filter of everything public: published, or scheduled with its time
// come, so a scheduled article appears at publish_at with no job run. It is spelled as the
// partial indexes' predicate (migration 0011) so both planners use them: the statuses are
// literals on purpose, not parameters.
const publiclyVisible = "articles.status IN ('published', 'scheduled') AND articles.published_at <= ?"

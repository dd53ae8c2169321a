package store

import "context"

// ArticleBodies returns the bodies of the articles of ids, by id, in one query: lists leave
// bodies out, and the feed's items carry them in full. It reads bodies only: the caller has
// already chosen the articles the public sees.
func (s *Store) ArticleBodies(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID   int64
		Body string
	}
	if err := s.db.WithContext(ctx).Table("articles").Select("id, body").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r.Body
	}
	return out, nil
}

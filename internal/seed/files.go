package seed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/toasoan/toasoan/internal/media"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// save puts a generated file into the library as an upload goes in: checked and stored by
// media.Save under the configured limits, then recorded with its metadata, and AfterImage
// run for an image. A file whose content the library holds already (an earlier run stored
// it) is that item, and nothing is stored twice. added says whether the item is new.
func (s *seeder) save(ctx context.Context, actor store.Actor, p generated) (m models.Media, added bool, err error) {
	sum := sha256.Sum256(p.data)
	m, err = s.st.MediaByChecksum(ctx, hex.EncodeToString(sum[:]))
	if models.ErrorCode(err) != models.CodeNotFound {
		return m, false, err
	}
	f, err := media.Save(ctx, s.opts.Files, bytes.NewReader(p.data), s.opts.MaxUploadBytes, s.opts.MaxImagePixels, s.now)
	if err != nil {
		return m, false, fmt.Errorf("%s: %w", p.name, err)
	}
	m, err = s.st.CreateMedia(ctx, actor, store.MediaInput{Key: f.Key, Name: p.name, Mime: f.Mime, Size: f.Size,
		Width: f.Width, Height: f.Height, Checksum: f.Checksum, Alt: p.alt, Caption: p.caption, Credit: p.credit, Focal: p.focal})
	if err != nil {
		return m, false, errors.Join(err, s.opts.Files.Delete(context.WithoutCancel(ctx), f.Key))
	}
	s.added++
	if s.opts.AfterImage != nil && strings.HasPrefix(m.Mime, "image/") {
		if err := s.opts.AfterImage(ctx, m); err != nil {
			return m, true, fmt.Errorf("%s (media %d): %w", p.name, m.ID, err)
		}
	}
	return m, true, nil
}

// forget removes a file save added that nothing came to use: its library item, then its file.
func (s *seeder) forget(ctx context.Context, actor store.Actor, m models.Media) error {
	if _, err := s.st.DeleteMedia(ctx, actor, m.ID); err != nil {
		return err
	}
	s.added--
	return s.opts.Files.Delete(ctx, m.Key)
}

// coverOf is the i-th article's cover: the number of its picture in the pool, one of its
// topic's in turn, and the category it is drawn for.
func (s *seeder) coverOf(i int) (int, string) {
	t := i % len(s.Topics)
	return t*picturesPerTopic + i/len(s.Topics)%picturesPerTopic, s.Topics[t].Category
}

// storeCovers stores the pictures the articles first to last (excluded) need that this run has
// not stored or found yet: drawn at once on every CPU (drawing is most of the seed's time),
// then saved one by one in the pool's order.
func (s *seeder) storeCovers(ctx context.Context, first, last int) error {
	needed := map[int]string{} // the category of each picture by number
	for i := first; i < last; i++ {
		if n, category := s.coverOf(i); s.covers[n] == 0 {
			needed[n] = category
		}
	}
	if len(needed) == 0 {
		return nil
	}
	if s.painter == nil {
		var err error
		if s.painter, err = newPainter(); err != nil {
			return err
		}
	}
	numbers := slices.Sorted(maps.Keys(needed))
	drawn := make([]generated, len(numbers))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for k, n := range numbers {
		g.Go(func() (err error) {
			drawn[k], err = s.painter.cover(n, needed[n])
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for k, n := range numbers {
		m, _, err := s.save(ctx, s.photographer, drawn[k])
		if err != nil {
			return err
		}
		s.covers[n] = m.ID
	}
	return nil
}

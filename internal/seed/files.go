package seed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

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

// cover is the id of the library item of the n-th picture of the pool, drawn for category,
// stored the first time an article of this run needs it.
func (s *seeder) cover(ctx context.Context, n int, category string) (int64, error) {
	if id, ok := s.covers[n]; ok {
		return id, nil
	}
	if s.painter == nil {
		var err error
		if s.painter, err = newPainter(); err != nil {
			return 0, err
		}
	}
	p, err := s.painter.cover(n, category)
	if err != nil {
		return 0, err
	}
	m, _, err := s.save(ctx, s.photographer, p)
	if err != nil {
		return 0, err
	}
	s.covers[n] = m.ID
	return m.ID, nil
}

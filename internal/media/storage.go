// Package media stores uploaded files: it checks an upload by its content against an allow-list,
// streams it into a Storage under a new random key, and reads image dimensions. Storage is a
// local directory for one replica, or an S3-compatible bucket shared by several.
package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob" // registers s3:// for TOASOAN_MEDIA_BUCKET_URL
	"gocloud.dev/gcerrors"
)

// Storage keeps the bytes of media files by key.
type Storage interface {
	// Put stores everything r yields under key. When r fails midway nothing is stored.
	Put(ctx context.Context, key string, r io.Reader, contentType string) error
	// Open reads a stored file; ErrNotExist when there is none.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes a stored file; deleting a missing one is not an error.
	Delete(ctx context.Context, key string) error
}

// ErrNotExist means no file is stored under the key.
var ErrNotExist = errors.New("media: no such file")

// ErrBadKey means a key is not one this package makes, so it is never passed to storage.
var ErrBadKey = errors.New("media: invalid key")

// validKey is the shape of every key newKey makes: lower-case segments of [a-z0-9._-] joined by
// "/", none of them "." or "..".
var validKey = regexp.MustCompile(`^[a-z0-9_-][a-z0-9._-]*(/[a-z0-9_-][a-z0-9._-]*)*$`)

// ValidKey reports whether key could name a stored file. Anything else (.., absolute paths,
// backslashes, escapes) is refused before storage or the database is asked.
func ValidKey(key string) bool {
	return len(key) <= 200 && validKey.MatchString(key) && !strings.Contains(key, "..")
}

// Bucket is a Storage over a gocloud.dev blob bucket.
type Bucket struct {
	bucket *blob.Bucket
}

// Open is the storage configured: the bucket at bucketURL when set, else the directory dir.
func Open(ctx context.Context, bucketURL, dir string) (*Bucket, error) {
	if bucketURL != "" {
		return OpenURL(ctx, bucketURL)
	}
	return OpenDir(dir)
}

// OpenDir stores files in a local directory, created if missing. Files are written to a
// temporary name beside their final one and renamed, so a failed upload leaves nothing behind
// and the directory may be on any mount (a container volume).
func OpenDir(dir string) (*Bucket, error) {
	b, err := fileblob.OpenBucket(dir, &fileblob.Options{
		CreateDir: true,
		NoTempDir: true,
		Metadata:  fileblob.MetadataDontWrite, // the type and size live in the database
	})
	if err != nil {
		return nil, fmt.Errorf("media directory %s: %w", dir, err)
	}
	return &Bucket{bucket: b}, nil
}

// OpenURL opens a bucket by URL, e.g. s3://bucket?region=ap-southeast-1 (an S3-compatible
// service: add endpoint=…&use_path_style=true).
func OpenURL(ctx context.Context, url string) (*Bucket, error) {
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("media bucket: %w", err)
	}
	return &Bucket{bucket: b}, nil
}

// Put implements Storage.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader, contentType string) error {
	if !ValidKey(key) {
		return ErrBadKey
	}
	// Cancelling the writer's context is how gocloud abandons a write: without it a reader
	// that fails midway would leave a truncated file.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := b.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: contentType})
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		cancel()
		_ = w.Close()
		return err
	}
	return w.Close()
}

// Open implements Storage.
func (b *Bucket) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if !ValidKey(key) {
		return nil, ErrBadKey
	}
	r, err := b.bucket.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, ErrNotExist
	}
	return r, err
}

// Delete implements Storage.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return ErrBadKey
	}
	err := b.bucket.Delete(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil
	}
	return err
}

// Close releases the bucket.
func (b *Bucket) Close() error { return b.bucket.Close() }

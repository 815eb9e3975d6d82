package content

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// FileStore keeps blobs as files under a directory: the embedded mode's
// store. Each blob is two files, the bytes and a small JSON header, written
// to a temporary name, synced, then renamed, so a crash leaves either the
// whole blob or none of it. All file access goes through an os.Root, so no
// id can reach outside the directory.
type FileStore struct {
	root  *os.Root
	limit int64
}

var _ Store = (*FileStore)(nil)

// NewFileStore returns a store under dir (created when missing) that
// refuses blobs larger than limit bytes (DefaultMaxSize when limit <= 0).
func NewFileStore(dir string, limit int64) (*FileStore, error) {
	if limit <= 0 {
		limit = DefaultMaxSize
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create content dir: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open content dir: %w", err)
	}
	return &FileStore{root: root, limit: limit}, nil
}

// Close releases the store's directory handle.
func (s *FileStore) Close() error { return s.root.Close() }

type fileHeader struct {
	ContentType string    `json:"content_type"`
	Created     time.Time `json:"created"`
}

// path spreads blobs over 256 subdirectories by the id's first two digits.
func (s *FileStore) path(id ID) string {
	return filepath.Join(string(id[:2]), string(id))
}

// Put implements Store.
func (s *FileStore) Put(_ context.Context, id ID, contentType string, data []byte) error {
	if err := checkPut(id, data, s.limit); err != nil {
		return err
	}
	p := s.path(id)
	if _, err := s.root.Stat(p + ".json"); err == nil {
		return nil
	}
	if err := s.root.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("create content dir: %w", err)
	}
	hdr, err := json.Marshal(fileHeader{ContentType: contentType, Created: time.Now().UTC()})
	if err != nil {
		return fmt.Errorf("encode content header: %w", err)
	}
	// Bytes first, header last: the header's presence marks a whole blob.
	if err := s.writeAtomic(p+".bin", data); err != nil {
		return err
	}
	return s.writeAtomic(p+".json", hdr)
}

// Get implements Store.
func (s *FileStore) Get(_ context.Context, id ID) (Blob, error) {
	if _, err := ParseID(string(id)); err != nil {
		return Blob{}, err
	}
	p := s.path(id)
	hdrBytes, err := s.root.ReadFile(p + ".json")
	if errors.Is(err, fs.ErrNotExist) {
		return Blob{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Blob{}, fmt.Errorf("read content header %s: %w", id, err)
	}
	var hdr fileHeader
	if err := json.Unmarshal(hdrBytes, &hdr); err != nil {
		return Blob{}, fmt.Errorf("decode content header %s: %w", id, err)
	}
	data, err := s.root.ReadFile(p + ".bin")
	if err != nil {
		return Blob{}, fmt.Errorf("read content %s: %w", id, err)
	}
	return Blob{ID: id, ContentType: hdr.ContentType, Data: data, Created: hdr.Created}, nil
}

func (s *FileStore) writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp-" + string(NewID())
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return fmt.Errorf("create temp file: %w", err)
	}
	defer func() { _ = s.root.Remove(tmp) }() // fails harmlessly after the rename
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := s.root.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", path, err)
	}
	return nil
}

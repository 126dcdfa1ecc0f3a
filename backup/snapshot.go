package backup

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"cotizador/db"
)

// Snapshot origins: why a snapshot was taken. Retention keeps the newest N
// of each, so a burst of manual ones never pushes out the copy taken before
// a migration.
const (
	OriginManual       = "manual"
	OriginScheduled    = "scheduled"
	OriginPreMigration = "pre_migration"
	OriginPreRestore   = "pre_restore"
	OriginCLI          = "cli"
)

// SnapshotMeta is the JSON file written next to every snapshot. Its presence
// marks the snapshot complete: it is written last.
type SnapshotMeta struct {
	File            string    `json:"file"`
	CreatedAt       time.Time `json:"created_at"`
	Origin          string    `json:"origin"`
	Source          string    `json:"source"`
	AppVersion      string    `json:"app_version"`
	SchemaVersion   int64     `json:"schema_version"`
	SizeBytes       int64     `json:"size_bytes"`
	CompressedBytes int64     `json:"compressed_bytes"`
	// SHA256 is the checksum of the .db.gz file as stored; DBSHA256 the one
	// of the database inside it, checked again after decompressing.
	SHA256     string       `json:"sha256"`
	DBSHA256   string       `json:"db_sha256"`
	Tables     []TableCount `json:"tables"`
	DurationMS int64        `json:"duration_ms"`

	// Path is the .db.gz file on disk (not stored).
	Path string `json:"-"`
}

// MetaPath is the JSON file of the snapshot.
func (m *SnapshotMeta) MetaPath() string { return strings.TrimSuffix(m.Path, ".db.gz") + ".json" }

// snapshotName matches the files this package writes, and nothing else: it
// is also what makes a name safe to serve or delete.
var snapshotName = regexp.MustCompile(`^cotizador-\d{8}T\d{6}Z-[a-z_]+(-\d+)?\.db\.gz$`)

// ValidSnapshotName reports whether name is a snapshot file name.
func ValidSnapshotName(name string) bool { return snapshotName.MatchString(name) }

// TakeSnapshot writes a consistent copy of d into dir as
// cotizador-<UTC time>-<origin>.db.gz plus a .json with its checksums,
// schema version and row counts. The copy is made with VACUUM INTO (never a
// file copy of a live database) and verified before it counts as taken.
func TakeSnapshot(ctx context.Context, d *db.DB, dir, origin, appVersion string, now time.Time) (*SnapshotMeta, error) {
	start := time.Now()
	if !regexp.MustCompile(`^[a-z_]+$`).MatchString(origin) {
		return nil, fmt.Errorf("backup: bad snapshot origin %q", origin)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("backup: snapshot folder: %w", err)
	}
	base := "cotizador-" + now.UTC().Format("20060102T150405Z") + "-" + origin
	name := base + ".db.gz"
	for i := 2; ; i++ {
		if _, err := os.Lstat(filepath.Join(dir, name)); errors.Is(err, os.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s-%d.db.gz", base, i)
	}
	gzPath := filepath.Join(dir, name)
	raw := filepath.Join(dir, "."+strings.TrimSuffix(name, ".gz")+".tmp")
	defer os.Remove(raw)
	defer os.Remove(raw + "-wal")
	defer os.Remove(raw + "-shm")
	if err := d.VacuumInto(ctx, raw); err != nil {
		return nil, err
	}

	m := &SnapshotMeta{File: name, CreatedAt: now.UTC(), Origin: origin, Source: d.Path, AppVersion: appVersion, Path: gzPath}
	var err error
	if m.SizeBytes, m.DBSHA256, m.CompressedBytes, m.SHA256, err = compressFile(raw, gzPath); err != nil {
		return nil, err
	}
	// Verified after hashing: opening the copy may touch its header, and
	// the checksum must describe the bytes VACUUM INTO wrote.
	rep, err := Verify(ctx, raw)
	if err != nil {
		os.Remove(gzPath)
		return nil, err
	}
	if !rep.OK() {
		os.Remove(gzPath)
		return nil, errNotFit(rep)
	}
	m.SchemaVersion, m.Tables = rep.SchemaVersion, rep.Tables
	m.DurationMS = time.Since(start).Milliseconds()
	if err := writeJSONAtomic(m.MetaPath(), m); err != nil {
		os.Remove(gzPath)
		return nil, err
	}
	return m, nil
}

// compressFile gzips src into dst (written under a temporary name, synced,
// then renamed) and returns both sizes and both SHA-256 sums.
func compressFile(src, dst string) (size int64, sum string, gzSize int64, gzSum string, err error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, "", 0, "", fmt.Errorf("backup: %w", err)
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return 0, "", 0, "", fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp)
	defer out.Close()
	rawHash, gzHash := sha256.New(), sha256.New()
	counter := &countWriter{}
	zw, _ := gzip.NewWriterLevel(io.MultiWriter(out, gzHash, counter), gzip.DefaultCompression)
	zw.Name = strings.TrimSuffix(filepath.Base(dst), ".gz")
	if size, err = io.Copy(io.MultiWriter(zw, rawHash), in); err != nil {
		return 0, "", 0, "", fmt.Errorf("backup: compress: %w", err)
	}
	if err := zw.Close(); err != nil {
		return 0, "", 0, "", fmt.Errorf("backup: compress: %w", err)
	}
	if err := out.Sync(); err != nil {
		return 0, "", 0, "", fmt.Errorf("backup: sync: %w", err)
	}
	if err := out.Close(); err != nil {
		return 0, "", 0, "", fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return 0, "", 0, "", fmt.Errorf("backup: %w", err)
	}
	return size, hex.EncodeToString(rawHash.Sum(nil)), counter.n, hex.EncodeToString(gzHash.Sum(nil)), nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp)
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return os.Rename(tmp, path)
}

// ListSnapshots returns the complete snapshots in dir, newest first. A
// missing folder is no snapshots.
func ListSnapshots(dir string) ([]*SnapshotMeta, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("backup: list snapshots: %w", err)
	}
	var out []*SnapshotMeta
	for _, e := range ents {
		if !ValidSnapshotName(e.Name()) {
			continue
		}
		m, err := readMeta(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // no metadata yet: not complete
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].File > out[j].File
	})
	return out, nil
}

// readMeta reads the metadata of the snapshot whose .db.gz or .json is path.
func readMeta(path string) (*SnapshotMeta, error) {
	gz := strings.TrimSuffix(path, ".json")
	if !strings.HasSuffix(gz, ".db.gz") {
		gz += ".db.gz"
	}
	m := &SnapshotMeta{Path: gz}
	b, err := os.ReadFile(m.MetaPath())
	if err != nil {
		return nil, fmt.Errorf("backup: snapshot metadata: %w", err)
	}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("backup: snapshot metadata %s: %w", m.MetaPath(), err)
	}
	if m.File != filepath.Base(gz) {
		return nil, fmt.Errorf("backup: metadata %s describes %s", m.MetaPath(), m.File)
	}
	return m, nil
}

// PruneSnapshots deletes the oldest snapshots of each origin beyond keep and
// returns what it deleted. keep < 1 keeps everything.
func PruneSnapshots(dir string, keep int) ([]string, error) {
	if keep < 1 {
		return nil, nil
	}
	all, err := ListSnapshots(dir)
	if err != nil {
		return nil, err
	}
	seen := map[string]int{}
	var deleted []string
	for _, m := range all { // newest first
		seen[m.Origin]++
		if seen[m.Origin] <= keep {
			continue
		}
		// Metadata first: a snapshot without it no longer counts, so a
		// crash between the two removals leaves no half-listed entry.
		if err := os.Remove(m.MetaPath()); err != nil {
			return deleted, fmt.Errorf("backup: prune: %w", err)
		}
		if err := os.Remove(m.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return deleted, fmt.Errorf("backup: prune: %w", err)
		}
		deleted = append(deleted, m.File)
	}
	return deleted, nil
}

// ErrChecksum means a snapshot's bytes no longer match its recorded SHA-256.
var ErrChecksum = errors.New("backup: checksum mismatch")

// CheckSnapshot recomputes the SHA-256 of the snapshot file at path (.db.gz
// or .json) and compares it with its metadata.
func CheckSnapshot(path string) (*SnapshotMeta, error) {
	m, err := readMeta(path)
	if err != nil {
		return nil, err
	}
	sum, err := fileSHA256(m.Path)
	if err != nil {
		return nil, err
	}
	if sum != m.SHA256 {
		return m, fmt.Errorf("%w: %s is %s, metadata says %s", ErrChecksum, m.File, sum, m.SHA256)
	}
	return m, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// RestoreSnapshot checks the snapshot at path (.db.gz or .json) against its
// checksums and decompresses it to the new file to, which must not exist.
// The result still needs Verify before it serves.
func RestoreSnapshot(path, to string) (*SnapshotMeta, error) {
	if err := mustNotExist(to); err != nil {
		return nil, err
	}
	m, err := CheckSnapshot(path)
	if err != nil {
		return nil, err
	}
	in, err := os.Open(m.Path)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		return nil, fmt.Errorf("backup: %s: %w", m.File, err)
	}
	tmp := to + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp)
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(out, h), zr); err != nil {
		out.Close()
		return nil, fmt.Errorf("backup: decompress %s: %w", m.File, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := out.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != m.DBSHA256 {
		return nil, fmt.Errorf("%w: the database inside %s is %s, metadata says %s", ErrChecksum, m.File, sum, m.DBSHA256)
	}
	// A hard link fails if to appeared meanwhile, where a rename would
	// silently replace it.
	if err := os.Link(tmp, to); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

package db

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Health is what /api/health/database reports.
type Health struct {
	LatencyMS     float64 `json:"latency_ms"`
	SQLiteVersion string  `json:"sqlite_version"`
	PageCount     int64   `json:"page_count"`
	PageSize      int64   `json:"page_size"`
	FreelistCount int64   `json:"freelist_count"`
	SizeBytes     int64   `json:"size_bytes"`
	WALSizeBytes  int64   `json:"wal_size_bytes"`
	JournalMode   string  `json:"journal_mode"`
}

// Ping runs a trivial query on the reader pool and returns how long it took.
func (db *DB) Ping(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	var one int
	if err := db.Reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return 0, fmt.Errorf("db: ping: %w", err)
	}
	return time.Since(start), nil
}

// Health gathers the database figures for the health endpoint.
func (db *DB) Health(ctx context.Context) (*Health, error) {
	lat, err := db.Ping(ctx)
	if err != nil {
		return nil, err
	}
	h := &Health{LatencyMS: float64(lat.Microseconds()) / 1000}
	row := db.Reader.QueryRowContext(ctx, `SELECT sqlite_version(),
		(SELECT page_count FROM pragma_page_count()),
		(SELECT page_size FROM pragma_page_size()),
		(SELECT freelist_count FROM pragma_freelist_count()),
		(SELECT journal_mode FROM pragma_journal_mode())`)
	if err := row.Scan(&h.SQLiteVersion, &h.PageCount, &h.PageSize, &h.FreelistCount, &h.JournalMode); err != nil {
		return nil, fmt.Errorf("db: health: %w", err)
	}
	if fi, err := os.Stat(db.Path); err == nil {
		h.SizeBytes = fi.Size()
	}
	if fi, err := os.Stat(db.Path + "-wal"); err == nil {
		h.WALSizeBytes = fi.Size()
	}
	return h, nil
}

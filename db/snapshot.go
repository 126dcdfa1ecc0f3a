package db

import (
	"context"
	"database/sql"
	"fmt"
)

// VacuumInto writes a consistent, compacted copy of the database to dest,
// which must not exist. It is the safe way to copy a live database (a file
// copy can catch a half-written page or miss the WAL). It runs on a
// connection of its own inside one read transaction: writers carry on (WAL),
// and the pools' connections are untouched (the reader pool is query-only,
// which SQLite applies to VACUUM INTO too).
func (db *DB) VacuumInto(ctx context.Context, dest string) error {
	conn, err := sql.Open("sqlite3", "file:"+db.Path+"?_busy_timeout=5000")
	if err != nil {
		return fmt.Errorf("db: vacuum into: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("db: vacuum into %s: %w", dest, err)
	}
	return nil
}

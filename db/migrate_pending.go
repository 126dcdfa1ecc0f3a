package db

import (
	"context"
	"fmt"
)

// PendingMigrations reports the applied version and the versions still to
// apply. Callers take a safety snapshot before applying them to a database
// that already holds a schema.
func (db *DB) PendingMigrations(ctx context.Context) (current int64, pending []int64, err error) {
	st, err := db.MigrationStatuses(ctx)
	if err != nil {
		return 0, nil, err
	}
	for _, s := range st {
		if s.Applied {
			current = max(current, s.Version)
		} else {
			pending = append(pending, s.Version)
		}
	}
	return current, pending, nil
}

// MigrateUpTo applies pending migrations up to and including version. Tests
// use it to build a database at an older schema.
func (db *DB) MigrateUpTo(ctx context.Context, version int64) (int, error) {
	p, err := db.provider()
	if err != nil {
		return 0, err
	}
	res, err := p.UpTo(ctx, version)
	if err != nil {
		return len(res), fmt.Errorf("db: migrate up to %d: %w", version, err)
	}
	if err := db.runDataMigrations(ctx, version); err != nil {
		return len(res), fmt.Errorf("db: migrate up to %d: %w", version, err)
	}
	return len(res), nil
}

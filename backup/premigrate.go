package backup

import (
	"context"
	"fmt"
	"time"

	"cotizador/db"
)

// SnapshotBeforeMigrations takes a pre_migration snapshot when migrations are
// pending on a database that already has a schema, and returns it (nil when
// none was needed: nothing pending, or a fresh database with nothing to
// lose). Every migration changes the schema, so any pending one counts. A
// failed snapshot is an error: the caller must not migrate without it.
func SnapshotBeforeMigrations(ctx context.Context, d *db.DB, dir, appVersion string, now time.Time) (*SnapshotMeta, error) {
	current, pending, err := d.PendingMigrations(ctx)
	if err != nil {
		return nil, err
	}
	if len(pending) == 0 || current == 0 {
		return nil, nil
	}
	m, err := TakeSnapshot(ctx, d, dir, OriginPreMigration, appVersion, now)
	if err != nil {
		return nil, fmt.Errorf("backup: snapshot before migrating from version %d (pending %v) failed, nothing was migrated: %w", current, pending, err)
	}
	return m, nil
}

package db

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func (db *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectSQLite3, db.Writer, sub)
}

// MigrationStatus is one migration's state, for `cotizador migrate status`.
type MigrationStatus struct {
	Version int64
	Name    string
	Applied bool
	// AppliedAt is empty when the migration is pending.
	AppliedAt string
}

// MigrateUp applies every pending migration and returns how many it
// applied; then the audit triggers are made to match the schema (see
// SyncAuditTriggers). They are dropped while migrations run, so a
// migration can drop or rebuild a column they name, and its own data fixes
// are not recorded as anyone's change.
func (db *DB) MigrateUp(ctx context.Context) (n int, err error) {
	p, err := db.provider()
	if err != nil {
		return 0, err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: migrate up: %w", err)
	}
	if !pending {
		// A batched data conversion left unfinished (data_migrations.go)
		// is migration work too: its rewrites are not anyone's change.
		if pending, err = db.dataMigrationsPending(ctx); err != nil {
			return 0, fmt.Errorf("db: migrate up: %w", err)
		}
	}
	if pending {
		if err := db.dropAuditTriggers(ctx); err != nil {
			return 0, fmt.Errorf("db: migrate up: %w", err)
		}
	}
	defer func() {
		if _, serr := db.SyncAuditTriggers(ctx); serr != nil {
			err = errors.Join(err, fmt.Errorf("db: audit triggers: %w", serr))
		}
	}()
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("db: migrate up: %w", err)
	}
	if err := db.runDataMigrations(ctx, 0); err != nil {
		return len(res), fmt.Errorf("db: migrate up: %w", err)
	}
	return len(res), nil
}

// MigrateDown rolls back the most recent migration. It returns the version
// rolled back, or 0 when nothing was applied.
func (db *DB) MigrateDown(ctx context.Context) (int64, error) {
	p, err := db.provider()
	if err != nil {
		return 0, err
	}
	// The generated audit triggers name columns a down step may drop:
	// dropped first, made again for whatever schema is left.
	if err := db.dropAuditTriggers(ctx); err != nil {
		return 0, fmt.Errorf("db: migrate down: %w", err)
	}
	defer db.SyncAuditTriggers(ctx) //nolint:errcheck // a failure shows at the next start
	// Rows a data conversion rewrote go back to their old form first, in
	// batches (data_migrations.go).
	if current, err := p.GetDBVersion(ctx); err != nil {
		return 0, fmt.Errorf("db: migrate down: %w", err)
	} else if err := db.undoDataMigration(ctx, current); err != nil {
		return 0, fmt.Errorf("db: migrate down: %w", err)
	}
	res, err := p.Down(ctx)
	if err != nil {
		if res == nil {
			return 0, fmt.Errorf("db: migrate down: %w", err)
		}
		return res.Source.Version, fmt.Errorf("db: migrate down: %w", err)
	}
	if res == nil {
		return 0, nil
	}
	return res.Source.Version, nil
}

// MigrationStatuses lists every embedded migration with its state.
func (db *DB) MigrationStatuses(ctx context.Context) ([]MigrationStatus, error) {
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		m := MigrationStatus{Version: s.Source.Version, Name: s.Source.Path, Applied: s.State == goose.StateApplied}
		if m.Applied {
			m.AppliedAt = s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		out = append(out, m)
	}
	return out, nil
}

// SchemaVersion reports the applied version and the newest embedded one;
// readiness requires them to match.
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	p, err := db.provider()
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("db: schema version: %w", err)
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		latest = srcs[len(srcs)-1].Version
	}
	return current, latest, nil
}

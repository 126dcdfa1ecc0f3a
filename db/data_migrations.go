package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"cotizador/app"
)

// Some migrations change how existing rows are stored (00050: a quote
// line's breakdown) or fill a new index from them (00051: quote search and
// dashboard counters). Doing that inside the migration's one transaction
// would hold the only writer for minutes on a large database and give
// Litestream one enormous transaction to ship, so the SQL migration changes
// the schema and records a row in data_migrations, and the rows are
// converted afterwards in short batches, each its own transaction:
//
//   - MigrateUp runs every unfinished conversion to the end before it
//     returns (so `serve` starts on converted data); a crash leaves the
//     cursor where the last batch committed, and the next start resumes;
//   - MigrateDown, before rolling back a migration that has one, writes the
//     rows back in their old form, in batches too.
//
// Until a conversion is done the store reads both forms.

// dataMigration is the batched data step of one schema migration. A step
// converts the rows with ids in (from, to] and returns; up runs over the
// ids up to the upto its migration recorded, down over every id.
type dataMigration struct {
	version int64
	up      func(ctx context.Context, tx *sql.Tx, from, to int64) error
	down    func(ctx context.Context, tx *sql.Tx, from, to int64) error
	// table whose ids the batches walk, and how many ids a batch takes.
	table string
	batch int64
}

// dataMigrations in version order.
var dataMigrations = []dataMigration{
	{version: 50, table: "quote_items", batch: 400, up: packBreakdowns, down: unpackBreakdowns},
	{version: 51, table: "quotes", batch: 1000, up: indexQuotes},
}

// runDataMigrations finishes every conversion whose migration is applied
// (up to version maxVersion; 0: all).
func (db *DB) runDataMigrations(ctx context.Context, maxVersion int64) error {
	if ok, err := tableExists(ctx, db.Writer, "data_migrations"); err != nil || !ok {
		return err
	}
	for _, m := range dataMigrations {
		if maxVersion > 0 && m.version > maxVersion {
			break
		}
		for {
			done, err := db.dataMigrationBatch(ctx, m)
			if err != nil {
				return fmt.Errorf("db: data migration %d: %w", m.version, err)
			}
			if done {
				break
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// dataMigrationBatch converts the next batch of m in one transaction and
// moves its cursor; done when nothing is left (or m's migration is not
// applied).
func (db *DB) dataMigrationBatch(ctx context.Context, m dataMigration) (done bool, err error) {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var next, upto int64
	var doneAt sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT next_id, upto, done_at FROM data_migrations WHERE version = ?`, m.version).Scan(&next, &upto, &doneAt)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && doneAt.Valid) {
		return true, nil
	} else if err != nil {
		return false, err
	}
	to := min(next+m.batch, upto)
	if next < upto {
		if err := m.up(ctx, tx, next, to); err != nil {
			return false, err
		}
	}
	if to >= upto {
		_, err = tx.ExecContext(ctx, `UPDATE data_migrations SET next_id = ?, done_at = ? WHERE version = ?`, to, app.FormatTime(db.Clock.Now()), m.version)
		done = true
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE data_migrations SET next_id = ? WHERE version = ?`, to, m.version)
	}
	if err != nil {
		return false, err
	}
	return done, tx.Commit()
}

// undoDataMigration writes back, in batches, the rows of the conversion that
// goes with version, before that migration is rolled back.
func (db *DB) undoDataMigration(ctx context.Context, version int64) error {
	for _, m := range dataMigrations {
		if m.version != version || m.down == nil {
			continue
		}
		var last int64
		if err := db.Writer.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM `+m.table).Scan(&last); err != nil {
			return err
		}
		for from := int64(0); from < last; from += m.batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			tx, err := db.Writer.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			if err := m.down(ctx, tx, from, min(from+m.batch, last)); err != nil {
				tx.Rollback()
				return fmt.Errorf("db: undo data migration %d: %w", m.version, err)
			}
			if err := tx.Commit(); err != nil {
				return err
			}
		}
	}
	return nil
}

// dataMigrationsPending reports whether a conversion is unfinished.
func (db *DB) dataMigrationsPending(ctx context.Context) (bool, error) {
	if ok, err := tableExists(ctx, db.Writer, "data_migrations"); err != nil || !ok {
		return false, err
	}
	var n int
	err := db.Writer.QueryRowContext(ctx, `SELECT count(*) FROM data_migrations WHERE done_at IS NULL`).Scan(&n)
	return n > 0, err
}

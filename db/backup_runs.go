package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"cotizador/app"
)

// Backup run kinds and states, as stored.
const (
	BackupKindDrill    = "drill"
	BackupKindSnapshot = "snapshot"

	BackupStatusRunning = "running"
	BackupStatusOK      = "ok"
	BackupStatusFailed  = "failed"
)

// BackupRun is one restore drill or local snapshot the app ran.
type BackupRun struct {
	ID     int64
	Kind   string
	Origin string // manual, scheduled, pre_migration, pre_restore, cli
	Status string
	// Token is a random marker a drill writes before restoring.
	Token      string
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	Duration   time.Duration
	// Detail is the JSON summary the backup package wrote.
	Detail string
	Error  string
}

// BackupRunFilter selects runs; zero fields do not filter.
type BackupRunFilter struct {
	Kind   string
	Status string
	Limit  int
}

// CreateBackupRun records the start of a run and sets run.ID. The row is
// committed before the work starts, so a crash leaves a visible "running" row
// rather than nothing.
func (db *DB) CreateBackupRun(ctx context.Context, run *BackupRun, actor string) error {
	if run.Kind != BackupKindDrill && run.Kind != BackupKindSnapshot {
		return app.Errorf(app.EINVALID, "backup.error.kind")
	}
	now := app.FormatTime(db.Clock.Now())
	if run.StartedAt.IsZero() {
		run.StartedAt = db.Clock.Now()
	}
	if run.Status == "" {
		run.Status = BackupStatusRunning
	}
	if run.Detail == "" {
		run.Detail = "{}"
	}
	res, err := db.Writer.ExecContext(ctx, `
		INSERT INTO backup_runs (kind, origin, status, token, started_at, detail, error,
			created_at, created_by, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		run.Kind, run.Origin, run.Status, run.Token, app.FormatTime(run.StartedAt), run.Detail, run.Error,
		now, actor, now, actor)
	if err != nil {
		return fmt.Errorf("db: create backup run: %w", err)
	}
	run.ID, err = res.LastInsertId()
	return err
}

// FinishBackupRun stores the outcome of a run started with CreateBackupRun.
func (db *DB) FinishBackupRun(ctx context.Context, run *BackupRun, actor string) error {
	if run.Status != BackupStatusOK && run.Status != BackupStatusFailed {
		return app.Errorf(app.EINVALID, "backup.error.status")
	}
	if run.FinishedAt.IsZero() {
		run.FinishedAt = db.Clock.Now()
	}
	if run.Detail == "" {
		run.Detail = "{}"
	}
	now := app.FormatTime(db.Clock.Now())
	res, err := db.Writer.ExecContext(ctx, `
		UPDATE backup_runs
		SET status = ?, finished_at = ?, duration_ms = ?, detail = ?, error = ?, updated_at = ?, updated_by = ?
		WHERE id = ? AND deleted_at IS NULL`,
		run.Status, app.FormatTime(run.FinishedAt), run.Duration.Milliseconds(), run.Detail, run.Error,
		now, actor, run.ID)
	if err != nil {
		return fmt.Errorf("db: finish backup run: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return app.Errorf(app.ENOTFOUND, "backup.error.run_not_found")
	}
	return nil
}

// FindBackupRuns returns matching runs, newest first, and the total count.
func (db *DB) FindBackupRuns(ctx context.Context, f BackupRunFilter) ([]*BackupRun, int, error) {
	where, args := []string{"deleted_at IS NULL"}, []any{}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	limit := f.Limit
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	rows, err := db.Reader.QueryContext(ctx, `
		SELECT id, kind, origin, status, token, started_at, COALESCE(finished_at, ''),
			COALESCE(duration_ms, 0), detail, error, COUNT(*) OVER ()
		FROM backup_runs
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY started_at DESC, id DESC
		LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("db: find backup runs: %w", err)
	}
	defer rows.Close()
	var out []*BackupRun
	total := 0
	for rows.Next() {
		r := &BackupRun{}
		var started, finished string
		var ms int64
		if err := rows.Scan(&r.ID, &r.Kind, &r.Origin, &r.Status, &r.Token, &started, &finished, &ms, &r.Detail, &r.Error, &total); err != nil {
			return nil, 0, fmt.Errorf("db: scan backup run: %w", err)
		}
		if r.StartedAt, err = app.ParseTime(started); err != nil {
			return nil, 0, fmt.Errorf("db: backup run %d started_at: %w", r.ID, err)
		}
		if finished != "" {
			if r.FinishedAt, err = app.ParseTime(finished); err != nil {
				return nil, 0, fmt.Errorf("db: backup run %d finished_at: %w", r.ID, err)
			}
		}
		r.Duration = time.Duration(ms) * time.Millisecond
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// LastBackupRun returns the newest run of a kind, or nil when there is none.
func (db *DB) LastBackupRun(ctx context.Context, kind string) (*BackupRun, error) {
	runs, _, err := db.FindBackupRuns(ctx, BackupRunFilter{Kind: kind, Limit: 1})
	if err != nil || len(runs) == 0 {
		return nil, err
	}
	return runs[0], nil
}

// FindBackupRunToken reads the token of run id; ENOTFOUND when the row is
// absent. A drill calls it on the restored copy to look for its marker.
func (db *DB) FindBackupRunToken(ctx context.Context, id int64) (string, error) {
	var token string
	err := db.Reader.QueryRowContext(ctx, `SELECT token FROM backup_runs WHERE id = ?`, id).Scan(&token)
	if errors.Is(err, sql.ErrNoRows) {
		return "", app.Errorf(app.ENOTFOUND, "backup.error.run_not_found")
	}
	if err != nil {
		return "", fmt.Errorf("db: backup run token: %w", err)
	}
	return token, nil
}

package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"cotizador/app"
	"cotizador/db"
)

// DrillResult is what a restore drill found; it is stored as the run's
// detail JSON and shown on the Respaldos page.
type DrillResult struct {
	// Lag is how long the marker written at the start took to show up in a
	// restored copy: the replication delay, measured end to end.
	LagMS      int64     `json:"lag_ms"`
	Attempts   int       `json:"attempts"`
	TXID       string    `json:"txid,omitempty"`
	RestoredTo time.Time `json:"restored_to,omitzero"`
	Files      int       `json:"files"`
	Downloaded int64     `json:"downloaded_bytes"`
	Report     *Report   `json:"report,omitempty"`
}

// DrillOptions tune a drill.
type DrillOptions struct {
	// TempDir receives the restored copy, deleted afterwards; empty means
	// the system's.
	TempDir string
	// MaxWait bounds the wait for the marker to reach the replica.
	MaxWait time.Duration
	// Poll is the pause between restore attempts.
	Poll   time.Duration
	Origin string
	Actor  string
	Checks []Check
}

// Drill proves the off-site replica can be restored, the way it would be on
// the worst day: it writes a marker row (a backup_runs row with a random
// token) to the live database, restores the latest replica into a temporary
// file with the litestream binary until the copy contains that marker (so
// the replica is known to hold a write made moments ago), verifies the copy
// (integrity, foreign keys, schema version equal to the live one, rows per
// table, extra checks), deletes it and records the outcome and duration.
//
// The returned run is always recorded, failed or not; the error is non-nil
// only when even recording failed.
func Drill(ctx context.Context, d *db.DB, l *Litestream, o DrillOptions) (*db.BackupRun, *DrillResult, error) {
	if o.MaxWait <= 0 {
		o.MaxWait = time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Origin == "" {
		o.Origin = OriginManual
	}
	if o.Actor == "" {
		o.Actor = "system"
	}
	run := &db.BackupRun{Kind: db.BackupKindDrill, Origin: o.Origin, Token: newToken()}
	if err := d.CreateBackupRun(ctx, run, o.Actor); err != nil {
		return nil, nil, err
	}
	written := time.Now()
	res, derr := drill(ctx, d, l, run, written, o)
	run.Duration = time.Since(written)
	run.Status = db.BackupStatusOK
	if derr != nil {
		run.Status, run.Error = db.BackupStatusFailed, derr.Error()
		if ctx.Err() != nil {
			run.Error = "interrupted (shutdown or time limit): " + run.Error
		}
	}
	detail, err := json.Marshal(res)
	if err != nil {
		return run, res, err
	}
	run.Detail = string(detail)
	// Recorded even when the caller's context ended: a drill that timed out
	// must leave a failure on the page, not a row stuck "running".
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := d.FinishBackupRun(rctx, run, o.Actor); err != nil {
		return run, res, err
	}
	return run, res, nil
}

func drill(ctx context.Context, d *db.DB, l *Litestream, run *db.BackupRun, written time.Time, o DrillOptions) (*DrillResult, error) {
	res := &DrillResult{}
	if l == nil {
		return res, errors.New("replication is not configured (LITESTREAM_BUCKET is empty or litestream is missing)")
	}
	dir, err := os.MkdirTemp(o.TempDir, "cotizador-drill-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	deadline := written.Add(o.MaxWait)
	var copyPath string
	for {
		res.Attempts++
		copyPath = filepath.Join(dir, fmt.Sprintf("restored-%d.db", res.Attempts))
		r, err := l.Restore(ctx, copyPath, time.Time{})
		if err != nil && !errors.Is(err, ErrNoReplica) {
			return res, err
		}
		if err == nil {
			res.TXID, res.RestoredTo = r.TXID, r.Plan.Newest()
			res.Files, res.Downloaded = len(r.Plan.Files), r.Plan.Bytes()
			found, ferr := hasMarker(ctx, copyPath, run)
			if ferr != nil {
				return res, ferr
			}
			if found {
				res.LagMS = time.Since(written).Milliseconds()
				break
			}
		}
		if time.Now().Add(o.Poll).After(deadline) {
			return res, fmt.Errorf("the replica does not hold a write made %s ago: replication is stopped or behind", time.Since(written).Round(time.Second))
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(o.Poll):
		}
		os.Remove(copyPath)
	}

	rep, err := Verify(ctx, copyPath, o.Checks...)
	if err != nil {
		return res, err
	}
	res.Report = rep
	if !rep.OK() {
		return res, errNotFit(rep)
	}
	live, _, err := d.SchemaVersion(ctx)
	if err != nil {
		return res, err
	}
	if rep.SchemaVersion != live {
		return res, fmt.Errorf("restored schema version %d differs from the live %d", rep.SchemaVersion, live)
	}
	return res, nil
}

// hasMarker opens a restored copy and looks for the drill's own row.
func hasMarker(ctx context.Context, path string, run *db.BackupRun) (bool, error) {
	c, err := db.Open(ctx, path)
	if err != nil {
		return false, err
	}
	defer c.Close()
	var exists int
	if err := c.Reader.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'backup_runs'`).Scan(&exists); err != nil {
		return false, err
	}
	if exists == 0 {
		return false, nil
	}
	tok, err := c.FindBackupRunToken(ctx, run.ID)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if tok != run.Token {
		// Same id, another token: the replica belongs to another database
		// lineage (a restored file swapped in without a new replica path).
		return false, fmt.Errorf("the replica holds a different database (run %d has another token): check LITESTREAM_PATH", run.ID)
	}
	return true, nil
}

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

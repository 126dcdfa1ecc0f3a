package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"cotizador/db"
)

// TableCount is one table of a verified copy and its row count.
type TableCount struct {
	Name string `json:"name"`
	Rows int64  `json:"rows"`
}

// Check is an extra verification of a restored copy. The audit chain
// verification of the data-protection work plugs in here when it exists.
type Check struct {
	Name string
	Run  func(ctx context.Context, d *db.DB) error
}

// CheckResult is the outcome of one Check.
type CheckResult struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// Report is what Verify found in a database file.
type Report struct {
	Path          string        `json:"path"`
	SizeBytes     int64         `json:"size_bytes"`
	IntegrityOK   bool          `json:"integrity_ok"`
	Integrity     []string      `json:"integrity,omitempty"`
	ForeignKeyErr int64         `json:"foreign_key_errors"`
	SchemaVersion int64         `json:"schema_version"`
	SchemaLatest  int64         `json:"schema_latest"`
	Tables        []TableCount  `json:"tables"`
	Checks        []CheckResult `json:"checks,omitempty"`
}

// Problems lists what makes the copy unfit to serve; empty means fit. An
// older schema is not a problem: the app migrates it at start (after a
// safety snapshot). A newer one is: this binary cannot run it.
func (r *Report) Problems() []string {
	var p []string
	if !r.IntegrityOK {
		p = append(p, "integrity_check: "+strings.Join(r.Integrity, "; "))
	}
	if r.ForeignKeyErr > 0 {
		p = append(p, fmt.Sprintf("foreign_key_check: %d violations", r.ForeignKeyErr))
	}
	if r.SchemaVersion <= 0 {
		p = append(p, "no applied migrations: not a Cotizador database")
	} else if r.SchemaVersion > r.SchemaLatest {
		p = append(p, fmt.Sprintf("schema version %d is newer than this program's %d", r.SchemaVersion, r.SchemaLatest))
	}
	for _, c := range r.Checks {
		if !c.OK {
			p = append(p, c.Name+": "+c.Error)
		}
	}
	return p
}

// OK reports whether the copy is fit to serve.
func (r *Report) OK() bool { return len(r.Problems()) == 0 }

// TotalRows is the sum of every table's rows.
func (r *Report) TotalRows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Rows
	}
	return n
}

// Verify opens the copy at path (a file this process owns, never the live
// database) and checks it: PRAGMA integrity_check and foreign_key_check,
// the migration version, rows per table, and any extra checks. An error
// means the file could not be examined at all; a damaged but readable file
// gives a Report with Problems.
func Verify(ctx context.Context, path string, checks ...Check) (*Report, error) {
	fi, err := os.Stat(path)
	if err != nil {
		// db.Open would create an empty database: refuse first.
		return nil, fmt.Errorf("backup: verify: %w", err)
	}
	r := &Report{Path: path, SizeBytes: fi.Size()}
	d, err := db.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("backup: verify: %w", err)
	}
	defer d.Close()

	rows, err := d.Reader.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return nil, fmt.Errorf("backup: integrity_check: %w", err)
	}
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			rows.Close()
			return nil, err
		}
		r.Integrity = append(r.Integrity, msg)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("backup: integrity_check: %w", err)
	}
	r.IntegrityOK = len(r.Integrity) == 1 && r.Integrity[0] == "ok"
	if err := d.Reader.QueryRowContext(ctx, "SELECT count(*) FROM pragma_foreign_key_check").Scan(&r.ForeignKeyErr); err != nil {
		return nil, fmt.Errorf("backup: foreign_key_check: %w", err)
	}

	if r.Tables, err = countRows(ctx, d); err != nil {
		return nil, err
	}
	hasGoose := false
	for _, t := range r.Tables {
		hasGoose = hasGoose || t.Name == "goose_db_version"
	}
	if hasGoose {
		// Reading the version of a database without goose's table would
		// create it; a copy without one simply has no schema version.
		if r.SchemaVersion, r.SchemaLatest, err = d.SchemaVersion(ctx); err != nil {
			return nil, err
		}
	}
	for _, c := range checks {
		res := CheckResult{Name: c.Name, OK: true}
		if err := c.Run(ctx, d); err != nil {
			res.OK, res.Error = false, err.Error()
		}
		r.Checks = append(r.Checks, res)
	}
	return r, nil
}

// countRows counts the rows of every table, skipping SQLite's and
// Litestream's own.
func countRows(ctx context.Context, d *db.DB) ([]TableCount, error) {
	rows, err := d.Reader.QueryContext(ctx, `
		SELECT name FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_litestream%' ESCAPE '\'
		ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("backup: list tables: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]TableCount, 0, len(names))
	for _, n := range names {
		var c int64
		// The name comes from sqlite_schema; quoting handles any character.
		q := `SELECT count(*) FROM "` + strings.ReplaceAll(n, `"`, `""`) + `"`
		if err := d.Reader.QueryRowContext(ctx, q).Scan(&c); err != nil {
			return nil, fmt.Errorf("backup: count %s: %w", n, err)
		}
		out = append(out, TableCount{Name: n, Rows: c})
	}
	return out, nil
}

// errNotFit wraps a report's problems as an error.
func errNotFit(r *Report) error {
	return errors.New("backup: the copy failed verification: " + strings.Join(r.Problems(), "; "))
}

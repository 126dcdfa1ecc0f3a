package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"cotizador/app"
	"cotizador/auth"
)

// Exports: the records of data exports (ARCO access for a customer or a
// user, the whole business), and the reads they are made from. Writing the
// files (JSON, CSV, ZIP) is the export package's; db only hands it tables.

// Export kinds and states.
const (
	ExportCustomer = "customer"
	ExportUser     = "user"
	ExportBusiness = "business"

	ExportPending = "pending"
	ExportRunning = "running"
	ExportReady   = "ready"
	ExportFailed  = "failed"
	ExportExpired = "expired"
)

// Export is one export.
type Export struct {
	ID            int64
	Kind          string
	SubjectID     int64
	Status        string
	Progress      int
	FileName      string
	SizeBytes     int64
	SHA256        string
	Manifest      string
	Error         string
	LinkExpiresAt *time.Time
	Downloads     int
	FinishedAt    *time.Time
	CreatedAt     time.Time
	CreatedBy     string
}

const exportColumns = `id, kind, coalesce(subject_id, 0), status, progress, file_name, size_bytes, sha256, manifest, error,
	link_expires_at, downloads, finished_at, created_at, created_by`

func scanExport(row interface{ Scan(...any) error }) (*Export, error) {
	var e Export
	var link, finished sql.NullString
	var created string
	if err := row.Scan(&e.ID, &e.Kind, &e.SubjectID, &e.Status, &e.Progress, &e.FileName, &e.SizeBytes, &e.SHA256, &e.Manifest, &e.Error,
		&link, &e.Downloads, &finished, &created, &e.CreatedBy); err != nil {
		return nil, err
	}
	e.CreatedAt, _ = app.ParseTime(created)
	e.LinkExpiresAt, e.FinishedAt = optTime(link), optTime(finished)
	return &e, nil
}

// CreateExport records a new export, pending. The subject (a customer or a
// user) must exist; a business export has none.
func (db *DB) CreateExport(ctx context.Context, kind string, subject int64, actor app.Actor) (*Export, error) {
	var subj any
	switch kind {
	case ExportCustomer, ExportUser:
		table := map[string]string{ExportCustomer: "customers", ExportUser: "users"}[kind]
		var n int
		if err := db.Reader.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE id = ?`, subject).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, app.Errorf(app.ENOTFOUND, "export.subject_not_found")
		}
		subj = subject
	case ExportBusiness:
	default:
		return nil, app.Errorf(app.EINVALID, "export.kind_invalid")
	}
	ts := app.FormatTime(db.Clock.Now())
	res, err := db.Writer.ExecContext(ctx, `INSERT INTO exports (kind, subject_id, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)`,
		kind, subj, ts, actor, ts, actor)
	if err != nil {
		return nil, fmt.Errorf("db: create export: %w", err)
	}
	id, _ := res.LastInsertId()
	return db.FindExport(ctx, id)
}

// FindExport returns an export by id.
func (db *DB) FindExport(ctx context.Context, id int64) (*Export, error) {
	e, err := scanExport(db.Reader.QueryRowContext(ctx, `SELECT `+exportColumns+` FROM exports WHERE id = ? AND deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "export.not_found")
	}
	return e, err
}

// FindExports lists the newest exports.
func (db *DB) FindExports(ctx context.Context, limit int) ([]*Export, error) {
	rows, err := db.Reader.QueryContext(ctx, `SELECT `+exportColumns+` FROM exports WHERE deleted_at IS NULL ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Export
	for rows.Next() {
		e, err := scanExport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// SetExportProgress records how far a running export is (0–100). The
// status moving to running is audited; the percentage is not.
func (db *DB) SetExportProgress(ctx context.Context, id int64, progress int) error {
	_, err := db.Writer.ExecContext(ctx, `UPDATE exports SET progress = ?, status = 'running' WHERE id = ? AND status IN ('pending', 'running')`,
		min(max(progress, 0), 100), id)
	return err
}

// FinishExport records the built file (its name in the exports folder,
// size, SHA-256, manifest) or, with errText, the failure.
func (db *DB) FinishExport(ctx context.Context, id int64, file string, size int64, sum, manifest, errText string) error {
	status, progress := ExportReady, 100
	if errText != "" {
		status, progress = ExportFailed, 0
	}
	now := app.FormatTime(db.Clock.Now())
	res, err := db.Writer.ExecContext(ctx, `UPDATE exports SET status = ?, progress = ?, file_name = ?, size_bytes = ?, sha256 = ?, manifest = ?, error = ?,
		finished_at = ?, updated_at = ?, updated_by = ? WHERE id = ? AND status IN ('pending', 'running')`,
		status, progress, file, size, sum, manifest, errText, now, now, app.SystemActor, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return app.Errorf(app.ECONFLICT, "export.expired")
	}
	return nil
}

// CreateExportLink makes a new single-use download link for a ready
// export, valid for ttl, and returns its token (only its hash is kept; a
// previous link stops working). Audited: the link's expiry changes.
func (db *DB) CreateExportLink(ctx context.Context, id int64, ttl time.Duration, actor app.Actor) (string, time.Time, error) {
	raw, hash := auth.NewToken()
	now := db.Clock.Now()
	expires := now.Add(ttl)
	ts := app.FormatTime(now)
	res, err := db.Writer.ExecContext(ctx, `UPDATE exports SET link_hash = ?, link_expires_at = ?, updated_at = ?, updated_by = ?
		WHERE id = ? AND status = 'ready' AND deleted_at IS NULL`, hash, app.FormatTime(expires), ts, actor, id)
	if err != nil {
		return "", time.Time{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", time.Time{}, app.Errorf(app.ECONFLICT, "export.not_ready")
	}
	return raw, expires, nil
}

// UseExportLink spends a download link: it returns the export if the token
// names a live link of a ready export, and in the same transaction clears
// the link (single use) and counts the download (audited, by the link).
// Anything else is ENOTFOUND, whatever the reason, so a link reveals
// nothing.
func (db *DB) UseExportLink(ctx context.Context, raw string) (*Export, error) {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := db.Clock.Now()
	e, err := scanExport(tx.QueryRowContext(ctx, `SELECT `+exportColumns+` FROM exports WHERE link_hash = ? AND status = 'ready' AND deleted_at IS NULL
		AND link_expires_at > ?`, auth.HashToken(raw), app.FormatTime(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "export.link_invalid")
	} else if err != nil {
		return nil, err
	}
	ts := app.FormatTime(now)
	if _, err := tx.ExecContext(ctx, `UPDATE exports SET link_hash = NULL, link_expires_at = NULL, downloads = downloads + 1, updated_at = ?, updated_by = ?
		WHERE id = ?`, ts, "link:export:"+fmt.Sprint(e.ID), e.ID); err != nil {
		return nil, err
	}
	e.Downloads++
	return e, tx.Commit()
}

// DataTable is one table of an export: its columns and rows as the
// database holds them (int64, float64, string, []byte or nil).
type DataTable struct {
	Name    string
	Columns []string
	Rows    [][]any
}

// exportColumnsOf lists a table's columns that may leave the app: not
// the secrets (the audit convention) nor the derived search columns.
func exportColumnsOf(ctx context.Context, q queryer, table string) ([]string, error) {
	cols, err := queryColumn[string](ctx, q, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, err
	}
	out := cols[:0]
	for _, c := range cols {
		if secretColumn(c) || (table == "customers" && (c == "sort_name" || c == "search_terms")) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

func quoteIdents(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = `"` + c + `"`
	}
	return strings.Join(q, ", ")
}

// readTable reads the rows of table that match where (with args), ordered
// by its first column, into a DataTable named name.
func readTable(ctx context.Context, tx *sql.Tx, name, table, where string, args ...any) (DataTable, error) {
	cols, err := exportColumnsOf(ctx, tx, table)
	if err != nil {
		return DataTable{}, err
	}
	return queryTable(ctx, tx, DataTable{Name: name, Columns: cols},
		`SELECT `+quoteIdents(cols)+` FROM "`+table+`" WHERE `+where+` ORDER BY 1`, args...)
}

// queryTable fills dt's rows from a query of its columns.
func queryTable(ctx context.Context, tx *sql.Tx, dt DataTable, query string, args ...any) (DataTable, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return dt, err
	}
	defer rows.Close()
	for rows.Next() {
		vals := make([]any, len(dt.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return dt, err
		}
		dt.Rows = append(dt.Rows, vals)
	}
	return dt, rows.Err()
}

// auditColumns are the columns of the audit entries an export carries.
const auditExportColumns = `id, at, actor, action, table_name, row_id, audit_unpack(before) AS before, audit_unpack(after) AS after, hex(hash) AS hash`

func readAudit(ctx context.Context, tx *sql.Tx, name, where string, args ...any) (DataTable, error) {
	dt := DataTable{Name: name, Columns: []string{"id", "at", "actor", "action", "table_name", "row_id", "before", "after", "hash"}}
	return queryTable(ctx, tx, dt, `SELECT `+auditExportColumns+` FROM audit_log WHERE `+where+` ORDER BY id`, args...)
}

// CustomerData is everything the app holds about a customer, for an ARCO
// access request: the record, their quotes (every revision, deleted ones
// too) with their lines, the customer's answers through share links, and
// the audit entries about all of these. Read in one transaction.
func (db *DB) CustomerData(ctx context.Context, id int64) ([]DataTable, error) {
	tx, err := db.Reader.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM customers WHERE id = ?`, id).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, app.Errorf(app.ENOTFOUND, "customer.not_found")
	}
	have, err := tableSet(ctx, tx)
	if err != nil {
		return nil, err
	}
	ofQuotes := `quote_id IN (SELECT id FROM quotes WHERE customer_id = ?)`
	parts := []struct{ name, table, where string }{
		{"cliente", "customers", `id = ?`},
		{"cotizaciones", "quotes", `customer_id = ?`},
		{"partidas", "quote_items", ofQuotes},
		{"aceptaciones", "quote_decisions", ofQuotes},
	}
	var out []DataTable
	for _, p := range parts {
		if !have[p.table] {
			continue
		}
		dt, err := readTable(ctx, tx, p.name, p.table, p.where, id)
		if err != nil {
			return nil, fmt.Errorf("db: customer data %s: %w", p.table, err)
		}
		out = append(out, dt)
	}
	about := `(table_name = 'customers' AND row_id = ?1)
		OR (table_name = 'quotes' AND row_id IN (SELECT id FROM quotes WHERE customer_id = ?1))
		OR (table_name = 'quote_items' AND row_id IN (SELECT id FROM quote_items WHERE quote_id IN (SELECT id FROM quotes WHERE customer_id = ?1)))`
	if have["quote_decisions"] {
		about += ` OR (table_name = 'quote_decisions' AND row_id IN (SELECT id FROM quote_decisions WHERE quote_id IN (SELECT id FROM quotes WHERE customer_id = ?1)))`
	}
	dt, err := readAudit(ctx, tx, "auditoria", about, id)
	if err != nil {
		return nil, err
	}
	return append(out, dt), nil
}

// UserData is what the app holds about a user (an employee's ARCO access):
// the account without its password hash, sessions and API tokens without
// their hashes, sign-in attempts and security events, the quotes they made
// (folio, status, dates and total only: the rest is the customers' data),
// the audit entries about their account, and the entries of what they did
// (when, what and which record, without the records' contents).
func (db *DB) UserData(ctx context.Context, id int64) ([]DataTable, error) {
	tx, err := db.Reader.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var email string
	err = tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = ?`, id).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "user.not_found")
	} else if err != nil {
		return nil, err
	}
	var out []DataTable
	for _, p := range []struct {
		name, table, where string
		arg                any
	}{
		{"usuario", "users", `id = ?`, id},
		{"sesiones", "sessions", `user_id = ?`, id},
		{"tokens_api", "api_tokens", `user_id = ?`, id},
		{"intentos_de_acceso", "login_attempts", `email = ?`, email},
	} {
		dt, err := readTable(ctx, tx, p.name, p.table, p.where, p.arg)
		if err != nil {
			return nil, fmt.Errorf("db: user data %s: %w", p.table, err)
		}
		out = append(out, dt)
	}
	dt, err := readTable(ctx, tx, "bitacora_de_seguridad", "security_events", `user_id = ?1 OR email = ?2`, id, email)
	if err != nil {
		return nil, err
	}
	out = append(out, dt)
	q, err := queryTable(ctx, tx, DataTable{Name: "cotizaciones", Columns: []string{"folio", "revision", "status", "created_at", "updated_at", "total", "deleted_at"}},
		`SELECT folio, revision, status, created_at, updated_at, total, deleted_at FROM quotes WHERE salesperson_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	out = append(out, q)
	about, err := readAudit(ctx, tx, "auditoria_sobre_la_cuenta", `(table_name = 'users' AND row_id = ?1) OR (table_name = 'api_tokens' AND row_id IN (SELECT id FROM api_tokens WHERE user_id = ?1))`, id)
	if err != nil {
		return nil, err
	}
	out = append(out, about)
	did, err := queryTable(ctx, tx, DataTable{Name: "acciones_registradas", Columns: []string{"id", "at", "action", "table_name", "row_id"}},
		`SELECT id, at, action, table_name, row_id FROM audit_log WHERE actor = ? ORDER BY id`, string(app.UserActor(id)))
	if err != nil {
		return nil, err
	}
	return append(out, did), nil
}

func tableSet(ctx context.Context, q queryer) (map[string]bool, error) {
	names, err := queryColumn[string](ctx, q, `SELECT name FROM sqlite_schema WHERE type = 'table'`)
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m, err
}

// notExported are tables a business export leaves out: SQLite's, goose's
// and Litestream's own, a catalogue import's temporary copies, derived
// indexes, and tables of nothing but secrets.
func notExported(name string) bool {
	if slices.Contains([]string{"customer_terms", "csrf_tokens", "audit_purge_permit"}, name) {
		return true
	}
	for _, p := range []string{"sqlite_", "goose_", "_litestream", stagePrefix, retiredPrefix} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// TableRows is one table of a business export being read: Next returns
// its rows one at a time.
type TableRows struct {
	Name    string
	Columns []string
	// Count is the table's number of rows in the export's snapshot.
	Count int64
	rows  *sql.Rows
	vals  []any
}

// Next returns the next row (valid until the following call), or false.
func (t *TableRows) Next() ([]any, bool, error) {
	if !t.rows.Next() {
		return nil, false, t.rows.Err()
	}
	ptrs := make([]any, len(t.vals))
	for i := range t.vals {
		ptrs[i] = &t.vals[i]
	}
	if err := t.rows.Scan(ptrs...); err != nil {
		return nil, false, err
	}
	return t.vals, true, nil
}

// ReadBusiness reads every table of the business (secrets excluded) in one
// read transaction, so the export is one consistent snapshot: start is
// called first with every table's row count, then visit once per table in
// name order. It holds no write lock: the app keeps working meanwhile.
func (db *DB) ReadBusiness(ctx context.Context, start func(counts map[string]int64) error, visit func(t *TableRows) error) error {
	tx, err := db.Reader.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	names, err := queryColumn[string](ctx, tx, `SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return err
	}
	counts := map[string]int64{}
	var tables []string
	for _, n := range names {
		if notExported(n) {
			continue
		}
		var c int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM "`+n+`"`).Scan(&c); err != nil {
			return err
		}
		counts[n] = c
		tables = append(tables, n)
	}
	if err := start(counts); err != nil {
		return err
	}
	for _, n := range tables {
		cols, err := exportColumnsOf(ctx, tx, n)
		if err != nil {
			return err
		}
		// Rows in storage order: rowid, or the primary key of a WITHOUT
		// ROWID table (which a plain scan follows).
		var withoutRowid bool
		if err := tx.QueryRowContext(ctx, `SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?`, n).Scan(&withoutRowid); err != nil {
			return err
		}
		order := ` ORDER BY rowid`
		if withoutRowid {
			order = ``
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+quoteIdents(cols)+` FROM "`+n+`"`+order)
		if err != nil {
			return fmt.Errorf("db: read %s: %w", n, err)
		}
		err = visit(&TableRows{Name: n, Columns: cols, Count: counts[n], rows: rows, vals: make([]any, len(cols))})
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// exportFile is an export's record and the file it names.
type exportFile struct {
	id   int64
	file string
}

// exportFiles lists the exports matching where (with args).
func (db *DB) exportFiles(ctx context.Context, where string, args ...any) ([]exportFile, error) {
	rows, err := db.Reader.QueryContext(ctx, `SELECT id, file_name FROM exports WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []exportFile
	for rows.Next() {
		var e exportFile
		if err := rows.Scan(&e.id, &e.file); err != nil {
			return nil, err
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

// removeExportFile deletes an export's file from the exports folder (gone
// already is fine).
func (db *DB) removeExportFile(name string) error {
	if name == "" {
		return nil
	}
	if err := os.Remove(filepath.Join(db.ExportDir(), filepath.Base(name))); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// RemoveExpiredExportFiles deletes the files of exports that expired before
// their file was removed (an anonymisation expires them at once) and
// records that the file is gone. It returns how many it removed.
func (db *DB) RemoveExpiredExportFiles(ctx context.Context) (int, error) {
	list, err := db.exportFiles(ctx, `status = 'expired' AND file_name != ''`)
	if err != nil {
		return 0, err
	}
	ts := app.FormatTime(db.Clock.Now())
	for i, e := range list {
		if err := db.removeExportFile(e.file); err != nil {
			return i, err
		}
		if _, err := db.Writer.ExecContext(ctx, `UPDATE exports SET file_name = '', updated_at = ?, updated_by = ? WHERE id = ?`, ts, app.SystemActor, e.id); err != nil {
			return i, err
		}
	}
	return len(list), nil
}

// FailInterruptedExports marks as failed the exports a stopped server was
// building (they would never finish), and removes their partial files.
func (db *DB) FailInterruptedExports(ctx context.Context) error {
	ids, err := queryIDs(ctx, db.Reader, `SELECT id FROM exports WHERE status IN ('pending', 'running')`)
	if err != nil || len(ids) == 0 {
		return err
	}
	ts := app.FormatTime(db.Clock.Now())
	if _, err := db.Writer.ExecContext(ctx, `UPDATE exports SET status = 'failed', error = 'interrupted', finished_at = ?, updated_at = ?, updated_by = ?
		WHERE id IN (`+idList(ids)+`)`, ts, ts, app.SystemActor); err != nil {
		return err
	}
	for _, id := range ids {
		// export.Build names its file <id>-<random>.zip.
		partial, _ := filepath.Glob(filepath.Join(db.ExportDir(), fmt.Sprintf("%d-*.zip", id)))
		for _, p := range partial {
			os.Remove(p)
		}
	}
	return nil
}

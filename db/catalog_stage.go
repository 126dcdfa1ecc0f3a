package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"cotizador/app"
)

// Applying an import plan (catalog_import.go). SQLite has one writer, and
// this app one writer connection: while an import writes, every other
// write (a quote being saved, a login) waits. Inserting 40,000 rows takes
// 0.3–0.6 s on two cores even when every value is worked out beforehand,
// so a long plan is not written in one transaction. It is written into a
// copy of the five catalogue tables, in transactions of about stageBatch
// each, and the copy is swapped in by one transaction that renames tables
// and rebuilds their indexes and triggers (tens of milliseconds for a
// catalogue of tens of thousands of rows, whatever the import's size).
// Until that commit nothing is visible; a failure, a crash or a catalogue
// changed meanwhile leaves the live tables as they were.

// catalogTables are the tables an import writes, parents before children
// (the order copies need; drops go the other way).
var catalogTables = []string{"colours", "materials", "products", "colour_prices", "bom_lines"}

const (
	// stagePrefix names the copy being built; retiredPrefix the live tables
	// renamed away during the swap (dropped in the same transaction).
	stagePrefix   = "catalog_stage_"
	retiredPrefix = "catalog_retired_"
	// stageOwner holds the token of the import that is building the copy,
	// so an import that finds its copy replaced by another's stops.
	stageOwner = stagePrefix + "owner"
	// stageBOMIndex speeds up replacing a product's BOM in the copy; it is
	// dropped before the swap, where the live indexes are made again.
	stageBOMIndex = stagePrefix + "bom_lines_product"
	// stageAudit holds the audit entries of the writes made to the copy
	// (audit triggers on the copy, made after it is filled, record them
	// there); the swap keeps them, in the transaction that makes the
	// import visible, for the trail to chain right after
	// (auditpending.go). stageAuditPrefix names those triggers.
	stageAudit       = stagePrefix + "audit"
	stageAuditPrefix = "audit_stage_"
)

var (
	// importDirectLimit: a plan of at most this many writes is applied in
	// one transaction (about 10–30 ms); a longer one is staged. A variable
	// so tests can stage small imports.
	importDirectLimit = 2000
	// stageBatch is about how long one staging transaction holds the
	// writer.
	stageBatch = 20 * time.Millisecond
	// stageHook, when set (tests), runs after each staging transaction
	// commits; an error stops the import there, as a failure would.
	stageHook func(step string) error
)

// stageLocks serialises staged imports on one database file within the
// process: two at once would each replace the other's copy.
var stageLocks sync.Map // path → *sync.Mutex

var catalogTableRe = regexp.MustCompile(`\b(colours|materials|products|colour_prices|bom_lines)\b`)

// stagedQuery is a plan's statement written against the copy.
func stagedQuery(q string) string {
	return catalogTableRe.ReplaceAllString(q, stagePrefix+"$1")
}

// createTableRe finds the table names a CREATE TABLE statement defines or
// refers to (foreign keys), quoted or not: SQLite quotes a renamed one.
var createTableRe = regexp.MustCompile(`(?i)(CREATE TABLE\s+|REFERENCES\s+)"?(colours|materials|products|colour_prices|bom_lines)"?`)

// applyPlan writes a plan, in one transaction or staged, and records in
// res how long the writer was held.
func (db *DB) applyPlan(ctx context.Context, p *importPlan, res *ImportResult) error {
	if len(p.writes) == 0 {
		return nil // every row unchanged
	}
	if len(p.writes) <= importDirectLimit || !p.stageable {
		return db.importTx(ctx, p, res, func(tx *sql.Tx) error {
			return runWrites(ctx, tx, p.writes, func(q string) string { return q }, time.Time{})
		})
	}
	mu, _ := stageLocks.LoadOrStore(db.Path, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	res.Staged = true
	return db.applyStaged(ctx, p, res)
}

// importTx runs fn in one write transaction that first checks that the
// catalogue is still at the plan's version (errCatalogChanged otherwise),
// and records how long it held the writer.
func (db *DB) importTx(ctx context.Context, p *importPlan, res *ImportResult, fn func(*sql.Tx) error) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	start := time.Now()
	defer func() {
		_ = tx.Rollback() // after a commit, a no-op
		res.WriteTransactions++
		res.LongestWrite = max(res.LongestWrite, time.Since(start))
	}()
	var v int64
	if err := tx.QueryRowContext(ctx, `SELECT version FROM catalog_meta WHERE id = 1`).Scan(&v); err != nil {
		return err
	}
	if v != p.version {
		return errCatalogChanged
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// runWrites executes writes in order, each statement prepared once, with
// the table names rename gives. With a deadline it stops after the write
// that passes it and returns errMore.
func runWrites(ctx context.Context, tx *sql.Tx, writes []catalogWrite, rename func(string) string, deadline time.Time) error {
	stmts := map[string]*sql.Stmt{}
	for i, w := range writes {
		st := stmts[w.query]
		if st == nil {
			var err error
			if st, err = tx.PrepareContext(ctx, rename(w.query)); err != nil {
				return err
			}
			stmts[w.query] = st
		}
		if _, err := st.ExecContext(ctx, w.args...); err != nil {
			return err
		}
		if !deadline.IsZero() && i%16 == 15 && time.Now().After(deadline) {
			return &errMore{done: i + 1}
		}
	}
	return nil
}

// errMore: a batch ran out of time after done writes.
type errMore struct{ done int }

func (e *errMore) Error() string { return "db: staging batch full" }

// applyStaged writes the plan into a copy of the catalogue tables and
// swaps it in. On any failure the copy is dropped and the live tables are
// untouched.
func (db *DB) applyStaged(ctx context.Context, p *importPlan, res *ImportResult) (err error) {
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return err
	}
	owner := hex.EncodeToString(token)
	// A copy left by a crashed import is dropped first. (One that another
	// process is building is dropped too: that import then finds its copy
	// gone and is worked out again.)
	if err := db.dropStaging(ctx, ""); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			// The copy was never visible; dropping it is housekeeping, done
			// even when ctx was cancelled.
			err = errors.Join(err, db.dropStaging(context.WithoutCancel(ctx), owner))
		}
	}()
	// batch runs one staging transaction that first checks the copy is
	// still this import's.
	batch := func(step string, fn func(*sql.Tx) error) error {
		err := db.importTx(ctx, p, res, func(tx *sql.Tx) error {
			if step != "create" {
				var got string
				if err := tx.QueryRowContext(ctx, `SELECT token FROM `+stageOwner).Scan(&got); err != nil || got != owner {
					return errCatalogChanged // another import replaced the copy: work it out again
				}
			}
			return fn(tx)
		})
		if err == nil && stageHook != nil {
			err = stageHook(step)
		}
		return err
	}

	if err := batch("create", func(tx *sql.Tx) error { return createStaging(ctx, tx, owner) }); err != nil {
		return err
	}
	for _, t := range catalogTables {
		var last int64
		for done := false; !done; {
			if err := batch("copy "+t, func(tx *sql.Tx) error {
				deadline := time.Now().Add(stageBatch)
				for time.Now().Before(deadline) {
					r, err := tx.ExecContext(ctx, `INSERT INTO `+stagePrefix+t+` SELECT * FROM `+t+` WHERE id > ? ORDER BY id LIMIT 500`, last)
					if err != nil {
						return err
					}
					if n, _ := r.RowsAffected(); n < 500 {
						done = true
						return nil
					}
					if err := tx.QueryRowContext(ctx, `SELECT max(id) FROM `+stagePrefix+t).Scan(&last); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				return err
			}
		}
	}
	if err := batch("audit", func(tx *sql.Tx) error { return auditStaging(ctx, tx) }); err != nil {
		return err
	}
	// digests collects the row digests of the copy's audit entries as each
	// batch writes them, so the swap only chains them.
	var digests [][]byte
	for next := 0; next < len(p.writes); {
		var fresh [][]byte
		if err := batch("write", func(tx *sql.Tx) error {
			err := runWrites(ctx, tx, p.writes[next:], stagedQuery, time.Now().Add(stageBatch))
			var more *errMore
			switch {
			case errors.As(err, &more):
				next += more.done
			case err != nil:
				return err
			default:
				next = len(p.writes)
			}
			fresh, err = stagedDigests(ctx, tx, len(digests))
			return err
		}); err != nil {
			return err
		}
		digests = append(digests, fresh...)
	}
	if err := batch("swap", func(tx *sql.Tx) error { return swapStaging(ctx, tx, p, digests) }); err != nil {
		return err
	}
	// The import is in; its audit entries are kept in the database and
	// chained now, in short transactions (auditpending.go). A failure here
	// does not undo the import: serve chains them at its next start.
	if err := db.DrainPendingAudit(context.WithoutCancel(ctx)); err != nil {
		db.guard.log().Error("audit: chaining a catalogue import's entries", "err", err)
	}
	return nil
}

// createStaging creates the empty copy: each catalogue table as the live
// one is defined (columns, checks, STRICT, foreign keys to the copy), but
// without triggers (copying bumps no catalogue version) and with only the
// index the writes need.
func createStaging(ctx context.Context, tx *sql.Tx, owner string) error {
	for _, t := range catalogTables {
		var def string
		if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`, t).Scan(&def); err != nil {
			return err
		}
		def = createTableRe.ReplaceAllString(def, `$1"`+stagePrefix+`$2"`)
		if _, err := tx.ExecContext(ctx, def); err != nil {
			return err
		}
	}
	for _, q := range []string{
		`CREATE INDEX ` + stageBOMIndex + ` ON ` + stagePrefix + `bom_lines (product_id) WHERE deleted_at IS NULL`,
		`CREATE TABLE ` + stageOwner + ` (token TEXT NOT NULL)`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO `+stageOwner+` (token) VALUES (?)`, owner)
	return err
}

// swapStaging puts the copy in place of the live tables: the live ones are
// renamed away and dropped, the copy takes their names, and their indexes
// and triggers are made again on it, under the same names and with the
// same SQL. The catalogue version moves once, as the triggers would have
// moved it.
func swapStaging(ctx context.Context, tx *sql.Tx, p *importPlan, digests [][]byte) error {
	var version int64
	if err := tx.QueryRowContext(ctx, `SELECT version + 1 FROM catalog_meta WHERE id = 1`).Scan(&version); err != nil {
		return err
	}
	audited, err := tableExists(ctx, tx, stageAudit)
	if err != nil {
		return err
	}
	type object struct{ kind, def string }
	var objects []object
	rows, err := tx.QueryContext(ctx, `SELECT type, sql FROM sqlite_schema WHERE type IN ('index', 'trigger') AND sql IS NOT NULL
		AND tbl_name IN ('colours', 'materials', 'products', 'colour_prices', 'bom_lines')
		AND name NOT LIKE 'audit\_row\_%' ESCAPE '\' ORDER BY type, name`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var o object
		if err := rows.Scan(&o.kind, &o.def); err != nil {
			rows.Close()
			return err
		}
		objects = append(objects, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var stmts []string
	// The copy's audit triggers go; every table's generated audit triggers
	// are set aside until the renames are done: a rename re-reads every
	// trigger in the schema, and theirs are long (each rename took ten
	// times longer with them).
	stageTriggers, err := triggersNamed(ctx, tx, `audit\_stage\_%`)
	if err != nil {
		return err
	}
	auditTriggers, err := triggersNamed(ctx, tx, `audit\_row\_%`)
	if err != nil {
		return err
	}
	for _, tr := range append(stageTriggers, auditTriggers...) {
		stmts = append(stmts, `DROP TRIGGER `+tr.name)
	}
	stmts = append(stmts, `DROP INDEX `+stageBOMIndex, `DROP TABLE `+stageOwner)
	for _, t := range catalogTables {
		stmts = append(stmts, `ALTER TABLE `+t+` RENAME TO `+retiredPrefix+t)
	}
	for _, t := range catalogTables {
		stmts = append(stmts, `ALTER TABLE `+stagePrefix+t+` RENAME TO `+t)
	}
	// Children first, so no foreign key of a retired table is left
	// pointing at a dropped one; dropping also drops their indexes and
	// triggers, whose names the new tables then take.
	for i := len(catalogTables) - 1; i >= 0; i-- {
		stmts = append(stmts, `DROP TABLE `+retiredPrefix+catalogTables[i])
	}
	pending := pendingAuditPrefix + strconv.FormatInt(version, 10)
	if audited {
		// The import's audit entries stay, to be chained after the swap.
		stmts = append(stmts, `ALTER TABLE `+stageAudit+` RENAME TO `+pending)
	}
	for _, o := range objects {
		stmts = append(stmts, o.def)
	}
	for _, tr := range auditTriggers {
		stmts = append(stmts, tr.def)
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	if audited {
		at, err := app.ParseTime(p.now)
		if err != nil {
			return err
		}
		if err := keepStagedAudit(ctx, tx, pending, version, at, p.actor, digests); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE catalog_meta SET version = ?, changed_at = ? WHERE id = 1`, version, p.now)
	return err
}

// dropStaging drops the copy, children first: any copy when owner is "",
// else only the copy that import owns.
func (db *DB) dropStaging(ctx context.Context, owner string) error {
	var n int
	if err := db.Reader.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN
		('catalog_stage_owner', 'catalog_stage_colours', 'catalog_stage_materials', 'catalog_stage_products',
		 'catalog_stage_colour_prices', 'catalog_stage_bom_lines', 'catalog_stage_audit')`).Scan(&n); err != nil || n == 0 {
		return err
	}
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if owner != "" {
		var got string
		if err := tx.QueryRowContext(ctx, `SELECT token FROM `+stageOwner).Scan(&got); err != nil || got != owner {
			return nil // another import's copy, or none
		}
	}
	stmts := []string{`DROP TABLE IF EXISTS ` + stageOwner, `DROP TABLE IF EXISTS ` + stageAudit}
	for i := len(catalogTables) - 1; i >= 0; i-- {
		stmts = append(stmts, `DROP TABLE IF EXISTS `+stagePrefix+catalogTables[i])
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// stageable reports whether the catalogue tables can be swapped: nothing
// else in the schema refers to them. A foreign key, view or trigger of
// another table would follow a renamed table and be left pointing at a
// dropped one; an import then writes in one transaction instead (and a
// test says so, so whoever adds such a reference knows).
func stageable(ctx context.Context, tx *sql.Tx) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND m.name NOT IN ('colours', 'materials', 'products', 'colour_prices', 'bom_lines')
		AND f."table" IN ('colours', 'materials', 'products', 'colour_prices', 'bom_lines')`).Scan(&n); err != nil || n > 0 {
		return false, err
	}
	// The generated audit triggers (audit.go) name only their own table's
	// columns (quotes has one called materials) and the audit trail.
	rows, err := tx.QueryContext(ctx, `SELECT sql FROM sqlite_schema WHERE (type = 'view' OR (type = 'trigger'
		AND tbl_name NOT IN ('colours', 'materials', 'products', 'colour_prices', 'bom_lines')
		AND name NOT LIKE 'audit\_row\_%' ESCAPE '\' AND name NOT LIKE 'audit\_stage\_%' ESCAPE '\')) AND sql IS NOT NULL`)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var def string
		if err := rows.Scan(&def); err != nil {
			return false, err
		}
		if catalogTableRe.MatchString(strings.ToLower(def)) {
			return false, nil
		}
	}
	return true, rows.Err()
}

// auditStaging creates the copy's pending audit entries table and the
// copy's audit triggers, the live tables' own (same columns, same rules)
// but recording into it. It runs after the copy is filled, so copying the
// live rows records nothing.
func auditStaging(ctx context.Context, tx *sql.Tx) error {
	if ok, err := tableExists(ctx, tx, "audit_tables"); err != nil || !ok {
		return err // a schema without the audit trail (tests of older versions)
	}
	// Each pending entry's row digest and packed images are computed as it
	// is written (generated columns), so the swap only chains 32-byte
	// digests and copies bytes.
	if _, err := tx.ExecContext(ctx, `CREATE TABLE `+stageAudit+` (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,
		action TEXT NOT NULL, table_name TEXT NOT NULL, row_id INTEGER, before TEXT, after TEXT,
		digest BLOB GENERATED ALWAYS AS (audit_row_digest(`+auditCanonical("", false)+`)) STORED,
		packed_before GENERATED ALWAYS AS (audit_pack(before)) STORED,
		packed_after GENERATED ALWAYS AS (audit_pack(after)) STORED)`); err != nil {
		return err
	}
	tables, err := auditTables(ctx, tx)
	if err != nil {
		return err
	}
	for i := range tables {
		t := &tables[i]
		if !slices.Contains(catalogTables, t.Name) {
			continue
		}
		for _, def := range t.triggerSQL(stagePrefix+t.Name, stageAudit, stageAuditPrefix) {
			if _, err := tx.ExecContext(ctx, def); err != nil {
				return err
			}
		}
	}
	return nil
}

// namedTrigger is a trigger's name and definition.
type namedTrigger struct{ name, def string }

// triggersNamed lists the triggers whose name is LIKE pattern (with \ as
// the escape character).
func triggersNamed(ctx context.Context, tx *sql.Tx, pattern string) ([]namedTrigger, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND name LIKE ? ESCAPE '\' ORDER BY name`, pattern)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []namedTrigger
	for rows.Next() {
		var t namedTrigger
		if err := rows.Scan(&t.name, &t.def); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// stagedDigests reads the row digests of the copy's pending audit entries
// after the first skip (none without the audit trail).
func stagedDigests(ctx context.Context, tx *sql.Tx, skip int) ([][]byte, error) {
	if ok, err := tableExists(ctx, tx, stageAudit); err != nil || !ok {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, digest FROM `+stageAudit+` WHERE seq > ? ORDER BY seq`, skip)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]byte
	for want := int64(skip + 1); rows.Next(); want++ {
		var seq int64
		var d []byte
		if err := rows.Scan(&seq, &d); err != nil {
			return nil, err
		}
		if seq != want {
			return nil, fmt.Errorf("db: staged audit entry %d where %d was expected", seq, want)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

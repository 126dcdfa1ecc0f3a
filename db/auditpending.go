package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"cotizador/app"
)

// A staged catalogue import's audit entries (catalog_stage.go) are written
// by the copy's triggers while it is staged, each with its row digest. The
// swap, the transaction that makes the import visible, keeps them: it
// renames their table to audit_pending_<catalogue version> (instant, however
// many there are) and appends one entry, action "pending", that commits to
// them, their number and the SHA-256 of their digests in order. Right after,
// DrainPendingAudit appends them to the trail in transactions of
// pendingBatch entries, chained like any other, after checking they are
// still the ones committed to. So the change and its audit rows are written
// in one transaction, and no transaction holds the writer for tens of
// thousands of entries (copying 40,000 into the trail in the swap held every
// other write for 200–300 ms). A crash between the swap and the end of the
// drain leaves the table: serve drains it at start, as it resumes re-seals.
// Entries written by others meanwhile (the drain takes a fraction of a
// second) are chained before the import's; each keeps its own time.

const pendingAuditPrefix = "audit_pending_"

// AuditPending is the action of the entry committing to an import's
// entries not yet chained.
const AuditPending = "pending"

// pendingBatch is how many entries one drain transaction chains.
var pendingBatch = 2000

// ErrPendingAuditAltered: an import's pending entries are not those its
// swap committed to; they are left where they are, for whoever looks.
var ErrPendingAuditAltered = errors.New("db: pending audit entries differ from those committed to")

// pendingDigest is the SHA-256 of the digests, in order.
func pendingDigest(digests [][]byte) string {
	h := sha256.New()
	for _, d := range digests {
		h.Write(d)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// keepStagedAudit, in the swap's transaction, renames the copy's pending
// entries to the table the drain reads (none without the audit trail) and
// records the entry that commits to them. version is the catalogue version
// the swap makes.
func keepStagedAudit(ctx context.Context, tx *sql.Tx, table string, version int64, at time.Time, actor app.Actor, digests [][]byte) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		return err
	}
	if n != len(digests) {
		return fmt.Errorf("db: %d staged audit entries, %d digests", n, len(digests))
	}
	if n == 0 {
		_, err := tx.ExecContext(ctx, `DROP TABLE `+table)
		return err
	}
	return appendAudit(ctx, tx, at, actor, AuditPending, "audit_log", version, nil, map[string]any{
		"entries": n, "sha256_of_digests": pendingDigest(digests), "table": pendingAuditPrefix + strconv.FormatInt(version, 10),
	})
}

// pendingTables lists the tables of entries waiting to be chained, oldest
// import first.
func pendingTables(ctx context.Context, q queryer) ([]int64, error) {
	names, err := queryColumn[string](ctx, q, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE ? ESCAPE '\'`,
		strings.ReplaceAll(pendingAuditPrefix, "_", `\_`)+"%")
	if err != nil {
		return nil, err
	}
	var versions []int64
	for _, name := range names {
		v, err := strconv.ParseInt(strings.TrimPrefix(name, pendingAuditPrefix), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("db: unexpected table %s", name)
		}
		versions = append(versions, v)
	}
	slices.Sort(versions)
	return versions, nil
}

// DrainPendingAudit chains every import's pending entries into the trail,
// pendingBatch at a time, each batch in its own short transaction.
func (db *DB) DrainPendingAudit(ctx context.Context) error {
	versions, err := pendingTables(ctx, db.Reader)
	if err != nil {
		return err
	}
	for _, v := range versions {
		if err := db.drainPending(ctx, v); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) drainPending(ctx context.Context, version int64) error {
	table := pendingAuditPrefix + strconv.FormatInt(version, 10)
	for checked := false; ; {
		done, err := db.drainStep(ctx, table, version, !checked)
		if err != nil || done {
			return err
		}
		checked = true
	}
}

// drainStep chains the next batch of table's entries; done when none is
// left (the table is dropped then). check first compares the entries left
// with the commitment.
func (db *DB) drainStep(ctx context.Context, table string, version int64, check bool) (done bool, err error) {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if ok, err := tableExists(ctx, tx, table); err != nil || !ok {
		return true, err // another drain finished it
	}
	if check {
		if err := checkPending(ctx, tx, table, version); err != nil {
			return false, err
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, digest FROM `+table+` ORDER BY seq LIMIT ?`, pendingBatch)
	if err != nil {
		return false, err
	}
	var seqs []int64
	var digests [][]byte
	for rows.Next() {
		var s int64
		var d []byte
		if err := rows.Scan(&s, &d); err != nil {
			rows.Close()
			return false, err
		}
		seqs, digests = append(seqs, s), append(digests, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	if len(seqs) == 0 {
		if _, err := tx.ExecContext(ctx, `DROP TABLE `+table); err != nil {
			return false, err
		}
		return true, tx.Commit()
	}
	lo, hi := seqs[0], seqs[len(seqs)-1]
	if hi-lo+1 != int64(len(seqs)) {
		return false, fmt.Errorf("db: pending audit entries %d..%d are not contiguous", lo, hi)
	}
	var headID int64
	var head []byte
	if err := tx.QueryRowContext(ctx, `SELECT coalesce((SELECT id FROM audit_log ORDER BY id DESC LIMIT 1), upto_id),
		coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), hash) FROM audit_anchor WHERE id = 1`).Scan(&headID, &head); err != nil {
		return false, err
	}
	hashes := make([]byte, 0, 32*len(digests))
	for _, d := range digests {
		head = chainHash(head, d)
		hashes = append(hashes, head...)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor, action, table_name, row_id, before, after, hash)
		SELECT ?1 + seq - ?3 + 1, at, actor, action, table_name, row_id, packed_before, packed_after, substr(?2, (seq - ?3) * 32 + 1, 32)
		FROM `+table+` WHERE seq BETWEEN ?3 AND ?4 ORDER BY seq`, headID, hashes, lo, hi); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE seq <= ?`, hi); err != nil {
		return false, err
	}
	return false, tx.Commit()
}

// checkPending compares the entries in table with the commitment its swap
// recorded, before the first of them is chained. (A drain resumed after a
// crash chains the rest without this check: part of what was committed to
// is in the trail already.)
func checkPending(ctx context.Context, tx *sql.Tx, table string, version int64) error {
	var after string
	if err := tx.QueryRowContext(ctx, `SELECT audit_unpack(after) FROM audit_log WHERE table_name = 'audit_log' AND row_id = ? AND action = ?
		ORDER BY id DESC LIMIT 1`, version, AuditPending).Scan(&after); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no commitment for %s", ErrPendingAuditAltered, table)
		}
		return err
	}
	var c struct {
		Entries int    `json:"entries"`
		SHA256  string `json:"sha256_of_digests"`
	}
	if err := json.Unmarshal([]byte(after), &c); err != nil {
		return err
	}
	var first sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT min(seq) FROM `+table).Scan(&first); err != nil {
		return err
	}
	if first.Valid && first.Int64 > 1 {
		return nil
	}
	// The digest column is generated: it follows any change to an entry.
	digests, err := queryColumn[[]byte](ctx, tx, `SELECT digest FROM `+table+` ORDER BY seq`)
	if err != nil {
		return err
	}
	if len(digests) != c.Entries || pendingDigest(digests) != c.SHA256 {
		return fmt.Errorf("%w: %s", ErrPendingAuditAltered, table)
	}
	return nil
}

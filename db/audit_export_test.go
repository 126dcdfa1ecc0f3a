package db

import "context"

// SetResealBatch makes re-seals rewrite n entries per transaction; restore
// puts it back.
func SetResealBatch(n int) (restore func()) { return setForTest(&resealBatch, n) }

// ResealStep runs one batch of the open re-seal (done: none was open).
func ResealStep(ctx context.Context, d *DB) (bool, error) { return d.resealStep(ctx) }

// DropAuditTriggers removes the generated audit triggers (benchmarks
// measure writes without them).
func DropAuditTriggers(ctx context.Context, d *DB) error { return d.dropAuditTriggers(ctx) }

// FillAudit appends n synthetic entries to the audit trail, chained like
// real ones (each image about 300 bytes), quickly: their digests are
// computed by SQL and chained in Go, as a staged import's are. packed
// stores the images packed, as the app writes them; otherwise as text, as
// entries older than migration 00070 are (verification reads both alike).
func FillAudit(ctx context.Context, d *DB, n int, packed bool) error {
	tx, err := d.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE fill (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
		table_name TEXT NOT NULL, row_id INTEGER, before TEXT, after TEXT,
		digest BLOB GENERATED ALWAYS AS (audit_row_digest(`+auditCanonical("", false)+`)) STORED)`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
		INSERT INTO fill (seq, at, actor, action, table_name, row_id, before, after)
		SELECT i, strftime('%Y-%m-%dT%H:%M:%SZ', '2026-01-01', '+' || (i / 10) || ' seconds'), 'user:' || (i % 7 + 1),
		       CASE WHEN i % 3 = 0 THEN 'insert' ELSE 'update' END, CASE i % 4 WHEN 0 THEN 'quotes' WHEN 1 THEN 'customers' WHEN 2 THEN 'materials' ELSE 'quote_items' END,
		       i, CASE WHEN i % 3 = 0 THEN NULL ELSE json_object('status', 'borrador', 'total', printf('%d.%02d', i, i % 100)) END,
		       json_object('name', 'Cliente número ' || i, 'phone', printf('55%08d', i), 'address', 'Av. Insurgentes Sur ' || i || ', Col. Del Valle, CDMX',
		                   'notes', 'Entrega por la tarde; llamar antes de llegar. Ventanas corredizas de aluminio natural.', 'total', printf('%d.%02d', i, i % 100))
		FROM s`, n); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT digest FROM fill ORDER BY seq`)
	if err != nil {
		return err
	}
	var digests [][]byte
	for rows.Next() {
		var dg []byte
		if err := rows.Scan(&dg); err != nil {
			rows.Close()
			return err
		}
		digests = append(digests, dg)
	}
	rows.Close()
	var headID int64
	var head []byte
	if err := tx.QueryRowContext(ctx, `SELECT coalesce((SELECT id FROM audit_log ORDER BY id DESC LIMIT 1), upto_id),
		coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), hash) FROM audit_anchor WHERE id = 1`).Scan(&headID, &head); err != nil {
		return err
	}
	hashes := make([]byte, 0, 32*len(digests))
	for _, dg := range digests {
		head = chainHash(head, dg)
		hashes = append(hashes, head...)
	}
	images := "before, after"
	if packed {
		images = "audit_pack(before), audit_pack(after)"
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor, action, table_name, row_id, before, after, hash)
		SELECT ?1 + seq, at, actor, action, table_name, row_id, `+images+`, substr(?2, (seq - 1) * 32 + 1, 32) FROM fill ORDER BY seq`, headID, hashes); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE temp.fill`); err != nil {
		return err
	}
	return tx.Commit()
}

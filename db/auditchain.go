package db

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// The audit trail's hash chain. Every audit_log row stores
//
//	hash = SHA-256(previous row's hash ‖ SHA-256(canonical row))
//
// where the canonical row is its time, actor, action, table, row id, before
// and after, each written with its length (auditCanonical), and the first
// row's "previous hash" is audit_anchor's (32 zero bytes until retention has
// purged old rows). The hash is computed by audit_hash, a Go function every
// connection of this program registers (db.go's ConnectHook), which the
// audit_entries trigger calls in the same transaction as the write it
// records. Hashing the row's own digest lets a catalogue import digest its
// rows while it writes them, in its short batches, and chain them in the
// transaction that makes the import visible with one SHA-256 of 64 bytes
// each (catalog_stage.go).
//
// The audit row's own id is not hashed: the chain links each row to the one
// before it, so removing a row breaks the link of the next one whatever
// the ids say.

// auditCanonical is the canonical row as an SQL expression over the
// columns of audit_log (or audit_entries' NEW.), prefix being "" or "NEW.".
// Lengths are in bytes; NULL is N, which no length-prefixed value can be.
// packed says the images are audit_log's, stored packed (auditpack.go):
// the canonical row always holds their JSON text.
func auditCanonical(p string, packed bool) string {
	field := func(c string) string { return "octet_length(" + p + c + ") || ':' || " + p + c }
	image := func(c string) string {
		if packed {
			return "CASE WHEN " + p + c + " IS NULL THEN 'N' ELSE audit_image_field(" + p + c + ") END"
		}
		return "CASE WHEN " + p + c + " IS NULL THEN 'N' ELSE " + field(c) + " END"
	}
	return strings.Join([]string{
		field("at"), field("actor"), field("action"), field("table_name"),
		"coalesce(" + p + "row_id, 'N')", image("before"), image("after"),
	}, " || '|' || ")
}

var zeroHash = make([]byte, sha256.Size)

// chainHash is hash = SHA-256(prev ‖ digest); a nil prev is 32 zero bytes.
func chainHash(prev, digest []byte) []byte {
	if prev == nil {
		prev = zeroHash
	}
	h := sha256.New()
	h.Write(prev)
	h.Write(digest)
	return h.Sum(nil)
}

// auditHash is the SQL function audit_hash(prev, canonical): the row's chain
// hash, 32 bytes. prev is 32 bytes: callers pass coalesce(prev,
// zeroblob(32)) for the first row, so the argument is always a blob (a
// typed argument is a good part faster to hand over than an untyped one,
// and verification calls this a million times).
func auditHash(prev []byte, canonical string) ([]byte, error) {
	if len(prev) != sha256.Size {
		return nil, fmt.Errorf("audit_hash: previous hash is not 32 bytes")
	}
	d := sha256.Sum256([]byte(canonical))
	return chainHash(prev, d[:]), nil
}

// auditRowDigest is the SQL function audit_row_digest(canonical): the
// SHA-256 of a canonical row, which a catalogue import's copy records with
// each pending entry.
func auditRowDigest(canonical string) []byte {
	d := sha256.Sum256([]byte(canonical))
	return d[:]
}

// auditDigest is the SQL function audit_digest(x): how a large derived
// column (a quote line's priced breakdown, the logo) is recorded in audit
// images — "sha256:<hex>", or NULL for NULL.
func auditDigest(v any) (any, error) {
	var b []byte
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		b = []byte(x)
	case []byte:
		if x == nil {
			return nil, nil
		}
		b = x
	case int64:
		b = fmt.Appendf(nil, "%d", x)
	case float64:
		b = fmt.Appendf(nil, "%v", x)
	default:
		return nil, fmt.Errorf("audit_digest: unsupported value %T", v)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// registerAuditFuncs installs the audit functions on a new connection.
// audit_hash is not declared deterministic: it is evaluated once per row,
// never folded into a constant.
func registerAuditFuncs(conn *sqlite3.SQLiteConn) error {
	for _, f := range []struct {
		name string
		impl any
		pure bool
	}{
		{"audit_hash", auditHash, false},
		{"audit_row_digest", auditRowDigest, true},
		{"audit_digest", auditDigest, true},
		{"audit_pack", auditPack, true},
		{"audit_unpack", auditUnpack, true},
		{"audit_image_field", auditImageField, true},
	} {
		if err := conn.RegisterFunc(f.name, f.impl, f.pure); err != nil {
			return fmt.Errorf("db: register %s: %w", f.name, err)
		}
	}
	return nil
}

// auditEntriesTrigger is the trigger every audit row is written through: it
// numbers the row after the newest one (or the anchor) and chains its hash.
// SyncAuditTriggers keeps it as written here. packed: audit_log stores
// packed images (migration 00070); a schema migrated below it gets text.
func auditEntriesTrigger(packed bool) string {
	before, after := "NEW.before", "NEW.after"
	if packed {
		before, after = "audit_pack(NEW.before)", "audit_pack(NEW.after)"
	}
	return "CREATE TRIGGER audit_entries_insert INSTEAD OF INSERT ON audit_entries BEGIN\n" +
		"    INSERT INTO audit_log (id, at, actor, action, table_name, row_id, before, after, hash)\n" +
		"    SELECT h.id + 1, NEW.at, NEW.actor, NEW.action, NEW.table_name, NEW.row_id, " + before + ", " + after + ",\n" +
		"           audit_hash(coalesce(h.hash, zeroblob(32)), " + auditCanonical("NEW.", false) + ")\n" +
		"    FROM (SELECT coalesce((SELECT id FROM audit_log ORDER BY id DESC LIMIT 1), a.upto_id) AS id,\n" +
		"                 coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), a.hash) AS hash\n" +
		"          FROM audit_anchor a WHERE a.id = 1) h;\nEND"
}

// auditImagesPacked reports whether audit_log's images are stored packed.
func auditImagesPacked(ctx context.Context, q queryer) (bool, error) {
	types, err := queryColumn[string](ctx, q, `SELECT upper(type) FROM pragma_table_info('audit_log') WHERE name = 'before'`)
	return len(types) == 1 && types[0] == "ANY", err
}

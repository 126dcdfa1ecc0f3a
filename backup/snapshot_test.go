package backup_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cotizador/backup"
	"cotizador/db"
)

var ctx = context.Background()

// openDB opens a migrated database in t.TempDir() with the production DSN.
func openDB(t *testing.T) *db.DB {
	t.Helper()
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "data", "cotizador.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// seed writes a company and n backup runs, through the store where one
// exists.
func seed(t *testing.T, d *db.DB, company string, n int) {
	t.Helper()
	now := "2026-11-26T20:30:00Z"
	if _, err := d.Writer.Exec(`INSERT INTO company (id, name, created_at, created_by, updated_at, updated_by)
		VALUES (1, ?, ?, 'test', ?, 'test')
		ON CONFLICT (id) DO UPDATE SET name = excluded.name`, company, now, now); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if err := d.CreateBackupRun(ctx, &db.BackupRun{Kind: db.BackupKindSnapshot, Origin: backup.OriginManual, Token: fmt.Sprint("seed-", i)}, "test"); err != nil {
			t.Fatal(err)
		}
	}
}

// dump renders every row of every table, in order: two databases with the
// same dump hold the same data.
func dump(t *testing.T, path string) string {
	t.Helper()
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.Reader.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_litestream%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var b strings.Builder
	for _, tbl := range tables {
		fmt.Fprintf(&b, "== %s\n", tbl)
		rows, err := d.Reader.Query(`SELECT * FROM "` + tbl + `" ORDER BY rowid`)
		if err != nil {
			// WITHOUT ROWID tables have no rowid.
			rows, err = d.Reader.Query(`SELECT * FROM "` + tbl + `" ORDER BY 1`)
			if err != nil {
				t.Fatal(err)
			}
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					vals[i] = string(bs)
				}
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

func TestSnapshot(t *testing.T) {
	d := openDB(t)
	seed(t, d, "Cancelería Hernández", 25)
	dir := filepath.Join(t.TempDir(), "snapshots")
	at := time.Date(2026, 11, 26, 20, 30, 0, 0, time.UTC)

	m, err := backup.TakeSnapshot(ctx, d, dir, backup.OriginManual, "v-test", at)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("files and metadata", func(t *testing.T) {
		if got, want := m.File, "cotizador-20261126T203000Z-manual.db.gz"; got != want {
			t.Errorf("file = %q, want %q", got, want)
		}
		if _, err := os.Stat(m.MetaPath()); err != nil {
			t.Errorf("metadata file: %v", err)
		}
		gz, err := os.ReadFile(m.Path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(gz)
		if got := hex.EncodeToString(sum[:]); got != m.SHA256 {
			t.Errorf("sha256 of the file = %s, metadata says %s", got, m.SHA256)
		}
		if !bytes.HasPrefix(gz, []byte{0x1f, 0x8b}) {
			t.Error("snapshot is not gzip")
		}
		if int64(len(gz)) != m.CompressedBytes || m.CompressedBytes >= m.SizeBytes {
			t.Errorf("compressed %d bytes (file %d) from %d: want a smaller, exact figure", m.CompressedBytes, len(gz), m.SizeBytes)
		}
		cur, _, _ := d.SchemaVersion(ctx)
		if m.SchemaVersion != cur || m.Origin != "manual" || m.AppVersion != "v-test" || !m.CreatedAt.Equal(at) {
			t.Errorf("meta = %+v", m)
		}
		rows := map[string]int64{}
		for _, tc := range m.Tables {
			rows[tc.Name] = tc.Rows
		}
		if rows["company"] != 1 || rows["backup_runs"] != 25 {
			t.Errorf("row counts = %v, want company 1, backup_runs 25", rows)
		}
		if _, err := os.Stat(filepath.Join(dir, "."+strings.TrimSuffix(m.File, ".gz")+".tmp")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("temporary uncompressed copy left behind: %v", err)
		}
	})

	t.Run("restore gives the same data", func(t *testing.T) {
		to := filepath.Join(t.TempDir(), "restored.db")
		got, err := backup.RestoreSnapshot(m.MetaPath(), to)
		if err != nil {
			t.Fatal(err)
		}
		if got.File != m.File {
			t.Errorf("restored %s, want %s", got.File, m.File)
		}
		rep, err := backup.Verify(ctx, to)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Fatalf("restored copy problems: %v", rep.Problems())
		}
		if a, b := dump(t, d.Path), dump(t, to); a != b {
			t.Errorf("restored data differs from the source:\n--- source\n%s\n--- restored\n%s", a, b)
		}
	})

	t.Run("never overwrites", func(t *testing.T) {
		to := filepath.Join(t.TempDir(), "exists.db")
		os.WriteFile(to, []byte("keep me"), 0o600)
		if _, err := backup.RestoreSnapshot(m.Path, to); err == nil {
			t.Fatal("restore over an existing file succeeded")
		}
		if b, _ := os.ReadFile(to); string(b) != "keep me" {
			t.Errorf("existing file changed to %q", b)
		}
		side := filepath.Join(t.TempDir(), "side.db")
		os.WriteFile(side+"-wal", []byte("x"), 0o600)
		if _, err := backup.RestoreSnapshot(m.Path, side); err == nil {
			t.Error("restore next to a leftover -wal file succeeded")
		}
	})

	t.Run("a damaged file is refused", func(t *testing.T) {
		cp := filepath.Join(t.TempDir(), m.File)
		b, _ := os.ReadFile(m.Path)
		b[len(b)/2] ^= 0xff
		os.WriteFile(cp, b, 0o600)
		meta, _ := os.ReadFile(m.MetaPath())
		os.WriteFile(strings.TrimSuffix(cp, ".db.gz")+".json", meta, 0o600)
		if _, err := backup.CheckSnapshot(cp); !errors.Is(err, backup.ErrChecksum) {
			t.Errorf("CheckSnapshot of a damaged file: %v, want ErrChecksum", err)
		}
		to := filepath.Join(t.TempDir(), "r.db")
		if _, err := backup.RestoreSnapshot(cp, to); !errors.Is(err, backup.ErrChecksum) {
			t.Errorf("RestoreSnapshot of a damaged file: %v, want ErrChecksum", err)
		}
		if _, err := os.Stat(to); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a damaged snapshot left a file at the destination: %v", err)
		}
		if _, err := backup.CheckSnapshot(m.Path); err != nil {
			t.Errorf("the intact original: %v", err)
		}
	})

	t.Run("same second gets a new name", func(t *testing.T) {
		m2, err := backup.TakeSnapshot(ctx, d, dir, backup.OriginManual, "v-test", at)
		if err != nil {
			t.Fatal(err)
		}
		if m2.File == m.File || !backup.ValidSnapshotName(m2.File) {
			t.Errorf("second snapshot file %q (first %q)", m2.File, m.File)
		}
		os.Remove(m2.Path)
		os.Remove(m2.MetaPath())
	})
}

// A snapshot taken while another connection writes is a consistent copy:
// integrity holds and its row count is one the writer actually committed.
func TestSnapshotWhileWriting(t *testing.T) {
	d := openDB(t)
	seed(t, d, "Taller", 0)
	// A bounded writer (the copy must be consistent, not big): 200
	// transactions of 10 rows, while snapshots are taken.
	writing := make(chan struct{})
	var writeErr error
	go func() {
		defer close(writing)
		for i := 0; i < 200; i++ {
			// Runs of 10 rows in one transaction: a torn copy would show a
			// count that is not a multiple of 10.
			tx, err := d.Writer.Begin()
			if err != nil {
				writeErr = err
				return
			}
			for j := 0; j < 10; j++ {
				if _, err := tx.Exec(`INSERT INTO backup_runs (kind, origin, status, token, started_at, created_at, created_by, updated_at, updated_by)
					VALUES ('snapshot', 'manual', 'running', ?, '2026-11-26T20:30:00Z', '2026-11-26T20:30:00Z', 't', '2026-11-26T20:30:00Z', 't')`, fmt.Sprint(i, "-", j)); err != nil {
					tx.Rollback()
					writeErr = err
					return
				}
			}
			if err := tx.Commit(); err != nil {
				writeErr = err
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	dir := t.TempDir()
	var metas []*backup.SnapshotMeta
	for done := false; !done; {
		select {
		case <-writing:
			done = true
		default:
		}
		m, err := backup.TakeSnapshot(ctx, d, dir, backup.OriginManual, "v", time.Now())
		if err != nil {
			<-writing
			t.Fatal(err)
		}
		metas = append(metas, m)
	}
	if writeErr != nil {
		t.Fatalf("writer: %v", writeErr)
	}
	if len(metas) < 3 {
		t.Fatalf("only %d snapshots while writing", len(metas))
	}
	sawPartial := false
	for _, m := range metas {
		to := filepath.Join(t.TempDir(), "r.db")
		if _, err := backup.RestoreSnapshot(m.Path, to); err != nil {
			t.Fatal(err)
		}
		rep, err := backup.Verify(ctx, to)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range rep.Tables {
			if tc.Name == "backup_runs" && tc.Rows%10 != 0 {
				t.Errorf("%s holds %d runs: a torn copy (want a multiple of 10)", m.File, tc.Rows)
			}
			if tc.Name == "backup_runs" && tc.Rows > 0 && tc.Rows < 2000 {
				sawPartial = true
			}
		}
		if !rep.OK() {
			t.Errorf("%s: %v", m.File, rep.Problems())
		}
	}
	if !sawPartial {
		t.Error("no snapshot was taken mid-write: the test proved nothing")
	}
}

func TestPruneSnapshots(t *testing.T) {
	d := openDB(t)
	dir := t.TempDir()
	base := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		if _, err := backup.TakeSnapshot(ctx, d, dir, backup.OriginScheduled, "v", base.Add(time.Duration(i)*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	pre, err := backup.TakeSnapshot(ctx, d, dir, backup.OriginPreMigration, "v", base.Add(-30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// An interrupted snapshot (no metadata) is neither listed nor pruned.
	stray := filepath.Join(dir, "cotizador-20261101T000000Z-scheduled.db.gz")
	os.WriteFile(stray, []byte("partial"), 0o600)

	deleted, err := backup.PruneSnapshots(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"cotizador-20261103T030000Z-scheduled.db.gz",
		"cotizador-20261102T030000Z-scheduled.db.gz",
		"cotizador-20261101T030000Z-scheduled.db.gz",
	}
	if strings.Join(deleted, ",") != strings.Join(want, ",") {
		t.Errorf("deleted %v, want %v", deleted, want)
	}
	left, err := backup.ListSnapshots(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range left {
		names = append(names, m.File)
	}
	wantLeft := []string{"cotizador-20261105T030000Z-scheduled.db.gz", "cotizador-20261104T030000Z-scheduled.db.gz", pre.File}
	if strings.Join(names, ",") != strings.Join(wantLeft, ",") {
		t.Errorf("left %v, want %v (the older pre-migration one is kept: retention counts per origin)", names, wantLeft)
	}
	for _, f := range want {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still on disk", f)
		}
	}
	if _, err := os.Stat(stray); err != nil {
		t.Errorf("an incomplete file was touched: %v", err)
	}
}

func TestValidSnapshotName(t *testing.T) {
	for name, want := range map[string]bool{
		"cotizador-20261126T203000Z-manual.db.gz":          true,
		"cotizador-20261126T203000Z-pre_migration-3.db.gz": true,
		"../cotizador-20261126T203000Z-manual.db.gz":       false,
		"cotizador-20261126T203000Z-manual.db":             false,
		"cotizador.db":                                     false,
		"cotizador-20261126T203000Z-Manual.db.gz":          false,
	} {
		if got := backup.ValidSnapshotName(name); got != want {
			t.Errorf("ValidSnapshotName(%q) = %v, want %v", name, got, want)
		}
	}
}

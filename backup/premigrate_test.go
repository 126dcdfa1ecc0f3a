package backup_test

import (
	"path/filepath"
	"testing"
	"time"

	"cotizador/backup"
	"cotizador/db"
)

func TestSnapshotBeforeMigrations(t *testing.T) {
	at := time.Date(2026, 11, 26, 20, 30, 0, 0, time.UTC)

	t.Run("fresh database needs none", func(t *testing.T) {
		d, err := db.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		dir := filepath.Join(t.TempDir(), "snapshots")
		m, err := backup.SnapshotBeforeMigrations(ctx, d, dir, "v", at)
		if err != nil || m != nil {
			t.Fatalf("got %v, %v; want no snapshot", m, err)
		}
		if list, _ := backup.ListSnapshots(dir); len(list) != 0 {
			t.Errorf("snapshots written for a fresh database: %d", len(list))
		}
	})

	t.Run("current schema needs none", func(t *testing.T) {
		d := openDB(t)
		dir := filepath.Join(t.TempDir(), "snapshots")
		m, err := backup.SnapshotBeforeMigrations(ctx, d, dir, "v", at)
		if err != nil || m != nil {
			t.Fatalf("got %v, %v; want no snapshot", m, err)
		}
	})

	t.Run("older schema with data is snapshotted first", func(t *testing.T) {
		d, err := db.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if _, err := d.MigrateUpTo(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Writer.Exec(`INSERT INTO company (id, name, created_at, created_by, updated_at, updated_by)
			VALUES (1, 'Vidrios del Bajío', 'x', 't', 'x', 't')`); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "snapshots")
		m, err := backup.SnapshotBeforeMigrations(ctx, d, dir, "v", at)
		if err != nil {
			t.Fatal(err)
		}
		if m == nil {
			t.Fatal("no snapshot before pending migrations")
		}
		if m.Origin != backup.OriginPreMigration || m.SchemaVersion != 1 {
			t.Errorf("snapshot origin %q schema %d, want pre_migration at version 1", m.Origin, m.SchemaVersion)
		}
		if _, err := d.MigrateUp(ctx); err != nil {
			t.Fatal(err)
		}
		// migrate down is the other way back; the snapshot is the sure one:
		// it restores the exact pre-migration database.
		to := filepath.Join(t.TempDir(), "before.db")
		if _, err := backup.RestoreSnapshot(m.Path, to); err != nil {
			t.Fatal(err)
		}
		rep, err := backup.Verify(ctx, to)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || rep.SchemaVersion != 1 {
			t.Errorf("restored pre-migration copy: version %d, problems %v", rep.SchemaVersion, rep.Problems())
		}
		r, err := db.Open(ctx, to)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var name string
		if err := r.Reader.QueryRow(`SELECT name FROM company`).Scan(&name); err != nil || name != "Vidrios del Bajío" {
			t.Errorf("company in the snapshot = %q, %v", name, err)
		}
	})
}

package testutil

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"cotizador/db"
)

// HoldWriteLock opens a second connection of its own to the database file,
// as another process would (Litestream's checkpoint, an operator's
// sqlite3), and takes the write lock with BEGIN IMMEDIATE and a write. The
// returned release ends it (once; it also runs at cleanup).
func HoldWriteLock(t testing.TB, d *db.DB) (release func()) {
	t.Helper()
	other, err := sql.Open("sqlite3_cotizador", db.DSN(d.Path, true))
	if err != nil {
		t.Fatal(err)
	}
	tx, err := other.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatalf("BEGIN IMMEDIATE on the second connection: %v", err)
	}
	if _, err := tx.Exec(`INSERT INTO write_probe (id, at) VALUES (1, 'held') ON CONFLICT (id) DO UPDATE SET at = 'held'`); err != nil {
		t.Fatalf("write under the held lock: %v", err)
	}
	done := false
	release = func() {
		if !done {
			done = true
			tx.Rollback()
			other.Close()
		}
	}
	t.Cleanup(release)
	return release
}

// FillDisk makes the database file unable to grow, as a full disk does:
// VACUUM drops the free pages, then max_page_count pins the page count. The
// writer pool has one connection, so the pragma stays in force.
func FillDisk(t testing.TB, d *db.DB) {
	t.Helper()
	if _, err := d.Writer.Exec(`VACUUM`); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := d.Writer.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Writer.Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages)); err != nil {
		t.Fatal(err)
	}
}

// FreeDisk gives the file room to grow again.
func FreeDisk(t testing.TB, d *db.DB) {
	t.Helper()
	if _, err := d.Writer.Exec(`PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
}

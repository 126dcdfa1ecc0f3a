package db_test

import (
	"database/sql"
	"testing"

	"cotizador/app"
	"cotizador/db"
	"cotizador/internal/testutil"
)

// BenchmarkGuardOverhead compares a point read and a one-row write through
// the guard (the app's pools) with the same statements on plain pools of
// the same driver and DSN: what busy retry, read-only mode and the slow
// statement log cost each statement.
func BenchmarkGuardOverhead(b *testing.B) {
	d := testutil.OpenDB(b)
	if err := d.CreateCustomer(b.Context(), &db.Customer{Name: "Aluminios del Bajío"}, app.SystemActor); err != nil {
		b.Fatal(err)
	}
	rawR, err := sql.Open("sqlite3_cotizador", db.DSN(d.Path, false))
	if err != nil {
		b.Fatal(err)
	}
	defer rawR.Close()
	rawW, err := sql.Open("sqlite3_cotizador", db.DSN(d.Path, true))
	if err != nil {
		b.Fatal(err)
	}
	rawW.SetMaxOpenConns(1)
	defer rawW.Close()
	read := func(p *sql.DB) func(*testing.B) {
		return func(b *testing.B) {
			var name string
			for b.Loop() {
				if err := p.QueryRow(`SELECT name FROM customers WHERE id = 1`).Scan(&name); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	write := func(p *sql.DB) func(*testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				tx, err := p.Begin()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.Exec(`UPDATE write_probe SET at = 'bench' WHERE id = 1`); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("read/guarded", read(d.Reader))
	b.Run("read/plain", read(rawR))
	b.Run("write/guarded", write(d.Writer))
	d.Writer.Close() // one writer connection at a time, as in production
	b.Run("write/plain", write(rawW))
}

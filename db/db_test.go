package db_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cotizador/app"
	"cotizador/db"
)

func openTestDB(t *testing.T) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "sub", "test.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestOpenAppliesPragmas(t *testing.T) {
	d := openTestDB(t)
	ctx := context.Background()
	for _, tt := range []struct {
		pool  string
		query string
		want  string
	}{
		{"writer", "PRAGMA journal_mode", "wal"},
		{"writer", "PRAGMA foreign_keys", "1"},
		{"writer", "PRAGMA busy_timeout", "5000"},
		{"writer", "PRAGMA synchronous", "1"},
		{"reader", "PRAGMA foreign_keys", "1"},
		{"reader", "PRAGMA busy_timeout", "5000"},
		{"reader", "PRAGMA query_only", "1"},
		{"reader", "PRAGMA cache_size", "-8000"},
	} {
		t.Run(tt.pool+" "+tt.query, func(t *testing.T) {
			pool := d.Writer
			if tt.pool == "reader" {
				pool = d.Reader
			}
			var got string
			if err := pool.QueryRowContext(ctx, tt.query).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("%s = %q, want %q", tt.query, got, tt.want)
			}
		})
	}
	if got := d.Writer.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer MaxOpenConnections = %d, want 1", got)
	}
}

func TestReaderRefusesWrites(t *testing.T) {
	d := openTestDB(t)
	_, err := d.Reader.Exec("CREATE TABLE x (id INTEGER)")
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("write through reader: err = %v, want a readonly error", err)
	}
}

func TestMigrations(t *testing.T) {
	d := openTestDB(t)
	ctx := context.Background()
	cur, latest, err := d.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cur != 0 || latest < 1 {
		t.Fatalf("fresh db: version %d/%d, want 0/>=1", cur, latest)
	}
	pending, err := d.MigrationStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, err := d.MigrateUp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(pending) {
		t.Errorf("MigrateUp applied %d, want %d", n, len(pending))
	}
	if cur, _, _ = d.SchemaVersion(ctx); cur != latest {
		t.Errorf("after up: version %d, want %d", cur, latest)
	}
	st, err := d.MigrationStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if !s.Applied || s.AppliedAt == "" {
			t.Errorf("migration %d not applied after up: %+v", s.Version, s)
		}
	}
	// Up again is a no-op.
	if n, err := d.MigrateUp(ctx); err != nil || n != 0 {
		t.Errorf("second MigrateUp = %d, %v; want 0, nil", n, err)
	}
	v, err := d.MigrateDown(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v != latest {
		t.Errorf("MigrateDown rolled back %d, want %d", v, latest)
	}
	previous := pending[len(pending)-2].Version
	if cur, _, _ = d.SchemaVersion(ctx); cur != previous {
		t.Errorf("after down: version %d, want %d", cur, previous)
	}
}

func TestHealth(t *testing.T) {
	d := openTestDB(t)
	if _, err := d.MigrateUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	h, err := d.Health(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if h.PageCount < 1 || h.PageSize < 512 || h.JournalMode != "wal" || h.SQLiteVersion == "" {
		t.Errorf("Health = %+v", h)
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"3.51.3", "3.51.3", 0},
		{"3.51.2", "3.51.3", -1},
		{"3.54.1", "3.51.3", 1},
		{"3.9.0", "3.51.3", -1},
		{"4.0", "3.51.3", 1},
	}
	for _, tt := range tests {
		if got := db.CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestPurgeSecurityData(t *testing.T) {
	d := openTestDB(t)
	ctx := context.Background()
	if _, err := d.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	clock := app.NewFakeClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	d.Clock = clock
	st := d.CSRFStorage()
	if err := st.Set("viejo", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := d.RecordLoginAttempt(ctx, "a@b.mx", "1.1.1.1", db.LoginFailure); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	if err := st.Set("nuevo", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, _ := st.Get("viejo"); v != nil {
		t.Error("expired token still readable")
	}
	if n, err := d.PurgeExpiredCSRFTokens(ctx); err != nil || n != 1 {
		t.Errorf("purged %d tokens (err %v), want 1", n, err)
	}
	if v, _ := st.Get("nuevo"); v == nil {
		t.Error("live token purged")
	}
	if n, err := d.PurgeLoginAttempts(ctx, clock.Now().Add(-time.Hour)); err != nil || n != 1 {
		t.Errorf("purged %d attempts (err %v), want 1", n, err)
	}
}

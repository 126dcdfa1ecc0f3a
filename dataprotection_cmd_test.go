package main

import (
	"archive/zip"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cotizador/app"
	"cotizador/db"
	"cotizador/export"
)

// dataProtectionDB is a migrated database with a company, a customer and
// old security data, written with a fake clock in 2020.
func dataProtectionDB(t *testing.T) (path string, customer int64) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "data", "c.db")
	if out, err := cli(t, map[string]string{"COTIZADOR_DB": path}, "migrate", "up"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	ctx := context.Background()
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Clock = app.NewFakeClock(time.Date(2020, 3, 1, 12, 0, 0, 0, time.UTC))
	owner := &db.User{Email: "duena@taller.mx", Name: "Dueña", PasswordHash: "x"}
	if err := d.Setup(ctx, "Taller", owner, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	c := &db.Customer{Name: "Juana Pérez", Phone: "5512345678"}
	if err := d.CreateCustomer(ctx, c, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := d.RecordLoginAttempt(ctx, "x@y.mx", "127.0.0.1", db.LoginFailure); err != nil {
			t.Fatal(err)
		}
	}
	return path, c.ID
}

func TestAuditVerifyCommand(t *testing.T) {
	path, _ := dataProtectionDB(t)
	vars := map[string]string{"COTIZADOR_DB": path}
	out, err := cli(t, vars, "audit", "verify")
	if err != nil || !regexp.MustCompile(`(?m)^íntegro: \d+ registros$`).MatchString(out) {
		t.Fatalf("intact chain: %v\n%s", err, out)
	}
	// Tampered behind the app's back: exit 1, naming the row.
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET actor = 'user:9' WHERE id = 3`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	out, err = cli(t, vars, "audit", "verify")
	if err == nil || exitCode(err) != 1 || !strings.Contains(out, "roto en el registro 3 (2020-03-01 06:00:00, tabla ") {
		t.Errorf("tampered chain: %v (exit %d)\n%s", err, exitCode(err), out)
	}
	if _, err := cli(t, vars, "audit"); exitCode(err) != 2 {
		t.Errorf("audit without verify: %v", err)
	}
	if _, err := cli(t, map[string]string{"COTIZADOR_DB": filepath.Join(t.TempDir(), "none.db")}, "audit", "verify"); err == nil {
		t.Error("verify of a missing database succeeded")
	}
}

func TestRetentionCommand(t *testing.T) {
	path, _ := dataProtectionDB(t)
	vars := map[string]string{"COTIZADOR_DB": path}
	out, err := cli(t, vars, "retention", "run", "--dry-run")
	if err != nil || !strings.Contains(out, "security  (365 días / days): se purgaría / would purge 3 (login_attempts 3)") ||
		!strings.Contains(out, "quotes    (7 años / years): se purgaría / would purge 0") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	out, err = cli(t, vars, "retention", "run")
	if err != nil || !strings.Contains(out, "security  (365 días / days): purgado / purged 3 (login_attempts 3)") {
		t.Fatalf("run: %v\n%s", err, out)
	}
	for _, p := range []string{"quotes", "audit", "trash", "sessions", "security", "csrf", "shares", "exports"} {
		if !regexp.MustCompile(`(?m)^` + p + ` +\(`).MatchString(out) {
			t.Errorf("policy %s not reported", p)
		}
	}
	out, err = cli(t, vars, "retention", "run")
	if err != nil || !strings.Contains(out, "purgado / purged 0") || strings.Contains(out, "login_attempts") {
		t.Errorf("second run: %v\n%s", err, out)
	}
	if out, err := cli(t, vars, "audit", "verify"); err != nil {
		t.Errorf("chain after purges: %v\n%s", err, out)
	}
	if _, err := cli(t, vars, "retention", "run", "--now"); exitCode(err) != 2 {
		t.Errorf("unknown flag: %v", err)
	}
}

func TestExportCommands(t *testing.T) {
	path, customer := dataProtectionDB(t)
	vars := map[string]string{"COTIZADOR_DB": path}
	dir := t.TempDir()
	zipOf := func(file string) (*export.Manifest, map[string]bool) {
		t.Helper()
		zr, err := zip.OpenReader(file)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		names := map[string]bool{}
		var m export.Manifest
		for _, f := range zr.File {
			names[f.Name] = true
			if f.Name == export.ManifestName {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatal(err)
				}
			}
		}
		return &m, names
	}
	out, err := cli(t, vars, "export", "customer", "--id", "1", "--out", filepath.Join(dir, "cliente.zip"))
	if err != nil || !strings.Contains(out, "csv/cliente.csv") {
		t.Fatalf("export customer: %v\n%s", err, out)
	}
	m, names := zipOf(filepath.Join(dir, "cliente.zip"))
	if m.Kind != "customer" || m.SubjectID != customer || !names["datos.json"] || !names["csv/cliente.csv"] {
		t.Errorf("customer export %+v %v", m, names)
	}
	out, err = cli(t, vars, "export", "business", "--out", filepath.Join(dir, "negocio.zip"))
	if err != nil || !strings.Contains(out, "customers.csv") {
		t.Fatalf("export business: %v\n%s", err, out)
	}
	if m, names = zipOf(filepath.Join(dir, "negocio.zip")); m.Kind != "business" || !names["audit_log.csv"] || !names["users.csv"] {
		t.Errorf("business export %+v", m)
	}
	// Both exports are recorded, so audited.
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	es, err := d.FindAudit(context.Background(), db.AuditFilter{Table: "exports", Actor: "cli"})
	d.Close()
	if err != nil || len(es) != 2 {
		t.Errorf("%d audit entries of CLI exports (%v)", len(es), err)
	}
	for _, bad := range [][]string{
		{"export", "customer", "--out", filepath.Join(dir, "x.zip")},
		{"export", "customer", "--id", "1"},
		{"export", "customer", "--id", "99", "--out", filepath.Join(dir, "y.zip")},
		{"export", "business", "--out", filepath.Join(dir, "negocio.zip")},
		{"export", "everything", "--out", filepath.Join(dir, "z.zip")},
	} {
		if _, err := cli(t, vars, bad...); exitCode(err) != 2 {
			t.Errorf("%v: %v, want a usage error", bad, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "y.zip")); err == nil {
		t.Error("a failed export left a file")
	}
}

// serve finishes what a stop interrupted and runs the retention job
// shortly after start: an export left running is marked failed and its
// partial file removed, and old login attempts are purged.
func TestServeRunsDataProtection(t *testing.T) {
	path, _ := dataProtectionDB(t)
	ctx := context.Background()
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := d.CreateExport(ctx, db.ExportBusiness, 0, app.CLIActor)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetExportProgress(ctx, e.ID, 40); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(d.ExportDir(), 0o700)
	partial := filepath.Join(d.ExportDir(), strconv.FormatInt(e.ID, 10)+"-0123456789abcdef.zip")
	if err := os.WriteFile(partial, []byte("PK"), 0o600); err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	old := retentionStartDelay
	retentionStartDelay = 10 * time.Millisecond
	defer func() { retentionStartDelay = old }()
	_, cancel, done := startServe(t, path)
	defer func() {
		cancel()
		<-done
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		last, err := d.LastRetentionRun(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !last.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not run the retention job")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var attempts int
	d.Reader.QueryRow(`SELECT count(*) FROM login_attempts`).Scan(&attempts)
	var origin string
	d.Reader.QueryRow(`SELECT origin FROM retention_runs ORDER BY id DESC LIMIT 1`).Scan(&origin)
	if attempts != 0 || origin != "scheduled" {
		t.Errorf("after the scheduled run: %d login attempts of 2020 left, origin %q", attempts, origin)
	}
	got, _ := d.FindExport(ctx, e.ID)
	if got.Status != db.ExportFailed {
		t.Errorf("interrupted export is %s, want failed", got.Status)
	}
	if _, err := os.Stat(partial); !os.IsNotExist(err) {
		t.Errorf("partial export file left: %v", err)
	}
}

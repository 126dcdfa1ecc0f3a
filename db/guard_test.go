package db_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"cotizador/app"
	"cotizador/db"
	"cotizador/internal/testutil"
)

func guardDB(t *testing.T) (*db.DB, *testutil.SafeBuffer) {
	t.Helper()
	d := testutil.OpenDB(t)
	logs := &testutil.SafeBuffer{}
	d.SetLogger(slog.New(slog.NewJSONHandler(logs, nil)))
	return d, logs
}

func countRows(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.Reader.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func someCustomers(n int, prefix string) []*db.Customer {
	cs := make([]*db.Customer, n)
	for i := range cs {
		cs[i] = &db.Customer{Name: fmt.Sprintf("%s Cliente Número %04d de Monterrey", prefix, i), Phone: fmt.Sprintf("81%08d", i),
			Address: strings.Repeat("Av. Constitución 1200, Centro, ", 4)}
	}
	return cs
}

func TestBusyRetrySucceedsAfterRelease(t *testing.T) {
	d, logs := guardDB(t)
	d.SetRetryPolicy(db.RetryPolicy{MaxAttempts: 100, MaxElapsed: 20 * time.Second, BaseDelay: 20 * time.Millisecond,
		MaxDelay: 100 * time.Millisecond, AttemptTimeout: 100 * time.Millisecond})
	release := testutil.HoldWriteLock(t, d)
	go func() {
		time.Sleep(700 * time.Millisecond)
		release()
	}()
	cs := someCustomers(3, "Busy")
	if err := d.CreateCustomers(t.Context(), cs, app.SystemActor); err != nil {
		t.Fatalf("CreateCustomers while another connection held the lock, then released it: %v", err)
	}
	st := d.GuardStats()
	if st.BusyRetries == 0 || st.BusyRecovered != 1 || st.BusyGaveUp != 0 {
		t.Errorf("stats = %+v, want retries > 0, one recovered unit, none given up", st)
	}
	if got := countRows(t, d, "customers"); got != 3 {
		t.Errorf("customers = %d, want 3", got)
	}
	for _, want := range []string{`"msg":"database busy: retrying"`, `"category":"database"`, `"statement":"BEGIN"`, `"msg":"database busy: succeeded after retrying"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs.String())
		}
	}
}

func TestBusyRetryGivesUpWithinBudget(t *testing.T) {
	d, logs := guardDB(t)
	d.SetRetryPolicy(db.RetryPolicy{MaxAttempts: 4, MaxElapsed: 800 * time.Millisecond, BaseDelay: 20 * time.Millisecond,
		MaxDelay: 100 * time.Millisecond, AttemptTimeout: 150 * time.Millisecond})
	before := countRows(t, d, "customers")
	release := testutil.HoldWriteLock(t, d)
	defer release()
	start := time.Now()
	err := d.CreateCustomers(t.Context(), someCustomers(5, "Nunca"), app.SystemActor)
	elapsed := time.Since(start)
	var ae *app.Error
	if !errors.As(err, &ae) || ae.Code != app.EUNAVAILABLE || ae.Message != db.MsgBusy {
		t.Fatalf("err = %v, want EUNAVAILABLE %s", err, db.MsgBusy)
	}
	if app.ErrorCategory(err) != app.CatDatabase || app.ErrorSeverity(err) != app.SevHigh {
		t.Errorf("category/severity = %s/%s, want database/high", app.ErrorCategory(err), app.ErrorSeverity(err))
	}
	// The budget bounds the wait (generously: the race detector and a
	// shared machine slow everything, but 4 × 5 s busy timeouts would not
	// fit).
	if elapsed > 5*time.Second {
		t.Errorf("gave up after %s, budget 800ms", elapsed)
	}
	release()
	if got := countRows(t, d, "customers"); got != before {
		t.Errorf("customers = %d after a refused unit, want %d", got, before)
	}
	if st := d.GuardStats(); st.BusyGaveUp != 1 || st.BusyRetries == 0 {
		t.Errorf("stats = %+v, want one unit given up after retries", st)
	}
	if !strings.Contains(logs.String(), `"msg":"database busy: gave up"`) {
		t.Errorf("logs lack the give-up line:\n%s", logs.String())
	}
}

func TestReadOnlyModeOnFullDisk(t *testing.T) {
	d, logs := guardDB(t)
	ctx := t.Context()
	if err := d.CreateCustomers(ctx, someCustomers(2, "Antes"), app.SystemActor); err != nil {
		t.Fatal(err)
	}
	testutil.FillDisk(t, d)

	// A unit bigger than the free space left in the file's pages fails
	// part-way with SQLITE_FULL: nothing of it stays, and the app turns
	// read-only.
	err := d.CreateCustomers(ctx, someCustomers(400, "Lleno"), app.SystemActor)
	var ae *app.Error
	if !errors.As(err, &ae) || ae.Code != app.EUNAVAILABLE || ae.Message != db.MsgDiskFull {
		t.Fatalf("err = %v, want EUNAVAILABLE %s", err, db.MsgDiskFull)
	}
	if app.ErrorCategory(err) != app.CatDatabase || app.ErrorSeverity(err) != app.SevCritical {
		t.Errorf("category/severity = %s/%s, want database/critical", app.ErrorCategory(err), app.ErrorSeverity(err))
	}
	st, ro := d.ReadOnly()
	if !ro || st.Cause != db.ReadOnlyDiskFull {
		t.Fatalf("ReadOnly() = %+v, %v; want disk_full", st, ro)
	}
	if got := countRows(t, d, "customers"); got != 2 {
		t.Errorf("customers = %d, want the 2 written before", got)
	}
	if !strings.Contains(logs.String(), `"msg":"database read-only: writes refused until a probe write succeeds"`) {
		t.Errorf("logs lack the read-only line:\n%s", logs.String())
	}

	// Reads keep working; even a small write is refused without touching
	// the file, with the same message.
	if cs, n, err := d.FindCustomers(ctx, db.CustomerFilter{Limit: 10}); err != nil || n != 2 || len(cs) != 2 {
		t.Errorf("FindCustomers while read-only = %d, %d, %v", len(cs), n, err)
	}
	err = d.CreateCustomer(ctx, &db.Customer{Name: "Pequeño"}, app.SystemActor)
	if app.ErrorMessage(err) != db.MsgDiskFull {
		t.Errorf("small write while read-only: %v, want %s", err, db.MsgDiskFull)
	}
	if _, err := d.Writer.Exec(`UPDATE customers SET notes = 'x'`); app.ErrorMessage(err) != db.MsgDiskFull {
		t.Errorf("autocommit write while read-only: %v", err)
	}
	if d.GuardStats().WritesRefused < 2 {
		t.Errorf("WritesRefused = %d, want >= 2", d.GuardStats().WritesRefused)
	}

	// The probe fails while the disk is still full…
	if err := d.ProbeWrite(ctx); err == nil {
		t.Fatal("probe write succeeded on a full disk")
	}
	if _, ro := d.ReadOnly(); !ro {
		t.Fatal("a failed probe left read-only mode")
	}

	// …and the watcher leaves read-only mode by itself once space is back.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go d.WatchReadOnly(wctx, 20*time.Millisecond)
	testutil.FreeDisk(t, d)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ro := d.ReadOnly(); !ro {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still read-only 10 s after space returned")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := d.CreateCustomers(ctx, someCustomers(400, "Después"), app.SystemActor); err != nil {
		t.Fatalf("write after recovery: %v", err)
	}
	if got := countRows(t, d, "customers"); got != 402 {
		t.Errorf("customers = %d, want 402", got)
	}
	if !strings.Contains(logs.String(), `"msg":"database writable again"`) {
		t.Errorf("logs lack the recovery line")
	}
}

func TestReadOnlyModeOnReadOnlyFile(t *testing.T) {
	d, _ := guardDB(t)
	ctx := t.Context()
	// query_only makes SQLite answer every write with SQLITE_READONLY, as
	// a file that lost its write permission does.
	if _, err := d.Writer.Exec(`PRAGMA query_only = 1`); err != nil {
		t.Fatal(err)
	}
	err := d.CreateCustomer(ctx, &db.Customer{Name: "Solo Lectura"}, app.SystemActor)
	if app.ErrorMessage(err) != db.MsgReadOnly || app.ErrorSeverity(err) != app.SevCritical {
		t.Fatalf("err = %v, want %s (critical)", err, db.MsgReadOnly)
	}
	if st, ro := d.ReadOnly(); !ro || st.Cause != db.ReadOnlyFile {
		t.Fatalf("ReadOnly() = %+v, %v; want read_only", st, ro)
	}
	if err := d.ProbeWrite(ctx); err == nil {
		t.Fatal("probe succeeded on a read-only file")
	}
	if _, err := d.Writer.Exec(`PRAGMA query_only = 0`); err != nil {
		t.Fatal(err)
	}
	if err := d.ProbeWrite(ctx); err != nil {
		t.Fatalf("probe after the file became writable: %v", err)
	}
	if _, ro := d.ReadOnly(); ro {
		t.Fatal("still read-only after a successful probe")
	}
	if err := d.CreateCustomer(ctx, &db.Customer{Name: "Otra Vez"}, app.SystemActor); err != nil {
		t.Fatal(err)
	}
}

func TestSlowQueryLogged(t *testing.T) {
	d, logs := guardDB(t)
	d.SetSlowQuery(time.Nanosecond)
	if _, _, err := d.FindCustomers(t.Context(), db.CustomerFilter{Limit: 10}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"msg":"slow query"`, `"category":"performance"`, `"statement":"SELECT customers"`, `"caller":"db.(*DB).FindCustomers"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs.String())
		}
	}
	if d.GuardStats().SlowQueries == 0 {
		t.Error("SlowQueries = 0")
	}
}

func TestConstraintErrors(t *testing.T) {
	d, _ := guardDB(t)
	ctx := t.Context()
	_, err := d.Writer.Exec(`INSERT INTO colours (code, name, factor, active, created_at, created_by, updated_at, updated_by)
		VALUES ('NAT', 'Natural', '1', 1, 'x', 'system', 'x', 'system')`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Writer.ExecContext(ctx, `INSERT INTO colours (code, name, factor, active, created_at, created_by, updated_at, updated_by)
		VALUES ('NAT', 'Otra', '1', 1, 'x', 'system', 'x', 'system')`)
	ce := db.ConstraintError(err, "NAT")
	var ae *app.Error
	if !errors.As(ce, &ae) || ae.Code != app.ECONFLICT || ae.Message != "error.db_unique.colour_code" || ae.Args["Value"] != "NAT" || ae.Fields["code"].Message != ae.Message {
		t.Errorf("unique violation = %#v", ce)
	}
	_, err = d.Writer.ExecContext(ctx, `INSERT INTO colours (code, name, factor, active, created_at, created_by, updated_at, updated_by)
		VALUES ('X', 'X', '1', 7, 'x', 'system', 'x', 'system')`)
	if got := db.AppError(err); app.ErrorCode(got) != app.EINVALID || app.ErrorCategory(got) != app.CatValidation {
		t.Errorf("check violation = %v (%s), want invalid/validation", got, app.ErrorCode(got))
	}
	if plain := errors.New("x"); db.AppError(plain) != plain {
		t.Error("AppError changed a non-SQLite error")
	}
}

func TestBusyRetryOnlyForWholeUnits(t *testing.T) {
	d, _ := guardDB(t)
	d.SetRetryPolicy(db.RetryPolicy{MaxAttempts: 100, MaxElapsed: 20 * time.Second, BaseDelay: 20 * time.Millisecond,
		MaxDelay: 100 * time.Millisecond, AttemptTimeout: 100 * time.Millisecond})
	release := testutil.HoldWriteLock(t, d)
	go func() {
		time.Sleep(500 * time.Millisecond)
		release()
	}()
	// A lone statement outside a transaction is a unit: retried until the
	// lock is free.
	if _, err := d.Writer.Exec(`UPDATE write_probe SET at = 'lone'`); err != nil {
		t.Fatalf("lone statement: %v", err)
	}
	if d.GuardStats().BusyRecovered != 1 {
		t.Errorf("stats = %+v, want the statement recovered", d.GuardStats())
	}
	// Two statements in one string commit one by one: never retried, so a
	// busy second statement could not run the first twice.
	release = testutil.HoldWriteLock(t, d)
	defer release()
	_, err := d.Writer.Exec(`UPDATE write_probe SET at = 'a'; UPDATE write_probe SET at = 'b'`)
	if app.ErrorMessage(err) != db.MsgBusy {
		t.Fatalf("multi-statement string under a held lock: %v, want %s at once", err, db.MsgBusy)
	}
	if st := d.GuardStats(); st.BusyRecovered != 1 || st.BusyGaveUp != 0 {
		t.Errorf("stats = %+v: the string was retried", st)
	}
}

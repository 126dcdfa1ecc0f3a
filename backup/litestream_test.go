package backup_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cotizador/backup"
	"cotizador/db"
	"cotizador/internal/s3test"
)

// replicated is a migrated database replicated by the real litestream
// binary to a fake S3 on loopback, as in production.
type replicated struct {
	DB      *db.DB
	S3      *s3test.Server
	Proc    *s3test.Process
	Vars    map[string]string
	Lit     *backup.Litestream
	Metrics string
}

func startReplicated(t *testing.T) *replicated {
	t.Helper()
	bin := s3test.LitestreamBin(t)
	s3 := s3test.New(t)
	d := openDB(t)
	metrics := s3test.FreeAddr(t)
	vars := s3test.ReplicaEnv(s3, d.Path, "backup-test", metrics)
	p := s3test.Replicate(t, vars, "")
	return &replicated{
		DB: d, S3: s3, Proc: p, Vars: vars, Metrics: metrics,
		Lit: &backup.Litestream{
			Bin: bin, Config: filepath.Join(s3test.RepoRoot(t), "litestream.yml"),
			DBPath: d.Path, Env: s3test.Environ(vars),
		},
	}
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestLitestreamRestoreDrillAndHealth(t *testing.T) {
	r := startReplicated(t)
	seed(t, r.DB, "Aluminios Monterrey", 3)

	t.Run("restore refuses the live database and existing files", func(t *testing.T) {
		if _, err := r.Lit.Restore(ctx, r.DB.Path, time.Time{}); err == nil {
			t.Error("restore over the live database succeeded")
		}
		rel, _ := filepath.Rel(mustGetwd(t), r.DB.Path)
		if _, err := r.Lit.Restore(ctx, filepath.Join(filepath.Dir(rel), ".", filepath.Base(rel)), time.Time{}); err == nil {
			t.Error("restore over the live database through a relative path succeeded")
		}
		existing := filepath.Join(t.TempDir(), "x.db")
		os.WriteFile(existing, []byte("mine"), 0o600)
		if _, err := r.Lit.Restore(ctx, existing, time.Time{}); err == nil {
			t.Error("restore over an existing file succeeded")
		}
		if b, _ := os.ReadFile(existing); string(b) != "mine" {
			t.Errorf("existing file now %q", b)
		}
	})

	t.Run("nothing before the first sync", func(t *testing.T) {
		_, err := r.Lit.Restore(ctx, filepath.Join(t.TempDir(), "r.db"), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
		if !errors.Is(err, backup.ErrNoReplica) {
			t.Errorf("restore to 2020 = %v, want ErrNoReplica", err)
		}
	})

	t.Run("drill passes and proves a fresh write is off-site", func(t *testing.T) {
		run, res, err := backup.Drill(ctx, r.DB, r.Lit, backup.DrillOptions{MaxWait: 30 * time.Second, Origin: backup.OriginCLI})
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != db.BackupStatusOK {
			t.Fatalf("drill %s: %s", run.Status, run.Error)
		}
		if res.LagMS <= 0 || res.Attempts < 1 || res.TXID == "" || res.Report == nil || res.RestoredTo.IsZero() {
			t.Errorf("result = %+v", res)
		}
		rows := map[string]int64{}
		for _, tc := range res.Report.Tables {
			rows[tc.Name] = tc.Rows
		}
		// 3 seeded runs plus the drill's own marker.
		if rows["company"] != 1 || rows["backup_runs"] != 4 {
			t.Errorf("restored rows = %v, want company 1 and backup_runs 4", rows)
		}
		last, err := r.DB.LastBackupRun(ctx, db.BackupKindDrill)
		if err != nil || last == nil || last.ID != run.ID || last.Status != db.BackupStatusOK || last.Duration <= 0 {
			t.Errorf("recorded drill = %+v, %v", last, err)
		}
		if !strings.Contains(last.Detail, `"lag_ms"`) {
			t.Errorf("recorded detail lacks the lag: %s", last.Detail)
		}
		ents, _ := filepath.Glob(filepath.Join(os.TempDir(), "cotizador-drill-*"))
		for _, e := range ents {
			if fi, err := os.Stat(e); err == nil && time.Since(fi.ModTime()) < time.Minute {
				t.Errorf("restored copy left behind: %s", e)
			}
		}
	})

	mon := &backup.Monitor{
		Addr: r.Metrics, Configured: true, DBPath: r.DB.Path,
		Interval: 200 * time.Millisecond, StallAfter: 1500 * time.Millisecond,
	}
	t.Run("health ok while uploads follow writes", func(t *testing.T) {
		first := mon.Sample(ctx)
		seed(t, r.DB, "Aluminios Monterrey", 1)
		waitFor(t, 10*time.Second, "an upload of the new write, state ok", func() bool {
			st := mon.Sample(ctx)
			return st.State == backup.StateOK && st.Uploads > first.Uploads && st.TXID > first.TXID
		})
		st := mon.Status()
		if st.TXID <= 0 || st.Uploads <= 0 || st.LastUploadAt.IsZero() || st.DBSizeBytes <= 0 {
			t.Errorf("status = %+v", st)
		}
	})

	t.Run("S3 down: drill fails, health turns behind, then recovers", func(t *testing.T) {
		if err := r.S3.Stop(); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		run, _, err := backup.Drill(ctx, r.DB, r.Lit, backup.DrillOptions{MaxWait: 3 * time.Second, Poll: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != db.BackupStatusFailed || run.Error == "" {
			t.Errorf("drill with S3 down: %s %q, want failed with a reason", run.Status, run.Error)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("failed drill took %s; MaxWait should bound it", d)
		}
		last, _ := r.DB.LastBackupRun(ctx, db.BackupKindDrill)
		if last == nil || last.ID != run.ID || last.Status != db.BackupStatusFailed {
			t.Errorf("failed drill not recorded as failed: %+v", last)
		}
		seed(t, r.DB, "Aluminios Monterrey", 1)
		waitFor(t, 10*time.Second, "state behind", func() bool { return mon.Sample(ctx).State == backup.StateBehind })
		if st := mon.Status(); st.PendingSince.IsZero() {
			t.Errorf("behind without pending_since: %+v", st)
		}
		if err := r.S3.Resume(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 40*time.Second, "state ok after S3 returns", func() bool { return mon.Sample(ctx).State == backup.StateOK })
	})

	t.Run("unreachable and off", func(t *testing.T) {
		m := &backup.Monitor{Addr: s3test.FreeAddr(t), Configured: true, DBPath: r.DB.Path}
		if st := m.Sample(ctx); st.State != backup.StateUnreachable || st.Error == "" {
			t.Errorf("nobody listening: %+v", st)
		}
		m = &backup.Monitor{Addr: r.Metrics, Configured: true, DBPath: filepath.Join(t.TempDir(), "other.db")}
		if st := m.Sample(ctx); st.State != backup.StateUnreachable || !strings.Contains(st.Error, "does not replicate") {
			t.Errorf("litestream replicating another database: %+v", st)
		}
		m = &backup.Monitor{Addr: r.Metrics, Configured: false}
		if st := m.Sample(ctx); st.State != backup.StateOff {
			t.Errorf("not configured: %+v", st)
		}
	})

	t.Run("drill without replication fails and is recorded", func(t *testing.T) {
		run, _, err := backup.Drill(ctx, r.DB, nil, backup.DrillOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != db.BackupStatusFailed || !strings.Contains(run.Error, "not configured") {
			t.Errorf("drill without litestream: %s %q", run.Status, run.Error)
		}
	})
}

func mustGetwd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

func TestFindBinaryAndChildEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	bin := filepath.Join(t.TempDir(), "litestream")
	os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755)
	if got, err := backup.FindBinary(env(map[string]string{"LITESTREAM_BIN": bin})); err != nil || got != bin {
		t.Errorf("FindBinary with LITESTREAM_BIN = %q, %v", got, err)
	}
	if _, err := backup.FindBinary(env(map[string]string{"LITESTREAM_BIN": filepath.Join(t.TempDir(), "nope")})); err == nil {
		t.Error("a missing LITESTREAM_BIN was accepted")
	}
	got := backup.ChildEnv([]string{"A=1", "AWS_CA_BUNDLE=/etc/ca.pem", "AWS_CA_BUNDLE_X=keep"})
	if strings.Join(got, " ") != "A=1 AWS_CA_BUNDLE_X=keep" {
		t.Errorf("ChildEnv = %v", got)
	}
}

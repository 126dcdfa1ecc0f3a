package backup_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cotizador/app"
	"cotizador/backup"
	"cotizador/db"
	"cotizador/internal/s3test"
)

func TestServiceSchedules(t *testing.T) {
	r := startReplicated(t)
	svc := &backup.Service{
		Settings: backup.Settings{
			DBPath: r.DB.Path, SnapshotDir: filepath.Join(t.TempDir(), "snapshots"), SnapshotEvery: time.Hour, SnapshotKeep: 5,
			DrillEvery: time.Hour, DrillMaxWait: 30 * time.Second, Litestream: r.Lit,
		},
		DB: r.DB,
	}

	t.Run("both jobs run at first start, one after the other", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { svc.Run(ctx); close(done) }()
		waitFor(t, 40*time.Second, "a scheduled drill and a scheduled snapshot", func() bool {
			d, _ := r.DB.LastBackupRun(ctx, db.BackupKindDrill)
			s, _ := r.DB.LastBackupRun(ctx, db.BackupKindSnapshot)
			return d != nil && d.Status != db.BackupStatusRunning && s != nil && s.Status != db.BackupStatusRunning
		})
		cancel()
		<-done
		for _, kind := range []string{db.BackupKindDrill, db.BackupKindSnapshot} {
			runs, n, err := r.DB.FindBackupRuns(context.Background(), db.BackupRunFilter{Kind: kind})
			if err != nil || n != 1 || runs[0].Status != db.BackupStatusOK || runs[0].Origin != backup.OriginScheduled {
				t.Errorf("%s runs: %d, %v; first %+v", kind, n, err, runs)
			}
		}
	})

	t.Run("a restart does not repeat recent jobs", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		svc.Run(ctx)
		for _, kind := range []string{db.BackupKindDrill, db.BackupKindSnapshot} {
			if _, n, _ := r.DB.FindBackupRuns(context.Background(), db.BackupRunFilter{Kind: kind}); n != 1 {
				t.Errorf("%s runs after a restart: %d, want still 1", kind, n)
			}
		}
	})

	t.Run("overview", func(t *testing.T) {
		o, err := svc.Overview(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if o.LastDrill == nil || o.LastGoodDrill == nil || o.LastDrillResult == nil || o.LastDrillResult.Report == nil ||
			o.LastSnapshotRun == nil || len(o.Snapshots) != 1 || o.DrillOverdue {
			t.Errorf("overview = %+v", o)
		}
		clock := app.NewFakeClock(time.Now().Add(3 * time.Hour))
		r.DB.Clock = clock
		defer func() { r.DB.Clock = app.SystemClock{} }()
		if o, _ := svc.Overview(context.Background()); !o.DrillOverdue {
			t.Error("no passed drill for 3 h with a 1 h schedule: want overdue")
		}
	})
}

func TestServiceOneOperationAtATime(t *testing.T) {
	d := openDB(t)
	svc := &backup.Service{Settings: backup.Settings{DBPath: d.Path, SnapshotDir: t.TempDir(), SnapshotKeep: 3}, DB: d}
	// A drill that takes its whole MaxWait: the bucket is reachable but
	// empty, as when Litestream is not running.
	s3 := s3test.New(t)
	svc.Litestream = &backup.Litestream{
		Bin: s3test.LitestreamBin(t), Config: filepath.Join(s3test.RepoRoot(t), "litestream.yml"), DBPath: d.Path,
		Env: s3test.Environ(s3test.ReplicaEnv(s3, d.Path, "empty", s3test.FreeAddr(t))),
	}
	svc.DrillMaxWait = 3 * time.Second
	done := make(chan error, 1)
	go func() { _, err := svc.Drill(context.Background(), backup.OriginManual, "t"); done <- err }()
	waitFor(t, 5*time.Second, "the drill to start", func() bool {
		r, _ := d.LastBackupRun(context.Background(), db.BackupKindDrill)
		return r != nil
	})
	if _, _, err := svc.Snapshot(context.Background(), backup.OriginManual, "t"); !errors.Is(err, backup.ErrBusy) {
		t.Errorf("manual snapshot during a drill: %v, want ErrBusy", err)
	}
	if _, err := svc.Drill(context.Background(), backup.OriginManual, "t"); !errors.Is(err, backup.ErrBusy) {
		t.Errorf("second drill: %v, want ErrBusy", err)
	}
	// A scheduled snapshot waits for its turn instead.
	run, _, err := svc.Snapshot(context.Background(), backup.OriginScheduled, "system")
	if err != nil || run.Status != db.BackupStatusOK {
		t.Errorf("scheduled snapshot after the drill: %+v, %v", run, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	last, _ := d.LastBackupRun(context.Background(), db.BackupKindDrill)
	if last.Status != db.BackupStatusFailed || last.Duration < 2*time.Second {
		t.Errorf("drill against an empty replica: %s after %s, want failed after MaxWait", last.Status, last.Duration)
	}
}

// A drill cut short by a shutdown is recorded as such and run again at the
// next start, instead of standing as the latest result for a whole day.
func TestInterruptedDrillIsRetried(t *testing.T) {
	r := startReplicated(t)
	svc := &backup.Service{
		Settings: backup.Settings{DBPath: r.DB.Path, SnapshotDir: t.TempDir(), DrillEvery: 24 * time.Hour, DrillMaxWait: 30 * time.Second, Litestream: r.Lit},
		DB:       r.DB,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.Run(ctx); close(done) }()
	waitFor(t, 10*time.Second, "the scheduled drill to start", func() bool {
		d, _ := r.DB.LastBackupRun(context.Background(), db.BackupKindDrill)
		return d != nil
	})
	cancel() // the shutdown
	<-done
	first, _ := r.DB.LastBackupRun(context.Background(), db.BackupKindDrill)
	// The drill cannot pass before its marker is uploaded (a 1 s sync
	// away); the shutdown came within 100 ms of its start.
	if first.Status != db.BackupStatusFailed || !strings.Contains(first.Error, "interrupted") {
		t.Fatalf("interrupted drill recorded as %s %q", first.Status, first.Error)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	done = make(chan struct{})
	go func() { svc.Run(ctx); close(done) }()
	waitFor(t, 40*time.Second, "a passed drill after the restart", func() bool {
		d, _ := r.DB.LastBackupRun(context.Background(), db.BackupKindDrill)
		return d != nil && d.ID != first.ID && d.Status == db.BackupStatusOK
	})
	cancel()
	<-done
}

package backup

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"cotizador/app"
	"cotizador/db"
)

// Settings are the backup choices of one installation, read from the
// environment at start.
type Settings struct {
	DBPath      string
	SnapshotDir string
	// SnapshotEvery is the local snapshot schedule; 0 turns it off.
	SnapshotEvery time.Duration
	// SnapshotKeep is how many snapshots of each origin are kept.
	SnapshotKeep int
	// DrillEvery is the automatic restore drill schedule; 0 turns it off.
	DrillEvery   time.Duration
	DrillMaxWait time.Duration
	// Litestream restores from the replica; nil when none is configured.
	Litestream *Litestream
	// Replica names the replica for people ("s3://bucket/path"), no secrets.
	Replica string
	// ReplicaProblem says why Litestream is nil although a bucket is set.
	ReplicaProblem string
	AppVersion     string
}

// Service runs drills and snapshots for the app (the Respaldos page, the
// schedules) and reports on them. One operation runs at a time.
type Service struct {
	Settings
	DB      *db.DB
	Monitor *Monitor
	Logger  *slog.Logger
	Checks  []Check

	busy sync.Mutex
}

// ErrBusy is returned when a drill or snapshot is already running.
var ErrBusy = app.Errorf(app.ECONFLICT, "backup.error.busy")

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// acquire takes the one-operation lock: people get ErrBusy at once, the
// schedules wait their turn (a drill and the first snapshot both start at
// boot, and neither may be skipped for a whole interval).
func (s *Service) acquire(wait bool) bool {
	if wait {
		s.busy.Lock()
		return true
	}
	return s.busy.TryLock()
}

// Drill runs a restore drill now (see Drill) and returns its recorded run.
// Scheduled drills wait for a running operation; others get ErrBusy.
func (s *Service) Drill(ctx context.Context, origin, actor string) (*db.BackupRun, error) {
	if !s.acquire(origin == OriginScheduled) {
		return nil, ErrBusy
	}
	defer s.busy.Unlock()
	run, res, err := Drill(ctx, s.DB, s.Litestream, DrillOptions{
		MaxWait: s.DrillMaxWait, Origin: origin, Actor: actor, Checks: s.Checks,
	})
	if err != nil {
		return run, err
	}
	attrs := []any{"run", run.ID, "origin", origin, "status", run.Status, "duration_ms", run.Duration.Milliseconds(),
		"lag_ms", res.LagMS, "attempts", res.Attempts}
	if run.Status == db.BackupStatusOK {
		s.logger().Info("restore drill passed", attrs...)
	} else {
		s.logger().Error("restore drill FAILED", append(attrs, "err", run.Error)...)
	}
	return run, nil
}

// Snapshot takes a local snapshot now, records it, and prunes old ones.
// Scheduled snapshots wait for a running operation; others get ErrBusy.
func (s *Service) Snapshot(ctx context.Context, origin, actor string) (*db.BackupRun, *SnapshotMeta, error) {
	if !s.acquire(origin == OriginScheduled) {
		return nil, nil, ErrBusy
	}
	defer s.busy.Unlock()
	run := &db.BackupRun{Kind: db.BackupKindSnapshot, Origin: origin, Token: newToken()}
	if err := s.DB.CreateBackupRun(ctx, run, actor); err != nil {
		return nil, nil, err
	}
	start := time.Now()
	m, serr := TakeSnapshot(ctx, s.DB, s.SnapshotDir, origin, s.AppVersion, s.DB.Clock.Now())
	run.Duration = time.Since(start)
	run.Status = db.BackupStatusOK
	if serr != nil {
		run.Status, run.Error = db.BackupStatusFailed, serr.Error()
		s.logger().Error("snapshot FAILED", "run", run.ID, "origin", origin, "err", serr)
	} else {
		b, _ := json.Marshal(m)
		run.Detail = string(b)
		s.logger().Info("snapshot taken", "run", run.ID, "origin", origin, "file", m.Path,
			"size_bytes", m.SizeBytes, "compressed_bytes", m.CompressedBytes, "sha256", m.SHA256)
		if deleted, err := PruneSnapshots(s.SnapshotDir, s.SnapshotKeep); err != nil {
			s.logger().Error("snapshot prune failed", "err", err)
		} else if len(deleted) > 0 {
			s.logger().Info("old snapshots deleted", "files", deleted, "keep", s.SnapshotKeep)
		}
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.DB.FinishBackupRun(rctx, run, actor); err != nil {
		return run, m, err
	}
	return run, m, serr
}

// Overview is everything the Respaldos page shows.
type Overview struct {
	Replication     ReplicationStatus
	Replica         string
	ReplicaProblem  string
	LastDrill       *db.BackupRun
	LastDrillResult *DrillResult
	LastGoodDrill   *db.BackupRun
	LastSnapshotRun *db.BackupRun
	Snapshots       []*SnapshotMeta
	// SnapshotError says why the snapshot folder could not be listed.
	SnapshotError string
	SnapshotDir   string
	SnapshotEvery time.Duration
	SnapshotKeep  int
	DrillEvery    time.Duration
	// DrillOverdue: no passed drill within twice the schedule (or a week
	// when drills are not scheduled).
	DrillOverdue bool
}

// Overview gathers the page's figures.
func (s *Service) Overview(ctx context.Context) (*Overview, error) {
	o := &Overview{
		Replica: s.Replica, ReplicaProblem: s.ReplicaProblem, SnapshotDir: s.SnapshotDir,
		SnapshotEvery: s.SnapshotEvery, SnapshotKeep: s.SnapshotKeep, DrillEvery: s.DrillEvery,
	}
	if s.Monitor != nil {
		o.Replication = s.Monitor.Status()
	} else {
		o.Replication = ReplicationStatus{State: StateOff}
	}
	var err error
	if o.LastDrill, err = s.DB.LastBackupRun(ctx, db.BackupKindDrill); err != nil {
		return nil, err
	}
	if o.LastDrill != nil && o.LastDrill.Detail != "" {
		r := &DrillResult{}
		if json.Unmarshal([]byte(o.LastDrill.Detail), r) == nil {
			o.LastDrillResult = r
		}
	}
	good, _, err := s.DB.FindBackupRuns(ctx, db.BackupRunFilter{Kind: db.BackupKindDrill, Status: db.BackupStatusOK, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(good) > 0 {
		o.LastGoodDrill = good[0]
	}
	if o.LastSnapshotRun, err = s.DB.LastBackupRun(ctx, db.BackupKindSnapshot); err != nil {
		return nil, err
	}
	if o.Snapshots, err = ListSnapshots(s.SnapshotDir); err != nil {
		// The page must still show replication and drills.
		o.SnapshotError = err.Error()
	}
	window := 7 * 24 * time.Hour
	if s.DrillEvery > 0 {
		window = 2 * s.DrillEvery
	}
	o.DrillOverdue = s.Litestream != nil &&
		(o.LastGoodDrill == nil || s.DB.Clock.Now().Sub(o.LastGoodDrill.StartedAt) > window)
	return o, nil
}

// Run samples replication health and runs the snapshot and drill schedules
// until ctx ends.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if s.Monitor != nil {
		wg.Go(func() { s.Monitor.Run(ctx) })
	}
	if s.SnapshotEvery > 0 {
		wg.Go(func() {
			s.every(ctx, s.SnapshotEvery, s.lastScheduledSnapshot, func(ctx context.Context) {
				s.Snapshot(ctx, OriginScheduled, "system")
			})
		})
	}
	if s.DrillEvery > 0 && s.Litestream != nil {
		wg.Go(func() {
			s.every(ctx, s.DrillEvery, s.lastDrill, func(ctx context.Context) {
				if _, err := s.Drill(ctx, OriginScheduled, "system"); err != nil {
					s.logger().Error("scheduled drill not recorded", "err", err)
				}
			})
		})
	}
	wg.Wait()
}

// every runs job when the previous run (from last) is interval old, then
// every interval. Restarts do not re-run a job that ran recently.
func (s *Service) every(ctx context.Context, interval time.Duration, last func(context.Context) time.Time, job func(context.Context)) {
	for {
		wait := time.Duration(0)
		if t := last(ctx); !t.IsZero() {
			wait = max(0, t.Add(interval).Sub(s.DB.Clock.Now()))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		job(ctx)
		if ctx.Err() != nil {
			return
		}
		// If the job did not record itself (a failure before recording),
		// do not spin: wait a full interval.
		if t := last(ctx); t.IsZero() || s.DB.Clock.Now().Sub(t) > interval {
			select {
			case <-ctx.Done():
				return
			case <-time.After(interval):
			}
		}
	}
}

func (s *Service) lastScheduledSnapshot(context.Context) time.Time {
	all, err := ListSnapshots(s.SnapshotDir)
	if err != nil {
		return time.Time{}
	}
	for _, m := range all {
		if m.Origin == OriginScheduled {
			return m.CreatedAt
		}
	}
	return time.Time{}
}

// lastDrill is the schedule's base: the last drill that passed, so one that
// failed (or was cut short by a shutdown) is retried at the next start
// instead of standing as the latest result for a whole interval.
func (s *Service) lastDrill(ctx context.Context) time.Time {
	runs, _, err := s.DB.FindBackupRuns(ctx, db.BackupRunFilter{Kind: db.BackupKindDrill, Status: db.BackupStatusOK, Limit: 1})
	if err != nil || len(runs) == 0 {
		return time.Time{}
	}
	return runs[0].StartedAt
}

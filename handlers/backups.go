package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/backup"
	"cotizador/db"
)

// backupOpTimeout bounds a drill or snapshot started from the page. The
// work runs on its own context: a closed browser tab must not leave a drill
// half done and unrecorded.
const backupOpTimeout = 5 * time.Minute

// backups returns the backup service, or a 503 when the app was built
// without one.
func (s *server) backups() (*backup.Service, error) {
	if s.Backups == nil {
		return nil, app.Errorf(app.EUNAVAILABLE, "backup.error.unavailable")
	}
	return s.Backups, nil
}

// backupRow is a recorded run ready for the page.
type backupRow struct {
	Run      *db.BackupRun
	When     string
	Duration string
}

// snapshotRow is a local snapshot ready for the page.
type snapshotRow struct {
	File, When, Origin, Size, SHA string
	Schema                        int64
}

func (s *server) localTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(mexicoCity).Format("02/01/2006 15:04:05")
}

// backupsPage is the owner's Respaldos page: replication health, the last
// restore drill, the local snapshots, and the buttons to run either now.
func (s *server) backupsPage(c *fiber.Ctx) error {
	svc, err := s.backups()
	if err != nil {
		return err
	}
	o, err := svc.Overview(c.UserContext())
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	rep := o.Replication
	data := fiber.Map{
		"O":             o,
		"State":         rep.State,
		"StateKey":      "backup.state." + rep.State,
		"StateOK":       rep.State == backup.StateOK,
		"CheckedAt":     s.localTime(rep.CheckedAt),
		"LastUploadAgo": ago(now, rep.LastUploadAt),
		"PendingAgo":    ago(now, rep.PendingSince),
		"CanDrill":      svc.Litestream != nil,
		"SnapshotEvery": every(o.SnapshotEvery),
		"DrillEvery":    every(o.DrillEvery),
	}
	if o.LastDrill != nil {
		data["Drill"] = s.runRow(o.LastDrill)
		if r := o.LastDrillResult; r != nil {
			data["DrillLag"] = humanDuration(time.Duration(r.LagMS) * time.Millisecond)
			data["DrillRestoredTo"] = s.localTime(r.RestoredTo)
			if r.Report != nil {
				data["DrillRows"] = r.Report.TotalRows()
				data["DrillTables"] = r.Report.Tables
			}
		}
	}
	if o.LastGoodDrill != nil {
		data["GoodDrillWhen"] = s.localTime(o.LastGoodDrill.StartedAt)
	}
	if o.LastSnapshotRun != nil {
		data["SnapshotRun"] = s.runRow(o.LastSnapshotRun)
	}
	rows := make([]snapshotRow, 0, len(o.Snapshots))
	for _, m := range o.Snapshots {
		rows = append(rows, snapshotRow{
			File: m.File, When: s.localTime(m.CreatedAt), Origin: "backup.origin." + m.Origin,
			Size: backup.ByteSize(m.CompressedBytes), SHA: m.SHA256[:min(12, len(m.SHA256))], Schema: m.SchemaVersion,
		})
	}
	data["Snapshots"] = rows
	return s.renderPage(c, fiber.StatusOK, "backups", "backup.title", data)
}

func (s *server) runRow(r *db.BackupRun) backupRow {
	return backupRow{Run: r, When: s.localTime(r.StartedAt), Duration: humanDuration(r.Duration)}
}

// backupDrill runs a restore drill now.
func (s *server) backupDrill(c *fiber.Ctx) error {
	return s.backupNow(c, func(ctx context.Context, svc *backup.Service, by string) (*db.BackupRun, error) {
		run, err := svc.Drill(ctx, backup.OriginManual, by)
		if err != nil {
			return nil, err // busy, or even its outcome could not be recorded
		}
		return run, nil
	}, "backup.flash.drill_ok", "backup.flash.drill_failed")
}

// backupSnapshot takes a local snapshot now.
func (s *server) backupSnapshot(c *fiber.Ctx) error {
	return s.backupNow(c, func(ctx context.Context, svc *backup.Service, by string) (*db.BackupRun, error) {
		run, _, err := svc.Snapshot(ctx, backup.OriginManual, by)
		return run, err // a failed snapshot comes back recorded in run
	}, "backup.flash.snapshot_ok", "backup.flash.snapshot_failed")
}

// backupNow runs a drill or a snapshot the owner asked for, on its own
// context (see backupOpTimeout). A recorded failure is not an HTTP error:
// the flash and the page show it in red. Only an operation that left no
// record (run nil) is an error.
func (s *server) backupNow(c *fiber.Ctx, op func(ctx context.Context, svc *backup.Service, by string) (*db.BackupRun, error), ok, failed string) error {
	svc, err := s.backups()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), backupOpTimeout)
	defer cancel()
	run, err := op(ctx, svc, string(actor(c)))
	if run == nil {
		return err
	}
	if run.Status == db.BackupStatusOK {
		s.setFlash(c, "success", ok)
	} else {
		s.setFlash(c, "error", failed)
	}
	return redirect(c, "/respaldos")
}

// backupDownload sends one local snapshot file. Only names listed in the
// snapshot folder are served, so no path can be smuggled in.
func (s *server) backupDownload(c *fiber.Ctx) error {
	svc, err := s.backups()
	if err != nil {
		return err
	}
	name := c.Params("file")
	if !backup.ValidSnapshotName(name) {
		return app.Errorf(app.ENOTFOUND, "error.not_found.body")
	}
	all, err := backup.ListSnapshots(svc.SnapshotDir)
	if err != nil {
		return err
	}
	for _, m := range all {
		if m.File == name {
			c.Set(fiber.HeaderCacheControl, "no-store")
			c.Set("X-Checksum-SHA256", m.SHA256)
			c.Set(fiber.HeaderContentType, "application/gzip")
			return c.Download(m.Path, m.File)
		}
	}
	return app.Errorf(app.ENOTFOUND, "error.not_found.body")
}

// healthBackups is the backup status for monitoring: 200 when replication
// is healthy (or deliberately off) and the last drill passed, 503 otherwise,
// so an uptime checker can alert on it. Like /api/health/detailed, in
// production only the owner or the machine itself may read it.
func (s *server) healthBackups(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if s.Config.Production() && !localCaller(c) && !ownerOnly.allowsUser(currentUser(c)) {
		return app.Errorf(app.EFORBIDDEN, "error.forbidden.body")
	}
	svc, err := s.backups()
	if err != nil {
		return err
	}
	o, err := svc.Overview(c.UserContext())
	if err != nil {
		return err
	}
	var problems []string
	switch o.Replication.State {
	case backup.StateOK, backup.StateOff, backup.StateUnknown:
	default:
		problems = append(problems, "replication_"+o.Replication.State)
	}
	if o.ReplicaProblem != "" {
		problems = append(problems, "replica_misconfigured")
	}
	drill := fiber.Map(nil)
	if r := o.LastDrill; r != nil {
		drill = fiber.Map{"id": r.ID, "status": r.Status, "origin": r.Origin, "started_at": r.StartedAt, "duration_ms": r.Duration.Milliseconds(), "error": r.Error}
		if o.LastDrillResult != nil {
			drill["lag_ms"] = o.LastDrillResult.LagMS
		}
		if r.Status == db.BackupStatusFailed {
			problems = append(problems, "last_drill_failed")
		}
	}
	if o.DrillOverdue {
		problems = append(problems, "drill_overdue")
	}
	var snap fiber.Map
	if len(o.Snapshots) > 0 {
		m := o.Snapshots[0]
		snap = fiber.Map{"file": m.File, "created_at": m.CreatedAt, "origin": m.Origin, "size_bytes": m.CompressedBytes, "sha256": m.SHA256}
	}
	status, code := "ok", fiber.StatusOK
	if len(problems) > 0 {
		status, code = "error", fiber.StatusServiceUnavailable
	}
	return c.Status(code).JSON(fiber.Map{
		"status":          status,
		"problems":        problems,
		"replication":     o.Replication,
		"replica":         o.Replica,
		"last_drill":      drill,
		"last_snapshot":   snap,
		"snapshots":       len(o.Snapshots),
		"snapshot_every":  o.SnapshotEvery.String(),
		"drill_every":     o.DrillEvery.String(),
		"replica_problem": o.ReplicaProblem,
	})
}

// ago is how long before now t was, for people; empty for a zero time.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return humanDuration(now.Sub(t))
}

func every(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return humanDuration(d)
}

// humanDuration renders a duration with the two largest units; the unit
// symbols read the same in Spanish and English.
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d d %d h", int(d.Hours())/24, int(d.Hours())%24)
}

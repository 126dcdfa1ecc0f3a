package handlers

import (
	"context"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/db"
)

// healthTimeout bounds every database probe, so a stuck database makes the
// health check fail fast instead of hanging the prober.
const healthTimeout = 2 * time.Second

func (s *server) healthAlive(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"status": "ok"})
}

// readiness checks that the database answers and its schema is current.
type readiness struct {
	Ready         bool    `json:"ready"`
	DatabaseOK    bool    `json:"database_ok"`
	LatencyMS     float64 `json:"latency_ms"`
	SchemaCurrent int64   `json:"schema_version"`
	SchemaLatest  int64   `json:"schema_latest"`
	Error         string  `json:"error,omitempty"`
	// ReadOnly is set while the database refuses writes (Error is then
	// "read_only"): reads still work, but a load balancer should know.
	ReadOnly *db.ReadOnlyState `json:"read_only,omitempty"`
}

func (s *server) checkReady(ctx context.Context) readiness {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	var r readiness
	lat, err := s.DB.Ping(ctx)
	if err != nil {
		s.Logger.Error("health: database ping failed", "err", err)
		r.Error = "database_unreachable"
		return r
	}
	r.DatabaseOK = true
	r.LatencyMS = float64(lat.Microseconds()) / 1000
	cur, latest, err := s.DB.SchemaVersion(ctx)
	if err != nil {
		s.Logger.Error("health: schema version failed", "err", err)
		r.Error = "schema_unknown"
		return r
	}
	r.SchemaCurrent, r.SchemaLatest = cur, latest
	if cur != latest {
		r.Error = "migrations_pending"
		return r
	}
	if st, ro := s.DB.ReadOnly(); ro {
		r.Error, r.ReadOnly = "read_only", &st
		return r
	}
	r.Ready = true
	return r
}

func (s *server) healthReady(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	r := s.checkReady(c.UserContext())
	status := fiber.StatusOK
	if !r.Ready {
		status = fiber.StatusServiceUnavailable
	}
	return c.Status(status).JSON(r)
}

func (s *server) healthDatabase(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	ctx, cancel := context.WithTimeout(c.UserContext(), healthTimeout)
	defer cancel()
	h, err := s.DB.Health(ctx)
	if err != nil {
		s.Logger.Error("health: database failed", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "error", "error": "database_unreachable"})
	}
	return c.JSON(fiber.Map{"status": "ok", "database": h})
}

// healthDetailed reports everything an operator wants at a glance. In
// production it reveals paths, memory and disk figures, so only an owner or
// admin (session or API token) or a caller on the machine itself (loopback
// and not forwarded by a proxy: the operator's curl, a local monitoring
// agent) may read it.
func (s *server) healthDetailed(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if s.Config.Production() && !localCaller(c) && !managers.allowsUser(currentUser(c)) {
		return app.Errorf(app.EFORBIDDEN, "error.forbidden.body")
	}
	ready := s.checkReady(c.UserContext())
	ctx, cancel := context.WithTimeout(c.UserContext(), healthTimeout)
	defer cancel()
	dbh, err := s.DB.Health(ctx)
	if err != nil {
		s.Logger.Error("health: database failed", "err", err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	disk := fiber.Map{}
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(s.DB.Path), &st); err == nil {
		disk["free_bytes"] = st.Bavail * uint64(st.Bsize)
		disk["total_bytes"] = st.Blocks * uint64(st.Bsize)
	} else {
		disk["error"] = "statfs_failed"
	}
	status := "ok"
	code := fiber.StatusOK
	if !ready.Ready {
		status, code = "error", fiber.StatusServiceUnavailable
	}
	w, r := s.DB.Writer.Stats(), s.DB.Reader.Stats()
	return c.Status(code).JSON(fiber.Map{
		"status":         status,
		"checks":         fiber.Map{"readiness": ready, "database": dbh},
		"uptime_seconds": int64(s.Clock.Now().Sub(s.started).Seconds()),
		"started_at":     s.started.UTC().Format(time.RFC3339),
		"goroutines":     runtime.NumGoroutine(),
		"memory": fiber.Map{
			"alloc_bytes":  ms.Alloc,
			"sys_bytes":    ms.Sys,
			"heap_objects": ms.HeapObjects,
			"num_gc":       ms.NumGC,
		},
		"db_pools": fiber.Map{
			"writer": fiber.Map{"open": w.OpenConnections, "in_use": w.InUse, "wait_count": w.WaitCount},
			"reader": fiber.Map{"open": r.OpenConnections, "in_use": r.InUse, "wait_count": r.WaitCount},
		},
		"disk":    disk,
		"version": s.Config.Build,
		"env":     s.Config.Env,
		// Peers that sent X-Forwarded-For without being trusted (proxy.go);
		// `cotizador doctor` reads it.
		"untrusted_proxies": s.proxies.Peers(),
		// Resilience: the guard's counters (busy retries, refused writes,
		// slow statements), error rates per category and open alerts, and
		// the circuit breakers of the outbound calls.
		"db_guard":      s.DB.GuardStats(),
		"slow_requests": s.slowReqs.Load(),
		"errors":        s.errorsHealth(),
		"breakers":      s.Breakers.Snapshots(),
	})
}

func (s *server) healthVersion(c *fiber.Ctx) error {
	return c.JSON(s.Config.Build)
}

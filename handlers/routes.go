package handlers

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
)

// routes registers every route of the application, with its middleware.
func (s *server) routes(a *fiber.App) {
	a.Use(requestID())
	a.Use(s.logRequests())
	a.Use(s.recoverPanics())
	a.Use(compress.New(compress.Config{Level: compress.LevelBestSpeed}))
	a.Use(s.language())

	// Static files under content-hashed names; favicon and manifest at the
	// well-known paths browsers ask for.
	a.Get("/static/*", s.assets.Serve)
	a.Get("/favicon.ico", s.assets.ServeFile("img/favicon.svg"))
	a.Get("/manifest.webmanifest", s.manifest)

	health := a.Group("/api/health")
	health.Get("/", s.healthAlive)
	health.Get("/live", s.healthAlive)
	health.Get("/ready", s.healthReady)
	health.Get("/database", s.healthDatabase)
	health.Get("/detailed", s.healthDetailed)
	health.Get("/metrics", s.metrics.Handler())
	health.Get("/version", s.healthVersion)

	a.Get("/", s.home)
	a.Get("/estado", s.statusPage)
}

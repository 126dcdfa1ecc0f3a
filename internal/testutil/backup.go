package testutil

import (
	"cotizador/backup"
	"cotizador/handlers"
)

// WithBackups gives the app a backup service over its own database with the
// given settings (at least SnapshotDir); no replica unless s.Litestream is
// set, and no schedules run (tests call the service or the routes).
func WithBackups(s backup.Settings) Option {
	return func(d *handlers.Deps) {
		s.DBPath = d.DB.Path
		d.Backups = &backup.Service{
			Settings: s, DB: d.DB, Logger: d.Logger,
			Monitor: &backup.Monitor{Configured: s.Litestream != nil, DBPath: d.DB.Path},
		}
	}
}

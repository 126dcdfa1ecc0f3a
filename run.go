package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"runtime/debug"
	"time"

	"cotizador/app"
	"cotizador/breaker"
	"cotizador/db"
	"cotizador/errmon"
	"cotizador/handlers"
	"cotizador/locales"
	"cotizador/logging"
)

// Set at build time with -ldflags "-X main.version=… -X main.commit=… -X main.buildTime=…".
var (
	version   = "dev"
	commit    = "unknown"
	buildTime = "unknown"
)

// shutdownTimeout bounds the drain of open requests at SIGTERM; the DB is
// closed after it.
const shutdownTimeout = 10 * time.Second

const usage = `Uso / usage: cotizador <comando>

Comandos / commands:
  serve                  aplica migraciones y sirve la aplicación (por omisión)
                         applies migrations and serves the app (default)
  migrate up|down|status migraciones del esquema / schema migrations
  user create --email E --name N --role owner|admin|sales|viewer --password-stdin [--company NAME]
                         crea un usuario (el primero completa la configuración) / creates a user
  user unlock --email E  desbloquea una cuenta / unlocks an account
  user reset-password --email E
                         imprime un enlace de un solo uso / prints a one-time reset link
  token create --email E [--name N]
                         imprime un token de API una sola vez / prints an API token once
  restore --to PATH [--timestamp RFC3339] [--config FILE] | --snapshot FILE
                         restaura a un archivo nuevo y lo verifica / restores into a new file and verifies it
  backup snapshot|list|verify FILE|drill|status
                         respaldos locales, simulacro, estado / local snapshots, restore drill, health
  catalog import --format native|prototype --materials M.csv [--products P.csv] [--dry-run]
                         importa el catálogo (todo o nada) / imports the catalogue (all or nothing)
  catalog export --dir D exporta materials.csv y products.csv / exports materials.csv and products.csv
  catalog load-prototype|load-demo [--if-empty]
                         carga el catálogo del prototipo o el de ejemplo en un catálogo vacío /
                         loads the prototype's or the sample catalogue into an empty catalogue
  doctor                 revisa la instalación y dice qué corregir / checks the installation, says what to fix
  audit verify           revisa la cadena de la bitácora de auditoría / checks the audit trail's hash chain
  retention run [--dry-run]
                         aplica las políticas de retención / applies the retention policies
  export customer|user --id N --out FILE.zip | export business --out FILE.zip
                         exporta los datos (ARCO o todo el negocio) / exports the data (ARCO or the whole business)
  dev seed --quotes N --customers M [--seed S]
                         datos de prueba realistas, no en producción / realistic test data, refused in production
  version                muestra la versión / prints the version
  help                   esta ayuda / this help
`

// usageError is a mistake on the command line: exit code 2, like a bad
// configuration value.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var ce *ConfigError
	var ue *usageError
	if errors.As(err, &ce) || errors.As(err, &ue) {
		return 2
	}
	return 1
}

func buildInfo() handlers.BuildInfo {
	return handlers.BuildInfo{Version: version, Commit: commit, BuildTime: buildTime, GoVersion: runtime.Version()}
}

// run is the whole program: it parses the command, loads the configuration
// and runs until ctx is cancelled (SIGTERM/SIGINT in main).
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 1 {
		cmd = args[1]
	}
	var rest []string
	if len(args) > 2 {
		rest = args[2:]
	}
	switch cmd {
	case "version", "--version", "-v":
		b := buildInfo()
		fmt.Fprintf(stdout, "cotizador %s (commit %s, built %s, %s)\n", b.Version, b.Commit, b.BuildTime, b.GoVersion)
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	case "doctor":
		// The doctor reads the configuration itself: a bad value is one of
		// the things it reports, not a reason to stop before the checklist.
		return doctorCommand(ctx, newDoctor(getenv), rest, stdout)
	case "serve", "migrate", "user", "token", "restore", "backup", "catalog", "audit", "retention", "export", "dev":
	default:
		fmt.Fprint(stderr, usage)
		return &usageError{fmt.Sprintf("comando desconocido / unknown command %q", cmd)}
	}

	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	// JSON lines on stdout, each with a category; with COTIZADOR_LOG_DIR
	// also one rotated, compressed file per category.
	lg := logging.New(stdout, logging.Options{Level: cfg.LogLevel, Dir: cfg.Obs.LogDir, MaxSizeMB: cfg.Obs.LogMaxSizeMB,
		MaxAgeDays: cfg.Obs.LogMaxAgeDays, RotateEvery: cfg.Obs.LogRotateEvery})
	defer lg.Close()
	logger := lg.Logger

	switch cmd {
	case "migrate":
		return migrate(ctx, cfg, rest, stdout, stderr)
	case "user":
		return userCommand(ctx, cfg, rest, stdin, stdout, stderr)
	case "token":
		return tokenCommand(ctx, cfg, rest, stdout, stderr)
	case "restore":
		return restoreCommand(ctx, cfg, rest, stdout, stderr)
	case "backup":
		return backupCommand(ctx, cfg, rest, stdout, stderr)
	case "catalog":
		return catalogCommand(ctx, cfg, rest, stdout, stderr)
	case "audit":
		return auditCommand(ctx, cfg, rest, stdout)
	case "retention":
		return retentionCommand(ctx, cfg, rest, stdout, stderr)
	case "export":
		return exportCommand(ctx, cfg, rest, stdout, stderr)
	case "dev":
		return devCommand(ctx, cfg, rest, stdout, stderr)
	default:
		if len(rest) > 0 {
			return &usageError{fmt.Sprintf("serve no acepta argumentos / serve takes no arguments: %v", rest)}
		}
		if p := cfg.productionProblem(); p != nil {
			return p
		}
		serverGC(getenv)
		return serve(ctx, cfg, logger)
	}
}

// serveGCPercent is the collector's goal for the server unless GOGC says
// otherwise. Its live heap is a few MB (6 under load), so at Go's default of
// 100 it collected every 40 ms under saturating load; at 200 the heap may
// grow to three times the live data (about 18 MB) and a collection runs
// half as often: p99 7.8-8.4 ms instead of 8.2-9.9 at 50 connections
// (README).
const serveGCPercent = 200

// serverGC applies serveGCPercent when GOGC is not set (the runtime has
// already applied it when it is) and reports whether it did.
func serverGC(getenv func(string) string) bool {
	if getenv("GOGC") != "" {
		return false
	}
	debug.SetGCPercent(serveGCPercent)
	return true
}

func migrate(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) != 1 {
		fmt.Fprint(stderr, usage)
		return &usageError{"migrate: se espera up, down o status / want up, down or status"}
	}
	sub := args[0]
	if sub != "up" && sub != "down" && sub != "status" {
		return &usageError{fmt.Sprintf("migrate: subcomando desconocido / unknown subcommand %q", sub)}
	}
	if sub == "up" {
		d, n, err := openMigrated(ctx, cfg, printSnapshot(stdout))
		if err != nil {
			return err
		}
		defer d.Close()
		cur, _, _ := d.SchemaVersion(ctx)
		fmt.Fprintf(stdout, "migraciones aplicadas / migrations applied: %d (versión / version %d)\n", n, cur)
		return nil
	}
	d, err := db.Open(ctx, cfg.DBPath)
	if err != nil {
		return err
	}
	defer d.Close()
	switch sub {
	case "down":
		v, err := d.MigrateDown(ctx)
		if err != nil {
			return err
		}
		if v == 0 {
			fmt.Fprintln(stdout, "no hay migraciones que revertir / nothing to roll back")
		} else {
			fmt.Fprintf(stdout, "migración revertida / rolled back: %d\n", v)
		}
	case "status":
		st, err := d.MigrationStatuses(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			state := "pendiente / pending"
			if s.Applied {
				state = "aplicada / applied " + s.AppliedAt
			}
			fmt.Fprintf(stdout, "%5d  %-40s %s\n", s.Version, s.Name, state)
		}
	}
	return nil
}

// startAlerts builds the error monitor with the configured rules; alerts
// go to the log and, when COTIZADOR_ALERT_WEBHOOK is set, to the webhook
// behind its circuit breaker (sent from a queue until ctx ends).
func startAlerts(ctx context.Context, o ObsConfig, logger *slog.Logger) (*errmon.Monitor, *breaker.Set, error) {
	m := errmon.New(app.SystemClock{}, errmon.Rules{Threshold: o.AlertThreshold, Window: o.AlertWindow, Cooldown: o.AlertCooldown})
	m.OnAlert(errmon.LogAlerts(logger))
	set := &breaker.Set{}
	if o.AlertWebhook != "" {
		b := breaker.New(breaker.Settings{Name: "alert_webhook", Logger: logger})
		bundle, err := locales.NewBundle(logger)
		if err != nil {
			return nil, nil, err
		}
		hook := errmon.NewWebhook(o.AlertWebhook, b, bundle.Translator("es"), logger)
		go hook.Run(ctx)
		m.OnAlert(hook.Enqueue)
		set.Add(b)
	}
	return m, set, nil
}

// serve migrates, then serves HTTP until ctx is cancelled; it then drains
// open requests for up to shutdownTimeout and closes the database.
func serve(ctx context.Context, cfg Config, logger *slog.Logger) (err error) {
	d, n, err := openMigrated(ctx, cfg, func(path string) {
		logger.Info("pre-migration snapshot", "file", path)
	})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := d.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		logger.Info("database closed", "path", cfg.DBPath)
	}()
	cur, _, _ := d.SchemaVersion(ctx)
	logger.Info("migrations applied", "count", n, "version", cur)
	d.SetLogger(logger)
	d.SetSlowQuery(cfg.Obs.SlowQuery)
	// A full disk or a read-only file turns the app read-only; this probe
	// write turns it back once the operator has fixed it.
	go d.WatchReadOnly(ctx, cfg.Obs.ReadOnlyProbe)

	backups := newBackupService(cfg, d, logger)
	defer startBackups(ctx, backups)()
	errs, breakers, err := startAlerts(ctx, cfg.Obs, logger)
	if err != nil {
		return err
	}
	breakers.Add(backups.Monitor.Breaker)
	slowRequest := cfg.Obs.SlowRequest
	if slowRequest == 0 {
		slowRequest = -1 // off
	}
	a, err := handlers.New(handlers.Deps{
		DB:     d,
		Logger: logger,
		Clock:  app.SystemClock{},
		Config: handlers.Config{Env: cfg.Env, BaseURL: cfg.BaseURL, Build: buildInfo(), Security: cfg.Security,
			SlowRequest: slowRequest},
		Backups:  backups,
		Errors:   errs,
		Breakers: breakers,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("escuchar en / listen on %s: %w", cfg.Addr, err)
	}
	logger.Info("listening", "addr", ln.Addr().String(), "env", cfg.Env, "version", version)

	// The audit trail's jobs (re-seal, retention, exports) log to the audit
	// category.
	// serve waits for them to stop before it returns (and the caller closes
	// the database they use).
	jobsCtx, stopJobs := context.WithCancel(ctx)
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		dataProtection(jobsCtx, d, logger.With("category", "audit"), retentionStartDelay)
	}()
	defer func() {
		stopJobs()
		<-jobsDone
	}()

	served := make(chan error, 1)
	go func() { served <- a.Listener(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("servidor / server: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", shutdownTimeout.String())
	if err := a.ShutdownWithTimeout(shutdownTimeout); err != nil {
		logger.Error("shutdown incomplete", "err", err)
	}
	// A signal that arrives before the server has started serving finds
	// nothing to shut down; closing the listener ends the serve loop then.
	ln.Close()
	<-served
	return nil
}

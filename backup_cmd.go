package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"cotizador/backup"
	"cotizador/breaker"
	"cotizador/db"
)

// BackupConfig is the backup part of the configuration, read with the rest
// at start.
type BackupConfig struct {
	SnapshotDir   string
	SnapshotEvery time.Duration
	SnapshotKeep  int
	DrillEvery    time.Duration
	DrillMaxWait  time.Duration
	// Bucket non-empty means a replica is configured (Litestream runs).
	Bucket          string
	ReplicaPath     string
	Endpoint        string
	LitestreamConf  string
	LitestreamBin   string // empty when not found
	MetricsAddr     string
	CheckEvery      time.Duration
	StallAfter      time.Duration
	childEnv        []string
	litestreamError string
}

// litestreamVars are passed on to the litestream child as the app sees
// them, so a test's (or a wrapper's) environment reaches litestream.yml.
var litestreamVars = []string{
	"LITESTREAM_BUCKET", "LITESTREAM_PATH", "LITESTREAM_ENDPOINT", "LITESTREAM_REGION",
	"LITESTREAM_ACCESS_KEY_ID", "LITESTREAM_SECRET_ACCESS_KEY", "LITESTREAM_METRICS_ADDR",
}

func loadBackupConfig(dbPath string, getenv func(string) string) (BackupConfig, error) {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var b BackupConfig
	dur := func(name, def string, min time.Duration, allowZero bool) (time.Duration, error) {
		v := get(name)
		if v == "" {
			v = def
		}
		d, err := time.ParseDuration(v)
		if v == "0" || (err == nil && d == 0) {
			if allowZero {
				return 0, nil
			}
			err = errors.New("zero")
		}
		if err != nil || d < min {
			want := fmt.Sprintf("se espera una duración de al menos %s, p. ej. 24h / want a duration of at least %s", min, min)
			if allowZero {
				want += " (0 = desactivado / off)"
			}
			return 0, &ConfigError{name, v, want}
		}
		return d, nil
	}
	var err error
	b.SnapshotDir = get("COTIZADOR_SNAPSHOT_DIR")
	if b.SnapshotDir == "" {
		b.SnapshotDir = filepath.Join(filepath.Dir(dbPath), "snapshots")
	}
	if b.SnapshotEvery, err = dur("COTIZADOR_SNAPSHOT_INTERVAL", "24h", time.Minute, true); err != nil {
		return b, err
	}
	keep := get("COTIZADOR_SNAPSHOT_KEEP")
	if keep == "" {
		keep = "14"
	}
	if b.SnapshotKeep, err = strconv.Atoi(keep); err != nil || b.SnapshotKeep < 1 || b.SnapshotKeep > 10000 {
		return b, &ConfigError{"COTIZADOR_SNAPSHOT_KEEP", keep, "se espera un número entero de 1 a 10000 / want a whole number from 1 to 10000"}
	}
	if b.DrillEvery, err = dur("COTIZADOR_DRILL_INTERVAL", "24h", time.Minute, true); err != nil {
		return b, err
	}
	if b.DrillMaxWait, err = dur("COTIZADOR_DRILL_MAX_WAIT", "60s", time.Second, false); err != nil {
		return b, err
	}
	if b.CheckEvery, err = dur("COTIZADOR_REPLICATION_CHECK_INTERVAL", "10s", 100*time.Millisecond, false); err != nil {
		return b, err
	}
	if b.StallAfter, err = dur("COTIZADOR_REPLICATION_STALL_AFTER", "60s", time.Second, false); err != nil {
		return b, err
	}
	b.MetricsAddr = get("LITESTREAM_METRICS_ADDR")
	if b.MetricsAddr == "" {
		b.MetricsAddr = "127.0.0.1:9090"
	}
	b.Bucket, b.ReplicaPath, b.Endpoint = get("LITESTREAM_BUCKET"), get("LITESTREAM_PATH"), get("LITESTREAM_ENDPOINT")
	b.LitestreamConf = get("LITESTREAM_CONFIG")
	if b.LitestreamConf == "" {
		b.LitestreamConf = "litestream.yml"
	}

	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return b, &ConfigError{"COTIZADOR_DB", dbPath, err.Error()}
	}
	env := os.Environ()
	set := map[string]string{"COTIZADOR_DB": abs}
	for _, k := range litestreamVars {
		if v := getenv(k); v != "" {
			set[k] = v
		}
	}
	for k, v := range set {
		env = append(env, k+"="+v) // later entries win in exec
	}
	b.childEnv = backup.ChildEnv(env)
	if bin, err := backup.FindBinary(getenv); err == nil {
		b.LitestreamBin = bin
	} else {
		b.litestreamError = err.Error()
	}
	return b, nil
}

// litestream returns the restore wrapper for the live database, or why
// there is none.
func (b BackupConfig) litestream(dbPath string) (*backup.Litestream, error) {
	if b.Bucket == "" {
		return nil, errors.New("LITESTREAM_BUCKET está vacío: no hay réplica configurada / is empty: no replica is configured")
	}
	if b.LitestreamBin == "" {
		return nil, errors.New(b.litestreamError)
	}
	if _, err := os.Stat(b.LitestreamConf); err != nil {
		return nil, fmt.Errorf("configuración de Litestream / Litestream config (LITESTREAM_CONFIG): %w", err)
	}
	abs, _ := filepath.Abs(dbPath)
	return &backup.Litestream{Bin: b.LitestreamBin, Config: b.LitestreamConf, DBPath: abs, Env: b.childEnv}, nil
}

// replicaName names the replica for people, without secrets.
func (b BackupConfig) replicaName() string {
	if b.Bucket == "" {
		return ""
	}
	s := "s3://" + b.Bucket + "/" + b.ReplicaPath
	if b.Endpoint != "" {
		s += " (" + b.Endpoint + ")"
	}
	return s
}

// newBackupService wires the backup service the server and the commands
// share.
func newBackupService(cfg Config, d *db.DB, logger *slog.Logger) *backup.Service {
	b := cfg.Backup
	s := &backup.Settings{
		DBPath: d.Path, SnapshotDir: b.SnapshotDir, SnapshotEvery: b.SnapshotEvery, SnapshotKeep: b.SnapshotKeep,
		DrillEvery: b.DrillEvery, DrillMaxWait: b.DrillMaxWait, Replica: b.replicaName(), AppVersion: version,
	}
	if l, err := b.litestream(d.Path); err == nil {
		s.Litestream = l
	} else if b.Bucket != "" {
		s.ReplicaProblem = err.Error()
	}
	return &backup.Service{
		Settings: *s, DB: d, Logger: logger, Checks: []backup.Check{auditCheck},
		Monitor: &backup.Monitor{
			Addr: b.MetricsAddr, Configured: b.Bucket != "", DBPath: d.Path,
			Interval: b.CheckEvery, StallAfter: b.StallAfter, Logger: logger,
			Breaker: breaker.New(breaker.Settings{Name: "litestream_metrics", Logger: logger}),
		},
	}
}

// startBackups runs the monitor and the schedules; the returned function
// stops them and waits, so the database is closed only after.
func startBackups(ctx context.Context, svc *backup.Service) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// openMigrated is the one way a command opens the database it works on:
// when migrations are pending on a database that already has a schema it
// first takes the pre_migration snapshot (see
// backup.SnapshotBeforeMigrations) and hands its path to say, then
// migrates. A failed snapshot means nothing is migrated, so no command can
// change an operator's schema without the way back. It returns how many
// migrations it applied; on error the database is closed.
func openMigrated(ctx context.Context, cfg Config, say func(snapshot string)) (*db.DB, int, error) {
	d, err := db.Open(ctx, cfg.DBPath)
	if err != nil {
		return nil, 0, err
	}
	m, err := backup.SnapshotBeforeMigrations(ctx, d, cfg.Backup.SnapshotDir, version, d.Clock.Now())
	if err != nil {
		d.Close()
		return nil, 0, err
	}
	if m != nil {
		say(m.Path)
	}
	n, err := d.MigrateUp(ctx)
	if err != nil {
		d.Close()
		return nil, 0, err
	}
	return d, n, nil
}

// printSnapshot is openMigrated's say for the command line. Commands whose
// standard output a script reads (a token, a reset link) pass stderr.
func printSnapshot(w io.Writer) func(string) {
	return func(path string) {
		fmt.Fprintf(w, "respaldo previo a la migración / pre-migration snapshot: %s\n", path)
	}
}

// liveDBExists refuses to let db.Open create an empty database where an
// operator expected theirs.
func liveDBExists(path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("la base de datos no existe / the database does not exist: %s (COTIZADOR_DB)", path)
	}
	return nil
}

const backupUsage = `Uso / usage:
  cotizador backup snapshot      respaldo local ahora (gzip + SHA-256 + JSON) / local snapshot now
  cotizador backup list          respaldos locales / local snapshots
  cotizador backup verify FILE   revisa la suma SHA-256 de un respaldo / checks a snapshot's SHA-256
  cotizador backup drill         simulacro: restaura la réplica y la verifica / restore drill
  cotizador backup status        estado de la replicación / replication health
`

// backupCommand runs `cotizador backup …`.
func backupCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, backupUsage)
		return &usageError{"backup: falta el subcomando / missing subcommand"}
	}
	sub, rest := args[0], args[1:]
	if sub == "verify" {
		if len(rest) != 1 {
			return &usageError{"backup verify: se espera un archivo / want one file"}
		}
		m, err := backup.CheckSnapshot(rest[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "suma correcta / checksum ok: %s  %s\n", m.SHA256, m.Path)
		return nil
	}
	if sub == "list" {
		if len(rest) != 0 {
			return &usageError{"backup list: sin argumentos / no arguments"}
		}
		all, err := backup.ListSnapshots(cfg.Backup.SnapshotDir)
		if err != nil {
			return err
		}
		if len(all) == 0 {
			fmt.Fprintf(stdout, "sin respaldos locales en / no local snapshots in %s\n", cfg.Backup.SnapshotDir)
		}
		for _, m := range all {
			fmt.Fprintf(stdout, "%s  %-13s %10s  v%d  %s\n", m.CreatedAt.Format(time.RFC3339), m.Origin, backup.ByteSize(m.CompressedBytes), m.SchemaVersion, m.Path)
		}
		return nil
	}
	if sub != "snapshot" && sub != "drill" && sub != "status" {
		fmt.Fprint(stderr, backupUsage)
		return &usageError{fmt.Sprintf("backup: subcomando desconocido / unknown subcommand %q", sub)}
	}
	if len(rest) != 0 {
		return &usageError{fmt.Sprintf("backup %s: sin argumentos / takes no arguments", sub)}
	}
	if err := liveDBExists(cfg.DBPath); err != nil {
		return err
	}
	d, err := db.Open(ctx, cfg.DBPath)
	if err != nil {
		return err
	}
	defer d.Close()
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	svc := newBackupService(cfg, d, logger)

	switch sub {
	case "status":
		st := svc.Monitor.Sample(ctx)
		fmt.Fprintf(stdout, "replicación / replication: %s\n", st.State)
		if svc.Replica != "" {
			fmt.Fprintf(stdout, "réplica / replica: %s\n", svc.Replica)
		}
		if st.Error != "" {
			fmt.Fprintf(stdout, "error: %s\n", st.Error)
		}
		if st.State != backup.StateOK && st.State != backup.StateOff {
			return fmt.Errorf("la replicación no está al día / replication is not healthy: %s", st.State)
		}
		return nil
	case "snapshot":
		_, pending, err := d.PendingMigrations(ctx)
		if err != nil {
			return err
		}
		var m *backup.SnapshotMeta
		if len(pending) == 0 {
			// Recorded (the Respaldos page lists it) and pruned like the
			// scheduled ones.
			if _, m, err = svc.Snapshot(ctx, backup.OriginCLI, "cli"); err != nil {
				return err
			}
		} else {
			// An older schema has no backup_runs table to record into.
			if m, err = backup.TakeSnapshot(ctx, d, cfg.Backup.SnapshotDir, backup.OriginCLI, version, d.Clock.Now()); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "respaldo local / snapshot: %s\n", m.Path)
		fmt.Fprintf(stdout, "  tamaño / size: %s (%s comprimido / compressed)\n", backup.ByteSize(m.SizeBytes), backup.ByteSize(m.CompressedBytes))
		fmt.Fprintf(stdout, "  SHA-256: %s\n", m.SHA256)
		fmt.Fprintf(stdout, "  metadatos / metadata: %s\n", m.MetaPath())
		printTables(stdout, m.Tables)
		return nil
	default: // drill
		if svc.Litestream == nil {
			_, lerr := cfg.Backup.litestream(d.Path)
			return fmt.Errorf("simulacro imposible / cannot drill: %w", lerr)
		}
		run, err := svc.Drill(ctx, backup.OriginCLI, "cli")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "simulacro / drill #%d: %s en / in %s\n", run.ID, run.Status, run.Duration.Round(time.Millisecond))
		if o, err := svc.Overview(ctx); err == nil && o.LastDrillResult != nil {
			r := o.LastDrillResult
			fmt.Fprintf(stdout, "  réplica al día en / replica caught up in: %s (%d intento(s) / attempt(s))\n", time.Duration(r.LagMS)*time.Millisecond, r.Attempts)
			if r.Report != nil {
				fmt.Fprintf(stdout, "  integridad / integrity: %v, esquema / schema: v%d\n", r.Report.IntegrityOK, r.Report.SchemaVersion)
				printTables(stdout, r.Report.Tables)
			}
		}
		if run.Status != db.BackupStatusOK {
			return fmt.Errorf("el simulacro falló / the drill failed: %s", run.Error)
		}
		return nil
	}
}

func printTables(w io.Writer, tables []backup.TableCount) {
	fmt.Fprintln(w, "  filas por tabla / rows per table:")
	for _, t := range tables {
		fmt.Fprintf(w, "    %-28s %d\n", t.Name, t.Rows)
	}
}

const restoreUsage = `Uso / usage:
  cotizador restore --to PATH [--timestamp 2026-11-26T18:30:00Z] [--config litestream.yml]
  cotizador restore --to PATH --snapshot FILE.db.gz

Restaura a un archivo NUEVO (nunca sobre la base en uso), lo verifica y explica cómo ponerlo en servicio.
Restores into a NEW file (never over the live database), verifies it and prints how to swap it in.
`

// restoreCommand runs `cotizador restore …`: litestream restore (or a local
// snapshot) into a new file, verification, a safety snapshot of the live
// database, and the exact steps to swap the copy in.
func restoreCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, restoreUsage) }
	to := fs.String("to", "", "new file to restore into")
	ts := fs.String("timestamp", "", "RFC 3339 point in time (UTC or with offset)")
	conf := fs.String("config", "", "litestream.yml (default LITESTREAM_CONFIG, else ./litestream.yml)")
	snap := fs.String("snapshot", "", "local snapshot (.db.gz or .json) instead of the replica")
	if err := fs.Parse(args); err != nil {
		return &usageError{"restore: " + err.Error()}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("restore: argumentos de más / unexpected arguments: %v", fs.Args())}
	}
	if *to == "" {
		fs.Usage()
		return &usageError{"restore: falta --to / --to is required"}
	}
	var at time.Time
	if *ts != "" {
		var err error
		if at, err = time.Parse(time.RFC3339, *ts); err != nil {
			return &usageError{fmt.Sprintf("restore: --timestamp %q: se espera RFC 3339, p. ej. 2026-11-26T18:30:00-06:00 / want RFC 3339", *ts)}
		}
	}
	if *snap != "" && (*ts != "" || *conf != "") {
		return &usageError{"restore: --snapshot no se combina con --timestamp ni --config / excludes --timestamp and --config"}
	}
	if *conf != "" {
		cfg.Backup.LitestreamConf = *conf
	}
	dest, err := filepath.Abs(*to)
	if err != nil {
		return err
	}
	live, _ := filepath.Abs(cfg.DBPath)
	if dest == live {
		return &usageError{"restore: --to es la base de datos en uso; elige un archivo nuevo / --to is the live database; choose a new file"}
	}
	if _, err := os.Lstat(dest); err == nil {
		return &usageError{fmt.Sprintf("restore: %s ya existe; nada se sobrescribe / already exists; nothing is overwritten", dest)}
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o750); err != nil {
		return err
	}

	// Restore next to the destination under a temporary name: only a copy
	// that passed verification ever appears at --to.
	work := filepath.Join(filepath.Dir(dest), "."+filepath.Base(dest)+".restoring-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	defer func() {
		for _, s := range []string{"", "-wal", "-shm"} {
			os.Remove(work + s)
		}
	}()
	start := time.Now()
	var source, restoredTo, txid string
	if *snap != "" {
		m, err := backup.RestoreSnapshot(*snap, work)
		if err != nil {
			return err
		}
		source = "respaldo local / local snapshot " + m.Path + " (SHA-256 " + m.SHA256 + ")"
		restoredTo = m.CreatedAt.Format(time.RFC3339)
	} else {
		l, err := cfg.Backup.litestream(cfg.DBPath)
		if err != nil {
			return fmt.Errorf("restore: %w (para un respaldo local usa / for a local snapshot use --snapshot FILE)", err)
		}
		r, err := l.Restore(ctx, work, at)
		if errors.Is(err, backup.ErrNoReplica) {
			return fmt.Errorf("restore: la réplica no tiene datos para ese momento / the replica holds nothing for that point (%s)", cfg.Backup.replicaName())
		}
		if err != nil {
			return err
		}
		source = "réplica / replica " + cfg.Backup.replicaName()
		txid = r.TXID
		restoredTo = r.Plan.Newest().Format(time.RFC3339)
		if !at.IsZero() {
			restoredTo = fmt.Sprintf("%s (último cambio antes de / last change before %s)", restoredTo, at.UTC().Format(time.RFC3339))
		}
	}
	rep, err := backup.Verify(ctx, work, auditCheck)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)

	if !rep.OK() {
		kept := dest + ".unverified"
		if os.Link(work, kept) == nil {
			fmt.Fprintf(stdout, "copia NO verificada guardada en / UNVERIFIED copy kept at: %s\n", kept)
		}
		return fmt.Errorf("restore: la copia no pasó la verificación / the copy failed verification: %s", strings.Join(rep.Problems(), "; "))
	}
	// A link fails if dest appeared meanwhile, where rename would replace it.
	if err := os.Link(work, dest); err != nil {
		return fmt.Errorf("restore: %w", err)
	}

	// The safe part of the swap the command can do: keep the current live
	// database as a snapshot, so swapping the copy in can never lose it.
	var safety string
	if _, err := os.Stat(cfg.DBPath); err == nil {
		d, err := db.Open(ctx, cfg.DBPath)
		if err != nil {
			return fmt.Errorf("restore: abrir la base en uso para respaldarla / open the live database to snapshot it: %w", err)
		}
		m, err := backup.TakeSnapshot(ctx, d, cfg.Backup.SnapshotDir, backup.OriginPreRestore, version, d.Clock.Now())
		d.Close()
		if err != nil {
			return fmt.Errorf("restore: respaldo de la base en uso / snapshot of the live database: %w", err)
		}
		safety = m.Path
	}

	printRestoreSummary(stdout, restoreSummary{
		Dest: dest, Live: live, Source: source, RestoredTo: restoredTo, TXID: txid, Elapsed: elapsed,
		Report: rep, Safety: safety, ReplicaPath: cfg.Backup.ReplicaPath, Now: time.Now().UTC(),
	})
	return nil
}

type restoreSummary struct {
	Dest, Live, Source, RestoredTo, TXID string
	Elapsed                              time.Duration
	Report                               *backup.Report
	Safety, ReplicaPath                  string
	Now                                  time.Time
}

var restoredSuffix = regexp.MustCompile(`-restored-\d{8}T\d{6}Z$`)

func printRestoreSummary(w io.Writer, s restoreSummary) {
	r := s.Report
	fmt.Fprintf(w, "RESTAURACIÓN VERIFICADA / VERIFIED RESTORE\n")
	fmt.Fprintf(w, "  archivo nuevo / new file:        %s (%s)\n", s.Dest, backup.ByteSize(r.SizeBytes))
	fmt.Fprintf(w, "  origen / source:                 %s\n", s.Source)
	fmt.Fprintf(w, "  restaurado al / restored to:     %s\n", s.RestoredTo)
	if s.TXID != "" {
		fmt.Fprintf(w, "  transacción / transaction:       %s\n", s.TXID)
	}
	fmt.Fprintf(w, "  duración / took:                 %s\n", s.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  integridad / integrity_check:    ok; llaves foráneas / foreign keys: ok\n")
	fmt.Fprintf(w, "  esquema / schema:                versión / version %d de / of %d", r.SchemaVersion, r.SchemaLatest)
	if r.SchemaVersion < r.SchemaLatest {
		fmt.Fprint(w, " (al arrancar se respalda y migra / it is snapshotted and migrated at start)")
	}
	fmt.Fprintln(w)
	audit := "no existe en este esquema / not present in this schema"
	for _, c := range r.Checks {
		if strings.Contains(c.Name, "audit") {
			audit = "ok"
		}
	}
	fmt.Fprintf(w, "  cadena de auditoría / audit chain: %s\n", audit)
	fmt.Fprintf(w, "  filas en total / total rows:     %d\n", r.TotalRows())
	printTables(w, r.Tables)
	if s.Safety != "" {
		fmt.Fprintf(w, "\nLa base en uso quedó respaldada en / the live database was snapshotted to:\n  %s\n", s.Safety)
	}

	base := s.ReplicaPath
	if base == "" {
		base = "cotizador"
	}
	newPath := restoredSuffix.ReplaceAllString(base, "") + "-restored-" + s.Now.Format("20060102T150405Z")
	stamp := s.Now.Format("20060102T150405Z")
	fmt.Fprintf(w, `
Para ponerla en servicio / to put it in service:
  1. Detén la app (Litestream hace su última sincronización) / stop the app (Litestream syncs a last time):
       systemctl stop cotizador        # o / or: docker stop cotizador
  2. Aparta la base actual, con sus archivos -wal y -shm si quedaron / move the live database aside, with any -wal and -shm:
       mv %[1]s %[1]s.replaced-%[2]s
       for f in %[1]s-wal %[1]s-shm; do [ -e "$f" ] && mv "$f" "$f.replaced-%[2]s"; done
  3. Pon la copia restaurada en su lugar / move the restored copy in:
       mv %[3]s %[1]s
  4. Usa una ruta de réplica NUEVA: la anterior conserva la historia de la que restauraste
     / use a NEW replica path: the old one keeps the history you restored from:
       LITESTREAM_PATH=%[4]s
  5. Arranca / start:
       systemctl start cotizador       # Docker: recrea el contenedor con / recreate the container with -e LITESTREAM_PATH=…
  6. Comprueba / check: curl -fsS http://127.0.0.1:3000/api/health/ready  y / and  cotizador backup drill
`, s.Live, stamp, s.Dest, newPath)
}

package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"cotizador/backup"
	"cotizador/db"
)

// `cotizador doctor` checks an installation the way its owner would want a
// system administrator to: configuration, the running app, HTTPS, the proxy,
// the database, the replica, local snapshots and the clock. It prints a
// Spanish checklist with what to fix and exits 1 when anything failed. It
// reads and never writes: no drill marker, no snapshot, no migration.

type checkState int

const (
	checkOK checkState = iota
	checkWarn
	checkFail
)

func (s checkState) label() string {
	switch s {
	case checkOK:
		return "[ OK  ]"
	case checkWarn:
		return "[AVISO]"
	default:
		return "[FALLA]"
	}
}

// doctorCheck is one line of the checklist.
type doctorCheck struct {
	State checkState
	Area  string
	What  string
	Fix   string // what to do; empty when nothing is
}

// doctor holds what the checks need from outside; tests replace the clock
// (a skewed machine) and the HTTP client (to trust Caddy's test CA).
type doctor struct {
	getenv func(string) string
	now    func() time.Time
	// client talks to the public base URL and to the replica's endpoint. It
	// does not follow redirects: the HTTP→HTTPS redirect is itself checked.
	client *http.Client
	// replicaWait is how long the replica may take to receive what
	// Litestream has captured locally before it counts as behind.
	replicaWait time.Duration
	// maxSkew is the largest clock difference tolerated.
	maxSkew time.Duration

	checks []doctorCheck
	// Filled as the checks run, for the ones after.
	untrusted []string
	baseDate  time.Time
}

func newDoctor(getenv func(string) string) *doctor {
	return &doctor{
		getenv: getenv,
		now:    time.Now,
		client: &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		replicaWait: 15 * time.Second,
		maxSkew:     time.Minute,
	}
}

// failInProduction: what a development machine may lack, a server must have.
func failInProduction(cfg Config) checkState {
	if cfg.Env == "production" {
		return checkFail
	}
	return checkWarn
}

func (d *doctor) add(state checkState, area, what, fix string) {
	d.checks = append(d.checks, doctorCheck{State: state, Area: area, What: what, Fix: fix})
}

// doctorFailed ends `cotizador doctor` with exit code 1 after the checklist.
type doctorFailed struct{ failures int }

func (e *doctorFailed) Error() string {
	return fmt.Sprintf("doctor: %d revisión(es) con falla / check(s) failed", e.failures)
}

func doctorCommand(ctx context.Context, d *doctor, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return &usageError{fmt.Sprintf("doctor no acepta argumentos / doctor takes no arguments: %v", args)}
	}
	d.run(ctx)
	fmt.Fprintln(stdout, "cotizador doctor: revisión de la instalación / installation check")
	fmt.Fprintln(stdout)
	fails, warns := 0, 0
	for _, c := range d.checks {
		fmt.Fprintf(stdout, "%s %s: %s\n", c.State.label(), c.Area, c.What)
		if c.Fix != "" {
			fmt.Fprintf(stdout, "        Qué hacer: %s\n", c.Fix)
		}
		switch c.State {
		case checkFail:
			fails++
		case checkWarn:
			warns++
		}
	}
	fmt.Fprintln(stdout)
	if fails == 0 && warns == 0 {
		fmt.Fprintln(stdout, "Resultado: todo en orden / result: all good")
		return nil
	}
	fmt.Fprintf(stdout, "Resultado: %d falla(s), %d aviso(s) / result: %d failure(s), %d warning(s)\n", fails, warns, fails, warns)
	if fails > 0 {
		return &doctorFailed{fails}
	}
	return nil
}

// run performs every check in order; later checks use what earlier ones
// found (the configuration, the running app's answers).
func (d *doctor) run(ctx context.Context) {
	cfg, err := loadConfig(d.getenv)
	if err != nil {
		d.add(checkFail, "Configuración", err.Error(),
			"corrige esa variable en el archivo de entorno (/etc/cotizador/cotizador.env o deploy/cotizador.env) y reinicia; las demás revisiones necesitan una configuración válida")
		return
	}
	d.add(checkOK, "Configuración", fmt.Sprintf("variables válidas (COTIZADOR_ENV=%s, escucha en %s, base de datos %s)", cfg.Env, cfg.Addr, cfg.DBPath), "")
	d.checkMode(cfg)
	d.checkApp(ctx, cfg)
	d.checkProxy(cfg)
	d.checkHTTPS(ctx, cfg)
	dbOK := d.checkDatabase(ctx, cfg)
	d.checkReplica(ctx, cfg)
	if dbOK {
		d.checkBackups(ctx, cfg)
	}
	d.checkClock(ctx, cfg)
}

func (d *doctor) checkMode(cfg Config) {
	const area = "Modo"
	if cfg.Env != "production" {
		d.add(checkWarn, area, "COTIZADOR_ENV=development: cookies sin Secure, sin HSTS y el detalle de salud abierto a todos",
			"en un servidor pon COTIZADOR_ENV=production")
		return
	}
	if p := cfg.productionProblem(); p != nil {
		fix := "pon COTIZADOR_BASE_URL=https://tu-dominio (el mismo de COTIZADOR_DOMAIN)"
		if p.Var == "COTIZADOR_ADDR" {
			fix = "pon en COTIZADOR_TRUSTED_PROXIES la dirección de tu proxy (Caddy), o escucha en 127.0.0.1:3000 con Caddy en la misma máquina"
		}
		d.add(checkFail, area, "la aplicación se niega a arrancar así: "+p.Error(), fix)
		return
	}
	d.add(checkOK, area, "producción: cookies Secure, HSTS, URL pública "+cfg.BaseURL, "")
}

// localURL is where this machine reaches the app: a wildcard listen address
// is reached on loopback.
func localURL(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func (d *doctor) checkApp(ctx context.Context, cfg Config) {
	const area = "Aplicación"
	base := localURL(cfg.Addr)
	local := &http.Client{Timeout: 5 * time.Second}
	resp, err := httpGet(ctx, local, base+"/api/health/ready")
	if err != nil {
		d.add(checkFail, area, fmt.Sprintf("no responde en %s: %v", base, err),
			"¿está corriendo? systemctl status cotizador (o docker compose ps); sus mensajes: journalctl -u cotizador -n 50 (o docker compose logs cotizador)")
		return
	}
	var ready struct {
		Error string `json:"error"`
	}
	json.Unmarshal(resp.body, &ready)
	if resp.StatusCode != http.StatusOK {
		d.add(checkFail, area, fmt.Sprintf("responde en %s pero no está lista (HTTP %d, %s)", base, resp.StatusCode, ready.Error),
			"mira la revisión de la base de datos y el log: journalctl -u cotizador -n 50 (o docker compose logs cotizador)")
		return
	}
	d.add(checkOK, area, "responde y está lista en "+base, "")
	// The app remembers peers that forwarded requests without being
	// trusted; detailed health is open to loopback even in production.
	if resp, err := httpGet(ctx, local, base+"/api/health/detailed"); err == nil && resp.StatusCode == http.StatusOK {
		var det struct {
			Untrusted []string `json:"untrusted_proxies"`
		}
		if json.Unmarshal(resp.body, &det) == nil {
			d.untrusted = det.Untrusted
		}
	}
}

func (d *doctor) checkProxy(cfg Config) {
	const area = "Proxy"
	for _, p := range cfg.Security.TrustedProxies {
		if _, n, err := net.ParseCIDR(p); err == nil {
			if ones, _ := n.Mask.Size(); ones < 8 {
				d.add(checkFail, area, fmt.Sprintf("COTIZADOR_TRUSTED_PROXIES incluye %s: cualquiera en esa red puede inventar su dirección y librar los límites de peticiones", p),
					"pon solo la dirección de tu proxy: 127.0.0.1 si Caddy corre en esta máquina, o la red de Caddy en Docker (deploy/compose.yaml)")
				return
			}
		}
	}
	if len(d.untrusted) > 0 {
		d.add(checkFail, area, fmt.Sprintf("Tus usuarios comparten un límite de peticiones: configura COTIZADOR_TRUSTED_PROXIES (llegan peticiones con X-Forwarded-For desde %s, que no está en la lista)", strings.Join(d.untrusted, ", ")),
			fmt.Sprintf("si es tu proxy, pon COTIZADOR_TRUSTED_PROXIES=%s y reinicia la aplicación", strings.Join(d.untrusted, ",")))
		return
	}
	switch {
	case cfg.Env == "production" && len(cfg.Security.TrustedProxies) == 0 && cfg.InsecureDirect:
		d.add(checkWarn, area, "COTIZADOR_INSECURE_DIRECT=1 y ningún proxy de confianza: la aplicación se expone sin HTTPS propio",
			"pon Caddy delante (deploy/) y su dirección en COTIZADOR_TRUSTED_PROXIES")
	case cfg.Env == "production" && len(cfg.Security.TrustedProxies) == 0 && loopbackAddr(cfg.Addr):
		d.add(checkFail, area, "Tus usuarios comparten un límite de peticiones: configura COTIZADOR_TRUSTED_PROXIES (la aplicación escucha solo en loopback, así que todos llegan por un proxy que no está en la lista)",
			"pon COTIZADOR_TRUSTED_PROXIES=127.0.0.1 si Caddy corre en esta máquina y reinicia la aplicación")
	case cfg.Security.RateLimit == 0:
		d.add(checkWarn, area, "COTIZADOR_RATE_LIMIT=0: sin límite de peticiones por dirección",
			"déjalo en 100 salvo que el proxy ya limite")
	case len(cfg.Security.TrustedProxies) > 0:
		d.add(checkOK, area, "se cree X-Forwarded-For solo de "+strings.Join(cfg.Security.TrustedProxies, ", "), "")
	default:
		d.add(checkOK, area, "sin proxy: cada dirección tiene su propio límite", "")
	}
}

func (d *doctor) checkHTTPS(ctx context.Context, cfg Config) {
	const area = "HTTPS"
	if !strings.HasPrefix(cfg.BaseURL, "https://") {
		d.add(failInProduction(cfg), area, "no revisado: COTIZADOR_BASE_URL no es una URL https://",
			"pon COTIZADOR_BASE_URL=https://tu-dominio")
		return
	}
	target := cfg.BaseURL + "/api/health/ready"
	resp, err := httpGet(ctx, d.client, target)
	if err != nil {
		fix := "revisa que el registro DNS A/AAAA del dominio apunte a este servidor, que el firewall deje pasar 80 y 443 (ufw status) y que Caddy corra: systemctl status caddy o docker compose ps"
		var uerr x509.UnknownAuthorityError
		var herr x509.HostnameError
		var cerr x509.CertificateInvalidError
		if errors.As(err, &uerr) || errors.As(err, &herr) || errors.As(err, &cerr) {
			fix = "el certificado no sirve para este dominio: Caddy lo obtiene solo cuando el dominio apunta a este servidor y los puertos 80 y 443 están abiertos; mira sus mensajes: journalctl -u caddy -n 50 (o docker compose logs caddy)"
		}
		d.add(checkFail, area, fmt.Sprintf("no se pudo abrir %s: %v", target, err), fix)
		return
	}
	if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		d.baseDate = date
	}
	if resp.StatusCode != http.StatusOK {
		d.add(checkFail, area, fmt.Sprintf("%s responde HTTP %d", target, resp.StatusCode),
			"si el proxy no llega a la aplicación (502), revisa COTIZADOR_UPSTREAM de Caddy y que la aplicación escuche ahí")
		return
	}
	if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
		d.add(checkFail, area, target+" respondió sin TLS", "revisa que COTIZADOR_BASE_URL apunte a Caddy")
		return
	}
	leaf := resp.TLS.PeerCertificates[0]
	now := d.now()
	life, left := leaf.NotAfter.Sub(leaf.NotBefore), leaf.NotAfter.Sub(now)
	issuer := leaf.Issuer.CommonName
	if len(leaf.Issuer.Organization) > 0 {
		issuer = leaf.Issuer.Organization[0]
	}
	// Caddy renews with a third of the lifetime left (30 of Let's Encrypt's
	// 90 days; 4 of its internal CA's 12 hours): well under that, renewal is
	// failing.
	switch {
	case left < life/10:
		d.add(checkFail, area, fmt.Sprintf("el certificado vence en %s y Caddy no lo ha renovado", humanDuration(left)),
			"mira por qué no renueva: journalctl -u caddy -n 100 (o docker compose logs caddy); los puertos 80 y 443 deben estar abiertos")
		return
	case left < life/5:
		d.add(checkWarn, area, fmt.Sprintf("el certificado vence en %s: Caddy ya debió renovarlo", humanDuration(left)),
			"mira sus mensajes: journalctl -u caddy -n 100 (o docker compose logs caddy)")
		return
	}
	if hsts := resp.Header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") {
		d.add(checkFail, area, target+" responde sin HSTS (Strict-Transport-Security)",
			"usa el Caddyfile de deploy/ y COTIZADOR_ENV=production")
		return
	}
	what := fmt.Sprintf("%s responde con un certificado válido de %s hasta el %s y con HSTS", cfg.BaseURL, issuer, leaf.NotAfter.In(time.Local).Format("02/01/2006 15:04"))
	// Plain HTTP must only redirect. With an explicit port in the base URL
	// there is no way to know Caddy's HTTP port, so it is not tried.
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Port() == "" {
		plain := "http://" + u.Host + "/"
		r, err := httpGet(ctx, d.client, plain)
		switch {
		case err != nil:
			d.add(checkWarn, area, what+fmt.Sprintf("; pero %s no responde: %v", plain, err),
				"abre el puerto 80 (ufw allow 80/tcp): Caddy redirige a HTTPS y lo usa para renovar el certificado")
			return
		case r.StatusCode < 300 || r.StatusCode > 399 || !strings.HasPrefix(r.Header.Get("Location"), "https://"):
			d.add(checkWarn, area, what+fmt.Sprintf("; pero %s no redirige a HTTPS (HTTP %d)", plain, r.StatusCode),
				"usa el Caddyfile de deploy/: Caddy redirige HTTP a HTTPS por sí solo")
			return
		}
		what += "; HTTP redirige a HTTPS"
	}
	d.add(checkOK, area, what, "")
}

// checkDatabase checks the file, its integrity, its migrations and the free
// disk; it reports whether the database is fit for the backup checks.
func (d *doctor) checkDatabase(ctx context.Context, cfg Config) bool {
	const area = "Base de datos"
	fi, err := os.Stat(cfg.DBPath)
	if err != nil {
		d.add(checkFail, area, fmt.Sprintf("no existe %s", cfg.DBPath),
			"¿COTIZADOR_DB es correcto? En un servidor nuevo la aplicación, bajo Litestream, restaura la réplica al arrancar; sin réplica, arranca la aplicación y crea la cuenta del propietario")
		return false
	}
	// Verify reads the live file through the ordinary reader pool, as the
	// other commands do while the app runs; it writes nothing. The audit
	// chain is checked as restores check it.
	rep, err := backup.Verify(ctx, cfg.DBPath, auditCheck)
	if err != nil {
		d.add(checkFail, area, fmt.Sprintf("no se pudo abrir %s: %v", cfg.DBPath, err),
			"restaura una copia buena: cotizador restore --to NUEVO.db (README, «Respaldos»)")
		return false
	}
	var damage []string
	if !rep.IntegrityOK {
		damage = append(damage, "integrity_check: "+strings.Join(rep.Integrity, "; "))
	}
	if rep.ForeignKeyErr > 0 {
		damage = append(damage, fmt.Sprintf("%d referencias rotas (foreign_key_check)", rep.ForeignKeyErr))
	}
	if len(damage) > 0 {
		d.add(checkFail, area, "la base está dañada: "+strings.Join(damage, "; "),
			"restaura la última copia buena: cotizador restore --to NUEVO.db [--timestamp …] y sigue los pasos que imprime (README, «Respaldos»)")
	} else {
		d.add(checkOK, area, fmt.Sprintf("integridad correcta, %s, %d filas", backup.ByteSize(rep.SizeBytes), rep.TotalRows()), "")
	}
	for _, c := range rep.Checks {
		switch {
		case c.Name != auditCheck.Name:
		case c.OK:
			d.add(checkOK, "Auditoría", "ningún registro de la bitácora fue alterado", "")
		default:
			d.add(checkFail, "Auditoría", "la bitácora fue alterada fuera de la aplicación: "+c.Error,
				"cotizador audit verify muestra desde dónde; restaura una copia de antes (cotizador restore --timestamp …) y revisa quién tiene acceso al servidor")
		}
	}

	current := true
	switch {
	case rep.SchemaVersion <= 0:
		current = false
		d.add(checkFail, "Migraciones", cfg.DBPath+" no tiene el esquema de Cotizador",
			"¿COTIZADOR_DB apunta al archivo correcto?")
	case rep.SchemaVersion < rep.SchemaLatest:
		current = false
		d.add(checkFail, "Migraciones", fmt.Sprintf("faltan migraciones: versión %d de %d", rep.SchemaVersion, rep.SchemaLatest),
			"reinicia la aplicación (systemctl restart cotizador o docker compose up -d): antes de migrar toma un respaldo local automático")
	case rep.SchemaVersion > rep.SchemaLatest:
		current = false
		d.add(checkFail, "Migraciones", fmt.Sprintf("el esquema (versión %d) es más nuevo que este programa (versión %d)", rep.SchemaVersion, rep.SchemaLatest),
			"usa el programa de la versión instalada; para volver atrás, cotizador migrate down con el programa nuevo o restaura el respaldo previo a la migración")
	default:
		d.add(checkOK, "Migraciones", fmt.Sprintf("esquema al día (versión %d)", rep.SchemaVersion), "")
	}

	d.checkDisk(cfg.DBPath, fi.Size())
	return len(damage) == 0 && current
}

// diskReserve is free space kept beyond twice the database: a snapshot
// writes a full copy and its gzip, and the WAL grows between checkpoints.
const diskReserve = 256 << 20

func (d *doctor) checkDisk(dbPath string, dbSize int64) {
	const area = "Disco"
	dir := filepath.Dir(dbPath)
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		d.add(checkFail, area, fmt.Sprintf("no se pudo medir el espacio libre de %s: %v", dir, err), "")
		return
	}
	if wal, err := os.Stat(dbPath + "-wal"); err == nil {
		dbSize += wal.Size()
	}
	free, total := int64(st.Bavail)*int64(st.Bsize), int64(st.Blocks)*int64(st.Bsize)
	need := 2*dbSize + diskReserve
	what := fmt.Sprintf("%s libres de %s en %s", backup.ByteSize(free), backup.ByteSize(total), dir)
	switch {
	case free < need:
		d.add(checkFail, area, what+fmt.Sprintf(": se necesitan al menos %s para respaldar la base (%s)", backup.ByteSize(need), backup.ByteSize(dbSize)),
			"libera espacio (journalctl --vacuum-size=200M, menos respaldos locales con COTIZADOR_SNAPSHOT_KEEP) o agranda el disco")
	case free < total/10:
		d.add(checkWarn, area, what+": menos del 10 % libre", "libera espacio o agranda el disco antes de que se llene")
	default:
		d.add(checkOK, area, what, "")
	}
}

func (d *doctor) checkReplica(ctx context.Context, cfg Config) {
	const area = "Réplica"
	b := cfg.Backup
	if b.Bucket == "" {
		d.add(failInProduction(cfg), area, "no hay réplica (LITESTREAM_BUCKET vacío): los datos solo existen en este servidor",
			"crea un bucket S3 y pon LITESTREAM_BUCKET, LITESTREAM_ENDPOINT, LITESTREAM_ACCESS_KEY_ID y LITESTREAM_SECRET_ACCESS_KEY en el archivo de entorno")
		return
	}
	name := b.replicaName()
	l, err := b.litestream(cfg.DBPath)
	if err != nil {
		d.add(checkFail, area, fmt.Sprintf("%s: %v", name, err),
			"instala el litestream fijado (scripts/litestream.sh) o pon LITESTREAM_BIN y LITESTREAM_CONFIG")
		return
	}
	mon := &backup.Monitor{Addr: b.MetricsAddr, Configured: true, DBPath: cfg.DBPath}
	st := mon.Sample(ctx)
	switch st.State {
	case backup.StateOK:
	case backup.StateError:
		d.add(checkFail, area, "Litestream se detuvo: "+st.Error, "libera espacio en el disco; Litestream sigue solo")
		return
	default:
		d.add(checkFail, area, fmt.Sprintf("Litestream no está replicando %s: %s", cfg.DBPath, st.Error),
			"la aplicación debe correr como hija de Litestream (litestream replicate -exec): systemctl status cotizador, o en Docker que LITESTREAM_BUCKET llegue al contenedor")
		return
	}
	plan, err := l.Plan(ctx, time.Time{})
	fixReach := "revisa LITESTREAM_ENDPOINT, el bucket y las llaves (si las rotaste, pon las nuevas en el archivo de entorno y reinicia); los errores de Litestream están en journalctl -u cotizador (o docker compose logs cotizador)"
	if errors.Is(err, backup.ErrNoReplica) {
		d.add(checkFail, area, name+" está vacía: aún no se ha subido nada", fixReach)
		return
	}
	if err != nil {
		d.add(checkFail, area, fmt.Sprintf("%s no responde: %v", name, err), fixReach)
		return
	}
	// Litestream has no lag figure: the replica is behind while its newest
	// transaction is older than the one Litestream captured locally.
	local := uint64(st.TXID)
	start := time.Now()
	for txid(plan.MaxTXID) < local && time.Since(start) < d.replicaWait {
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
		if p, err := l.Plan(ctx, time.Time{}); err == nil {
			plan = p
		}
	}
	if got := txid(plan.MaxTXID); got < local {
		d.add(checkFail, area, fmt.Sprintf("%s va atrasada: transacción local %d, en la réplica %d después de esperar %s", name, local, got, humanDuration(d.replicaWait)),
			fixReach)
		return
	}
	what := fmt.Sprintf("%s al día (transacción %d)", name, local)
	if newest := plan.Newest(); !newest.IsZero() {
		what += fmt.Sprintf("; su archivo más reciente es de hace %s", humanDuration(d.now().Sub(newest)))
	}
	if lag := time.Since(start); lag > time.Second {
		what += fmt.Sprintf("; se puso al día en %s", humanDuration(lag))
	}
	d.add(checkOK, area, what, "")
}

// txid reads Litestream's hexadecimal transaction id (0 when unreadable).
func txid(s string) uint64 {
	n, _ := strconv.ParseUint(s, 16, 64)
	return n
}

// checkBackups reports the last restore drill and the local snapshots, as
// the Respaldos page does.
func (d *doctor) checkBackups(ctx context.Context, cfg Config) {
	dbh, err := db.Open(ctx, cfg.DBPath)
	if err != nil {
		d.add(checkFail, "Respaldos locales", err.Error(), "")
		return
	}
	defer dbh.Close()
	svc := newBackupService(cfg, dbh, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	o, err := svc.Overview(ctx)
	if err != nil {
		d.add(checkFail, "Respaldos locales", err.Error(), "")
		return
	}
	now := d.now()

	if svc.Litestream != nil {
		const area = "Simulacro"
		switch {
		case o.LastDrill == nil:
			d.add(checkWarn, area, "aún no se ha probado restaurar la réplica",
				"cotizador backup drill (o «Probar la restauración ahora» en Respaldos)")
		case o.LastDrill.Status == db.BackupStatusFailed:
			d.add(checkFail, area, fmt.Sprintf("el último simulacro (hace %s) falló: %s", humanDuration(now.Sub(o.LastDrill.StartedAt)), o.LastDrill.Error),
				"revisa la réplica y repite: cotizador backup drill")
		case o.DrillOverdue:
			d.add(checkWarn, area, "no hay un simulacro correcto reciente",
				"cotizador backup drill; el servicio lo hace solo cada COTIZADOR_DRILL_INTERVAL")
		default:
			d.add(checkOK, area, fmt.Sprintf("el último simulacro correcto fue hace %s", humanDuration(now.Sub(o.LastGoodDrill.StartedAt))), "")
		}
	}

	const area = "Respaldos locales"
	if o.SnapshotError != "" {
		d.add(checkFail, area, fmt.Sprintf("no se pudo leer %s: %s", o.SnapshotDir, o.SnapshotError),
			"revisa COTIZADOR_SNAPSHOT_DIR y que el usuario del servicio pueda escribir ahí")
		return
	}
	if len(o.Snapshots) == 0 {
		d.add(checkWarn, area, "aún no hay respaldos locales en "+o.SnapshotDir,
			"cotizador backup snapshot; el servicio toma uno cada COTIZADOR_SNAPSHOT_INTERVAL")
		return
	}
	newest := o.Snapshots[0]
	for _, m := range o.Snapshots {
		if m.CreatedAt.After(newest.CreatedAt) {
			newest = m
		}
	}
	age := now.Sub(newest.CreatedAt)
	what := fmt.Sprintf("el más reciente es de hace %s: %s (%d en %s)", humanDuration(age), newest.Path, len(o.Snapshots), o.SnapshotDir)
	if cfg.Backup.SnapshotEvery > 0 && age > 2*cfg.Backup.SnapshotEvery {
		d.add(checkFail, area, what+fmt.Sprintf(", pero se programan cada %s", humanDuration(cfg.Backup.SnapshotEvery)),
			"¿corre la aplicación? Mira los errores de «snapshot» en journalctl -u cotizador (o docker compose logs cotizador)")
		return
	}
	d.add(checkOK, area, what, "")
}

// checkClock compares this machine's clock with the replica's S3 endpoint:
// S3 refuses signatures more than 15 minutes off, and quotes, sessions and
// links are dated by this clock. The base URL is no reference: it is served
// from this same machine.
func (d *doctor) checkClock(ctx context.Context, cfg Config) {
	const area = "Reloj"
	ref := cfg.Backup.Endpoint
	if ref == "" && cfg.Backup.Bucket != "" {
		region := strings.TrimSpace(d.getenv("LITESTREAM_REGION"))
		if region == "" {
			region = "us-east-1"
		}
		ref = "https://s3." + region + ".amazonaws.com"
	}
	if ref == "" {
		d.add(checkWarn, area, "sin servidor externo con qué comparar la hora (no hay réplica)",
			"timedatectl debe decir «System clock synchronized: yes»; si no, sudo timedatectl set-ntp true")
		return
	}
	start := d.now()
	resp, err := httpGet(ctx, d.client, ref)
	if err != nil {
		d.add(checkWarn, area, fmt.Sprintf("no se pudo leer la hora de %s: %v", ref, err),
			"timedatectl debe decir «System clock synchronized: yes»")
		return
	}
	ref = strings.TrimRight(ref, "/")
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		d.add(checkWarn, area, ref+" no envía la hora (cabecera Date)", "timedatectl debe decir «System clock synchronized: yes»")
		return
	}
	// Date has whole seconds; the middle of the request is the fairest
	// local counterpart.
	local := start.Add(d.now().Sub(start) / 2)
	skew := local.Sub(date)
	if skew < 0 {
		skew = -skew
	}
	if skew > d.maxSkew {
		dir := "adelantado"
		if local.Before(date) {
			dir = "atrasado"
		}
		d.add(checkFail, area, fmt.Sprintf("el reloj de este servidor va %s %s respecto a %s", humanDuration(skew), dir, ref),
			"sudo timedatectl set-ntp true (o instala systemd-timesyncd o chrony); S3 rechaza firmas con más de 15 minutos de diferencia y las fechas de cotizaciones y sesiones salen mal")
		return
	}
	d.add(checkOK, area, fmt.Sprintf("la hora coincide con %s (diferencia menor a %s)", ref, humanDuration(d.maxSkew)), "")
}

// httpResponse is an answer read whole, its connection already released.
type httpResponse struct {
	*http.Response
	body []byte
}

func httpGet(ctx context.Context, c *http.Client, target string) (*httpResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is already in every message
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return &httpResponse{Response: resp, body: body}, nil
}

// humanDuration writes d the way the checklist speaks: seconds, minutes,
// hours or days, rounded down.
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	default:
		return fmt.Sprintf("%d días", int(d/(24*time.Hour)))
	}
}

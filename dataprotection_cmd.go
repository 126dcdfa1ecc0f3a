package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"cotizador/app"
	"cotizador/backup"
	"cotizador/db"
	"cotizador/export"
)

// errAuditBroken makes `cotizador audit verify` exit 1 after it printed
// which row breaks the chain.
var errAuditBroken = errors.New("la bitácora de auditoría no está íntegra / the audit trail is broken")

// auditCommand runs `cotizador audit verify`.
func auditCommand(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "verify" {
		return &usageError{"audit: se espera verify / want verify"}
	}
	if err := liveDBExists(cfg.DBPath); err != nil {
		return err
	}
	d, err := db.Open(ctx, cfg.DBPath)
	if err != nil {
		return err
	}
	defer d.Close()
	v, err := d.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if !v.OK() {
		printAuditBreak(stdout, v.Broken)
		return errAuditBroken
	}
	fmt.Fprintf(stdout, "íntegro: %d registros\n", v.Count)
	if v.HeadID > 0 {
		fmt.Fprintf(stdout, "último registro / last entry: %d, hash %x\n", v.HeadID, v.HeadHash)
	}
	if v.Resealing {
		fmt.Fprintln(stdout, "re-sellado en curso tras una anonimización / a re-seal after an anonymisation is still running")
	}
	return nil
}

func printAuditBreak(w io.Writer, b *db.AuditBreak) {
	at := b.At.In(app.MexicoCity).Format("2006-01-02 15:04:05")
	if b.Missing {
		fmt.Fprintf(w, "roto en el registro %d (%s, tabla %s): faltan los registros desde el %d / broken at entry %d: entries from %d are missing\n",
			b.ID, at, b.Table, b.MissingFrom, b.ID, b.MissingFrom)
		return
	}
	fmt.Fprintf(w, "roto en el registro %d (%s, tabla %s): su hash no corresponde a su contenido / broken at entry %d: its hash does not match its content\n",
		b.ID, at, b.Table, b.ID)
}

// retentionCommand runs `cotizador retention run [--dry-run]`.
func retentionCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		return &usageError{"retention: se espera run / want run"}
	}
	fs := flag.NewFlagSet("retention run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dry := fs.Bool("dry-run", false, "solo contar lo que se purgaría / only count what would be purged")
	if err := fs.Parse(args[1:]); err != nil {
		return &usageError{err.Error()}
	}
	d, err := openLiveMigrated(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := d.RunRetention(ctx, *dry, "cli")
	if rep != nil {
		printRetention(stdout, d, rep)
	}
	return err
}

// openLiveMigrated opens an existing database (never creating an empty
// one where the operator expected theirs) and migrates it.
func openLiveMigrated(ctx context.Context, cfg Config, stdout io.Writer) (*db.DB, error) {
	if err := liveDBExists(cfg.DBPath); err != nil {
		return nil, err
	}
	d, _, err := openMigrated(ctx, cfg, printSnapshot(stdout))
	return d, err
}

// printRetention prints, per policy, what was (or would be) purged.
func printRetention(w io.Writer, d *db.DB, rep *db.RetentionReport) {
	verb := "purgado / purged"
	if rep.DryRun {
		verb = "se purgaría / would purge"
	}
	ps, _ := d.RetentionPolicies(context.Background())
	for _, p := range ps {
		unit := map[string]string{"day": "días / days", "year": "años / years"}[p.Unit]
		fmt.Fprintf(w, "%-9s (%d %s): %s %d", p.Key, p.Amount, unit, verb, rep.Total(p.Key))
		counts := rep.Counts[p.Key]
		tables := make([]string, 0, len(counts))
		for t, n := range counts {
			if n > 0 {
				tables = append(tables, t)
			}
		}
		slices.Sort(tables)
		for i, t := range tables {
			sep := ", "
			if i == 0 {
				sep = " ("
			}
			fmt.Fprintf(w, "%s%s %d", sep, t, counts[t])
		}
		if len(tables) > 0 {
			fmt.Fprint(w, ")")
		}
		fmt.Fprintln(w)
	}
}

// exportCommand runs `cotizador export customer|user --id N --out FILE.zip`
// and `cotizador export business --out FILE.zip`. The export is recorded
// (and so audited) like one made on the web.
func exportCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || !slices.Contains([]string{db.ExportCustomer, db.ExportUser, db.ExportBusiness}, args[0]) {
		return &usageError{"export: se espera customer, user o business / want customer, user or business"}
	}
	kind := args[0]
	fs := flag.NewFlagSet("export "+kind, flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.Int64("id", 0, "id del cliente o usuario / customer or user id")
	out := fs.String("out", "", "archivo ZIP a escribir / ZIP file to write")
	if err := fs.Parse(args[1:]); err != nil {
		return &usageError{err.Error()}
	}
	if *out == "" {
		return &usageError{"export: falta --out / --out is required"}
	}
	if kind != db.ExportBusiness && *id <= 0 {
		return &usageError{"export: falta --id / --id is required"}
	}
	if kind == db.ExportBusiness && *id != 0 {
		return &usageError{"export business: no lleva --id / takes no --id"}
	}
	if _, err := os.Lstat(*out); err == nil {
		return &usageError{fmt.Sprintf("export: %s ya existe; nada se sobrescribe / already exists; nothing is overwritten", *out)}
	}
	d, err := openLiveMigrated(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	defer d.Close()
	e, err := d.CreateExport(ctx, kind, *id, app.CLIActor)
	if err != nil {
		if app.ErrorCode(err) == app.ENOTFOUND {
			return &usageError{fmt.Sprintf("export: no existe el %s %d / no such %s", kind, *id, kind)}
		}
		return err
	}
	m, err := writeExportFile(ctx, d, e, *out)
	if err != nil {
		// The record says only that it failed; the cause is printed.
		_ = d.FinishExport(context.WithoutCancel(ctx), e.ID, "", 0, "", "{}", "build_failed")
		return err
	}
	var rows int64
	for _, f := range m.Files {
		fmt.Fprintf(stdout, "%-40s %8d filas / rows  sha256 %s\n", f.Name, f.Rows, f.SHA256)
		rows += f.Rows
	}
	fmt.Fprintf(stdout, "exportado / exported: %s (%d archivos / files, %d filas / rows)\n", *out, len(m.Files), rows)
	return nil
}

// writeExportFile writes export e to path (never over an existing file)
// and records it finished; the file stays where the operator asked, so
// the record names no file in the exports folder.
func writeExportFile(ctx context.Context, d *db.DB, e *db.Export, path string) (*export.Manifest, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	m, err := export.Write(ctx, d, e, f, nil)
	err = errors.Join(err, f.Close())
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	if err := d.FinishExport(ctx, e.ID, "", 0, "", manifestJSON(m), ""); err != nil {
		return nil, err
	}
	return m, nil
}

// dataProtectionEvery is how often serve runs the retention job;
// retentionStartDelay how long after start the first run waits (a variable
// so a test need not wait a minute).
const dataProtectionEvery = 24 * time.Hour

var retentionStartDelay = time.Minute

// dataProtection is serve's background work for data protection (the first
// retention run waits startDelay after start): it first
// marks the exports a stop interrupted as failed, chains the audit entries
// of a catalogue import a crash left waiting (db/auditpending.go) and
// finishes any re-seal a crash interrupted, then runs the retention job once
// a day (a restart does not run it again before a day has passed since the
// last run) and logs what it purged and the audit chain's newest hash (an
// outside record of it makes rewriting the chain detectable).
func dataProtection(ctx context.Context, d *db.DB, logger *slog.Logger, startDelay time.Duration) {
	if err := d.FailInterruptedExports(ctx); err != nil {
		logger.Error("exports", "err", err)
	}
	if err := d.DrainPendingAudit(ctx); err != nil && ctx.Err() == nil {
		logger.Error("audit: chaining a catalogue import's entries", "err", err)
	}
	if err := d.RunReseals(ctx); err != nil && ctx.Err() == nil {
		logger.Error("audit re-seal", "err", err)
	}
	for {
		last, err := d.LastRetentionRun(ctx)
		if err != nil {
			logger.Error("retention", "err", err)
		}
		wait := time.Until(last.Add(dataProtectionEvery))
		if last.IsZero() || wait < 0 {
			wait = startDelay // shortly after start, not during it
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		rep, err := d.RunRetention(ctx, false, "scheduled")
		if err != nil {
			logger.Error("retention", "err", err)
		}
		if rep != nil {
			attrs := []any{}
			for k := range rep.Counts {
				attrs = append(attrs, k, rep.Total(k))
			}
			logger.Info("retention", attrs...)
		}
		if v, err := d.VerifyAudit(ctx); err == nil {
			logger.Info("audit chain", "ok", v.OK(), "entries", v.Count, "head_id", v.HeadID, "head_hash", fmt.Sprintf("%x", v.HeadHash))
		}
	}
}

func manifestJSON(m *export.Manifest) string {
	b, err := json.Marshal(m)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// auditCheck verifies the audit chain of a restored copy or a drill's: a
// copy whose trail was tampered with is not fit to swap in. A copy older
// than the audit trail has nothing to verify.
var auditCheck = backup.Check{Name: "audit_chain", Run: func(ctx context.Context, d *db.DB) error {
	var n int
	if err := d.Reader.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'audit_log'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	v, err := d.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if !v.OK() {
		var b strings.Builder
		printAuditBreak(&b, v.Broken)
		return errors.New(strings.TrimSpace(b.String()))
	}
	return nil
}}

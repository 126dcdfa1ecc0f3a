package main

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cotizador/backup"
	"cotizador/db"
	"cotizador/internal/s3test"
)

// runDoctor runs `cotizador doctor` over vars, with adjust (optional)
// changing the doctor's clock or client.
func runDoctor(t *testing.T, vars map[string]string, adjust func(*doctor)) (string, error) {
	t.Helper()
	d := newDoctor(env(vars))
	d.replicaWait = 3 * time.Second
	if adjust != nil {
		adjust(d)
	}
	var out strings.Builder
	err := doctorCommand(context.Background(), d, nil, &out)
	t.Logf("cotizador doctor:\n%s", out.String())
	return out.String(), err
}

// TestDoctorBrokenInstallations: each broken part fails its own line of the
// checklist, with what to fix, and the doctor exits 1; it never writes (no
// database created, no migration applied).
func TestDoctorBrokenInstallations(t *testing.T) {
	ctx := context.Background()
	want := func(t *testing.T, out string, err error, area string, says ...string) {
		t.Helper()
		if exitCode(err) != 1 || err == nil {
			t.Errorf("err = %v (exit %d), want exit 1", err, exitCode(err))
		}
		if got := doctorLines(out)[area]; got != "[FALLA]" {
			t.Errorf("%s is %q, want [FALLA]", area, got)
		}
		for _, s := range says {
			if !strings.Contains(out, s) {
				t.Errorf("the checklist does not say %q", s)
			}
		}
	}

	t.Run("through the command line", func(t *testing.T) {
		var out strings.Builder
		err := run(ctx, []string{"cotizador", "doctor"}, env(map[string]string{"COTIZADOR_ENV": "staging"}), nil, &out, &out)
		if exitCode(err) != 1 || !strings.Contains(out.String(), "[FALLA] Configuración: ") || !strings.Contains(out.String(), "COTIZADOR_ENV") {
			t.Errorf("cotizador doctor: exit %d, %v\n%s", exitCode(err), err, out.String())
		}
		if err := run(ctx, []string{"cotizador", "doctor", "--fix"}, env(nil), nil, io.Discard, io.Discard); exitCode(err) != 2 {
			t.Errorf("doctor with an argument: %v, want a usage error (exit 2)", err)
		}
	})

	t.Run("invalid configuration", func(t *testing.T) {
		out, err := runDoctor(t, map[string]string{"COTIZADOR_ENV": "production", "COTIZADOR_BASE_URL": "http://cotiza.example.mx"}, nil)
		// A checklist item, not a refusal to run: exit 1, like any failure.
		want(t, out, err, "Configuración", "COTIZADOR_BASE_URL", "Qué hacer: corrige esa variable")
		if n := len(doctorLines(out)); n != 1 {
			t.Errorf("%d checks after an invalid configuration, want just that one", n)
		}
	})

	t.Run("unsafe production, nothing running, no database", func(t *testing.T) {
		dbPath := filepath.Join(t.TempDir(), "cotizador.db")
		vars := map[string]string{"COTIZADOR_ENV": "production", "COTIZADOR_ADDR": "0.0.0.0:" + portOf(s3test.FreeAddr(t)), "COTIZADOR_DB": dbPath}
		out, err := runDoctor(t, vars, nil)
		want(t, out, err, "Modo", "la aplicación se niega a arrancar así", "COTIZADOR_BASE_URL")
		want(t, out, err, "Aplicación", "no responde", "systemctl status cotizador")
		want(t, out, err, "HTTPS", "no revisado")
		want(t, out, err, "Base de datos", "no existe "+dbPath)
		want(t, out, err, "Réplica", "los datos solo existen en este servidor")
		if _, err := os.Stat(dbPath); !errors.Is(err, os.ErrNotExist) {
			t.Error("the doctor created the database it reported missing")
		}
	})

	t.Run("public address without a trusted proxy", func(t *testing.T) {
		vars := map[string]string{"COTIZADOR_ENV": "production", "COTIZADOR_BASE_URL": nobodyHTTPS(t),
			"COTIZADOR_ADDR": "0.0.0.0:" + portOf(s3test.FreeAddr(t)), "COTIZADOR_DB": filepath.Join(t.TempDir(), "c.db")}
		out, err := runDoctor(t, vars, nil)
		want(t, out, err, "Modo", "no sirve HTTPS directamente", "COTIZADOR_TRUSTED_PROXIES")
	})

	t.Run("proxy settings", func(t *testing.T) {
		base := map[string]string{"COTIZADOR_ENV": "production", "COTIZADOR_BASE_URL": nobodyHTTPS(t),
			"COTIZADOR_ADDR": s3test.FreeAddr(t), "COTIZADOR_DB": filepath.Join(t.TempDir(), "c.db")}
		out, err := runDoctor(t, base, nil)
		want(t, out, err, "Proxy", "Tus usuarios comparten un límite de peticiones: configura COTIZADOR_TRUSTED_PROXIES", "COTIZADOR_TRUSTED_PROXIES=127.0.0.1")
		base["COTIZADOR_TRUSTED_PROXIES"] = "0.0.0.0/0"
		out, err = runDoctor(t, base, nil)
		want(t, out, err, "Proxy", "incluye 0.0.0.0/0", "inventar su dirección")
	})

	t.Run("damaged database", func(t *testing.T) {
		dbPath := filepath.Join(t.TempDir(), "cotizador.db")
		vars := map[string]string{"COTIZADOR_DB": dbPath, "COTIZADOR_ADDR": s3test.FreeAddr(t)}
		createOwner(t, vars, "duena@aluminios.mx")
		damage(t, dbPath)
		out, err := runDoctor(t, vars, nil)
		want(t, out, err, "Base de datos", "cotizador restore --to")
	})

	t.Run("audit trail altered", func(t *testing.T) {
		dbPath := filepath.Join(t.TempDir(), "cotizador.db")
		vars := map[string]string{"COTIZADOR_DB": dbPath, "COTIZADOR_ADDR": s3test.FreeAddr(t)}
		createOwner(t, vars, "duena@aluminios.mx")
		// Someone with the file drops the guards and rewrites who did it.
		raw, err := sql.Open("sqlite3", dbPath)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET actor = 'user:99' WHERE id = (SELECT min(id) FROM audit_log)`} {
			if _, err := raw.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		raw.Close()
		out, err := runDoctor(t, vars, nil)
		want(t, out, err, "Auditoría", "la bitácora fue alterada", "cotizador audit verify")
		if got := doctorLines(out)["Base de datos"]; got != "[ OK  ]" {
			t.Errorf("the file itself is sound: Base de datos %q", got)
		}
	})

	t.Run("pending migrations", func(t *testing.T) {
		dbPath := filepath.Join(t.TempDir(), "cotizador.db")
		olderDB(t, dbPath)
		out, err := runDoctor(t, map[string]string{"COTIZADOR_DB": dbPath, "COTIZADOR_ADDR": s3test.FreeAddr(t)}, nil)
		want(t, out, err, "Migraciones", "faltan migraciones: versión 1 de", "systemctl restart cotizador")
		d, err := db.Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if v, _, _ := d.SchemaVersion(ctx); v != 1 {
			t.Errorf("the doctor migrated the database to version %d", v)
		}
	})

	t.Run("replica not replicating, failed drill", func(t *testing.T) {
		_, vars := replicatedInstall(t)
		recordFailedDrill(t, vars["COTIZADOR_DB"], "replica behind: marker not found after 60s")
		// Litestream is not running: nothing replicates.
		out, err := runDoctor(t, vars, nil)
		want(t, out, err, "Réplica", "Litestream no está replicando", "litestream replicate -exec")
		want(t, out, err, "Simulacro", "falló: replica behind: marker not found after 60s", "cotizador backup drill")
	})

	t.Run("replica unreachable", func(t *testing.T) {
		s3, vars := replicatedInstall(t)
		s3test.Replicate(t, vars, "")
		if err := s3.Stop(); err != nil {
			t.Fatal(err)
		}
		out, err := runDoctor(t, vars, nil)
		want(t, out, err, "Réplica", "no responde", "revisa LITESTREAM_ENDPOINT, el bucket y las llaves")
		if got := doctorLines(out)["Reloj"]; got != "[AVISO]" {
			t.Errorf("clock with its reference down: %q, want [AVISO]", got)
		}
	})

	t.Run("clock off, snapshots stale", func(t *testing.T) {
		s3, vars := replicatedInstall(t, "COTIZADOR_SNAPSHOT_INTERVAL", "1h")
		if err := run(ctx, []string{"cotizador", "backup", "snapshot"}, env(vars), nil, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		// This machine's clock three hours ahead of the S3 endpoint's.
		out, err := runDoctor(t, vars, func(d *doctor) {
			d.now = func() time.Time { return time.Now().Add(3 * time.Hour) }
		})
		want(t, out, err, "Reloj", "va 3 h adelantado respecto a "+s3.URL(), "timedatectl set-ntp true")
		want(t, out, err, "Respaldos locales", "es de hace 3 h", "se programan cada 1 h")
	})
}

// nobodyHTTPS is an https:// base URL on loopback where nothing listens: the
// HTTPS check fails without a DNS query leaving the machine.
func nobodyHTTPS(t *testing.T) string {
	return "https://localhost:" + portOf(s3test.FreeAddr(t))
}

// replicatedInstall is a set-up installation whose replica is a fresh
// gofakes3 bucket, with the pinned litestream and the repository's
// litestream.yml; extra are more variable/value pairs.
func replicatedInstall(t *testing.T, extra ...string) (*s3test.Server, map[string]string) {
	t.Helper()
	s3 := s3test.New(t)
	vars := s3test.ReplicaEnv(s3, filepath.Join(t.TempDir(), "cotizador.db"), "cotizador", s3test.FreeAddr(t))
	vars["COTIZADOR_ADDR"] = s3test.FreeAddr(t)
	vars["LITESTREAM_CONFIG"] = filepath.Join(s3test.RepoRoot(t), "litestream.yml")
	vars["LITESTREAM_BIN"] = s3test.LitestreamBin(t)
	for i := 0; i+1 < len(extra); i += 2 {
		vars[extra[i]] = extra[i+1]
	}
	createOwner(t, vars, "duena@aluminios.mx")
	return s3, vars
}

func portOf(addr string) string {
	_, port, _ := strings.Cut(addr, ":")
	return port
}

// damage overwrites the middle of the database file, as a failing disk
// would, past its first page (whose loss would make it no database at all).
func damage(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	if fi.Size() < 8*page {
		t.Fatalf("database too small to damage: %d bytes", fi.Size())
	}
	junk := []byte(strings.Repeat("\xff\x00garbage", page/8))
	for off := int64(2 * page); off < fi.Size(); off += 5 * page {
		if _, err := f.WriteAt(junk[:page/2], off); err != nil {
			t.Fatal(err)
		}
	}
}

// recordFailedDrill stores a failed drill as the backup service records one.
func recordFailedDrill(t *testing.T, path, reason string) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	run := &db.BackupRun{Kind: db.BackupKindDrill, Origin: backup.OriginCLI}
	if err := d.CreateBackupRun(ctx, run, "cli"); err != nil {
		t.Fatal(err)
	}
	run.Status, run.Error = db.BackupStatusFailed, reason
	if err := d.FinishBackupRun(ctx, run, "cli"); err != nil {
		t.Fatal(err)
	}
}

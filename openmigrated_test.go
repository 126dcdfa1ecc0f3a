package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"cotizador/backup"
	"cotizador/db"
)

// cancelOn cancels a serve run once its log says it listens: by then the
// database has been snapshotted and migrated.
type cancelOn struct {
	mu     sync.Mutex
	want   string
	cancel context.CancelFunc
	log    strings.Builder
}

func (w *cancelOn) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.log.Write(p)
	if strings.Contains(string(p), w.want) {
		w.cancel()
	}
	return len(p), nil
}

// TestEveryMigratingCommandSnapshotsFirst is the regression test for issue
// #9: user, token and catalog commands migrated without the pre-migration
// snapshot that serve and migrate up took. Each command starts from an
// installation one migration behind, with an owner, and must leave a
// pre_migration snapshot of the old schema and a migrated database.
func TestEveryMigratingCommandSnapshotsFirst(t *testing.T) {
	ctx := context.Background()
	seed := t.TempDir()
	oldDB := filepath.Join(seed, "c.db")
	const owner = "duena@taller.mx"
	if err := run(ctx, []string{"cotizador", "user", "create", "--email", owner, "--name", "Dueña", "--role", "owner", "--password-stdin"},
		env(map[string]string{"COTIZADOR_DB": oldDB}), strings.NewReader("Perfil-Jamba-Tres-2026\n"), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"cotizador", "migrate", "down"}, env(map[string]string{"COTIZADOR_DB": oldDB}), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, oldDB)
	if err != nil {
		t.Fatal(err)
	}
	older, latest, err := d.SchemaVersion(ctx)
	d.Close()
	if err != nil || older >= latest || older == 0 {
		t.Fatalf("seed database at version %d of %d (%v), want one behind", older, latest, err)
	}
	// Each case gets its own copy of the older installation (with its WAL,
	// should closing have left one).
	copyOld := func(to string) {
		for _, suffix := range []string{"", "-wal"} {
			data, err := os.ReadFile(oldDB + suffix)
			if suffix != "" && os.IsNotExist(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(to+suffix, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	materials := filepath.Join("catalogio", "testdata", "prototype_seed_materials.csv")

	for _, tt := range []struct {
		name  string
		args  []string
		stdin string
		// toStderr: the user and token commands print what a script reads
		// (a token, a reset link) on stdout, so the snapshot's path goes to
		// stderr.
		toStderr bool
	}{
		{name: "migrate up", args: []string{"migrate", "up"}},
		{name: "serve", args: []string{"serve"}},
		{name: "user create", args: []string{"user", "create", "--email", "v@taller.mx", "--name", "Vendedor", "--role", "sales", "--password-stdin"}, stdin: "Zoclo-Riel-Jamba-2026\n", toStderr: true},
		{name: "user unlock", args: []string{"user", "unlock", "--email", owner}, toStderr: true},
		{name: "user reset-password", args: []string{"user", "reset-password", "--email", owner}, toStderr: true},
		{name: "token create", args: []string{"token", "create", "--email", owner}, toStderr: true},
		{name: "catalog import", args: []string{"catalog", "import", "--format", "prototype", "--materials", materials}},
		{name: "catalog import --dry-run", args: []string{"catalog", "import", "--format", "prototype", "--materials", materials, "--dry-run"}},
		{name: "catalog export", args: []string{"catalog", "export", "--dir", "EXPORT"}},
		{name: "catalog load-prototype", args: []string{"catalog", "load-prototype"}},
		{name: "catalog load-demo --if-empty", args: []string{"catalog", "load-demo", "--if-empty"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			dbPath := filepath.Join(dir, "c.db")
			copyOld(dbPath)
			args := append([]string{"cotizador"}, tt.args...)
			for i, a := range args {
				if a == "EXPORT" {
					args[i] = filepath.Join(dir, "export")
				}
			}
			e := env(map[string]string{
				"COTIZADOR_DB": dbPath, "COTIZADOR_ADDR": "127.0.0.1:0",
				"COTIZADOR_SNAPSHOT_INTERVAL": "0", "COTIZADOR_DRILL_INTERVAL": "0",
			})
			var stdout, stderr strings.Builder
			var err error
			if tt.name == "serve" {
				ctx, cancel := context.WithCancel(ctx)
				defer cancel()
				log := &cancelOn{want: `"msg":"listening"`, cancel: cancel}
				err = run(ctx, args, e, nil, log, &stderr)
				stdout.WriteString(log.log.String())
			} else {
				err = run(ctx, args, e, strings.NewReader(tt.stdin), &stdout, &stderr)
			}
			if err != nil {
				t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
			}

			list, err := backup.ListSnapshots(filepath.Join(dir, "snapshots"))
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].Origin != backup.OriginPreMigration || list[0].SchemaVersion != older {
				t.Fatalf("snapshots = %+v, want one pre_migration at version %d", list, older)
			}
			if tt.name == "serve" {
				if !strings.Contains(stdout.String(), `"msg":"pre-migration snapshot","file":"`+list[0].Path) {
					t.Errorf("serve does not log where the snapshot is:\n%s", stdout.String())
				}
			} else {
				said := stdout.String()
				if tt.toStderr {
					said = stderr.String()
					if strings.Contains(stdout.String(), "snapshot") {
						t.Errorf("the snapshot's path on stdout, which a script reads:\n%s", stdout.String())
					}
				}
				if !strings.Contains(said, "pre-migration snapshot: "+list[0].Path) {
					t.Errorf("the command does not say where the snapshot is:\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
				}
			}
			d, err := db.Open(ctx, dbPath)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if cur, latest, _ := d.SchemaVersion(ctx); cur != latest {
				t.Errorf("schema at version %d after the command, want %d", cur, latest)
			}
		})
	}
}

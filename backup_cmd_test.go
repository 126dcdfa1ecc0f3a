package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"cotizador/backup"
	"cotizador/db"
)

// cli runs the program in-process with vars as its whole environment.
func cli(t *testing.T, vars map[string]string, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := run(context.Background(), append([]string{"cotizador"}, args...), env(vars), strings.NewReader(""), &out, &out)
	return out.String(), err
}

func TestLoadBackupConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := loadConfig(env(map[string]string{"COTIZADOR_DB": "/srv/data/c.db"}))
		if err != nil {
			t.Fatal(err)
		}
		b := c.Backup
		if b.SnapshotDir != "/srv/data/snapshots" || b.SnapshotEvery != 24*time.Hour || b.SnapshotKeep != 14 ||
			b.DrillEvery != 24*time.Hour || b.DrillMaxWait != time.Minute || b.MetricsAddr != "127.0.0.1:9090" ||
			b.LitestreamConf != "litestream.yml" || b.Bucket != "" {
			t.Errorf("defaults = %+v", b)
		}
	})
	t.Run("schedules can be turned off", func(t *testing.T) {
		c, err := loadConfig(env(map[string]string{"COTIZADOR_SNAPSHOT_INTERVAL": "0", "COTIZADOR_DRILL_INTERVAL": "0s"}))
		if err != nil || c.Backup.SnapshotEvery != 0 || c.Backup.DrillEvery != 0 {
			t.Errorf("got %+v, %v", c.Backup, err)
		}
	})
	for _, tt := range []struct{ name, value string }{
		{"COTIZADOR_SNAPSHOT_INTERVAL", "daily"},
		{"COTIZADOR_SNAPSHOT_INTERVAL", "10s"},
		{"COTIZADOR_SNAPSHOT_KEEP", "0"},
		{"COTIZADOR_SNAPSHOT_KEEP", "many"},
		{"COTIZADOR_DRILL_INTERVAL", "-1h"},
		{"COTIZADOR_DRILL_MAX_WAIT", "0"},
		{"COTIZADOR_REPLICATION_STALL_AFTER", "1ms"},
	} {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			_, err := loadConfig(env(map[string]string{tt.name: tt.value}))
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Var != tt.name || exitCode(err) != 2 {
				t.Errorf("err = %v, want a ConfigError naming %s (exit 2)", err, tt.name)
			}
		})
	}
}

// olderDB makes a database at schema version 1 holding a company, as an
// installation of an earlier release would have.
func olderDB(t *testing.T, path string) {
	t.Helper()
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.MigrateUpTo(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Writer.Exec(`INSERT INTO company (id, name, created_at, created_by, updated_at, updated_by)
		VALUES (1, 'Cancelería López', 'x', 't', 'x', 't')`); err != nil {
		t.Fatal(err)
	}
}

var snapshotLine = regexp.MustCompile(`pre-migration snapshot: (\S+\.db\.gz)`)

func TestPreMigrationSnapshot(t *testing.T) {
	t.Run("fresh database: none", func(t *testing.T) {
		dir := t.TempDir()
		vars := map[string]string{"COTIZADOR_DB": filepath.Join(dir, "c.db")}
		out, err := cli(t, vars, "migrate", "up")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, "snapshot") {
			t.Errorf("snapshot announced for a fresh database: %s", out)
		}
		if _, err := os.Stat(filepath.Join(dir, "snapshots")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("snapshot folder created for a fresh database: %v", err)
		}
	})

	t.Run("migrate up snapshots an older schema and says where", func(t *testing.T) {
		dir := t.TempDir()
		dbPath := filepath.Join(dir, "c.db")
		olderDB(t, dbPath)
		vars := map[string]string{"COTIZADOR_DB": dbPath}
		out, err := cli(t, vars, "migrate", "up")
		if err != nil {
			t.Fatal(err)
		}
		m := snapshotLine.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no snapshot path in the output:\n%s", out)
		}
		if filepath.Dir(m[1]) != filepath.Join(dir, "snapshots") {
			t.Errorf("snapshot in %s, want the default folder next to the database", m[1])
		}
		meta, err := backup.CheckSnapshot(m[1])
		if err != nil {
			t.Fatal(err)
		}
		if meta.SchemaVersion != 1 || meta.Origin != backup.OriginPreMigration {
			t.Errorf("snapshot schema %d origin %s, want 1 pre_migration", meta.SchemaVersion, meta.Origin)
		}
		// Running it again migrates nothing and snapshots nothing.
		out, err = cli(t, vars, "migrate", "up")
		if err != nil || strings.Contains(out, "snapshot") {
			t.Errorf("second migrate up: %v\n%s", err, out)
		}

		// The way back: migrate down, or restore the snapshot.
		out, err = cli(t, vars, "migrate", "down")
		if err != nil || !strings.Contains(out, "migración revertida") {
			t.Fatalf("migrate down: %v\n%s", err, out)
		}
		to := filepath.Join(dir, "before.db")
		out, err = cli(t, vars, "restore", "--to", to, "--snapshot", m[1])
		if err != nil {
			t.Fatalf("restore --snapshot: %v\n%s", err, out)
		}
		if !strings.Contains(out, "versión / version 1 de / of") || !regexp.MustCompile(`company\s+1`).MatchString(out) {
			t.Errorf("restore summary lacks the schema version or the rows:\n%s", out)
		}
	})

	t.Run("serve snapshots an older schema before migrating", func(t *testing.T) {
		dir := t.TempDir()
		dbPath := filepath.Join(dir, "c.db")
		olderDB(t, dbPath)
		pr, pw := io.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"cotizador", "serve"}, env(map[string]string{
				"COTIZADOR_DB": dbPath, "COTIZADOR_ADDR": "127.0.0.1:0", "COTIZADOR_SNAPSHOT_INTERVAL": "0",
			}), nil, pw, io.Discard)
			pw.Close()
		}()
		var logs strings.Builder
		sc := bufio.NewScanner(pr)
		addr := ""
		for addr == "" && sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "listening" {
				addr = rec.Addr
			}
		}
		if addr == "" {
			t.Fatalf("serve ended before listening: %v\n%s", <-done, logs.String())
		}
		go func() {
			for sc.Scan() {
			}
		}()
		// Shut down only once it serves: that is the case under test.
		if resp, err := http.Get("http://" + addr + "/api/health/ready"); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("ready after migrating: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		out := logs.String()
		snap := strings.Index(out, `"msg":"pre-migration snapshot"`)
		mig := strings.Index(out, `"msg":"migrations applied"`)
		if snap < 0 || mig < 0 || snap > mig {
			t.Fatalf("want the snapshot logged before the migrations:\n%s", out)
		}
		list, _ := backup.ListSnapshots(filepath.Join(dir, "snapshots"))
		if len(list) != 1 || list[0].SchemaVersion != 1 || !strings.Contains(out, list[0].Path) {
			t.Errorf("snapshots = %v; the log must name the file", list)
		}
	})

	t.Run("no snapshot, no migration", func(t *testing.T) {
		dir := t.TempDir()
		dbPath := filepath.Join(dir, "c.db")
		olderDB(t, dbPath)
		// A file where the snapshot folder must go: the snapshot fails.
		os.WriteFile(filepath.Join(dir, "blocked"), nil, 0o600)
		out, err := cli(t, map[string]string{"COTIZADOR_DB": dbPath, "COTIZADOR_SNAPSHOT_DIR": filepath.Join(dir, "blocked", "snaps")}, "migrate", "up")
		if err == nil || !strings.Contains(err.Error(), "nothing was migrated") {
			t.Fatalf("migrate up with a failing snapshot: %v\n%s", err, out)
		}
		d, err := db.Open(context.Background(), dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if cur, _, _ := d.SchemaVersion(context.Background()); cur != 1 {
			t.Errorf("schema version %d after a refused migration, want 1", cur)
		}
	})
}

func TestBackupAndRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "data", "c.db")
	vars := map[string]string{"COTIZADOR_DB": dbPath}

	t.Run("nothing to snapshot", func(t *testing.T) {
		if _, err := cli(t, vars, "backup", "snapshot"); err == nil {
			t.Error("snapshot of a missing database succeeded")
		}
		if _, err := os.Stat(dbPath); !errors.Is(err, os.ErrNotExist) {
			t.Error("the snapshot command created an empty database")
		}
	})

	if _, err := cli(t, vars, "migrate", "up"); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	d.Writer.Exec(`INSERT INTO company (id, name, created_at, created_by, updated_at, updated_by) VALUES (1, 'Vidriería Guzmán', 'x', 't', 'x', 't')`)
	d.Close()

	var snapPath string
	t.Run("backup snapshot", func(t *testing.T) {
		out, err := cli(t, vars, "backup", "snapshot")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		m := regexp.MustCompile(`snapshot: (\S+\.db\.gz)`).FindStringSubmatch(out)
		if m == nil || !strings.Contains(out, "SHA-256: ") || !regexp.MustCompile(`company\s+1`).MatchString(out) {
			t.Fatalf("output:\n%s", out)
		}
		snapPath = m[1]
		out, err = cli(t, vars, "backup", "list")
		if err != nil || !strings.Contains(out, snapPath) || !strings.Contains(out, "cli") {
			t.Errorf("list: %v\n%s", err, out)
		}
		out, err = cli(t, vars, "backup", "verify", snapPath)
		if err != nil || !strings.Contains(out, "checksum ok") {
			t.Errorf("verify: %v\n%s", err, out)
		}
		r, err := db.Open(context.Background(), dbPath)
		if err != nil {
			t.Fatal(err)
		}
		last, _ := r.LastBackupRun(context.Background(), db.BackupKindSnapshot)
		r.Close()
		if last == nil || last.Status != db.BackupStatusOK || last.Origin != backup.OriginCLI {
			t.Errorf("snapshot not recorded for the Respaldos page: %+v", last)
		}
	})

	t.Run("verify catches a damaged copy", func(t *testing.T) {
		b, _ := os.ReadFile(snapPath)
		bad := filepath.Join(filepath.Dir(snapPath), "cotizador-20200101T000000Z-manual.db.gz")
		b[len(b)-10] ^= 0x55
		os.WriteFile(bad, b, 0o600)
		meta, _ := os.ReadFile(strings.TrimSuffix(snapPath, ".db.gz") + ".json")
		meta = []byte(strings.Replace(string(meta), filepath.Base(snapPath), filepath.Base(bad), 1))
		os.WriteFile(strings.TrimSuffix(bad, ".db.gz")+".json", meta, 0o600)
		if _, err := cli(t, vars, "backup", "verify", bad); !errors.Is(err, backup.ErrChecksum) {
			t.Errorf("verify of a damaged copy: %v", err)
		}
		os.Remove(bad)
		os.Remove(strings.TrimSuffix(bad, ".db.gz") + ".json")
	})

	t.Run("restore from a snapshot", func(t *testing.T) {
		to := filepath.Join(dir, "restored", "c.db")
		out, err := cli(t, vars, "restore", "--to", to, "--snapshot", snapPath)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		for _, want := range []string{
			"RESTAURACIÓN VERIFICADA / VERIFIED RESTORE", to, "integrity_check:    ok", "audit chain",
			"mv " + dbPath + " " + dbPath + ".replaced-", "mv " + to + " " + dbPath, "LITESTREAM_PATH=cotizador-restored-",
			"the live database was snapshotted to",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("summary lacks %q:\n%s", want, out)
			}
		}
		if !regexp.MustCompile(`company\s+1`).MatchString(out) {
			t.Errorf("rows per table missing:\n%s", out)
		}
		rep, err := backup.Verify(context.Background(), to)
		if err != nil || !rep.OK() {
			t.Errorf("restored file: %v %v", err, rep.Problems())
		}
		list, _ := backup.ListSnapshots(filepath.Dir(snapPath))
		pre := 0
		for _, m := range list {
			if m.Origin == backup.OriginPreRestore {
				pre++
			}
		}
		if pre != 1 {
			t.Errorf("%d pre-restore snapshots of the live database, want 1", pre)
		}
		ents, _ := os.ReadDir(filepath.Dir(to))
		if len(ents) != 1 {
			t.Errorf("restore left working files next to the copy: %v", ents)
		}
	})

	t.Run("never over the live database or an existing file", func(t *testing.T) {
		before, _ := os.ReadFile(dbPath)
		for _, to := range []string{dbPath, filepath.Join(dir, "data", ".", "c.db")} {
			_, err := cli(t, vars, "restore", "--to", to, "--snapshot", snapPath)
			if exitCode(err) != 2 {
				t.Errorf("restore --to %s: %v (exit %d), want a refusal with exit 2", to, err, exitCode(err))
			}
		}
		if after, _ := os.ReadFile(dbPath); string(after) != string(before) {
			t.Error("the live database changed")
		}
		existing := filepath.Join(dir, "other.db")
		os.WriteFile(existing, []byte("mine"), 0o600)
		if _, err := cli(t, vars, "restore", "--to", existing, "--snapshot", snapPath); exitCode(err) != 2 {
			t.Errorf("restore over an existing file: %v", err)
		}
	})

	t.Run("usage errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"restore"},
			{"restore", "--to", filepath.Join(dir, "x.db"), "--timestamp", "yesterday"},
			{"restore", "--to", filepath.Join(dir, "x.db"), "--snapshot", snapPath, "--timestamp", "2026-11-26T18:30:00Z"},
			{"backup"},
			{"backup", "nonsense"},
			{"backup", "verify"},
		} {
			if _, err := cli(t, vars, args...); exitCode(err) != 2 {
				t.Errorf("%v: %v, want exit 2", args, err)
			}
		}
	})

	t.Run("restore from the replica without one configured", func(t *testing.T) {
		_, err := cli(t, vars, "restore", "--to", filepath.Join(dir, "y.db"))
		if err == nil || !strings.Contains(err.Error(), "LITESTREAM_BUCKET") {
			t.Errorf("err = %v, want one naming LITESTREAM_BUCKET", err)
		}
		if _, err := cli(t, vars, "backup", "drill"); err == nil || !strings.Contains(err.Error(), "LITESTREAM_BUCKET") {
			t.Errorf("drill without a replica: %v", err)
		}
	})
}

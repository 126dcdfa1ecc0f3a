// Package backup keeps the shop's database safe: local snapshots (VACUUM
// INTO, gzip, SHA-256, JSON metadata), restores through the litestream
// binary, verification of restored copies, restore drills that prove the
// off-site replica restores, and replication health read from Litestream's
// Prometheus metrics.
//
// Litestream always runs as its own process (it opens SQLite through another
// driver; two drivers in one process break each other's locks), so this
// package runs programs and writes files. It knows nothing of HTTP handlers.
package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Litestream runs the pinned litestream binary against one database named
// in a litestream.yml.
type Litestream struct {
	// Bin is the litestream executable.
	Bin string
	// Config is the litestream.yml; its ${VARS} are expanded from Env.
	Config string
	// DBPath is the live database as the config names it.
	DBPath string
	// Env is the child's environment; AWS_CA_BUNDLE is always removed.
	Env []string
}

// ErrNoBinary means no litestream executable was found.
var ErrNoBinary = errors.New("backup: litestream binary not found (set LITESTREAM_BIN or put litestream on PATH)")

// FindBinary locates litestream: LITESTREAM_BIN, then PATH, then
// ./bin/litestream (where `make` and scripts/litestream.sh build it in a
// checkout).
func FindBinary(getenv func(string) string) (string, error) {
	if p := getenv("LITESTREAM_BIN"); p != "" {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			return "", fmt.Errorf("backup: LITESTREAM_BIN=%s: not an executable file", p)
		}
		return p, nil
	}
	if p, err := exec.LookPath("litestream"); err == nil {
		return p, nil
	}
	if fi, err := os.Stat(filepath.Join("bin", "litestream")); err == nil && !fi.IsDir() {
		return filepath.Abs(filepath.Join("bin", "litestream"))
	}
	return "", ErrNoBinary
}

// ChildEnv returns env without AWS_CA_BUNDLE: Litestream 0.5 refuses to
// start when it is set ("unable to add custom RootCAs"); SSL_CERT_FILE is the
// way to trust a private CA.
func ChildEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if strings.HasPrefix(kv, "AWS_CA_BUNDLE=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// PlanFile is one replica file a restore would download.
type PlanFile struct {
	Level     int       `json:"level"`
	Name      string    `json:"name"`
	MinTXID   string    `json:"min_txid"`
	MaxTXID   string    `json:"max_txid"`
	Size      int64     `json:"size"`
	Timestamp time.Time `json:"timestamp"`
}

// Plan is what the replica holds for a restore point.
type Plan struct {
	MinTXID string     `json:"min_txid"`
	MaxTXID string     `json:"max_txid"`
	Files   []PlanFile `json:"files"`
}

// Newest is the time of the newest replica file in the plan: the moment the
// restored copy reflects (Litestream syncs every second, so the data is at
// most that old relative to it).
func (p *Plan) Newest() time.Time {
	var t time.Time
	for _, f := range p.Files {
		if f.Timestamp.After(t) {
			t = f.Timestamp
		}
	}
	return t
}

// Bytes is the total size the restore downloads.
func (p *Plan) Bytes() int64 {
	var n int64
	for _, f := range p.Files {
		n += f.Size
	}
	return n
}

// Restored describes a finished restore.
type Restored struct {
	Path string `json:"path"`
	// At is the requested point in time; zero for the latest state.
	At       time.Time     `json:"at,omitzero"`
	TXID     string        `json:"txid"`
	Plan     *Plan         `json:"plan"`
	Duration time.Duration `json:"duration_ns"`
}

// ErrNoReplica means the replica holds nothing for the requested point.
var ErrNoReplica = errors.New("backup: the replica has no backup for that point in time")

func (l *Litestream) run(ctx context.Context, args ...string) ([]byte, error) {
	if l.Bin == "" {
		return nil, ErrNoBinary
	}
	cmd := exec.CommandContext(ctx, l.Bin, args...)
	cmd.Env = ChildEnv(l.Env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A restore that outlives its context is killed, and its pipes must not
	// keep Wait blocked.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err != nil {
		msg := strings.TrimSpace(stderr.String() + "\n" + stdout.String())
		if strings.Contains(msg, "no matching backup files available") {
			return nil, ErrNoReplica
		}
		if len(msg) > 2000 {
			msg = msg[len(msg)-2000:]
		}
		return nil, fmt.Errorf("backup: litestream %s: %w: %s", args[0], err, msg)
	}
	return stdout.Bytes(), nil
}

func (l *Litestream) restoreArgs(sub []string, at time.Time) []string {
	args := append([]string{"restore", "-config", l.Config}, sub...)
	if !at.IsZero() {
		args = append(args, "-timestamp", at.UTC().Format(time.RFC3339Nano))
	}
	return append(args, l.DBPath)
}

// Plan asks the replica which files a restore to at (zero: latest) needs,
// without writing anything.
func (l *Litestream) Plan(ctx context.Context, at time.Time) (*Plan, error) {
	// -o is required with -dry-run but nothing is written there.
	out, err := l.run(ctx, l.restoreArgs([]string{"-dry-run", "-json", "-o", os.DevNull}, at)...)
	if err != nil {
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(out, &p); err != nil {
		return nil, fmt.Errorf("backup: read restore plan: %w: %s", err, out)
	}
	return &p, nil
}

// Restore writes the replica's state at at (zero: latest) to the new file
// to, which must not exist. It never touches the live database: litestream
// without -o would restore over it, so -o is always given.
func (l *Litestream) Restore(ctx context.Context, to string, at time.Time) (*Restored, error) {
	if err := mustNotExist(to); err != nil {
		return nil, err
	}
	if same, err := samePath(to, l.DBPath); err != nil || same {
		return nil, fmt.Errorf("backup: refusing to restore over the live database %s", l.DBPath)
	}
	start := time.Now()
	plan, err := l.Plan(ctx, at)
	if err != nil {
		return nil, err
	}
	out, err := l.run(ctx, l.restoreArgs([]string{"-json", "-o", to}, at)...)
	if err != nil {
		return nil, err
	}
	var res struct {
		TXID string `json:"txid"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("backup: read restore summary: %w: %s", err, out)
	}
	return &Restored{Path: to, At: at, TXID: res.TXID, Plan: plan, Duration: time.Since(start)}, nil
}

// mustNotExist refuses a destination that exists, and one with SQLite side
// files left over: nothing is ever overwritten.
func mustNotExist(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("backup: %s already exists; choose a new path (nothing is overwritten)", p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("backup: %w", err)
		}
	}
	return nil
}

// samePath reports whether a and b name the same file, following symlinks
// and relative paths; b need not exist.
func samePath(a, b string) (bool, error) {
	aa, err := filepath.Abs(a)
	if err != nil {
		return false, err
	}
	bb, err := filepath.Abs(b)
	if err != nil {
		return false, err
	}
	if aa == bb {
		return true, nil
	}
	fa, errA := os.Stat(aa)
	fb, errB := os.Stat(bb)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb), nil
	}
	// Compare real parent directories: a/../x and a symlinked folder.
	da, errA := filepath.EvalSymlinks(filepath.Dir(aa))
	db, errB := filepath.EvalSymlinks(filepath.Dir(bb))
	if errA == nil && errB == nil {
		return filepath.Join(da, filepath.Base(aa)) == filepath.Join(db, filepath.Base(bb)), nil
	}
	return false, nil
}

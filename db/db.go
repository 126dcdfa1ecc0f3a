// Package db is Cotizador's storage: one SQLite file opened through
// mattn/go-sqlite3 as a single-connection writer pool and a reader pool, the
// goose migrations, and one store file per aggregate. It knows nothing of HTTP.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"cotizador/app"
)

// MinSQLiteVersion is the oldest SQLite we run on: older releases have a
// WAL-reset bug that can corrupt a database under concurrent checkpoints.
const MinSQLiteVersion = "3.51.3"

// DB holds the two pools over one file. Writes go through Writer (one
// connection, BEGIN IMMEDIATE, so the busy timeout applies at BEGIN rather
// than failing at the first write); reads go through Reader.
type DB struct {
	Path   string
	Writer *sql.DB
	Reader *sql.DB
	Clock  app.Clock

	memo  *memo
	guard *guard
}

// driverName is mattn's driver with our connection hook: it counts the
// commits made through this process's connections, so memoised reads (the
// pricing catalogue) know when something may have changed without asking
// the database on every request.
const driverName = "sqlite3_cotizador"

// commits counts commits through any connection this process opened. The
// hook runs just before a commit completes; readers pair it with a short
// recheck interval (see PricingCatalog) for that window and for writes by
// other processes.
var commits atomic.Uint64

// sqliteDriver is mattn's driver with the hook, registered under driverName
// for other programs' connections (tests, tools) and used directly by Open's
// pools, which connect through the guard (guard.go).
var sqliteDriver = &sqlite3.SQLiteDriver{ConnectHook: func(conn *sqlite3.SQLiteConn) error {
	conn.RegisterCommitHook(func() int {
		commits.Add(1)
		return 0
	})
	// The audit trail's functions (audit.go): the triggers call them,
	// so a write through a connection without them (the sqlite3 shell,
	// another program) fails instead of breaking the chain silently.
	if err := registerAuditFuncs(conn); err != nil {
		return err
	}
	// The quote search and dashboard triggers' functions (quote_search.go).
	return registerQuoteFuncs(conn)
}}

func init() {
	sql.Register(driverName, sqliteDriver)
}

// DSN returns the connection string used in production and in tests: every
// pragma travels in the DSN so that each pooled connection gets it.
func DSN(path string, writer bool) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "5000")
	q.Set("_synchronous", "NORMAL")
	q.Set("_foreign_keys", "on")
	// 8 MB of page cache per connection (the default is 2 MB): counting and
	// paging a search over 100,000 customers stays in memory.
	q.Set("_cache_size", "-8000")
	// Statements are kept compiled per connection: saving a quote runs the
	// same few INSERTs each time, and compiling them, with the audit and
	// quote-index triggers they fire, was 40 % of a save.
	q.Set("_stmt_cache_size", "128")
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		// Reader connections refuse writes, so a store method that wrote
		// through the wrong pool fails loudly instead of racing the writer.
		q.Set("_query_only", "true")
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path. It does not migrate.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("db: empty path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("db: create folder: %w", err)
		}
	}
	// Both pools connect through the guard (guard.go): busy retry,
	// read-only mode and the slow-statement log live there, in one place.
	g := newGuard()
	writer := sql.OpenDB(&connector{dsn: DSN(path, true), writer: true, g: g})
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxIdleTime(0)
	// The writer connects first so WAL mode is set before any reader
	// (query_only connections cannot change the journal mode).
	if err := checkVersion(ctx, writer); err != nil {
		writer.Close()
		return nil, err
	}
	reader := sql.OpenDB(&connector{dsn: DSN(path, false), g: g})
	n := max(4, runtime.NumCPU()*2)
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	reader.SetConnMaxIdleTime(5 * time.Minute)
	if err := reader.PingContext(ctx); err != nil {
		writer.Close()
		reader.Close()
		return nil, fmt.Errorf("db: ping reader: %w", err)
	}
	return &DB{Path: path, Writer: writer, Reader: reader, Clock: app.SystemClock{}, memo: newMemo(), guard: g}, nil
}

// Close closes the readers, then the writer: the last connection to close
// checkpoints the WAL into the main file.
func (db *DB) Close() error {
	return errors.Join(db.Reader.Close(), db.Writer.Close())
}

func checkVersion(ctx context.Context, conn *sql.DB) error {
	var v string
	if err := conn.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&v); err != nil {
		return fmt.Errorf("db: read sqlite version: %w", err)
	}
	if compareVersions(v, MinSQLiteVersion) < 0 {
		return fmt.Errorf("db: SQLite %s is older than the required %s", v, MinSQLiteVersion)
	}
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("db: read journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("db: journal mode is %q, want wal", mode)
	}
	return nil
}

// compareVersions compares dotted numeric versions: -1, 0 or 1.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}

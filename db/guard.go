package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"cotizador/app"
)

// The guard is the one place every statement of this process passes: both
// pools open their connections through it (connector below). On the writer
// it retries a write unit that found the database locked by another process
// (Litestream's checkpoint, an operator's sqlite3), turns the app read-only
// when the disk is full or the file cannot be written, and refuses writes
// while it is; on both pools it times statements and logs the slow ones.
//
// Why retrying at BEGIN retries whole units: the writer's transactions are
// BEGIN IMMEDIATE (_txlock=immediate), so the write lock is taken by the
// BEGIN itself, before any statement of the unit runs. In WAL mode nothing
// after a successful BEGIN IMMEDIATE waits for another connection's lock, so
// SQLITE_BUSY surfaces at the BEGIN, where re-running it re-runs the unit
// from its start (a unit that allocates a folio included: nothing of it has
// happened yet). A statement outside a transaction is a unit of its own and
// is retried the same way. A busy error inside a transaction (not expected,
// but possible in principle) is never retried: the store method rolls back
// and the user gets the 503.

// RetryPolicy bounds the busy retry. Each attempt waits up to AttemptTimeout
// for the lock inside SQLite (the busy timeout); between attempts the guard
// sleeps a random time in [0, min(MaxDelay, BaseDelay·2^n)) ("full
// jitter"), and gives up after MaxAttempts attempts or once MaxElapsed has
// passed since the first, trimming the last attempt's busy timeout to the
// time left.
type RetryPolicy struct {
	MaxAttempts    int
	MaxElapsed     time.Duration
	BaseDelay      time.Duration
	MaxDelay       time.Duration
	AttemptTimeout time.Duration
}

// busyTimeout is the busy timeout in the DSN: SQLite's own wait for a lock.
const busyTimeout = 5 * time.Second

// DefaultRetry is production's policy: three attempts of up to 5 s each
// within 12 s, so a user waits at most about 12 s for a 503 that tells them
// to try again.
var DefaultRetry = RetryPolicy{MaxAttempts: 3, MaxElapsed: 12 * time.Second, BaseDelay: 50 * time.Millisecond, MaxDelay: 2 * time.Second, AttemptTimeout: busyTimeout}

// DefaultSlowQuery is the time after which a statement is logged as slow.
const DefaultSlowQuery = 100 * time.Millisecond

// Read-only causes.
const (
	ReadOnlyDiskFull = "disk_full"
	ReadOnlyFile     = "read_only"
)

// ReadOnlyState says since when and why the database refuses writes.
type ReadOnlyState struct {
	Since time.Time `json:"since"`
	Cause string    `json:"cause"`
	Error string    `json:"error"`
}

// GuardStats are the guard's counters since start, for metrics.
type GuardStats struct {
	BusyRetries   uint64 `json:"busy_retries"`   // attempts repeated after SQLITE_BUSY/LOCKED
	BusyRecovered uint64 `json:"busy_recovered"` // units that succeeded after at least one retry
	BusyGaveUp    uint64 `json:"busy_gave_up"`   // units refused once the retry budget was spent
	SlowQueries   uint64 `json:"slow_queries"`   // statements slower than the slow-query threshold
	WritesRefused uint64 `json:"writes_refused"` // writes refused while read-only
}

type guard struct {
	policy    atomic.Pointer[RetryPolicy]
	slowQuery atomic.Int64 // nanoseconds; 0 turns the log off
	logger    atomic.Pointer[slog.Logger]
	clock     func() time.Time

	mu       sync.Mutex
	readOnly *ReadOnlyState

	busyRetries, busyRecovered, busyGaveUp, slowQueries, writesRefused atomic.Uint64
}

func newGuard() *guard {
	g := &guard{clock: func() time.Time { return time.Now().UTC() }}
	p := DefaultRetry
	g.policy.Store(&p)
	g.slowQuery.Store(int64(DefaultSlowQuery))
	return g
}

func (g *guard) log() *slog.Logger {
	if l := g.logger.Load(); l != nil {
		return l
	}
	return slog.Default()
}

// SetLogger sets where the database logs (busy retries, read-only mode,
// slow statements); slog.Default() until set.
func (db *DB) SetLogger(l *slog.Logger) { db.guard.logger.Store(l) }

// SetRetryPolicy replaces the busy retry policy (tests shorten it).
func (db *DB) SetRetryPolicy(p RetryPolicy) { db.guard.policy.Store(&p) }

// SetSlowQuery sets the slow-statement threshold; 0 turns the log off.
func (db *DB) SetSlowQuery(d time.Duration) { db.guard.slowQuery.Store(int64(d)) }

// GuardStats returns the guard's counters.
func (db *DB) GuardStats() GuardStats {
	g := db.guard
	return GuardStats{BusyRetries: g.busyRetries.Load(), BusyRecovered: g.busyRecovered.Load(), BusyGaveUp: g.busyGaveUp.Load(),
		SlowQueries: g.slowQueries.Load(), WritesRefused: g.writesRefused.Load()}
}

// ReadOnly reports whether the database refuses writes, and why.
func (db *DB) ReadOnly() (ReadOnlyState, bool) {
	db.guard.mu.Lock()
	defer db.guard.mu.Unlock()
	if db.guard.readOnly == nil {
		return ReadOnlyState{}, false
	}
	return *db.guard.readOnly, true
}

func (g *guard) isReadOnly() (*ReadOnlyState, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.readOnly, g.readOnly != nil
}

// observe looks at every error of a write: a full disk or a file that
// cannot be written turns the app read-only until a probe write succeeds.
func (g *guard) observe(err error) {
	cause := readOnlyCause(err)
	if cause == "" {
		return
	}
	g.mu.Lock()
	entered := g.readOnly == nil
	if entered {
		g.readOnly = &ReadOnlyState{Since: g.clock(), Cause: cause, Error: err.Error()}
	}
	g.mu.Unlock()
	if entered {
		g.log().Error("database read-only: writes refused until a probe write succeeds",
			"category", "database", "cause", cause, "err", err)
	}
}

// leaveReadOnly ends read-only mode after a successful probe write.
func (g *guard) leaveReadOnly() {
	g.mu.Lock()
	was := g.readOnly
	g.readOnly = nil
	g.mu.Unlock()
	if was != nil {
		g.log().Info("database writable again", "category", "database", "cause", was.Cause,
			"read_only_for", g.clock().Sub(was.Since).Round(time.Second).String())
	}
}

// refusal is the error of a write refused while read-only: the same message
// as the failure that started the mode.
func (g *guard) refusal(st *ReadOnlyState) error {
	g.writesRefused.Add(1)
	msg := MsgDiskFull
	if st.Cause == ReadOnlyFile {
		msg = MsgReadOnly
	}
	return &app.Error{Code: app.EUNAVAILABLE, Message: msg, Category: app.CatDatabase, Severity: app.SevCritical,
		Err: fmt.Errorf("db: read-only since %s (%s)", st.Since.Format(time.RFC3339), st.Cause)}
}

// probeKey marks the probe write's context: it alone may write while the
// database is read-only.
type probeKey struct{}

// wrapErr gives a database failure its app error (read-only, busy, broken
// file) while keeping the SQLite error in the chain for callers that look
// for it; other errors pass unchanged.
func wrapErr(err error) error {
	if err == nil || errors.Is(err, driver.ErrBadConn) || errors.Is(err, driver.ErrSkip) {
		return err
	}
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code {
	case sqlite3.ErrFull, sqlite3.ErrReadonly, sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrCorrupt, sqlite3.ErrNotADB:
		return AppError(err)
	}
	return err
}

// connector opens connections of one pool through the guard.
type connector struct {
	dsn    string
	writer bool
	g      *guard
}

func (c *connector) Connect(context.Context) (driver.Conn, error) {
	conn, err := sqliteDriver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &guardConn{SQLiteConn: conn.(*sqlite3.SQLiteConn), writer: c.writer, g: c.g, busyTimeout: busyTimeout}, nil
}

func (c *connector) Driver() driver.Driver { return sqliteDriver }

// guardConn is one connection seen through the guard. database/sql never
// uses a connection from two goroutines at once, so inTx needs no lock.
type guardConn struct {
	*sqlite3.SQLiteConn
	writer      bool
	g           *guard
	inTx        bool
	busyTimeout time.Duration // the connection's current busy timeout
}

var (
	_ driver.ConnBeginTx        = (*guardConn)(nil)
	_ driver.ExecerContext      = (*guardConn)(nil)
	_ driver.QueryerContext     = (*guardConn)(nil)
	_ driver.ConnPrepareContext = (*guardConn)(nil)
	_ driver.Pinger             = (*guardConn)(nil)
)

func (c *guardConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *guardConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.writer && ctx.Value(probeKey{}) == nil {
		if st, ro := c.g.isReadOnly(); ro {
			return nil, c.g.refusal(st)
		}
	}
	var tx driver.Tx
	err := c.retry(ctx, "BEGIN", func() error {
		var err error
		tx, err = c.SQLiteConn.BeginTx(ctx, opts)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.inTx = true
	return &guardTx{Tx: tx, c: c}, nil
}

func (c *guardConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	start := time.Now()
	defer c.g.timed(start, query)
	if c.writer && !c.inTx && ctx.Value(probeKey{}) == nil && writesData(query) {
		if st, ro := c.g.isReadOnly(); ro {
			return nil, c.g.refusal(st)
		}
	}
	var res driver.Result
	run := func() error {
		var err error
		res, err = c.SQLiteConn.ExecContext(ctx, query, args)
		return err
	}
	var err error
	if c.writer && !c.inTx && singleStatement(query) {
		err = c.retry(ctx, query, run)
	} else {
		err = run()
		if c.writer {
			c.g.observe(err)
		}
		err = wrapErr(err)
	}
	return res, err
}

func (c *guardConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	start := time.Now()
	if c.writer && !c.inTx && ctx.Value(probeKey{}) == nil && writesData(query) {
		if st, ro := c.g.isReadOnly(); ro {
			return nil, c.g.refusal(st)
		}
	}
	rows, err := c.SQLiteConn.QueryContext(ctx, query, args)
	if err != nil {
		c.g.timed(start, query)
		if c.writer {
			c.g.observe(err)
		}
		return nil, wrapErr(err)
	}
	return &guardRows{Rows: rows, g: c.g, start: start, query: query}, nil
}

func (c *guardConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.SQLiteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, wrapErr(err)
	}
	return &guardStmt{Stmt: st, c: c, query: query}, nil
}

func (c *guardConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// retry runs one whole unit (a BEGIN, or a statement outside any
// transaction) and repeats it while SQLite reports the database busy, within
// the policy's budget.
func (c *guardConn) retry(ctx context.Context, what string, run func() error) error {
	p := *c.g.policy.Load()
	start := time.Now()
	defer c.setBusyTimeout(busyTimeout)
	for attempt := 1; ; attempt++ {
		left := p.MaxElapsed - time.Since(start)
		c.setBusyTimeout(min(p.AttemptTimeout, max(left, time.Millisecond)))
		err := run()
		if c.writer {
			c.g.observe(err)
		}
		if err == nil {
			if attempt > 1 {
				c.g.busyRecovered.Add(1)
				c.g.log().Info("database busy: succeeded after retrying", "category", "database",
					"statement", statementName(what), "attempts", attempt, "elapsed_ms", time.Since(start).Milliseconds())
			}
			return nil
		}
		if !isBusy(err) {
			return wrapErr(err)
		}
		elapsed := time.Since(start)
		if attempt >= p.MaxAttempts || elapsed >= p.MaxElapsed || ctx.Err() != nil {
			c.g.busyGaveUp.Add(1)
			c.g.log().Error("database busy: gave up", "category", "database", "statement", statementName(what),
				"attempts", attempt, "elapsed_ms", elapsed.Milliseconds(), "err", err)
			return wrapErr(err)
		}
		ceiling := min(p.MaxDelay, p.BaseDelay<<(attempt-1))
		delay := time.Duration(0)
		if ceiling > 0 {
			delay = rand.N(ceiling)
		}
		delay = min(delay, max(p.MaxElapsed-elapsed, 0))
		c.g.busyRetries.Add(1)
		c.g.log().Warn("database busy: retrying", "category", "database", "statement", statementName(what),
			"attempt", attempt, "delay_ms", delay.Milliseconds(), "elapsed_ms", elapsed.Milliseconds())
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			c.g.busyGaveUp.Add(1)
			return wrapErr(err)
		case <-t.C:
		}
	}
}

// setBusyTimeout changes how long SQLite waits for a lock on this
// connection; a statement only when it differs from the current value.
func (c *guardConn) setBusyTimeout(d time.Duration) {
	if d == c.busyTimeout {
		return
	}
	if _, err := c.SQLiteConn.ExecContext(context.Background(), fmt.Sprintf("PRAGMA busy_timeout = %d", d.Milliseconds()), nil); err == nil {
		c.busyTimeout = d
	}
}

type guardTx struct {
	driver.Tx
	c *guardConn
}

func (t *guardTx) Commit() error {
	t.c.inTx = false
	err := t.Tx.Commit()
	if t.c.writer {
		t.c.g.observe(err)
	}
	return wrapErr(err)
}

func (t *guardTx) Rollback() error {
	t.c.inTx = false
	return t.Tx.Rollback()
}

type guardStmt struct {
	driver.Stmt
	c     *guardConn
	query string
}

func (s *guardStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	start := time.Now()
	defer s.c.g.timed(start, s.query)
	if s.c.writer && !s.c.inTx && ctx.Value(probeKey{}) == nil {
		if st, ro := s.c.g.isReadOnly(); ro && writesData(s.query) {
			return nil, s.c.g.refusal(st)
		}
	}
	res, err := s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
	if s.c.writer {
		s.c.g.observe(err)
	}
	return res, wrapErr(err)
}

func (s *guardStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	start := time.Now()
	rows, err := s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		s.c.g.timed(start, s.query)
		if s.c.writer {
			s.c.g.observe(err)
		}
		return nil, wrapErr(err)
	}
	return &guardRows{Rows: rows, g: s.c.g, start: start, query: s.query}, nil
}

// Exec and Query are the pre-context forms database/sql no longer calls
// when the context ones exist; they go through the same checks.
func (s *guardStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *guardStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// guardRows times a query until its rows are closed: SQLite steps through
// the result as the caller reads it, so that is the statement's real time.
// It forwards the column-type interfaces of mattn's rows.
type guardRows struct {
	driver.Rows
	g     *guard
	start time.Time
	query string
}

func (r *guardRows) Close() error {
	err := r.Rows.Close()
	r.g.timed(r.start, r.query)
	return err
}

func (r *guardRows) ColumnTypeDatabaseTypeName(i int) string {
	if x, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return x.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *guardRows) ColumnTypeLength(i int) (int64, bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return x.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *guardRows) ColumnTypeNullable(i int) (bool, bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return x.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *guardRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return x.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *guardRows) ColumnTypeScanType(i int) reflect.Type {
	if x, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return x.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

// timed logs a statement that took longer than the slow-query threshold,
// to the performance category, with its name and the store method that ran
// it (found only on the slow path, where a stack walk costs nothing that
// matters).
func (g *guard) timed(start time.Time, query string) {
	limit := time.Duration(g.slowQuery.Load())
	if limit <= 0 {
		return
	}
	elapsed := time.Since(start)
	if elapsed < limit {
		return
	}
	g.slowQueries.Add(1)
	g.log().Warn("slow query", "category", "performance", "statement", statementName(query), "caller", storeCaller(),
		"duration_ms", float64(elapsed.Microseconds())/1000, "threshold_ms", limit.Milliseconds())
}

// storeCaller names the first function outside database/sql and this file
// on the stack: the store method whose statement was slow.
func storeCaller() string {
	var pcs [24]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		fn := f.Function
		if strings.HasPrefix(fn, "cotizador/") && !strings.HasSuffix(f.File, "db/guard.go") {
			return strings.TrimPrefix(fn, "cotizador/")
		}
		if !more {
			return ""
		}
	}
}

// singleStatement reports whether query is one statement. A string of
// several run outside a transaction commits each as it goes, so re-running
// it after a busy second statement would repeat the first: only a single
// statement is a whole unit the guard may retry. (A ';' inside a literal
// makes it refuse to retry: cautious, never wrong.)
func singleStatement(query string) bool {
	return !strings.Contains(strings.TrimRight(strings.TrimSpace(query), ";"), ";")
}

// writesData reports whether a statement run outside a transaction changes
// data (so it is refused while read-only). Reads, pragmas and VACUUM INTO
// (a snapshot written elsewhere) pass.
func writesData(query string) bool {
	switch firstWord(query) {
	case "INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER":
		return true
	}
	return false
}

func firstWord(query string) string {
	q := strings.TrimLeft(query, " \t\r\n(")
	end := strings.IndexAny(q, " \t\r\n(")
	if end < 0 {
		end = len(q)
	}
	return strings.ToUpper(q[:end])
}

// statementName is a short, bounded name for a statement in logs: its verb
// and the first table it names ("SELECT customers", "INSERT quotes").
func statementName(query string) string {
	verb := firstWord(query)
	fields := strings.Fields(strings.NewReplacer("(", " ", ")", " ", ",", " ").Replace(query))
	for i, f := range fields {
		switch strings.ToUpper(f) {
		case "FROM", "INTO", "UPDATE", "JOIN":
			if i+1 < len(fields) {
				t := strings.Trim(fields[i+1], "`\"[];")
				if t != "" && strings.ToUpper(t) != "SELECT" {
					return verb + " " + t
				}
			}
		}
	}
	return verb
}

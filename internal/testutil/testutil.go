// Package testutil builds the real parts tests run against: a migrated
// SQLite file in t.TempDir() opened with the production DSN, and the full
// Fiber app on top of it with a fake clock.
package testutil

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/handlers"
)

// Epoch is the fake clock's start: a Thursday afternoon in Mexico City.
var Epoch = time.Date(2026, 11, 26, 20, 30, 0, 0, time.UTC)

// OpenDB opens a fresh, migrated database in t.TempDir().
func OpenDB(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "cotizador.db"))
	if err != nil {
		t.Fatalf("open db: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.MigrateUp(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return d
}

// SafeBuffer is a bytes.Buffer safe for a logger writing while a test reads.
type SafeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SafeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SafeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// App is a running test application.
type App struct {
	Fiber *fiber.App
	DB    *db.DB
	Clock *app.FakeClock
	Logs  *SafeBuffer
}

// Option adjusts the handlers' configuration of a test app.
type Option func(*handlers.Deps)

// Production runs the app in production mode.
func Production() Option { return func(d *handlers.Deps) { d.Config.Env = "production" } }

// WithSecurity adjusts the security settings (rate limits are off by
// default in tests; the tests of the limits turn them on).
func WithSecurity(f func(*handlers.Security)) Option {
	return func(d *handlers.Deps) { f(&d.Config.Security) }
}

// FastPasswords are argon2id parameters cheap enough for tests that create
// many accounts; production uses auth.DefaultParams.
var FastPasswords = auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// NewApp builds the full application over a fresh database.
func NewApp(t testing.TB, opts ...Option) *App {
	t.Helper()
	d := OpenDB(t)
	logs := &SafeBuffer{}
	clock := app.NewFakeClock(Epoch)
	// One clock for the handlers and the stores: tests move time for both.
	d.Clock = clock
	deps := handlers.Deps{
		DB:     d,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Clock:  clock,
		Config: handlers.Config{
			Env:      "development",
			Build:    handlers.BuildInfo{Version: "test", Commit: "abc123", BuildTime: "2026-11-26T00:00:00Z", GoVersion: "go-test"},
			Security: handlers.DefaultSecurity(),
		},
	}
	deps.Config.Security.PasswordParams = FastPasswords
	deps.Config.Security.RateLimit = 0
	deps.Config.Security.LoginRateLimit = 0
	for _, o := range opts {
		o(&deps)
	}
	// The database logs (busy retries, read-only mode, slow statements) to
	// the app's log, as serve sets it up.
	d.SetLogger(deps.Logger)
	a, err := handlers.New(deps)
	if err != nil {
		t.Fatalf("handlers.New: %v", err)
	}
	return &App{Fiber: a, DB: d, Clock: clock, Logs: logs}
}

// Do sends req through the app (no network) and returns the response and
// its body.
func (a *App) Do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := a.Fiber.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, string(body)
}

// Get is Do for a GET with optional header pairs.
func (a *App) Get(t testing.TB, path string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return a.Do(t, req)
}

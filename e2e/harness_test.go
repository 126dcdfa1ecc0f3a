// Package e2e drives the real app in Debian's headless Chromium through
// chromedp, on a phone-sized viewport. The server runs in-process on a
// loopback port over a real migrated SQLite file. `go test -short` skips
// these; `make test` runs them (and installs Chromium first).
package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cotizador/auth"
	"cotizador/internal/testutil"
)

// Browser is one Chromium tab pointed at one running test app.
type Browser struct {
	Ctx     context.Context
	BaseURL string
	App     *testutil.App

	mu     sync.Mutex
	errors []string
}

func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("CHROMIUM_BIN"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("Chromium not found: run ./scripts/test-deps.sh (make test does)")
	return ""
}

// NewBrowser starts the app and a headless Chromium emulating a 390×844
// phone. Console errors and uncaught exceptions are collected; the test fails
// at cleanup if any occurred.
func NewBrowser(t *testing.T, opts ...testutil.Option) *Browser {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: runs in make test, not with -short")
	}
	a := testutil.NewApp(t, opts...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go a.Fiber.Listener(ln)
	t.Cleanup(func() { a.Fiber.ShutdownWithTimeout(5 * time.Second) })

	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(390, 844),
		// A salesperson's phone in Mexico asks for Spanish.
		chromedp.Flag("lang", "es-MX"),
		chromedp.Flag("accept-lang", "es-MX,es"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// The first run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b := &Browser{Ctx: ctx, BaseURL: "http://" + ln.Addr().String(), App: a}

	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			// A form re-rendered with its field errors answers 422 by design
			// (README, "Form errors"); Chromium logs every 4xx load.
			if m.Source == "network" && strings.Contains(m.Text, "status of 422") {
				continue
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				b.mu.Lock()
				b.errors = append(b.errors, fmt.Sprintf("%s %s:%d %s", m.Type, m.URL, m.Line+1, m.Text))
				b.mu.Unlock()
			}
		}
	}()
	b.Do(t, "emulate phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	t.Cleanup(func() {
		for _, e := range b.Errors() {
			t.Errorf("browser console: %s", e)
		}
	})
	return b
}

// Errors returns the console errors and exceptions seen so far.
func (b *Browser) Errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// stepTimeout bounds each group of actions, so a missing element fails the
// test with a message instead of hanging until the go test timeout.
const stepTimeout = 20 * time.Second

// Do runs actions that return nothing, failing the test on error.
func (b *Browser) Do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.Screenshot(t, "failed-"+strings.ReplaceAll(what, " ", "-"))
		url, _ := chromedp.Run(b.Ctx, chromedp.Location())
		t.Fatalf("%s (at %s): %v", what, url, err)
	}
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](t *testing.T, b *Browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// Text returns the visible text of the first element matching a CSS selector.
func (b *Browser) Text(t *testing.T, css string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// URL makes an absolute URL on the test server.
func (b *Browser) URL(path string) string { return b.BaseURL + path }

// Screenshot saves a PNG of the viewport when COTIZADOR_SCREENSHOTS names a
// folder, to look at a page as a person would.
func (b *Browser) Screenshot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("COTIZADOR_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(fmt.Sprintf("%s/%s.png", dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// SignIn creates the owner account and signs in through the login page.
func (b *Browser) SignIn(t *testing.T) {
	t.Helper()
	b.App.CreateUser(t, auth.RoleOwner, "duena@aluminios.mx")
	b.Do(t, "sign in",
		chromedp.Navigate(b.URL("/login")),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "duena@aluminios.mx"),
		chromedp.SendKeys(chromedp.ID("password"), testutil.Password),
		chromedp.Click(chromedp.CSS("form button.primary")),
		chromedp.WaitReady(chromedp.CSS(".site-header .nav-user")),
	)
}

// waitFor polls a JavaScript condition until it holds.
func waitFor(t *testing.T, b *Browser, cond string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond)); err != nil {
		b.Screenshot(t, "failed-wait")
		t.Fatalf("waiting for %s: %v", cond, err)
	}
}

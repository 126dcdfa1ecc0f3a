package handlers_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/valyala/fasthttp"

	"cotizador/handlers"
	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// holdLog is a logger that holds the request log line of one path until
// released: the request stays inside the middleware chain meanwhile, as a
// slow request would.
type holdLog struct {
	path    string
	entered chan struct{}
	release chan struct{}
	held    atomic.Bool
}

func (h *holdLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *holdLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *holdLog) WithGroup(string) slog.Handler            { return h }
func (h *holdLog) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "path" && a.Value.String() == h.path && h.held.CompareAndSwap(false, true) {
			close(h.entered)
			<-h.release
			return false
		}
		return true
	})
	return nil
}

// TestRequestsTakeTurns: a request that arrives while another is being
// served first lets the goroutines already waiting run (takeTurns); a
// request alone does not yield (waking an idle core for nothing cost
// 15-20 us in BenchmarkQuoteCalc). With one processor and the collector
// off, nothing else could run a waiting goroutine during a request.
func TestRequestsTakeTurns(t *testing.T) {
	hold := &holdLog{path: "/api/health/live", entered: make(chan struct{}), release: make(chan struct{})}
	app := testutil.NewApp(t, func(d *handlers.Deps) { d.Logger = slog.New(hold) })
	handler := app.Fiber.Handler()
	get := func(path string) *fasthttp.RequestCtx {
		var c fasthttp.RequestCtx
		c.Init(&fasthttp.Request{}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}, nil)
		c.Request.SetRequestURI(path)
		return &c
	}
	// How many of n requests let a goroutine that was ready before them
	// run first.
	behind := func(t *testing.T, n int) int {
		count := 0
		for i := 0; i < n; i++ {
			var waiting atomic.Bool
			done := make(chan struct{})
			go func() { waiting.Store(true); close(done) }()
			c := get("/api/health/version")
			handler(c)
			if got := c.Response.StatusCode(); got != fasthttp.StatusOK {
				t.Fatalf("GET /api/health/version: %d", got)
			}
			if waiting.Load() {
				count++
			}
			<-done
		}
		return count
	}

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const requests = 100
	t.Run("a request alone does not yield", func(t *testing.T) {
		if got := behind(t, requests); got > requests/10 {
			t.Errorf("%d of %d lone requests yielded, want none", got, requests)
		}
	})
	t.Run("behind a request being served, waiting goroutines go first", func(t *testing.T) {
		held := make(chan struct{})
		go func() { handler(get("/api/health/live")); close(held) }()
		<-hold.entered
		var once sync.Once
		release := func() { once.Do(func() { close(hold.release); <-held }) }
		t.Cleanup(release) // also when the test stops early
		// The scheduler looks at its global queue first one time in 61
		// and may then pick the yielding goroutine again: most requests,
		// not all, let the waiting goroutine run first.
		got := behind(t, requests)
		release()
		if got < requests*9/10 {
			t.Errorf("%d of %d requests let a goroutine ready before them run first, want at least 90 %%", got, requests)
		}
	})
}

// countingListener counts the Write calls on the connections it accepts.
type countingListener struct {
	net.Listener
	writes atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	return &countingConn{Conn: c, writes: &l.writes}, err
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

// TestAnswerInOneWrite: a live recalculation's answer, headers and
// fragment together over 4 KiB, reaches the socket in one write (the
// server's write buffer holds it whole).
func TestAnswerInOneWrite(t *testing.T) {
	app := testutil.NewApp(t)
	app.CreateUser(t, "owner", "duena@aluminios.mx")
	testutil.LoadCatalog(t, app.DB, pricing.PrototypeSeedCatalog())
	cl := app.Login(t, "duena@aluminios.mx")
	cl.Get(t, "/cotizaciones/nueva")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cln := &countingListener{Listener: ln}
	go app.Fiber.Listener(cln)
	t.Cleanup(func() {
		app.Fiber.Shutdown()
		ln.Close() // ends the serve loop even if Shutdown came before it started
	})

	form := quoteForm("linea", "0", "_csrf", cl.CSRF).Encode()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "POST /cotizaciones/calcular HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
		"HX-Request: true\r\nCookie: cotizador_session=" + cl.Cookies["cotizador_session"] + "; cotizador_csrf=" + cl.Cookies["cotizador_csrf"] +
		"\r\nContent-Length: " + strconv.Itoa(len(form)) + "\r\n\r\n" + form
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`class="sketch`)) {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	var head bytes.Buffer
	resp.Header.Write(&head)
	if size := head.Len() + len(body); size <= 4096 {
		t.Fatalf("the answer is %d bytes; the test needs one over fasthttp's 4 KiB default buffer", size)
	}
	if got := cln.writes.Load(); got != 1 {
		t.Errorf("the answer took %d writes, want 1", got)
	}
}

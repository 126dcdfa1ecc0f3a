package handlers_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/valyala/fasthttp"

	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// TestRequestsTakeTurns: before a request is served, goroutines already
// ready to run get the processor (takeTurns). With one processor and the
// collector off, nothing else can run a goroutine that became ready before
// the request started unless the server yields.
func TestRequestsTakeTurns(t *testing.T) {
	app := testutil.NewApp(t)
	handler := app.Fiber.Handler()
	var fctx fasthttp.RequestCtx
	fctx.Init(&fasthttp.Request{}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}, nil)
	fctx.Request.SetRequestURI("/api/health/live")

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	// The scheduler looks at its global queue first one time in 61, and may
	// then pick the yielding goroutine again: most requests, not all, let
	// the waiting goroutine run first.
	const requests = 100
	behind := 0
	for i := 0; i < requests; i++ {
		var waiting atomic.Bool
		done := make(chan struct{})
		go func() { waiting.Store(true); close(done) }()
		handler(&fctx)
		if got := fctx.Response.StatusCode(); got != fasthttp.StatusOK {
			t.Fatalf("GET /api/health/live: %d", got)
		}
		if waiting.Load() {
			behind++
		}
		<-done
		fctx.Response.Reset()
	}
	if behind < requests*9/10 {
		t.Errorf("%d of %d requests waited for a goroutine that was ready before them, want at least 90 %%", behind, requests)
	}
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
	t.Cleanup(func() { app.Fiber.Shutdown() })

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

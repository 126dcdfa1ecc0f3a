package handlers_test

import (
	"bytes"
	"net"
	"net/http"
	"testing"

	"github.com/valyala/fasthttp"

	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// BenchmarkQuoteCalc is one live recalculation of a one-line quote through
// the whole middleware stack (session, CSRF, rate limit, headers, pricing,
// fragment), in process, for a client that does not ask for compression. Requests go straight to the Fiber handler
// on a reused fasthttp request context: app.Test's pipe connection, extra
// goroutines and HTTP parsing of the answer would be measured otherwise.
func BenchmarkQuoteCalc(b *testing.B) { benchQuoteCalc(b, "") }

// BenchmarkQuoteCalcGzip is the same request asking for a gzip answer, as
// browsers and scripts/loadtest's client do (the fragment, under 8 KiB, is
// sent plain: compressing it cost 35-55 us more).
func BenchmarkQuoteCalcGzip(b *testing.B) { benchQuoteCalc(b, "gzip") }

func benchQuoteCalc(b *testing.B, acceptEncoding string) {
	b.Helper()
	b.StopTimer()
	app := testutil.NewApp(b)
	app.CreateUser(b, "owner", "duena@aluminios.mx")
	testutil.LoadCatalog(b, app.DB, pricing.PrototypeSeedCatalog())
	cl := app.Login(b, "duena@aluminios.mx")
	cl.Get(b, "/cotizaciones/nueva")
	form := []byte(quoteForm("linea", "0", "_csrf", cl.CSRF).Encode())
	cookie := "cotizador_session=" + cl.Cookies["cotizador_session"] + "; cotizador_csrf=" + cl.Cookies["cotizador_csrf"]
	handler := app.Fiber.Handler()
	var fctx fasthttp.RequestCtx
	fctx.Init(&fasthttp.Request{}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}, nil)
	b.StartTimer()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		fctx.Request.Reset()
		fctx.Response.Reset()
		fctx.Request.Header.SetMethod(http.MethodPost)
		fctx.Request.SetRequestURI("/cotizaciones/calcular")
		fctx.Request.Header.SetContentType("application/x-www-form-urlencoded")
		fctx.Request.Header.Set("HX-Request", "true")
		fctx.Request.Header.Set("Cookie", cookie)
		if acceptEncoding != "" {
			fctx.Request.Header.Set("Accept-Encoding", acceptEncoding)
		}
		fctx.Request.SetBody(form)
		handler(&fctx)
		body := fctx.Response.Body()
		if acceptEncoding != "" {
			// Unpacking is the browser's work: checked once, not timed.
			if i > 0 {
				if code := fctx.Response.StatusCode(); code != 200 {
					b.Fatalf("status %d", code)
				}
				continue
			}
			b.StopTimer()
			var err error
			if body, err = fctx.Response.BodyUncompressed(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if code := fctx.Response.StatusCode(); code != 200 || !bytes.Contains(body, []byte("3,926.67")) {
			b.Fatalf("status %d\n%s", code, body)
		}
	}
}

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
// the whole middleware stack (session, CSRF, rate limit, compression, headers,
// pricing, fragment), in process. Requests go straight to the Fiber handler
// on a reused fasthttp request context: app.Test's pipe connection, extra
// goroutines and HTTP parsing of the answer would be measured otherwise.
func BenchmarkQuoteCalc(b *testing.B) {
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
		fctx.Request.SetBody(form)
		handler(&fctx)
		if code := fctx.Response.StatusCode(); code != 200 || !bytes.Contains(fctx.Response.Body(), []byte("3,926.67")) {
			b.Fatalf("status %d\n%s", code, fctx.Response.Body())
		}
	}
}

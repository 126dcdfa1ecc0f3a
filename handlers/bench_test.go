package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// BenchmarkQuoteCalc is one live recalculation of a one-line quote through
// the whole middleware stack (session, CSRF, pricing, fragment), in process.
func BenchmarkQuoteCalc(b *testing.B) {
	b.StopTimer()
	app := testutil.NewApp(b)
	app.CreateUser(b, "owner", "duena@aluminios.mx")
	testutil.LoadCatalog(b, app.DB, pricing.PrototypeSeedCatalog())
	cl := app.Login(b, "duena@aluminios.mx")
	cl.Get(b, "/cotizaciones/nueva")
	form := quoteForm("linea", "0", "_csrf", cl.CSRF).Encode()
	cookie := "cotizador_session=" + cl.Cookies["cotizador_session"] + "; cotizador_csrf=" + cl.Cookies["cotizador_csrf"]
	b.StartTimer()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest(http.MethodPost, "/cotizaciones/calcular", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set("Cookie", cookie)
		resp, err := app.Fiber.Test(req, -1)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("status %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
	}
}

package handlers_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// Answers of 8 KiB or more are compressed as the client accepts; a live
// recalculation's fragment (3-5 KB, fits the first packets either way) is
// sent as it is, which halves its CPU cost (BenchmarkQuoteCalcGzip).
func TestCompressionOnlyWhereItPays(t *testing.T) {
	app := testutil.NewApp(t)
	app.CreateUser(t, "owner", "duena@aluminios.mx")
	testutil.LoadCatalog(t, app.DB, pricing.PrototypeSeedCatalog())
	cl := app.Login(t, "duena@aluminios.mx")

	t.Run("a page is compressed", func(t *testing.T) {
		for _, tc := range []struct{ accept, want string }{{"gzip", "gzip"}, {"gzip, deflate, br", "br"}, {"", ""}} {
			resp, body := cl.Get(t, "/cotizaciones/nueva", "Accept-Encoding", tc.accept)
			if got := resp.Header.Get("Content-Encoding"); got != tc.want {
				t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.want)
			}
			if tc.want == "gzip" {
				zr, err := gzip.NewReader(strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				plain, err := io.ReadAll(zr)
				if err != nil {
					t.Fatal(err)
				}
				if len(plain) < 8<<10 || !bytes.Contains(plain, []byte(`name="_csrf"`)) {
					t.Errorf("the gzipped editor page unpacks to %d bytes without its form", len(plain))
				}
			}
			if tc.want == "" && !strings.Contains(body, `name="_csrf"`) {
				t.Errorf("the plain editor page has no form")
			}
		}
	})

	t.Run("a recalculation fragment is not", func(t *testing.T) {
		cl.Get(t, "/cotizaciones/nueva")
		resp, body := cl.PostForm(t, "/cotizaciones/calcular", quoteForm("linea", "0"), "HX-Request", "true", "Accept-Encoding", "gzip, deflate, br")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" {
			t.Fatalf("status %d, Content-Encoding %q; want 200 and none", resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		if !strings.Contains(body, "3,926.67") || len(body) >= 8<<10 {
			t.Errorf("fragment of %d bytes without the total:\n%.300s", len(body), body)
		}
	})
}

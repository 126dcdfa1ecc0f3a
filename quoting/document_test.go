package quoting_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/internal/testutil"
	"cotizador/pricing"
	"cotizador/quoting"
)

// testLogo is a small PNG logo.
func testLogo(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 240, 80))
	for y := 0; y < 80; y++ {
		for x := 0; x < 240; x++ {
			img.Set(x, y, color.RGBA{R: 29, G: 78, B: 137, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// shop is a company with its data, logo, bank details and two payment
// plans, DOMAIN.md's prototype catalogue and its owner.
func shop(t testing.TB) (*quoting.Service, *db.User) {
	t.Helper()
	d := testutil.OpenDB(t)
	d.Clock = app.NewFakeClock(testutil.Epoch)
	owner := &db.User{Email: "rosa@aluminiosbajio.mx", Name: "Rosa Martínez", PasswordHash: "x"}
	ctx := t.Context()
	if err := d.Setup(ctx, "Aluminios del Bajío", owner, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	owner.Role = auth.RoleOwner
	testutil.LoadCatalog(t, d, pricing.PrototypeSeedCatalog())
	cs, err := d.CompanySettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs.RFC, cs.Address, cs.Phone, cs.Email = "ABA010203AB1", "Blvd. López Mateos 1402, León, Gto.", "4771234567", "ventas@aluminiosbajio.mx"
	cs.BankDetails = "BBVA, Aluminios del Bajío SA de CV\nCLABE 012225001234567890"
	cs.PaymentPlans = []pricing.PaymentPlan{{Months: 3, Surcharge: decimal.Zero}, {Months: 12, Surcharge: decimal.RequireFromString("0.12")}}
	if err := d.UpdateCompanySettings(ctx, cs, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetCompanyLogo(ctx, testLogo(t), app.CLIActor); err != nil {
		t.Fatal(err)
	}
	return &quoting.Service{DB: d, Clock: d.Clock}, owner
}

// workedExample saves DOMAIN.md's worked example (total 3926.67 in
// compatible mode) with an optional fixed window and an optional material
// line, which the document shows but the total leaves out.
func workedExample(t testing.TB, s *quoting.Service, u *db.User, display string) *db.Quote {
	t.Helper()
	in := &quoting.Input{Percent: true, Fields: map[string]string{
		quoting.FieldCustomerName: "Laura Gómez Hernández", quoting.FieldCustomerRFC: "GOHL850101AB1",
		quoting.FieldCustomerPhone: "4777654321", quoting.FieldMode: string(pricing.ModeCompatible),
		quoting.FieldPriceDisplay: display, quoting.FieldUnit: quoting.UnitCM,
	}}
	in.Items = []quoting.ItemInput{
		{N: 0, ProductCode: "PROTO-COR-3", Width: "150", Height: "120", Quantity: "1", ColorCode: "NAT", GlassCode: "VID-CLARO-6", Location: "Recámara principal"},
		{N: 1, ProductCode: "PROTO-FIJ-3", Width: "100", Height: "80", Quantity: "2", ColorCode: "BLA", Location: "Baño", Optional: true},
	}
	in.Materials = []quoting.MaterialInput{{N: 2, MaterialCode: "CON-SIL-NEU", Quantity: "3", Optional: true}}
	return save(t, s, u, in)
}

// save prices and saves in as u, and reads the quote back as pages do (with
// its salesperson's name).
func save(t testing.TB, s *quoting.Service, u *db.User, in *quoting.Input) *db.Quote {
	t.Helper()
	d, err := s.Price(t.Context(), in, u)
	if err != nil {
		t.Fatal(err)
	}
	q, err := s.Save(t.Context(), d, u, nil, app.UserActor(u.ID))
	if err != nil {
		t.Fatalf("save: %v (%v)", err, d.FieldErrors())
	}
	q, _, err = s.Find(t.Context(), q.ID, u)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestQuotePDF(t *testing.T) {
	s, owner := shop(t)
	q := workedExample(t, s, owner, quoting.DisplayPlusIVA)
	if q.Totals.Total.StringFixed(2) != "3926.67" {
		t.Fatalf("total %s, want the worked example's 3926.67", q.Totals.Total)
	}
	doc, err := s.PDF(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	raw := testutil.PDFText(t, doc)
	text := testutil.OneLine(raw)
	for _, want := range []string{
		q.DisplayFolio(), "Cotización", "Fecha: 26/11/2026", "Válida hasta: 11/12/2026",
		"Aluminios del Bajío", "RFC ABA010203AB1", "Tel. 477 123 4567", "ventas@aluminiosbajio.mx",
		"Laura Gómez Hernández", "RFC GOHL850101AB1", "LE ATIENDE", "Rosa Martínez",
		// Each line: product, size as typed, colour and glass by name, location.
		"Ventana Corrediza 2 Hojas", "Medidas: 150 × 120 cm", "Color: Natural", "Ubicación: Recámara principal",
		"Ventana Fija", "Medidas: 100 × 80 cm", "Color: Blanco", "Opcional: no incluida en el total",
		// The sketch's dimensions, in mm, drawn as text.
		"1500", "1200", "1000", "800",
		// The material line with its unit.
		"3 CARTUCHO",
		"Subtotal sin IVA $3,385.06 MXN", "IVA 16 % $541.61 MXN", "Total $3,926.67 MXN",
		"IMPORTE CON LETRA TRES MIL NOVECIENTOS VEINTISÉIS PESOS 67/100 M.N.",
		"Anticipo 50 % $1,963.34 MXN", "Saldo contra entrega $1,963.33 MXN",
		"Precios unitarios e importes más IVA.",
		// 3 months: 3926.67 / 3 = 1308.89 exactly; 12 months with 12 %:
		// 4397.87 in 11 payments of 366.49 and a last of 366.48.
		"MESES SIN INTERESES", "3 meses $1,308.89 MXN $3,926.67 MXN",
		"12 meses $366.49 MXN (último $366.48 MXN) $4,397.87 MXN",
		"DATOS BANCARIOS PARA EL ANTICIPO", "CLABE 012225001234567890",
		"CONDICIONES", "Garantía: un año en fabricación e instalación",
		"Página 1 de 1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	// The line's amount is its selling price, here the subtotal of the one
	// line that counts.
	if !strings.Contains(text, "1 $3,385.06 MXN $3,385.06 MXN") {
		t.Errorf("the worked example's line does not show quantity, unit price and amount 3,385.06:\n%s", raw)
	}

	// Never an internal figure: every cost figure of the quote and its
	// lines, and the words and formulas of the breakdown.
	var internal []string
	money := func(d decimal.Decimal) string {
		return strings.TrimSuffix(strings.TrimPrefix(pricing.FormatMXN(d), "$"), " MXN")
	}
	tt := q.Totals
	for _, d := range []decimal.Decimal{tt.Cost, tt.Profit, tt.Indirect, tt.Materials, tt.Labour} {
		internal = append(internal, money(d))
	}
	for _, it := range q.Items {
		internal = append(internal, money(it.Cost))
		for _, b := range []decimal.Decimal{it.Buckets.Profiles, it.Buckets.Glass, it.Buckets.Hardware, it.Buckets.Consumables, it.Buckets.Labour} {
			if b.IsPositive() {
				internal = append(internal, money(b))
			}
		}
		for _, l := range it.Breakdown {
			// A constant ("4" hinges) says nothing; a formula has a name.
			if strings.ContainsAny(l.Formula, "abcdefghijklmnopqrstuvwxyz_") {
				internal = append(internal, l.Formula)
			}
		}
	}
	// The worked example's own figures, in case the lists above were empty.
	internal = append(internal, "2,417.90", "604.48", "362.69", "1,908.00", "226.80", "140.40", "79.70")
	for _, bad := range internal {
		if bad != "" && strings.Contains(text, bad) {
			t.Errorf("the PDF shows the internal figure or formula %q", bad)
		}
	}
	for _, word := range []string{"costo", "utilidad", "indirectos", "mano de obra", "perfiles", "width_m", "height_m", "area_m2", "desperdicio"} {
		if strings.Contains(strings.ToLower(text), word) {
			t.Errorf("the PDF says %q", word)
		}
	}
	if !bytes.Contains(doc, []byte("/Subtype /Image")) {
		t.Error("the PDF has no image: the company logo is missing")
	}
	if out := os.Getenv("QUOTE_PDF_OUT"); out != "" {
		os.WriteFile(out, doc, 0o644)
	}
}

func TestQuotePDFIVAIncluded(t *testing.T) {
	s, owner := shop(t)
	q := workedExample(t, s, owner, quoting.DisplayIVAIncluded)
	doc, err := s.PDF(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	text := testutil.OneLine(testutil.PDFText(t, doc))
	// The line as the quote displays it: 3385.06 × 1.16 = 3926.67.
	for _, want := range []string{"1 $3,926.67 MXN $3,926.67 MXN", "Precios unitarios e importes con IVA incluido.",
		"Total $3,926.67 MXN", "TRES MIL NOVECIENTOS VEINTISÉIS PESOS 67/100 M.N."} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	if strings.Contains(text, "1 $3,385.06 MXN") {
		t.Error("the line shows its price before IVA on a quote with IVA included")
	}
}

func TestQuotePDFNoPlansNoLogo(t *testing.T) {
	s, owner := shop(t)
	ctx := t.Context()
	cs, _ := s.DB.CompanySettings(ctx)
	cs.PaymentPlans, cs.BankDetails = nil, ""
	if err := s.DB.UpdateCompanySettings(ctx, cs, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.SetCompanyLogo(ctx, nil, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	q := workedExample(t, s, owner, quoting.DisplayPlusIVA)
	doc, err := s.PDF(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	text := testutil.OneLine(testutil.PDFText(t, doc))
	for _, absent := range []string{"MESES SIN INTERESES", "DATOS BANCARIOS"} {
		if strings.Contains(text, absent) {
			t.Errorf("%q printed with nothing to show under it", absent)
		}
	}
	if bytes.Contains(doc, []byte("/Subtype /Image")) {
		t.Error("an image in a document of a company without a logo")
	}
	if plans, err := s.PaymentPlans(ctx, q); err != nil || len(plans) != 0 {
		t.Errorf("PaymentPlans = %v, %v; want none", plans, err)
	}
}

func TestPaymentPlansForShare(t *testing.T) {
	s, owner := shop(t)
	q := workedExample(t, s, owner, quoting.DisplayPlusIVA)
	plans, err := s.PaymentPlans(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range plans {
		got = append(got, fmt.Sprintf("%d:%s:%s:%s", p.Months, p.Total.StringFixed(2), p.Monthly.StringFixed(2), p.Last.StringFixed(2)))
	}
	if want := "3:3926.67:1308.89:1308.89 12:4397.87:366.49:366.48"; strings.Join(got, " ") != want {
		t.Errorf("plans = %v, want %s", got, want)
	}
}

// twentyLines saves a quote of 20 window lines of the three seed products.
func twentyLines(t testing.TB, s *quoting.Service, u *db.User) *db.Quote {
	t.Helper()
	in := &quoting.Input{Percent: true, Fields: map[string]string{quoting.FieldCustomerName: "Constructora Los Olivos"}}
	products := []struct{ code, w, h string }{{"PROTO-COR-3", "1500", "1200"}, {"PROTO-FIJ-3", "1000", "800"}, {"PROTO-PRO-35", "600", "400"}}
	for i := 0; i < 20; i++ {
		p := products[i%3]
		in.Items = append(in.Items, quoting.ItemInput{N: i, ProductCode: p.code, Width: p.w, Height: p.h, Quantity: "2",
			ColorCode: "BLA", Location: fmt.Sprintf("Departamento %d", i+1)})
	}
	return save(t, s, u, in)
}

func TestQuotePDFTwentyLines(t *testing.T) {
	s, owner := shop(t)
	q := twentyLines(t, s, owner)
	doc, err := s.PDF(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	raw := testutil.PDFText(t, doc)
	pages := strings.Count(raw, "\f")
	if pages < 2 {
		t.Fatalf("20 lines on %d page", pages)
	}
	text := testutil.OneLine(raw)
	for i := 1; i <= 20; i++ {
		if !strings.Contains(text, fmt.Sprintf("Departamento %d ", i)) {
			t.Errorf("line %d missing", i)
		}
	}
	if !strings.Contains(text, fmt.Sprintf("Página %d de %d", pages, pages)) || !strings.Contains(text, pricing.FormatMXN(q.Totals.Total)) {
		t.Errorf("last page number or total missing")
	}
	// The folio on every page's foot.
	if n := len(regexp.MustCompile(regexp.QuoteMeta(q.DisplayFolio())+` · Aluminios del Bajío`).FindAllString(raw, -1)); n != pages {
		t.Errorf("folio in %d page feet, want %d", n, pages)
	}
}

// BenchmarkQuotePDF20 is the use case the PDF routes run: read the
// settings, logo and catalogue names, build the document of a saved 20-line
// quote and draw it.
func BenchmarkQuotePDF20(b *testing.B) {
	s, owner := shop(b)
	q := twentyLines(b, s, owner)
	b.ReportAllocs()
	size := 0
	for b.Loop() {
		doc, err := s.PDF(b.Context(), q)
		if err != nil {
			b.Fatal(err)
		}
		size = len(doc)
	}
	b.ReportMetric(float64(size)/1024, "KB/doc")
}

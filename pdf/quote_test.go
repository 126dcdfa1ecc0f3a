package pdf

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"cotizador/locales"
	"cotizador/sketch"
)

func spanish(t testing.TB) *locales.Translator {
	t.Helper()
	b, err := locales.NewBundle(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.Translator("es")
}

// sampleDoc is a quote of n window lines of every kind, a material line and
// an optional one, as quoting.BuildDocument would fill it.
func sampleDoc(t testing.TB, n int) *QuoteDoc {
	t.Helper()
	specs := []sketch.Spec{
		{Kind: sketch.Corrediza, Hojas: 2, WidthMM: 1500, HeightMM: 1200},
		{Kind: sketch.Fija, WidthMM: 1000, HeightMM: 800},
		{Kind: sketch.Proyectante, WidthMM: 600, HeightMM: 400},
		{Kind: sketch.Puerta, Hojas: 2, WidthMM: 1800, HeightMM: 2400},
		{Kind: sketch.Corrediza, Hojas: 4, WidthMM: 3000, HeightMM: 1500},
		{Kind: sketch.Oscilobatiente, WidthMM: 800, HeightMM: 1400},
		{Kind: sketch.Abatible, WidthMM: 300, HeightMM: 2400},
	}
	d := &QuoteDoc{
		T:       spanish(t),
		Company: Party{Name: "Aluminios del Bajío", RFC: "ABA010203AB1", Address: "Blvd. Adolfo López Mateos 1402, León, Gto.", Phone: "477 123 4567", Email: "ventas@aluminiosbajio.mx"},
		Folio:   "COT-2026-0042-R2", Revision: 2, Date: "26/11/2026", Valid: "11/12/2026",
		Created:  time.Date(2026, 11, 26, 20, 30, 0, 0, time.UTC),
		Customer: Party{Name: "Laura Gómez Hernández", RFC: "GOHL850101AB1", Phone: "477 765 4321", Address: "Calle Madero 12, León"},
		Subtotal: "$10,000.00 MXN", IVALabel: "IVA 16 %", IVA: "$1,600.00 MXN", Total: "$11,600.00 MXN",
		AmountInWords: "ONCE MIL SEISCIENTOS PESOS 00/100 M.N.", DepositLabel: "Anticipo 50 %", Deposit: "$5,800.00 MXN",
		Balance: "$5,800.00 MXN", PriceNote: "Precios unitarios e importes más IVA.",
		Plans:       []PlanRow{{Term: "3 meses", Monthly: "$3,866.67 MXN (último $3,866.66 MXN)", Total: "$11,600.00 MXN"}},
		BankDetails: "BBVA · Aluminios del Bajío SA de CV\nCLABE 012 225 00123456789 0",
		Conditions:  "Vigencia: 15 días.\nAnticipo 50 % y saldo contra entrega.",
	}
	for i := 0; i < n; i++ {
		dr, err := sketch.Layout(specs[i%len(specs)])
		if err != nil {
			t.Fatal(err)
		}
		d.Lines = append(d.Lines, QuoteLine{Sketch: dr, Title: fmt.Sprintf("Ventana %d", i+1),
			Details:  []string{"Medidas: 150 × 120 cm", "Color: Blanco", "Ubicación: Recámara " + fmt.Sprint(i+1)},
			Quantity: "1", UnitPrice: "$1,000.00 MXN", Amount: "$1,000.00 MXN", Optional: i == 1})
	}
	d.Lines = append(d.Lines, QuoteLine{Title: "Silicón neutro", Quantity: "2 CARTUCHO", UnitPrice: "$90.00 MXN", Amount: "$180.00 MXN"})
	return d
}

func TestQuotePagesAndSketches(t *testing.T) {
	b, err := Quote(sampleDoc(t, 20))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	if out := os.Getenv("PDF_OUT"); out != "" {
		os.WriteFile(out, b, 0o644)
	}
	text := PDFText(t, b)
	pages := strings.Count(text, "\f")
	if pages < 2 {
		t.Fatalf("20 lines on %d page(s)", pages)
	}
	// Every page numbered "Página n de N", and the table header repeated
	// on each page the lines reach.
	for p := 1; p <= pages; p++ {
		if want := fmt.Sprintf("Página %d de %d", p, pages); !strings.Contains(text, want) {
			t.Errorf("no %q", want)
		}
	}
	pageTexts := strings.Split(text, "\f")
	if !strings.Contains(pageTexts[1], "Descripción") || !strings.Contains(pageTexts[1], "P. unitario") {
		t.Errorf("page 2 lacks the table header:\n%s", pageTexts[1])
	}
	// The sketches' dimension texts are real text: every size is there.
	for _, dim := range []string{"1500", "1200", "2400", "3000", "300"} {
		if !strings.Contains(text, dim) {
			t.Errorf("no dimension %s in the text", dim)
		}
	}
	for _, want := range []string{"COT-2026-0042-R2", "Revisión 2", "RFC ABA010203AB1", "RFC GOHL850101AB1", "Ventana 20",
		"Silicón neutro", "Opcional: no incluida en el total", "CLABE 012 225 00123456789 0", "3 meses", "MESES SIN INTERESES", "ONCE MIL SEISCIENTOS PESOS 00/100 M.N."} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	// A line never splits: each "Ventana n" title and its "Recámara n"
	// are on the same page.
	for i := 1; i <= 20; i++ {
		for _, pt := range pageTexts {
			if strings.Contains(pt, fmt.Sprintf("Ventana %d\n", i)) || strings.Contains(pt, fmt.Sprintf("Ventana %d ", i)) {
				if !strings.Contains(pt, fmt.Sprintf("Recámara %d", i)) {
					t.Errorf("line %d split across pages", i)
				}
			}
		}
	}
}

func TestQuoteIsDeterministic(t *testing.T) {
	// The same quote gives the same bytes: the document carries the quote's
	// date, not the time it was drawn.
	a, err := Quote(sampleDoc(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	b, err := Quote(sampleDoc(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two renderings of the same quote differ")
	}
}

package pdf

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// PDFText extracts a document's text with pdftotext (poppler-utils, installed
// by scripts/test-deps.sh), as a customer's PDF reader or search would.
func PDFText(t testing.TB, doc []byte) string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v (is poppler-utils installed? make test installs it)", err)
	}
	return string(out)
}

func TestDocTextIsExtractableAndPaged(t *testing.T) {
	d, err := New("Prueba", "Aluminios")
	if err != nil {
		t.Fatal(err)
	}
	d.Font(true, 14)
	d.TextAt(Margin, d.Y, "Cotización COT-2026-0001 — Año, niño, acción")
	d.Y += 20
	d.Font(false, 10)
	d.Paragraph(Margin, ContentWidth, 12, strings.Repeat("Medidas finales sujetas a visita técnica. ", 400))
	d.NumberPages(func(p, n int) string { return "Página " + strconv.Itoa(p) + " de " + strconv.Itoa(n) })
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:10])
	}
	text := PDFText(t, b)
	for _, want := range []string{"COT-2026-0001", "Año, niño, acción", "Página 1 de", "visita técnica"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if d.GetNumberOfPages() < 2 {
		t.Errorf("pages = %d: the long paragraph did not break onto a new page", d.GetNumberOfPages())
	}
}

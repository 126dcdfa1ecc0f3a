// Package pdf draws Cotizador's documents (the quote a customer receives,
// the workshop order) from already-priced data: no SQL, no HTTP, no
// pricing. It uses github.com/signintech/gopdf, a maintained PDF writer
// (go-pdf/fpdf was archived in March 2025), with DejaVu Sans Condensed
// embedded (Bitstream Vera licence, fonts/LICENSE-DejaVu.txt) so every
// accented character prints and the text can be extracted (pdftotext).
package pdf

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"

	"github.com/signintech/gopdf"
)

//go:embed fonts/DejaVuSansCondensed.ttf
var fontRegular []byte

//go:embed fonts/DejaVuSansCondensed-Bold.ttf
var fontBold []byte

// Letter size in points, and the margins every document keeps.
const (
	PageWidth  = 612.0
	PageHeight = 792.0
	Margin     = 42.0
	// ContentWidth is the width between the margins.
	ContentWidth = PageWidth - 2*Margin
)

// Font families registered on every document.
const (
	Regular = "sans"
	Bold    = "sans-bold"
)

// Doc is a letter-size document with the fonts registered and a cursor that
// moves down the page, opening a new page when the next block would not
// fit.
type Doc struct {
	*gopdf.GoPdf
	// Y is where the next block starts.
	Y float64
	// OnNewPage, if set, draws each page's header after a page break.
	OnNewPage func()
}

// New starts a document with its first page.
func New(title, author string) (*Doc, error) {
	gp := &gopdf.GoPdf{}
	gp.Start(gopdf.Config{PageSize: *gopdf.PageSizeLetter, Unit: gopdf.UnitPT})
	gp.SetInfo(gopdf.PdfInfo{Title: title, Author: author, Creator: "Cotizador"})
	if err := gp.AddTTFFontData(Regular, fontRegular); err != nil {
		return nil, fmt.Errorf("pdf: font: %w", err)
	}
	if err := gp.AddTTFFontData(Bold, fontBold); err != nil {
		return nil, fmt.Errorf("pdf: font: %w", err)
	}
	gp.AddPage()
	return &Doc{GoPdf: gp, Y: Margin}, nil
}

// Font sets the font: bold or regular at size points.
func (d *Doc) Font(bold bool, size float64) {
	family := Regular
	if bold {
		family = Bold
	}
	// Both families are registered in New; SetFont fails only for unknown ones.
	_ = d.SetFont(family, "", size)
}

// Need opens a new page when h points do not fit below the cursor.
func (d *Doc) Need(h float64) {
	if d.Y+h <= PageHeight-Margin-18 { // room for the page number
		return
	}
	d.AddPage()
	d.Y = Margin
	if d.OnNewPage != nil {
		d.OnNewPage()
	}
}

// TextAt writes one line of text with its top-left corner at x, y.
func (d *Doc) TextAt(x, y float64, s string) {
	d.SetXY(x, y)
	_ = d.Cell(nil, s)
}

// TextRight writes one line of text ending at x.
func (d *Doc) TextRight(x, y float64, s string) {
	w, err := d.MeasureTextWidth(s)
	if err != nil {
		w = 0
	}
	d.TextAt(x-w, y, s)
}

// Lines splits text into lines that fit width with the current font,
// keeping the text's own line breaks.
func (d *Doc) Lines(text string, width float64) []string {
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(para) == "" {
			out = append(out, "")
			continue
		}
		// Most texts fit on one line; measuring once is far cheaper than
		// the library's word wrap, which measures word by word.
		if w, err := d.MeasureTextWidth(para); err == nil && w <= width {
			out = append(out, para)
			continue
		}
		lines, err := d.SplitTextWithWordWrap(para, width)
		if err != nil || len(lines) == 0 {
			lines = []string{para}
		}
		out = append(out, lines...)
	}
	return out
}

// Paragraph writes text wrapped to width from x at the cursor, moving the
// cursor down (and to new pages) as it goes.
func (d *Doc) Paragraph(x, width, lineHeight float64, text string) {
	for _, l := range d.Lines(text, width) {
		d.Need(lineHeight)
		d.TextAt(x, d.Y, l)
		d.Y += lineHeight
	}
}

// Rule draws a horizontal line across the content width at the cursor.
func (d *Doc) Rule() {
	d.SetLineWidth(0.5)
	d.SetStrokeColor(160, 160, 160)
	d.Line(Margin, d.Y, PageWidth-Margin, d.Y)
}

// NumberPages writes "Página n de N" (label(n, N)) at the foot of every page.
func (d *Doc) NumberPages(label func(page, pages int) string) {
	n := d.GetNumberOfPages()
	for p := 1; p <= n; p++ {
		if err := d.SetPage(p); err != nil {
			continue
		}
		d.Font(false, 8)
		d.SetTextColor(90, 90, 90)
		d.TextRight(PageWidth-Margin, PageHeight-Margin+4, label(p, n))
		d.SetTextColor(0, 0, 0)
	}
}

// Bytes is the finished document.
func (d *Doc) Bytes() ([]byte, error) {
	var buf bytes.Buffer
	if err := d.Write(&buf); err != nil {
		return nil, fmt.Errorf("pdf: write: %w", err)
	}
	return buf.Bytes(), nil
}

package pdf

import (
	"bytes"
	"image"
	_ "image/png" // the company logo is stored as PNG
	"strings"
	"time"

	"github.com/signintech/gopdf"

	"cotizador/sketch"
)

// Translator renders a message id in the document's language
// (locales.Translator).
type Translator interface {
	T(id string, args ...any) string
}

// QuoteDoc is a quote as its customer reads it. Every value is final text:
// money formatted as the quote displays it ("+ IVA" or "IVA incluido"),
// dates in Mexican order. There is no field for a cost, a margin or a
// formula, so the document cannot print one; quoting.Document fills it.
type QuoteDoc struct {
	T Translator

	Company  Party
	Logo     []byte // PNG; nil for none
	Folio    string // with its revision: COT-2026-0001-R2
	Revision int
	Date     string // 26/11/2026
	Valid    string // the last day the prices hold
	Created  time.Time

	Customer    Party
	Salesperson string

	Lines []QuoteLine
	// PriceNote says how the prices are shown ("Precios más IVA.").
	PriceNote string

	Subtotal, Discount, DiscountLabel string // Discount "" when there is none
	IVALabel, IVA                     string
	Total, AmountInWords              string
	DepositLabel, Deposit, Balance    string
	OptionalTotal                     string // "" when no line is optional

	Plans []PlanRow

	Notes, BankDetails, Conditions string
}

// Party is the company or the customer as printed.
type Party struct {
	Name, BusinessName, RFC, Address, Phone, Email string
}

// QuoteLine is one line: a window or door with its sketch, or a material.
type QuoteLine struct {
	Sketch                      *sketch.Drawing // nil for a material line
	Title                       string
	Details                     []string // size, colour, glass, location, notes
	Quantity, UnitPrice, Amount string
	Optional                    bool
}

// PlanRow is a meses sin intereses plan as printed.
type PlanRow struct {
	Term, Monthly, Total string
}

// Column layout of the lines table, in points from the left edge.
const (
	colSketch    = Margin
	sketchWidth  = 68.0
	colDesc      = Margin + sketchWidth + 10
	colQtyRight  = 392.0
	colUnitRight = 480.0
	colAmtRight  = PageWidth - Margin
	descWidth    = colQtyRight - 50 - colDesc
	bodySize     = 8.5
	lineH        = 11.0
)

// Quote draws the quote document: letter size, Spanish labels (whatever
// language q.T speaks), page numbers.
func Quote(q *QuoteDoc) ([]byte, error) {
	d, err := New(q.T.T("pdf.title")+" "+q.Folio, q.Company.Name)
	if err != nil {
		return nil, err
	}
	info := d.GetInfo()
	// The quote's own date, not the time of drawing: the same quote gives
	// the same document.
	info.CreationDate = q.Created
	d.SetInfo(info)

	d.quoteHeader(q)
	d.partyBlock(q)
	d.linesTable(q)
	d.totalsBlock(q)
	d.plansBlock(q)
	d.textSection(q.T.T("pdf.notes"), q.Notes)
	d.textSection(q.T.T("pdf.bank"), q.BankDetails)
	d.textSection(q.T.T("pdf.conditions"), q.Conditions)

	d.footers(q)
	return d.Bytes()
}

// quoteHeader draws the logo and the company's data on the left, the
// document's title, folio and dates on the right.
func (d *Doc) quoteHeader(q *QuoteDoc) {
	t := q.T
	top := d.Y
	x := Margin
	logoH := 0.0
	if w, h, ok := d.logo(q.Logo, Margin, top, 130, 58); ok {
		x += w + 12
		logoH = h
	}
	y := top
	// The company's block may reach the right-aligned folio block, whose
	// longest line (a revised folio in bold) starts near 420 pt.
	width := 405 - x
	d.Font(true, 12)
	for _, l := range d.Lines(q.Company.Name, width) {
		d.TextAt(x, y, l)
		y += 14
	}
	d.Font(false, bodySize)
	var info []string
	if q.Company.BusinessName != "" {
		info = append(info, q.Company.BusinessName)
	}
	if q.Company.RFC != "" {
		info = append(info, t.T("pdf.rfc", "RFC", q.Company.RFC))
	}
	for _, l := range info {
		d.TextAt(x, y, l)
		y += lineH
	}
	for _, l := range d.Lines(q.Company.Address, width) {
		d.TextAt(x, y, l)
		y += lineH
	}
	contact := joinNonEmpty(" · ", phoneText(t, q.Company.Phone), q.Company.Email)
	if contact != "" {
		d.TextAt(x, y, contact)
		y += lineH
	}

	// Right: title, folio, revision, dates.
	ry := top
	right := PageWidth - Margin
	d.Font(true, 16)
	d.SetTextColor(29, 78, 137)
	d.TextRight(right, ry, t.T("pdf.title"))
	d.SetTextColor(0, 0, 0)
	ry += 21
	d.Font(true, 10.5)
	d.TextRight(right, ry, t.T("pdf.folio", "Folio", q.Folio))
	ry += 13
	d.Font(false, bodySize)
	if q.Revision > 1 {
		d.TextRight(right, ry, t.T("pdf.revision", "N", q.Revision))
		ry += lineH
	}
	d.TextRight(right, ry, t.T("pdf.date", "Date", q.Date))
	ry += lineH
	d.TextRight(right, ry, t.T("pdf.valid_until", "Date", q.Valid))
	ry += lineH

	d.Y = max(y, ry, top+logoH) + 8
	d.Rule()
	d.Y += 8
}

// logo draws the PNG fitted into maxW × maxH at x, y; false when there is
// none or it cannot be read (the document goes out without it).
func (d *Doc) logo(png []byte, x, y, maxW, maxH float64) (float64, float64, bool) {
	if len(png) == 0 {
		return 0, 0, false
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(png))
	if err != nil || cfg.Width == 0 || cfg.Height == 0 {
		return 0, 0, false
	}
	scale := min(maxW/float64(cfg.Width), maxH/float64(cfg.Height))
	w, h := float64(cfg.Width)*scale, float64(cfg.Height)*scale
	img, err := gopdf.ImageHolderByBytes(png)
	if err != nil {
		return 0, 0, false
	}
	if err := d.ImageByHolder(img, x, y, &gopdf.Rect{W: w, H: h}); err != nil {
		return 0, 0, false
	}
	return w, h, true
}

// partyBlock is the customer (with RFC when given) and who attends them.
func (d *Doc) partyBlock(q *QuoteDoc) {
	t, c := q.T, q.Customer
	y := d.Y
	d.Font(true, 7.5)
	d.SetTextColor(90, 90, 90)
	d.TextAt(Margin, y, upper(t.T("pdf.customer")))
	d.SetTextColor(0, 0, 0)
	y += 10
	d.Font(true, 10)
	d.TextAt(Margin, y, c.Name)
	y += 13
	d.Font(false, bodySize)
	for _, l := range []string{c.BusinessName, rfcText(t, c.RFC), joinNonEmpty(" · ", phoneText(t, c.Phone), c.Email)} {
		if l != "" {
			d.TextAt(Margin, y, l)
			y += lineH
		}
	}
	for _, l := range d.Lines(c.Address, 330) {
		if l != "" {
			d.TextAt(Margin, y, l)
			y += lineH
		}
	}
	if q.Salesperson != "" {
		ry := d.Y
		d.Font(true, 7.5)
		d.SetTextColor(90, 90, 90)
		d.TextRight(PageWidth-Margin, ry, upper(t.T("pdf.attended_by")))
		d.SetTextColor(0, 0, 0)
		d.Font(false, bodySize)
		d.TextRight(PageWidth-Margin, ry+10, q.Salesperson)
	}
	d.Y = y + 10
}

// tableHeader draws the lines table's header row at the cursor.
func (d *Doc) tableHeader(t Translator) {
	d.SetFillColor(235, 240, 247)
	d.RectFromUpperLeftWithStyle(Margin, d.Y, ContentWidth, 16, "F")
	d.Font(true, 8)
	y := d.Y + 4.5
	d.TextAt(colSketch+4, y, t.T("pdf.col_description"))
	d.TextRight(colQtyRight, y, t.T("pdf.col_quantity"))
	d.TextRight(colUnitRight, y, t.T("pdf.col_unit_price"))
	d.TextRight(colAmtRight-4, y, t.T("pdf.col_amount"))
	d.Y += 20
}

// linesTable draws every line; a line never splits across pages, and each
// new page repeats the header.
func (d *Doc) linesTable(q *QuoteDoc) {
	t := q.T
	d.Need(16 + 60)
	d.tableHeader(t)
	d.OnNewPage = func() { d.tableHeader(t) }
	for i := range q.Lines {
		l := &q.Lines[i]
		x, w := colDesc, descWidth
		sketchH := 0.0
		if l.Sketch == nil {
			x, w = colSketch+4, colQtyRight-50-colSketch-4
		} else {
			sketchH = SketchHeight(l.Sketch, sketchWidth, false)
		}
		d.Font(true, 9)
		title := d.Lines(l.Title, w)
		d.Font(false, bodySize)
		var details []string
		for _, s := range l.Details {
			details = append(details, d.Lines(s, w)...)
		}
		textH := float64(len(title))*12 + float64(len(details))*lineH
		if l.Optional {
			textH += lineH
		}
		h := max(textH, sketchH) + 8
		d.Need(h)
		top := d.Y
		if l.Sketch != nil {
			d.Sketch(l.Sketch, colSketch, top, sketchWidth, false)
		}
		y := top
		d.Font(true, 9)
		for _, s := range title {
			d.TextAt(x, y, s)
			y += 12
		}
		d.Font(false, bodySize)
		if l.Optional {
			d.SetTextColor(161, 98, 7)
			d.TextAt(x, y, t.T("pdf.optional"))
			d.SetTextColor(0, 0, 0)
			y += lineH
		}
		d.SetTextColor(60, 60, 60)
		for _, s := range details {
			d.TextAt(x, y, s)
			y += lineH
		}
		d.SetTextColor(0, 0, 0)
		d.Font(false, 9)
		if l.Optional {
			d.SetTextColor(110, 110, 110)
		}
		d.TextRight(colQtyRight, top, l.Quantity)
		d.TextRight(colUnitRight, top, l.UnitPrice)
		d.Font(true, 9)
		d.TextRight(colAmtRight-4, top, l.Amount)
		d.SetTextColor(0, 0, 0)
		d.Y = top + h
		d.SetLineWidth(0.3)
		d.SetStrokeColor(210, 210, 210)
		d.Line(Margin, d.Y-4, PageWidth-Margin, d.Y-4)
	}
	d.OnNewPage = nil
	d.Font(false, 8)
	d.SetTextColor(90, 90, 90)
	d.TextAt(Margin, d.Y, q.PriceNote)
	d.SetTextColor(0, 0, 0)
	d.Y += 14
}

// totalsBlock draws subtotal, discount, IVA, total, the amount in words,
// anticipo and saldo.
func (d *Doc) totalsBlock(q *QuoteDoc) {
	t := q.T
	type row struct {
		label, value string
		bold         bool
	}
	rows := []row{{t.T("pdf.subtotal"), q.Subtotal, false}}
	if q.Discount != "" {
		rows = append(rows, row{q.DiscountLabel, "−" + q.Discount, false})
	}
	rows = append(rows, row{q.IVALabel, q.IVA, false}, row{t.T("pdf.total"), q.Total, true})
	d.Need(float64(len(rows))*14 + 60)
	// Labels end a little left of the unit prices (room for a six-figure
	// total in bold); the figures under the amounts.
	labelRight := colUnitRight - 28
	for _, r := range rows {
		d.Font(r.bold, map[bool]float64{true: 11, false: 9}[r.bold])
		if r.bold {
			d.SetFillColor(235, 240, 247)
			d.RectFromUpperLeftWithStyle(300, d.Y-4, PageWidth-Margin-300, 19, "F")
		}
		d.TextRight(labelRight, d.Y, r.label)
		d.TextRight(colAmtRight-4, d.Y, r.value)
		d.Y += map[bool]float64{true: 20, false: 14}[r.bold]
	}
	if q.OptionalTotal != "" {
		d.Font(false, 8)
		d.SetTextColor(110, 110, 110)
		d.TextRight(labelRight, d.Y, t.T("pdf.optional_total"))
		d.TextRight(colAmtRight-4, d.Y, q.OptionalTotal)
		d.SetTextColor(0, 0, 0)
		d.Y += 13
	}
	d.Y += 2
	d.Font(true, 7.5)
	d.SetTextColor(90, 90, 90)
	d.Need(30)
	d.TextAt(Margin, d.Y, upper(t.T("pdf.amount_words")))
	d.SetTextColor(0, 0, 0)
	d.Y += 10
	d.Font(false, 9)
	d.Paragraph(Margin, ContentWidth, 12, q.AmountInWords)
	d.Y += 6
	d.Need(30)
	d.Font(false, 9)
	d.TextAt(Margin, d.Y, q.DepositLabel)
	d.Font(true, 9)
	d.TextAt(Margin+130, d.Y, q.Deposit)
	d.Font(false, 9)
	d.TextAt(Margin+260, d.Y, t.T("pdf.balance"))
	d.Font(true, 9)
	d.TextAt(Margin+390, d.Y, q.Balance)
	d.Y += 20
}

// plansBlock is the table of meses sin intereses plans, when there are any.
func (d *Doc) plansBlock(q *QuoteDoc) {
	if len(q.Plans) == 0 {
		return
	}
	t := q.T
	d.Need(30 + float64(len(q.Plans))*12)
	d.sectionTitle(t.T("pdf.plans"))
	d.Font(true, 8)
	d.TextAt(Margin, d.Y, t.T("pdf.plan_term"))
	d.TextRight(Margin+300, d.Y, t.T("pdf.plan_monthly"))
	d.TextRight(Margin+420, d.Y, t.T("pdf.plan_total"))
	d.Y += 12
	d.Font(false, 9)
	for _, p := range q.Plans {
		d.TextAt(Margin, d.Y, p.Term)
		d.TextRight(Margin+300, d.Y, p.Monthly)
		d.TextRight(Margin+420, d.Y, p.Total)
		d.Y += 12
	}
	d.Font(false, 7.5)
	d.SetTextColor(90, 90, 90)
	d.Paragraph(Margin, ContentWidth, 10, t.T("pdf.plans_note"))
	d.SetTextColor(0, 0, 0)
	d.Y += 8
}

// textSection is a titled block of the user's own text (notes, bank
// details, conditions), kept with its line breaks; nothing when empty.
func (d *Doc) textSection(title, text string) {
	if text == "" {
		return
	}
	d.Need(40)
	d.sectionTitle(title)
	d.Font(false, 8.5)
	d.Paragraph(Margin, ContentWidth, 11, text)
	d.Y += 8
}

func (d *Doc) sectionTitle(title string) {
	d.Font(true, 7.5)
	d.SetTextColor(90, 90, 90)
	d.TextAt(Margin, d.Y, upper(title))
	d.SetTextColor(0, 0, 0)
	d.Y += 11
}

// footers writes the folio and company on the left of every page's foot
// and "Página n de N" on the right.
func (d *Doc) footers(q *QuoteDoc) {
	d.NumberPages(func(p, n int) string { return q.T.T("pdf.page", "Page", p, "Pages", n) })
	left := joinNonEmpty(" · ", q.Folio, q.Company.Name)
	for p := 1; p <= d.GetNumberOfPages(); p++ {
		if d.SetPage(p) != nil {
			continue
		}
		d.Font(false, 8)
		d.SetTextColor(90, 90, 90)
		d.TextAt(Margin, PageHeight-Margin+4, left)
		d.SetTextColor(0, 0, 0)
	}
}

func phoneText(t Translator, phone string) string {
	if phone == "" {
		return ""
	}
	return t.T("pdf.phone", "Phone", phone)
}

func rfcText(t Translator, rfc string) string {
	if rfc == "" {
		return ""
	}
	return t.T("pdf.rfc", "RFC", rfc)
}

func joinNonEmpty(sep string, parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += sep
		}
		out += p
	}
	return out
}

// upper is the look of small section titles; strings.ToUpper keeps Spanish
// accents (CONDICIONES, ATENCIÓN).
func upper(s string) string { return strings.ToUpper(s) }

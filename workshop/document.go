package workshop

import (
	"strconv"
	"strings"

	"cotizador/app"
	"cotizador/db"
	"cotizador/pdf"
)

// StatusKey is the message id of an order status.
func StatusKey(status string) string {
	switch status {
	case db.OrderCutting:
		return "workshop.status_en_corte"
	case db.OrderDone:
		return "workshop.status_terminada"
	}
	return "workshop.status_pendiente"
}

// Document is the order's shop-floor sheet: every profile's bars with
// their cuts in order, glass panes, supplies. Nothing in it is a price.
func Document(o *Order, company string, t Translator) *pdf.WorkshopDoc {
	p := o.Plan
	doc := &pdf.WorkshopDoc{
		Company: company,
		Title:   t.T("workshop.pdf_title", "Folio", o.Folio),
		Created: o.CreatedAt,
		Meta: []string{
			t.T("workshop.pdf_status", "Status", t.T(StatusKey(o.Status)), "Date", o.CreatedAt.In(app.MexicoCity).Format("02/01/2006")),
			t.T("workshop.pdf_quotes", "Quotes", strings.Join(p.Quotes, ", ")),
			t.T("workshop.saw", "Kerf", p.Cut.KerfMM, "Trim", p.Cut.TrimMM, "Min", p.Cut.MinOffcutMM),
		},
		PageLabel: func(page, pages int) string { return t.T("workshop.pdf_page", "Page", page, "Pages", pages) },
	}
	for i := range p.Profiles {
		pp := &p.Profiles[i]
		sec := pdf.WorkshopProfile{Heading: ProfileHeading(pp), Summary: ProfileSummary(pp, t)}
		for _, b := range pp.Bars {
			wb := pdf.WorkshopBar{Heading: BarHeading(pp, &b, t), Footer: BarFooter(&b, t)}
			for _, pc := range b.Pieces {
				wb.Pieces = append(wb.Pieces, pdf.WorkshopPiece{Length: strconv.Itoa(pc.LengthMM) + " mm", Angle: pc.Angle,
					Label: pc.Label, Where: LineLabel(pc.Quote, pc.Line, pc.Location)})
			}
			sec.Bars = append(sec.Bars, wb)
		}
		doc.Profiles = append(doc.Profiles, sec)
	}
	glass := pdf.WorkshopTable{Title: t.T("workshop.glass"), Widths: []float64{100, 190, 50, 58, 130}, RightLast: false,
		Columns: []string{t.T("workshop.col_glass"), t.T("workshop.col_size"), t.T("workshop.col_count"), t.T("workshop.col_area"), t.T("workshop.col_where")}}
	for _, g := range p.Glass {
		for _, pc := range g.Pieces {
			size := t.T("workshop.size_in_formula")
			if pc.WidthMM > 0 {
				size = strconv.Itoa(pc.WidthMM) + " × " + strconv.Itoa(pc.HeightMM)
			}
			glass.Rows = append(glass.Rows, []string{g.Code, size, strconv.Itoa(pc.Count), pc.AreaM2.StringFixed(3),
				LineLabel(pc.Quote, pc.Line, pc.Location)})
		}
		glass.Rows = append(glass.Rows, []string{g.Code, t.T("workshop.total"), "", g.AreaM2.StringFixed(3), g.Name})
	}
	supplies := pdf.WorkshopTable{Title: t.T("workshop.supplies"), Widths: []float64{110, 300, 118}, RightLast: true,
		Columns: []string{t.T("workshop.col_code"), t.T("workshop.col_material"), t.T("workshop.col_quantity")}}
	for _, s := range p.Supplies {
		supplies.Rows = append(supplies.Rows, []string{s.Code, s.Name, s.Buy.String() + " " + string(s.Unit)})
	}
	doc.Tables = []pdf.WorkshopTable{glass, supplies}
	return doc
}

// ProfileHeading names a profile in its colour: "PER-L3-JA Jamba 3" ·
// Blanco (BLA)".
func ProfileHeading(pp *ProfilePlan) string {
	h := pp.MaterialCode + " " + pp.MaterialName
	if c := colourText(pp.ColourCode, pp.ColourName); c != "" {
		h += " · " + c
	}
	return h
}

// ProfileSummary says how many bars of which length, how many offcuts,
// the utilisation and how far from the best the plan can be.
func ProfileSummary(pp *ProfilePlan, t Translator) string {
	parts := []string{t.N("workshop.bars_of", pp.NewBars, "Length", pp.BarLengthMM)}
	if n := pp.FromStock(); n > 0 {
		parts = append(parts, t.N("workshop.offcuts_used", n))
	}
	parts = append(parts, t.T("workshop.utilisation", "Pct", pp.Utilisation().String()))
	parts = append(parts, OptimalText(pp, t))
	return strings.Join(parts, " · ")
}

// OptimalText is "plan óptimo" when the plan uses the fewest bars
// possible, else how many more it may use at most.
func OptimalText(pp *ProfilePlan, t Translator) string {
	if pp.Optimal {
		return t.T("workshop.optimal")
	}
	return t.N("workshop.extra_bars", pp.Extra())
}

// BarHeading is "Barra 2 de 5 · 6100 mm" for a new bar or "Retazo #12 ·
// 1600 mm" for an offcut from stock.
func BarHeading(pp *ProfilePlan, b *PlanBar, t Translator) string {
	if b.OffcutID != 0 {
		return t.T("workshop.offcut_heading", "ID", b.OffcutID, "Length", b.StockMM)
	}
	return t.T("workshop.bar_heading", "N", b.Number, "Of", pp.NewBars, "Length", b.StockMM)
}

// BarFooter says what is left of a bar and whether it goes to stock.
func BarFooter(b *PlanBar, t Translator) string {
	switch {
	case b.Reusable:
		return t.T("workshop.leftover_keep", "Length", b.OffcutMM, "Pct", b.Utilisation().String())
	case b.OffcutMM > 0:
		return t.T("workshop.leftover_scrap", "Length", b.OffcutMM, "Pct", b.Utilisation().String())
	}
	return t.T("workshop.leftover_none", "Pct", b.Utilisation().String())
}

// PDF draws the order's sheet.
func (s *Service) PDF(o *Order, company string, t Translator) ([]byte, error) {
	return pdf.Workshop(Document(o, company, t))
}

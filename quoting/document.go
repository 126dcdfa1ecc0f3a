package quoting

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/db"
	"cotizador/locales"
	"cotizador/pdf"
	"cotizador/pricing"
	"cotizador/sketch"
)

// The customer's document: what the quote PDF prints, decided here (which
// figures, as the quote displays them, never a cost) and drawn by pdf/.

// documentTranslator renders the document's labels. Quotes go to Mexican
// customers: the document is Spanish whatever language the user reading
// the page chose.
var documentTranslator = sync.OnceValues(func() (*locales.Translator, error) {
	b, err := locales.NewBundle(nil)
	if err != nil {
		return nil, err
	}
	return b.Translator("es"), nil
})

// PDF draws q as the document its customer receives (letter size, Spanish).
// Who may see q is the caller's check: it loads q through Find, FindByFolio
// or a share link.
func (s *Service) PDF(ctx context.Context, q *db.Quote) ([]byte, error) {
	doc, err := s.Document(ctx, q)
	if err != nil {
		return nil, err
	}
	return pdf.Quote(doc)
}

// PDFFilename is the name a downloaded document gets: its folio.
func PDFFilename(q *db.Quote) string { return q.DisplayFolio() + ".pdf" }

// Document is q as its customer reads it, with today's company data, logo,
// bank details, conditions of payment plans and catalogue names (the
// figures are the quote's own).
func (s *Service) Document(ctx context.Context, q *db.Quote) (*pdf.QuoteDoc, error) {
	cs, err := s.DB.CompanySettings(ctx)
	if err != nil {
		return nil, err
	}
	logo, _, err := s.DB.CompanyLogo(ctx)
	if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
		return nil, err
	}
	cat, err := s.DB.PricingCatalog(ctx)
	if err != nil {
		return nil, err
	}
	t, err := documentTranslator()
	if err != nil {
		return nil, err
	}
	return BuildDocument(q, cs, logo, cat, t), nil
}

// PaymentPlans are the company's meses sin intereses plans worked out for
// q's total (none when the company offers none), for the share page and the
// PDF alike.
func (s *Service) PaymentPlans(ctx context.Context, q *db.Quote) ([]pricing.Installments, error) {
	cs, err := s.DB.CompanySettings(ctx)
	if err != nil {
		return nil, err
	}
	return PlansFor(q, cs.PaymentPlans), nil
}

// PlansFor works plans out for q's total: each plan's total with its
// surcharge and the monthly payments (pricing.PaymentPlan.Apply).
func PlansFor(q *db.Quote, plans []pricing.PaymentPlan) []pricing.Installments {
	return pricing.ApplyPlans(plans, q.Totals.Total)
}

// Names finds the catalogue's names of the colours, glasses and materials
// a quote stores by code (pricing.Catalog does).
type Names interface {
	Colour(code string) (pricing.Colour, bool)
	Material(code string) (pricing.Material, bool)
}

// BuildDocument is Document with everything given: the company's settings
// and logo, the catalogue to name codes by (nil: codes as they are) and the
// translator of the labels.
func BuildDocument(q *db.Quote, cs *db.CompanySettings, logo []byte, names Names, t pdf.Translator) *pdf.QuoteDoc {
	r := q.Totals
	shown := func(d decimal.Decimal) string {
		return pricing.FormatMXN(ShownPrice(d, q.PriceDisplay, q.Rates))
	}
	doc := &pdf.QuoteDoc{
		T: t,
		Company: pdf.Party{Name: cs.Name, RFC: cs.RFC, Address: cs.Address, Phone: FormatPhone(cs.Phone),
			Email: cs.Email},
		Logo: logo, Folio: q.DisplayFolio(), Revision: q.Revision, Created: q.CreatedAt,
		Date: q.CreatedAt.In(app.MexicoCity).Format("02/01/2006"), Valid: dayText(q.ValidUntil),
		Customer: pdf.Party{Name: q.Customer.Name, BusinessName: q.Customer.BusinessName, RFC: q.Customer.RFC,
			Address: q.Customer.Address, Phone: FormatPhone(q.Customer.Phone), Email: q.Customer.Email},
		Salesperson: q.SalespersonName,
		Subtotal:    pricing.FormatMXN(r.Subtotal),
		IVA:         pricing.FormatMXN(r.IVA),
		Total:       pricing.FormatMXN(r.Total),
		// The words say the total, the figure the customer pays.
		AmountInWords: pricing.AmountInWords(r.Total),
		DepositLabel:  t.T("pdf.deposit", "Pct", Pct(q.Rates.Deposit)),
		Deposit:       pricing.FormatMXN(r.Deposit),
		Balance:       pricing.FormatMXN(r.Balance),
		Notes:         q.Notes, BankDetails: cs.BankDetails, Conditions: q.Conditions,
	}
	doc.PriceNote = t.T("pdf.prices_plus_iva")
	if q.PriceDisplay == DisplayIVAIncluded && !q.Rates.IVAExempt {
		doc.PriceNote = t.T("pdf.prices_iva_included")
	}
	doc.IVALabel = t.T("pdf.iva", "Pct", Pct(q.Rates.IVA))
	if q.Rates.IVAExempt {
		doc.IVALabel = t.T("pdf.iva_exempt")
	}
	if r.Discount.IsPositive() {
		doc.Discount = pricing.FormatMXN(r.Discount)
		doc.DiscountLabel = t.T("pdf.discount")
		if q.Discount.Amount.IsZero() && q.Discount.Rate.IsPositive() {
			doc.DiscountLabel = t.T("pdf.discount_pct", "Pct", Pct(q.Discount.Rate))
		}
	}
	if r.OptionalAmount.IsPositive() {
		doc.OptionalTotal = shown(r.OptionalAmount)
	}
	for _, p := range PlansFor(q, cs.PaymentPlans) {
		row := pdf.PlanRow{Term: t.T("pdf.plan_months", "Months", p.Months), Monthly: pricing.FormatMXN(p.Monthly),
			Total: pricing.FormatMXN(p.Total)}
		if !p.Last.Equal(p.Monthly) {
			row.Monthly = t.T("pdf.plan_last", "Monthly", row.Monthly, "Last", pricing.FormatMXN(p.Last))
		}
		doc.Plans = append(doc.Plans, row)
	}
	for _, it := range q.Items {
		doc.Lines = append(doc.Lines, documentLine(q, it, names, t, shown))
	}
	return doc
}

// documentLine is one line as printed: a window or door with its sketch,
// size, colour, glass and location; or a material with its unit.
func documentLine(q *db.Quote, it *db.QuoteItem, names Names, t pdf.Translator, shown func(decimal.Decimal) string) pdf.QuoteLine {
	l := pdf.QuoteLine{Quantity: it.Quantity.String(), UnitPrice: shown(it.UnitPrice), Amount: shown(it.Amount), Optional: it.Optional}
	if it.Kind == "material" {
		l.Title = it.MaterialName
		if names != nil {
			if m, ok := names.Material(it.MaterialCode); ok && m.Unit != "" {
				l.Quantity += " " + string(m.Unit)
			}
		}
		if it.ColourCode != "" {
			l.Details = append(l.Details, t.T("pdf.colour", "Name", colourName(names, it.ColourCode)))
		}
		return l
	}
	l.Title = it.ProductName
	l.Details = append(l.Details, t.T("pdf.size", "Size", sizeText(it.WidthMM, it.HeightMM, q.DimensionUnit)))
	if it.ColourCode != "" {
		l.Details = append(l.Details, t.T("pdf.colour", "Name", colourName(names, it.ColourCode)))
	}
	if it.GlassCode != "" {
		glass := it.GlassCode
		if names != nil {
			if m, ok := names.Material(it.GlassCode); ok {
				glass = m.Name
			}
		}
		l.Details = append(l.Details, t.T("pdf.glass", "Name", glass))
	}
	if it.Location != "" {
		l.Details = append(l.Details, t.T("pdf.location", "Location", it.Location))
	}
	if it.Notes != "" {
		l.Details = append(l.Details, it.Notes)
	}
	spec := sketch.Spec{Kind: sketch.Kind(it.ProductType), Hojas: it.Hojas, WidthMM: int(it.WidthMM.IntPart()), HeightMM: int(it.HeightMM.IntPart())}
	dr, err := sketch.Layout(spec)
	if errors.Is(err, sketch.ErrHojas) {
		// A product whose leaves the drawing does not know is drawn with
		// its kind's default, as the pages do.
		spec.Hojas = 0
		dr, err = sketch.Layout(spec)
	}
	if err == nil {
		l.Sketch = dr
	}
	return l
}

func colourName(names Names, code string) string {
	if names != nil {
		if c, ok := names.Colour(code); ok {
			return c.Name
		}
	}
	return code
}

// sizeText is width × height in the unit the quote was typed in.
func sizeText(w, h decimal.Decimal, unit string) string {
	if unit == UnitCM {
		return w.Shift(-1).String() + " × " + h.Shift(-1).String() + " cm"
	}
	return w.String() + " × " + h.String() + " mm"
}

// dayText writes a stored day (2026-12-11) as Mexicans read it (11/12/2026).
func dayText(day string) string {
	if d, err := time.Parse("2006-01-02", day); err == nil {
		return d.Format("02/01/2006")
	}
	return day
}

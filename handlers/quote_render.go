package handlers

import (
	"bytes"
	"html"
	"html/template"
	"sort"
	"strconv"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"cotizador/db"
	"cotizador/locales"
	"cotizador/pricing"
	"cotizador/quoting"
	"cotizador/validate"
)

// The quote editor's price boxes (a line's price, a material line's price,
// the totals) are written here in Go rather than by html/template: they are
// what every keystroke of the live recalculation sends back, and template
// execution through reflection was most of its time and allocations. The
// editor page uses the same writers through template functions, so each
// box has one definition. Every text that is not ours (messages with user
// data, locations) goes through html.EscapeString.

type htmlWriter struct {
	bytes.Buffer
	l *locales.Translator
}

func (w *htmlWriter) text(s string) { w.WriteString(html.EscapeString(s)) }

func (w *htmlWriter) t(id string) { w.text(w.l.T(id)) }

// mxn writes an amount as quotes print it, without a temporary string.
func (w *htmlWriter) mxn(d decimal.Decimal) { w.Write(pricing.AppendMXN(w.AvailableBuffer(), d)) }

// errors writes a line's problems, in field order (as templates range maps).
func (w *htmlWriter) errors(e validate.Errors) {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.WriteString(`<p class="field-error">`)
		w.text(w.l.Map(e[k].Message, e[k].Args))
		w.WriteString(`</p>`)
	}
}

// lineResult is the price box of a window line: its problems, or its sketch,
// price, quantity × unit price, area, and the breakdown toggle.
func (w *htmlWriter) lineResult(l *quoting.Line) {
	if l.HasErrors() {
		w.errors(l.Errors)
		return
	}
	r := l.Result
	if r == nil {
		return
	}
	w.WriteString("\n<div class=\"line-summary\">\n  <div class=\"line-sketch\">")
	w.Write(appendSketch(w.AvailableBuffer(), l.Kind, l.Hojas, r.WidthMM, r.HeightMM, l.Location))
	w.WriteString("</div>\n  <div class=\"line-price\">\n    <p class=\"amount\">")
	w.mxn(l.Shown)
	w.WriteString("</p>\n    <p class=\"muted\">")
	w.WriteString(strconv.Itoa(r.Quantity))
	w.WriteString(" × ")
	w.mxn(l.ShownUnit)
	w.WriteString(" · ")
	w.WriteString(r.AreaM2.String())
	w.WriteString(" m²")
	if r.Optional {
		w.WriteString(" · ")
		w.t("quote.optional_short")
	}
	w.WriteString("</p>\n    <details class=\"breakdown internal\" hx-post=\"/cotizaciones/calcular\" hx-trigger=\"toggle once\" hx-vals='{\"linea\": \"")
	w.WriteString(strconv.Itoa(l.N))
	w.WriteString("\", \"detalle\": \"1\"}' hx-target=\"find .breakdown-body\" hx-swap=\"innerHTML\">\n      <summary>")
	w.t("quote.breakdown")
	w.WriteString("</summary><div class=\"breakdown-body\"><p class=\"muted\">…</p></div>\n    </details>\n  </div>\n</div>")
}

// matResult is the price box of a material-only line.
func (w *htmlWriter) matResult(m *quoting.MatLine) {
	if m.HasErrors() {
		w.errors(m.Errors)
		return
	}
	r := m.Result
	if r == nil {
		return
	}
	w.WriteString(`<p class="amount">`)
	w.mxn(m.Shown)
	w.WriteString(`</p><p class="muted">`)
	w.WriteString(r.Quantity.String())
	w.WriteString(" ")
	w.text(string(r.Unit))
	w.WriteString(" × ")
	w.mxn(r.UnitCost)
	if r.Optional {
		w.WriteString(" · ")
		w.t("quote.optional_short")
	}
	w.WriteString(`</p>`)
}

// totals is the quote's totals box; oob marks it for an out-of-band swap.
func (w *htmlWriter) totals(d *quoting.Draft, oob bool) {
	w.WriteString(`<section id="quote-totals" class="card totals-card" aria-live="polite"`)
	if oob {
		w.WriteString(` hx-swap-oob="true"`)
	}
	w.WriteString(">\n  <h2>")
	w.t("quote.totals")
	w.WriteString("</h2>\n")
	// Problems of the quote itself (a discount over the cap, a rate out of
	// range) show here as they are typed, not only on saving.
	keys := make([]string, 0, len(d.Errors))
	for k := range d.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.WriteString(`  <p class="field-error" data-field="` + html.EscapeString(k) + `">`)
		w.text(w.l.Map(d.Errors[k].Message, d.Errors[k].Args))
		w.WriteString("</p>\n")
	}
	if d.Excluded > 0 {
		w.WriteString(`  <p class="warning stale">⚠ `)
		w.text(w.l.N("quote.excluded", d.Excluded))
		w.WriteString("</p>\n")
	}
	if d.Result == nil {
		w.WriteString(`  <p class="muted">`)
		w.t("quote.no_total")
		w.WriteString("</p>\n</section>\n")
		return
	}
	t := &d.Result.Totals
	w.WriteString("  <dl class=\"facts totals\">\n")
	// Rows marked internal (costs and margins) hide in Vista cliente.
	fact := func(label string, v decimal.Decimal, class, id, sign string) {
		w.WriteString("    <dt")
		if class != "" {
			w.WriteString(` class="` + class + `"`)
		}
		w.WriteString(">")
		w.t(label)
		w.WriteString("</dt><dd")
		if class != "" {
			w.WriteString(` class="` + class + `"`)
		}
		if id != "" {
			w.WriteString(` id="` + id + `"`)
		}
		w.WriteString(">" + sign)
		w.mxn(v)
		w.WriteString("</dd>\n")
	}
	fact("quote.materials", t.Materials, "internal", "", "")
	fact("totals.labour", t.Labour, "internal", "", "")
	fact("totals.cost", t.Cost, "internal", "", "")
	fact("quote.profit", t.Profit, "internal", "", "")
	fact("quote.indirect", t.Indirect, "internal", "", "")
	fact("totals.subtotal", t.Subtotal, "", "", "")
	if t.Discount.IsPositive() {
		fact("quote.discount", t.Discount, "", "", "−")
	}
	fact("quote.iva_amount", t.IVA, "", "", "")
	grand := "grand"
	if d.Excluded > 0 {
		grand = "grand stale"
	}
	fact("totals.total", t.Total, grand, "quote-total", "")
	fact("quote.deposit", t.Deposit, "", "", "")
	fact("quote.balance", t.Balance, "", "", "")
	if t.OptionalAmount.IsPositive() {
		fact("quote.optional_total", t.OptionalAmount, "", "", "")
	}
	w.WriteString("  </dl>\n</section>\n")
}

// stickyTotal is the total in the save bar, which stays in view while the
// user types; marked when lines with errors are left out of it.
func (w *htmlWriter) stickyTotal(d *quoting.Draft, oob bool) {
	w.WriteString(`<span id="sticky-total" class="sticky-total`)
	if d.Excluded > 0 {
		w.WriteString(` stale`)
	}
	w.WriteString(`"`)
	if oob {
		w.WriteString(` hx-swap-oob="true"`)
	}
	w.WriteString(` aria-live="polite">`)
	if d.Result != nil {
		w.WriteString(`<span class="label">`)
		w.t("totals.total")
		w.WriteString(`</span> `)
		w.mxn(d.Result.Totals.Total)
		if d.Excluded > 0 {
			w.WriteString(` <small>`)
			w.t("quote.total_without")
			w.WriteString(`</small>`)
		}
	}
	w.WriteString(`</span>`)
}

// title is a line's legend: its location and product, so a long quote
// reads as "Recámara 1 · Ventana corrediza", not "Partida, Partida".
func (w *htmlWriter) title(l *quoting.Line, oob bool) {
	w.WriteString(`<legend id="item-` + strconv.Itoa(l.N) + `-title"`)
	if oob {
		w.WriteString(` hx-swap-oob="true"`)
	}
	w.WriteString(`>`)
	w.writeTitle(l)
	w.WriteString(`</legend>`)
}

func (w *htmlWriter) writeTitle(l *quoting.Line) {
	// The location first: it is what tells the lines of one job apart.
	if l.Location != "" {
		w.text(l.Location)
		w.WriteString(" · ")
	}
	if l.ProductName != "" {
		w.text(l.ProductName)
	} else {
		w.text(w.l.T("quote.line_n", "N", l.N+1))
	}
}

// Template functions: the editor page draws the same boxes.

func newHTMLWriter(l *locales.Translator) *htmlWriter { return &htmlWriter{l: l} }

func lineResultHTML(l *locales.Translator, line *quoting.Line) template.HTML {
	w := newHTMLWriter(l)
	w.lineResult(line)
	return template.HTML(w.String())
}

func matResultHTML(l *locales.Translator, m *quoting.MatLine) template.HTML {
	w := newHTMLWriter(l)
	w.matResult(m)
	return template.HTML(w.String())
}

func lineTitleHTML(l *locales.Translator, line *quoting.Line) template.HTML {
	w := newHTMLWriter(l)
	w.writeTitle(line)
	return template.HTML(w.String())
}

func stickyTotalHTML(l *locales.Translator, v *quoteView) template.HTML {
	w := newHTMLWriter(l)
	w.stickyTotal(v.Draft, false)
	return template.HTML(w.String())
}

func totalsHTML(l *locales.Translator, v *quoteView, oob bool) template.HTML {
	w := newHTMLWriter(l)
	w.totals(v.Draft, oob)
	return template.HTML(w.String())
}

// sendRecalc answers a live recalculation. line or mat names the line that
// changed (its box, plus the totals out of band when it priced); neither
// means every box, each out of band.
func (s *server) sendRecalc(c *fiber.Ctx, d *quoting.Draft, line *quoting.Line, mat *quoting.MatLine) error {
	c.Vary("HX-Request")
	w := recalcWriters.Get().(*htmlWriter)
	defer func() {
		if w.Cap() <= maxPooledWriter {
			w.Reset()
			w.l = nil
			recalcWriters.Put(w)
		}
	}()
	w.l = s.translator(c)
	switch {
	// The totals always come along: a line with an error is left out of
	// them and they say so, rather than keep an old figure unmarked.
	case line != nil:
		w.lineResult(line)
		w.title(line, true)
		w.totals(d, true)
	case mat != nil:
		w.matResult(mat)
		w.totals(d, true)
	default:
		w.totals(d, true)
		for _, l := range d.Lines {
			w.title(l, true)
			w.WriteString(`<div id="item-` + strconv.Itoa(l.N) + `-result" class="line-result" aria-live="polite" hx-swap-oob="true">`)
			w.lineResult(l)
			w.WriteString("</div>\n")
		}
		for _, m := range d.Mats {
			w.WriteString(`<div id="mat-` + strconv.Itoa(m.N) + `-result" class="line-result" aria-live="polite" hx-swap-oob="true">`)
			w.matResult(m)
			w.WriteString("</div>\n")
		}
	}
	w.stickyTotal(d, true)
	return s.sendHTML(c, fiber.StatusOK, w.Bytes())
}

// recalcWriters keeps the live recalculation's buffers from one keystroke
// to the next: growing a fresh one to the fragment's size was a third of
// what a recalculation allocated. A writer that grew past maxPooledWriter
// (a quote of a hundred lines) is left to the collector.
var recalcWriters = sync.Pool{New: func() any { return &htmlWriter{} }}

const maxPooledWriter = 64 << 10

// catalogNames shows the names of the colours and glasses a saved quote
// refers to by code ("Blanco", not "BLA"); a code no longer in the
// catalogue shows as itself.
type catalogNames struct{ cat *db.PricingCatalog }

func (n catalogNames) Colour(code string) string {
	if c, ok := n.cat.Colour(code); ok {
		return c.Name
	}
	return code
}

func (n catalogNames) Material(code string) string {
	if m, ok := n.cat.Material(code); ok {
		return m.Name
	}
	return code
}

func (s *server) catalogNames(c *fiber.Ctx) (catalogNames, error) {
	cat, err := s.DB.PricingCatalog(c.UserContext())
	return catalogNames{cat}, err
}

package handlers

import (
	"bytes"
	"html"
	"html/template"
	"sort"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

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
	w.WriteString(string(sketchSVG(l.Kind, l.Hojas, r.WidthMM, r.HeightMM, l.Location)))
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
	w.WriteString("</p>\n    <details class=\"breakdown\" hx-post=\"/cotizaciones/calcular\" hx-trigger=\"toggle once\" hx-vals='{\"linea\": \"")
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
	if d.Excluded > 0 {
		w.WriteString(`  <p class="warning">⚠ `)
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
	fact("quote.materials", t.Materials, "", "", "")
	fact("totals.labour", t.Labour, "", "", "")
	fact("totals.cost", t.Cost, "", "", "")
	fact("quote.profit", t.Profit, "", "", "")
	fact("quote.indirect", t.Indirect, "", "", "")
	fact("totals.subtotal", t.Subtotal, "", "", "")
	if t.Discount.IsPositive() {
		fact("quote.discount", t.Discount, "", "", "−")
	}
	fact("quote.iva_amount", t.IVA, "", "", "")
	fact("totals.total", t.Total, "grand", "quote-total", "")
	fact("quote.deposit", t.Deposit, "", "", "")
	fact("quote.balance", t.Balance, "", "", "")
	if t.OptionalAmount.IsPositive() {
		fact("quote.optional_total", t.OptionalAmount, "", "", "")
	}
	w.WriteString("  </dl>\n</section>\n")
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
	w := newHTMLWriter(s.translator(c))
	w.Grow(4096)
	switch {
	case line != nil:
		w.lineResult(line)
		if !line.HasErrors() {
			w.totals(d, true)
		}
	case mat != nil:
		w.matResult(mat)
		if !mat.HasErrors() {
			w.totals(d, true)
		}
	default:
		w.totals(d, true)
		for _, l := range d.Lines {
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
	return s.sendHTML(c, fiber.StatusOK, w.Bytes())
}

package handlers

import (
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/db"
	"cotizador/pricing"
	"cotizador/validate"
)

// fieldMsg is one field's problem: a message id and its template data.
type fieldMsg = bomFieldError

// lineForm is one window/door line of the quote editor, as typed.
type lineForm struct {
	N                                                    int
	Product, Width, Height, Qty, Colour, Glass, Location string
	Notes                                                string
	Optional                                             bool
	Errors                                               map[string]*fieldMsg
	Result                                               *pricing.ItemResult
	// Kind and Hojas of the product, for the sketch.
	Kind  string
	Hojas int
	// Shown and ShownUnit are the price as the quote displays it (with IVA
	// when it says "IVA incluido").
	Shown, ShownUnit decimal.Decimal
}

// F is the quote-level form, for templates (the embedded field is not
// exported to them).
func (qf *quoteForm) F() *form { return qf.form }

func (l *lineForm) Error(field string) *fieldMsg { return l.Errors[field] }

// HasErrors reports whether the line has any problem.
func (l *lineForm) HasErrors() bool { return len(l.Errors) > 0 }

// matForm is a material sold on its own, as typed.
type matForm struct {
	N                 int
	Code, Qty, Colour string
	Optional          bool
	Errors            map[string]*fieldMsg
	Result            *pricing.MaterialLineResult
	Shown             decimal.Decimal
}

func (m *matForm) Error(field string) *fieldMsg { return m.Errors[field] }

// quoteForm is the whole editor: quote-level fields in form, the lines, and
// the priced result when pricing succeeded.
type quoteForm struct {
	*form
	Lines  []*lineForm
	Mats   []*matForm
	Result *pricing.QuoteResult
	NextN  int
	// Excluded counts lines left out of the totals because they have errors.
	Excluded int
}

var (
	itemKey = regexp.MustCompile(`^item-(\d{1,3})-product$`)
	matKey  = regexp.MustCompile(`^mat-(\d{1,3})-code$`)
)

// maxLines bounds a quote: far more than any job, small enough that a
// malicious form cannot make the server price thousands of windows.
const maxLines = 200

// quoteFields are the quote-level inputs of the editor.
var quoteFields = []string{"customer_id", "customer_name", "customer_phone", "customer_email", "customer_rfc", "customer_address",
	"unidad", "modo", "utilidad", "indirectos", "iva", "anticipo", "mano_obra", "descuento_tipo", "descuento", "mostrar",
	"vigencia", "notas", "condiciones"}

// parseQuoteForm reads the editor's fields: the quote's own and every line,
// in the order of their numbers; lines marked for removal are dropped.
func parseQuoteForm(c *fiber.Ctx) *quoteForm {
	qf := &quoteForm{form: newForm(c, quoteFields...)}
	var items, mats []int
	c.Request().PostArgs().VisitAll(func(k, _ []byte) {
		if m := itemKey.FindSubmatch(k); m != nil {
			n, _ := strconv.Atoi(string(m[1]))
			items = append(items, n)
		} else if m := matKey.FindSubmatch(k); m != nil {
			n, _ := strconv.Atoi(string(m[1]))
			mats = append(mats, n)
		}
	})
	sort.Ints(items)
	sort.Ints(mats)
	get := func(prefix string, n int, field string) string {
		return strings.TrimSpace(c.FormValue(prefix + "-" + strconv.Itoa(n) + "-" + field))
	}
	for _, n := range items {
		qf.NextN = max(qf.NextN, n+1)
		if get("item", n, "remove") != "" || len(qf.Lines) >= maxLines {
			continue
		}
		// A line left blank (the spare line at the end of the page) is no line.
		if get("item", n, "product") == "" && get("item", n, "width") == "" && get("item", n, "height") == "" {
			continue
		}
		qf.Lines = append(qf.Lines, &lineForm{N: n, Product: get("item", n, "product"), Width: get("item", n, "width"), Height: get("item", n, "height"),
			Qty: get("item", n, "qty"), Colour: get("item", n, "colour"), Glass: get("item", n, "glass"), Location: get("item", n, "location"),
			Notes: get("item", n, "notes"), Optional: get("item", n, "optional") != "", Errors: map[string]*fieldMsg{}})
	}
	for _, n := range mats {
		qf.NextN = max(qf.NextN, n+1)
		if get("mat", n, "remove") != "" || len(qf.Mats) >= maxLines || get("mat", n, "code") == "" {
			continue
		}
		qf.Mats = append(qf.Mats, &matForm{N: n, Code: get("mat", n, "code"), Qty: get("mat", n, "qty"), Colour: get("mat", n, "colour"),
			Optional: get("mat", n, "optional") != "", Errors: map[string]*fieldMsg{}})
	}
	return qf
}

// withSpareLine adds a blank line at the end unless the last one is blank:
// without JavaScript, that is how a user adds the next window (fill it in,
// press Calcular, and a new blank line appears).
func (qf *quoteForm) withSpareLine() {
	if n := len(qf.Lines); n > 0 && qf.Lines[n-1].Product == "" && qf.Lines[n-1].Width == "" {
		return
	}
	qf.Lines = append(qf.Lines, &lineForm{N: qf.NextN, Qty: "1", Errors: map[string]*fieldMsg{}})
	qf.NextN++
}

// quoteSettings are the company's defaults for new quotes.
type quoteSettings struct {
	Prefix       string
	ValidityDays int
	Mode         pricing.Mode
	Rates        pricing.Rates
	LabourRateM2 *decimal.Decimal
	Cut          pricing.CutSettings
	Conditions   string
	SalesSeeAll  bool
}

var hundred = decimal.NewFromInt(100)

func pct(d decimal.Decimal) string { return d.Mul(hundred).String() }

// newQuoteForm is the editor of a new quote with the company's defaults and
// one empty line.
func newQuoteForm(st quoteSettings, today string) *quoteForm {
	qf := &quoteForm{form: &form{Values: map[string]string{}, Errors: validate.Errors{}}}
	v := qf.Values
	v["unidad"], v["modo"], v["mostrar"] = "cm", string(st.Mode), "mas_iva"
	v["utilidad"], v["indirectos"], v["anticipo"] = pct(st.Rates.Profit), pct(st.Rates.Indirect), pct(st.Rates.Deposit)
	v["iva"] = ivaChoice(st.Rates)
	if st.LabourRateM2 != nil {
		v["mano_obra"] = st.LabourRateM2.String()
	}
	v["descuento_tipo"] = "porcentaje"
	v["vigencia"] = addDays(today, st.ValidityDays)
	v["condiciones"] = st.Conditions
	qf.Lines = []*lineForm{{N: 0, Qty: "1", Errors: map[string]*fieldMsg{}}}
	qf.NextN = 1
	return qf
}

func ivaChoice(r pricing.Rates) string {
	if r.IVAExempt {
		return "exento"
	}
	return r.IVA.Mul(hundred).String()
}

func addDays(day string, n int) string {
	t, err := parseDay(day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format("2006-01-02")
}

// quoteFormFrom fills the editor from a saved quote.
func quoteFormFrom(q *db.Quote) *quoteForm {
	qf := &quoteForm{form: &form{Values: map[string]string{}, Errors: validate.Errors{}}}
	v := qf.Values
	if q.CustomerID != 0 {
		v["customer_id"] = strconv.FormatInt(q.CustomerID, 10)
	}
	v["customer_name"], v["customer_phone"], v["customer_email"] = q.Customer.Name, q.Customer.Phone, q.Customer.Email
	v["customer_rfc"], v["customer_address"] = q.Customer.RFC, q.Customer.Address
	v["unidad"], v["modo"], v["mostrar"] = q.DimensionUnit, string(q.Mode), q.PriceDisplay
	v["utilidad"], v["indirectos"], v["anticipo"] = pct(q.Rates.Profit), pct(q.Rates.Indirect), pct(q.Rates.Deposit)
	v["iva"] = ivaChoice(q.Rates)
	if q.LabourRateM2 != nil {
		v["mano_obra"] = q.LabourRateM2.String()
	}
	v["descuento_tipo"] = "porcentaje"
	if !q.Discount.Amount.IsZero() {
		v["descuento_tipo"], v["descuento"] = "importe", q.Discount.Amount.String()
	} else if !q.Discount.Rate.IsZero() {
		v["descuento"] = pct(q.Discount.Rate)
	}
	v["vigencia"], v["notas"], v["condiciones"] = q.ValidUntil, q.Notes, q.Conditions
	for _, it := range q.Items {
		n := qf.NextN
		qf.NextN++
		if it.Kind == "material" {
			qf.Mats = append(qf.Mats, &matForm{N: n, Code: it.MaterialCode, Qty: it.Quantity.String(), Colour: it.ColourCode, Optional: it.Optional, Errors: map[string]*fieldMsg{}})
			continue
		}
		w, h := it.WidthMM, it.HeightMM
		if q.DimensionUnit == "cm" {
			w, h = w.Div(decimal.NewFromInt(10)), h.Div(decimal.NewFromInt(10))
		}
		qf.Lines = append(qf.Lines, &lineForm{N: n, Product: it.ProductCode, Width: w.String(), Height: h.String(), Qty: it.Quantity.String(),
			Colour: it.ColourCode, Glass: it.GlassCode, Location: it.Location, Notes: it.Notes, Optional: it.Optional, Errors: map[string]*fieldMsg{}})
	}
	return qf
}

var (
	maxRate    = decimal.NewFromInt(1000)
	ten        = decimal.NewFromInt(10)
	maxQtyDec  = decimal.NewFromInt(pricing.MaxItemQuantity)
	minQtyDec  = decimal.RequireFromString("0.001")
	quoteModes = pricingModes
)

// quoteInput validates the editor into a pricing input. Field problems go
// on the form or on their line; a line with problems is left out of the
// input (and counted), so the rest still prices.
func (qf *quoteForm) quoteInput(u *db.User) (pricing.QuoteInput, []*lineForm, []*matForm) {
	f := qf.form
	in := pricing.QuoteInput{Rates: pricing.DefaultRates()}
	in.Mode = pricing.Mode(validate.Choice(f.Errors, "modo", f.Get("modo"), true, quoteModes...))
	unit := validate.Choice(f.Errors, "unidad", f.Get("unidad"), true, "cm", "mm")
	validate.Choice(f.Errors, "mostrar", f.Get("mostrar"), true, "mas_iva", "iva_incluido")
	in.Rates.Profit = decimalField(f, "utilidad", true, zero, maxRate).Div(hundred)
	in.Rates.Indirect = decimalField(f, "indirectos", true, zero, maxRate).Div(hundred)
	in.Rates.Deposit = decimalField(f, "anticipo", true, zero, hundred).Div(hundred)
	switch iva := validate.Choice(f.Errors, "iva", f.Get("iva"), true, "16", "8", "0", "exento"); iva {
	case "exento":
		in.Rates.IVA, in.Rates.IVAExempt = zero, true
	case "":
	default:
		in.Rates.IVA = decimal.RequireFromString(iva).Div(hundred)
	}
	if f.Get("mano_obra") != "" {
		l := decimalField(f, "mano_obra", false, zero, maxMoney)
		in.LabourRateM2 = &l
	}
	if f.Get("descuento") != "" {
		switch validate.Choice(f.Errors, "descuento_tipo", f.Get("descuento_tipo"), true, "porcentaje", "importe") {
		case "porcentaje":
			in.Discount.Rate = decimalField(f, "descuento", false, zero, hundred).Div(hundred)
		case "importe":
			in.Discount.Amount = decimalField(f, "descuento", false, zero, maxMoney)
		}
	}
	// A salesperson may not give more than the owner allows.
	if u != nil && u.Role == "sales" && !in.Discount.Rate.IsZero() {
		if limit, _ := decimal.NewFromString(u.MaxDiscountPct); in.Discount.Rate.Mul(hundred).GreaterThan(limit) {
			f.Errors.Add("descuento", "quote.discount_cap", map[string]any{"Max": limit.String()})
			in.Discount.Rate = zero
		}
	}
	if _, err := parseDay(f.Get("vigencia")); err != nil {
		f.Errors.Add("vigencia", "quote.validity_date", nil)
	}
	validate.Multiline(f.Errors, "notas", f.Get("notas"), false, 4000)
	validate.Multiline(f.Errors, "condiciones", f.Get("condiciones"), false, 8000)

	var lines []*lineForm
	for _, l := range qf.Lines {
		l.Result = nil
		errs := validate.Errors{}
		lf := &form{Values: map[string]string{"width": l.Width, "height": l.Height, "qty": l.Qty}, Errors: errs}
		if l.Product == "" {
			errs.Add("product", "quote.product_required", nil)
		}
		w := decimalField(lf, "width", true, zero, maxMM)
		h := decimalField(lf, "height", true, zero, maxMM)
		if unit == "cm" {
			w, h = w.Mul(ten), h.Mul(ten)
		}
		qty := validate.Int(errs, "qty", l.Qty, true, 1, pricing.MaxItemQuantity)
		validate.Text(errs, "location", l.Location, false, 120)
		validate.Multiline(errs, "notes", l.Notes, false, 1000)
		for k, v := range errs {
			l.Errors[k] = &fieldMsg{Message: v.Message, Args: v.Args}
		}
		if len(l.Errors) > 0 {
			continue
		}
		in.Items = append(in.Items, pricing.ItemInput{ProductCode: l.Product, ColourCode: l.Colour, GlassCode: l.Glass,
			WidthMM: w.Round(1), HeightMM: h.Round(1), Quantity: qty, Optional: l.Optional})
		lines = append(lines, l)
	}
	var mats []*matForm
	for _, m := range qf.Mats {
		m.Result = nil
		mf := &form{Values: map[string]string{"qty": m.Qty}, Errors: validate.Errors{}}
		if m.Code == "" {
			mf.Errors.Add("code", "quote.material_required", nil)
		}
		qty := decimalField(mf, "qty", true, minQtyDec, maxQtyDec)
		for k, v := range mf.Errors {
			m.Errors[k] = &fieldMsg{Message: v.Message, Args: v.Args}
		}
		if len(m.Errors) > 0 {
			continue
		}
		in.Materials = append(in.Materials, pricing.MaterialLineInput{MaterialCode: m.Code, ColourCode: m.Colour, Quantity: qty, Optional: m.Optional})
		mats = append(mats, m)
	}
	return in, lines, mats
}

// price prices the editor against the catalogue. Lines the pricer rejects
// (an out-of-range size, a product that no longer exists) get their message
// and are priced out, so the totals show what can be priced.
func (s *server) price(cat pricing.Catalog, qf *quoteForm, u *db.User, defaults quoteSettings) error {
	in, lines, mats := qf.quoteInput(u)
	in.Cut = defaults.Cut
	in.Rates.ProfileWaste = defaults.Rates.ProfileWaste
	for attempt := 0; attempt < 3; attempt++ {
		res, err := pricing.PriceQuote(cat, in)
		if err == nil {
			qf.Result = res
			display := qf.Get("mostrar")
			for i, l := range lines {
				l.Result = &res.Items[i]
				l.Shown = shownPrice(l.Result.Amount, display, res.Rates)
				l.ShownUnit = shownPrice(l.Result.UnitPrice, display, res.Rates)
				if p, ok := cat.Product(l.Product); ok {
					l.Kind, l.Hojas = string(p.Type), p.Hojas
				}
			}
			for i, m := range mats {
				m.Result = &res.Materials[i]
				m.Shown = shownPrice(m.Result.Amount, display, res.Rates)
			}
			qf.countExcluded()
			s.checkDiscountCap(qf, u)
			return nil
		}
		var fe pricing.FieldErrors
		if !errors.As(err, &fe) {
			return err
		}
		dropItems, dropMats := map[int]bool{}, map[int]bool{}
		for _, e := range fe {
			msg := &fieldMsg{Message: e.Key, Args: e.Args}
			switch idx, field, kind := itemField(e.Field); kind {
			case "items":
				if idx < len(lines) {
					lines[idx].Errors[field] = msg
					dropItems[idx] = true
				}
			case "materials":
				if idx < len(mats) {
					mats[idx].Errors[field] = msg
					dropMats[idx] = true
				}
			default:
				qf.Errors.Add(quoteFieldName(e.Field), e.Key, e.Args)
			}
		}
		if len(dropItems) == 0 && len(dropMats) == 0 {
			qf.countExcluded()
			return nil // quote-level problems only: nothing to price
		}
		var keepItems []pricing.ItemInput
		var keepLines []*lineForm
		for i, it := range in.Items {
			if !dropItems[i] {
				keepItems = append(keepItems, it)
				keepLines = append(keepLines, lines[i])
			}
		}
		var keepMats []pricing.MaterialLineInput
		var keepMatForms []*matForm
		for i, m := range in.Materials {
			if !dropMats[i] {
				keepMats = append(keepMats, m)
				keepMatForms = append(keepMatForms, mats[i])
			}
		}
		in.Items, lines, in.Materials, mats = keepItems, keepLines, keepMats, keepMatForms
	}
	qf.countExcluded()
	return nil
}

func (qf *quoteForm) countExcluded() {
	qf.Excluded = 0
	for _, l := range qf.Lines {
		if l.HasErrors() {
			qf.Excluded++
		}
	}
	for _, m := range qf.Mats {
		if len(m.Errors) > 0 {
			qf.Excluded++
		}
	}
}

// checkDiscountCap applies a salesperson's cap to a discount given as an
// amount, which can only be compared once the subtotal is known.
func (s *server) checkDiscountCap(qf *quoteForm, u *db.User) {
	r := qf.Result
	if u == nil || u.Role != "sales" || r == nil || r.Discount.Amount.IsZero() || r.Totals.Subtotal.IsZero() {
		return
	}
	limit, _ := decimal.NewFromString(u.MaxDiscountPct)
	if r.Discount.Amount.Div(r.Totals.Subtotal).Mul(hundred).GreaterThan(limit) {
		qf.Errors.Add("descuento", "quote.discount_cap", map[string]any{"Max": limit.String()})
	}
}

// itemField splits "items[2].width_mm" into 2, "width" and "items".
func itemField(path string) (int, string, string) {
	for _, kind := range []string{"items", "materials"} {
		rest, ok := strings.CutPrefix(path, kind+"[")
		if !ok {
			continue
		}
		idx, field, _ := strings.Cut(rest, "]")
		i, err := strconv.Atoi(idx)
		if err != nil {
			return 0, "", ""
		}
		field = strings.TrimPrefix(field, ".")
		switch field {
		case "width_mm":
			field = "width"
		case "height_mm":
			field = "height"
		case "quantity":
			field = "qty"
		case "product_code":
			field = "product"
		case "colour_code":
			field = "colour"
		case "glass_code":
			field = "glass"
		case "material_code":
			field = "code"
		case "":
			field = "product"
		}
		return i, field, kind
	}
	return 0, "", ""
}

// quoteFieldName maps a pricing input field to the editor's field.
func quoteFieldName(field string) string {
	switch field {
	case "rates.profit":
		return "utilidad"
	case "rates.indirect":
		return "indirectos"
	case "rates.iva":
		return "iva"
	case "rates.deposit":
		return "anticipo"
	case "labour_rate_m2":
		return "mano_obra"
	case "discount", "discount.rate", "discount.amount":
		return "descuento"
	case "mode":
		return "modo"
	}
	return field
}

// parseDay reads a date typed as YYYY-MM-DD (what <input type="date"> sends).
func parseDay(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, app.Errorf(app.EINVALID, "quote.validity_date")
	}
	return t, nil
}

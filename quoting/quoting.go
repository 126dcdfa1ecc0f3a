package quoting

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/pricing"
	"cotizador/validate"
)

// Service holds what the quote use cases need.
type Service struct {
	DB    *db.DB
	Clock app.Clock
}

// Settings are the company's defaults for quotes (Configuración).
type Settings struct {
	Prefix       string
	ValidityDays int
	Mode         pricing.Mode
	Rates        pricing.Rates
	LabourRateM2 *decimal.Decimal
	Cut          pricing.CutSettings
	Conditions   string
	SalesSeeAll  bool
}

// Settings reads the company's defaults for quotes.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	cs, err := s.DB.CompanySettings(ctx)
	if err != nil {
		return Settings{}, err
	}
	st := Settings{Prefix: cs.FolioPrefix, ValidityDays: cs.ValidityDays, Mode: cs.PricingMode, Rates: cs.Rates,
		LabourRateM2: cs.LabourRateM2, Cut: cs.Cut, Conditions: cs.Conditions, SalesSeeAll: cs.SalesSeeAllQuotes}
	if st.Prefix == "" {
		st.Prefix = "COT"
	}
	if st.Mode == "" {
		st.Mode = pricing.ModeByMetre
	}
	return st, nil
}

// Today is the date in Mexico City, as quotes count it.
func (s *Service) Today() string { return db.Today(s.Clock.Now()) }

// MayRead reports whether u may see q: a salesperson sees their own quotes
// unless the company lets them see all; everyone else sees every quote.
func MayRead(u *db.User, q *db.Quote, st Settings) bool {
	return u != nil && (u.Role != auth.RoleSales || st.SalesSeeAll || q.SalespersonID == u.ID)
}

// Find loads a quote by id for u: ENOTFOUND when it does not exist or u may
// not see it (never a hint that it exists).
func (s *Service) Find(ctx context.Context, id int64, u *db.User) (*db.Quote, Settings, error) {
	return s.find(ctx, u, func() (*db.Quote, error) { return s.DB.FindQuoteByID(ctx, id) })
}

// FindByFolio is Find by folio (COT-2026-0001 or COT-2026-0001-R2).
func (s *Service) FindByFolio(ctx context.Context, folio string, u *db.User) (*db.Quote, Settings, error) {
	return s.find(ctx, u, func() (*db.Quote, error) { return s.DB.FindQuoteByFolio(ctx, folio) })
}

func (s *Service) find(ctx context.Context, u *db.User, load func() (*db.Quote, error)) (*db.Quote, Settings, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, st, err
	}
	q, err := load()
	if err != nil {
		return nil, st, err
	}
	if !MayRead(u, q, st) {
		return nil, st, app.Errorf(app.ENOTFOUND, "quote.not_found")
	}
	return q, st, nil
}

// Line is a window or door line: what was typed, its problems by field, and
// its price when it has none.
type Line struct {
	ItemInput
	Errors validate.Errors
	Result *pricing.ItemResult
	// Shown and ShownUnit are the line's amount and unit price as the quote
	// displays them (with IVA when it says "IVA incluido").
	Shown, ShownUnit decimal.Decimal
	// ProductName, Kind and Hojas of the chosen product, for the line's
	// title and sketch ("" when no known product is chosen).
	ProductName string
	Kind        string
	Hojas       int
}

// Error returns a field's problem, if any.
func (l *Line) Error(field string) *app.FieldError { return fieldError(l.Errors, field) }

// HasErrors reports whether the line has any problem.
func (l *Line) HasErrors() bool { return len(l.Errors) > 0 }

// MatLine is a material-only line.
type MatLine struct {
	MaterialInput
	Errors validate.Errors
	Result *pricing.MaterialLineResult
	Shown  decimal.Decimal
}

// Error returns a field's problem, if any.
func (m *MatLine) Error(field string) *app.FieldError { return fieldError(m.Errors, field) }

// HasErrors reports whether the line has any problem.
func (m *MatLine) HasErrors() bool { return len(m.Errors) > 0 }

func fieldError(e validate.Errors, field string) *app.FieldError {
	if fe, ok := e[field]; ok {
		return &fe
	}
	return nil
}

// Draft is a priced quote that is not saved: the input, every problem found
// (quote-level by field, and per line) and the prices of what could be
// priced. Lines with problems are left out of the totals and counted.
type Draft struct {
	Input    *Input
	Errors   validate.Errors
	Lines    []*Line
	Mats     []*MatLine
	Result   *pricing.QuoteResult
	Excluded int
	Settings Settings
	Catalog  *db.PricingCatalog
	// Lookalikes are existing customers the typed one may be: saving asks
	// which before creating another "Laura Gómez".
	Lookalikes []*db.Customer

	unit       string
	display    string
	validUntil string
}

// Get returns a quote-level value as typed.
func (d *Draft) Get(name string) string { return d.Input.Get(name) }

// Error returns a quote-level field's problem, if any.
func (d *Draft) Error(field string) *app.FieldError { return fieldError(d.Errors, field) }

// OK reports whether the draft can be saved: no problem anywhere and at
// least one priced line.
func (d *Draft) OK() bool {
	return len(d.Errors) == 0 && d.Excluded == 0 && d.Result != nil && len(d.Lines)+len(d.Mats) > 0
}

// FieldErrors lists every problem by the API's field names: quote-level
// fields as they are, lines as items[i].field and material_items[i].field,
// i being the line's position in the input.
func (d *Draft) FieldErrors() map[string]app.FieldError {
	out := map[string]app.FieldError{}
	for k, v := range d.Errors {
		out[k] = v
	}
	for i, l := range d.Lines {
		for f, e := range l.Errors {
			out["items["+strconv.Itoa(i)+"]."+f] = e
		}
	}
	for i, m := range d.Mats {
		for f, e := range m.Errors {
			out["material_items["+strconv.Itoa(i)+"]."+f] = e
		}
	}
	return out
}

// Err is nil for a draft that can be saved, else the EINVALID app error with
// every field's problem (the API's 422).
func (d *Draft) Err() error {
	if d.OK() {
		return nil
	}
	if len(d.Lines)+len(d.Mats) == 0 && len(d.Errors) == 0 {
		d.Errors.Add(FieldItems, "quote.no_lines", nil)
	}
	e := app.Errorf(app.EINVALID, "validation.form_invalid")
	e.Fields = d.FieldErrors()
	return e
}

// Price checks and prices a quote for user u against today's catalogue, in
// one pass: each line gets its price or its problems, and the totals are
// those of the lines that priced. Only infrastructure failures are errors.
func (s *Service) Price(ctx context.Context, in *Input, u *db.User) (*Draft, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := s.DB.PricingCatalog(ctx)
	if err != nil {
		return nil, err
	}
	return PriceWith(cat, st, s.Today(), in, u), nil
}

// PriceWith is Price with the catalogue, settings and today's date given.
func PriceWith(cat *db.PricingCatalog, st Settings, today string, in *Input, u *db.User) *Draft {
	if in.Fields == nil {
		in.Fields = map[string]string{}
	}
	d := &Draft{Input: in, Errors: validate.Errors{}, Settings: st, Catalog: cat}
	pin := d.checkQuote(today)
	items := d.checkLines(&pin)
	var res *pricing.QuoteResult
	var perrs pricing.FieldErrors
	if cat != nil {
		res, perrs = pricing.PriceLines(cat, pin)
	}
	d.placePricingErrors(perrs, items)
	d.Result = res
	if res != nil {
		d.fillResults(res, items, pin)
	}
	if cat != nil {
		for _, l := range d.Lines {
			if p, ok := cat.Product(l.ProductCode); ok {
				l.ProductName, l.Kind, l.Hojas = p.Name, string(p.Type), p.Hojas
			}
		}
	}
	d.checkDiscountCap(u, pin.Discount)
	for _, l := range d.Lines {
		if l.HasErrors() {
			d.Excluded++
		}
	}
	for _, m := range d.Mats {
		if m.HasErrors() {
			d.Excluded++
		}
	}
	return d
}

var (
	hundred        = decimal.NewFromInt(100)
	ten            = decimal.NewFromInt(10)
	zero           = decimal.Zero
	maxMoney       = decimal.NewFromInt(10_000_000)
	maxMarkupPct   = decimal.NewFromInt(1000)
	maxMaterialQty = decimal.NewFromInt(1_000_000)
	minMaterialQty = decimal.RequireFromString("0.001")
	ivaChoicesPct  = []decimal.Decimal{decimal.NewFromInt(16), decimal.NewFromInt(8), decimal.Zero}
)

// rate reads a rate field typed as a percentage or a fraction into a
// fraction in [0, maxPct %]; an absent field keeps def.
func (d *Draft) rate(name string, maxPct decimal.Decimal, def decimal.Decimal) decimal.Decimal {
	if !d.Input.has(name) {
		return def
	}
	// Shifting the point is exact and far cheaper than dividing.
	shift, max := int32(0), maxPct.Shift(-2)
	if d.Input.Percent {
		shift, max = -2, maxPct
	}
	return validate.Decimal(d.Errors, name, d.Get(name), true, zero, max).Shift(shift)
}

// checkQuote validates the quote-level fields into a pricing input.
func (d *Draft) checkQuote(today string) pricing.QuoteInput {
	st, in, e := d.Settings, d.Input, d.Errors
	pin := pricing.QuoteInput{Mode: st.Mode, Rates: st.Rates, LabourRateM2: st.LabourRateM2, Cut: st.Cut}
	if in.has(FieldMode) {
		pin.Mode = pricing.Mode(validate.Choice(e, FieldMode, in.Get(FieldMode), true,
			string(pricing.ModeByMetre), string(pricing.ModeOptimised), string(pricing.ModeCompatible)))
	}
	d.unit = UnitMM
	if in.has(FieldUnit) {
		d.unit = validate.Choice(e, FieldUnit, in.Get(FieldUnit), true, UnitCM, UnitMM)
	}
	d.display = DisplayPlusIVA
	if in.has(FieldPriceDisplay) {
		d.display = validate.Choice(e, FieldPriceDisplay, in.Get(FieldPriceDisplay), true, DisplayPlusIVA, DisplayIVAIncluded)
	}
	pin.Rates.Profit = d.rate(FieldProfitRate, maxMarkupPct, st.Rates.Profit)
	pin.Rates.Indirect = d.rate(FieldIndirectRate, maxMarkupPct, st.Rates.Indirect)
	pin.Rates.Deposit = d.rate(FieldDepositRate, hundred, st.Rates.Deposit)
	if in.has(FieldIVARate) {
		pin.Rates.IVA, pin.Rates.IVAExempt = d.ivaRate()
	}
	if in.has(FieldLabourRate) {
		pin.LabourRateM2 = nil
		if strings.TrimSpace(in.Get(FieldLabourRate)) != "" {
			l := validate.Decimal(e, FieldLabourRate, in.Get(FieldLabourRate), false, zero, maxMoney)
			pin.LabourRateM2 = &l
		}
	}
	if strings.TrimSpace(in.Get(FieldDiscountRate)) != "" {
		pin.Discount.Rate = d.rate(FieldDiscountRate, hundred, zero)
	}
	if strings.TrimSpace(in.Get(FieldDiscountAmount)) != "" {
		pin.Discount.Amount = validate.Decimal(e, FieldDiscountAmount, in.Get(FieldDiscountAmount), false, zero, maxMoney)
	}
	if pin.Discount.Rate.IsPositive() && pin.Discount.Amount.IsPositive() {
		e.Add(FieldDiscountAmount, "quote.discount_both", nil)
	}
	d.validUntil = addDays(today, st.ValidityDays)
	if in.has(FieldValidUntil) {
		d.validUntil = in.Get(FieldValidUntil)
		if _, err := time.Parse("2006-01-02", d.validUntil); err != nil {
			e.Add(FieldValidUntil, "quote.validity_date", nil)
		}
	}
	validate.Multiline(e, FieldNotes, in.Get(FieldNotes), false, 4000)
	validate.Multiline(e, FieldConditions, in.Get(FieldConditions), false, 8000)
	// Customer fields are checked for text here (every door refuses bad
	// bytes alike) and fully on save.
	for _, f := range []string{FieldCustomerName, FieldCustomerPhone, FieldCustomerEmail, FieldCustomerRFC} {
		validate.Text(e, f, in.Get(f), false, 0)
	}
	validate.Multiline(e, FieldCustomerAddress, in.Get(FieldCustomerAddress), false, 0)
	if len(in.Items) > MaxLines || len(in.Materials) > MaxLines {
		e.Add(FieldItems, "api.too_many_lines", map[string]any{"Max": MaxLines})
	}
	return pin
}

// ivaRate reads the IVA field: one of 16 %, 8 %, 0 % or exento, typed as a
// percentage or a fraction.
func (d *Draft) ivaRate() (decimal.Decimal, bool) {
	raw := strings.TrimSpace(d.Get(FieldIVARate))
	if raw == IVAExempt {
		return zero, true
	}
	errs := validate.Errors{}
	v := validate.Decimal(errs, FieldIVARate, raw, true, zero, decimal.NewFromInt(100))
	if !d.Input.Percent {
		v = v.Shift(2)
	}
	if len(errs) == 0 {
		for _, c := range ivaChoicesPct {
			if v.Equal(c) {
				return c.Shift(-2), false
			}
		}
	}
	d.Errors.Add(FieldIVARate, "quote.iva_choice", nil)
	return d.Settings.Rates.IVA, d.Settings.Rates.IVAExempt
}

// checkLines validates each line's typed values into the pricing input;
// items[k] is the Line of the k-th pricing item (lines with problems are
// not priced).
func (d *Draft) checkLines(pin *pricing.QuoteInput) (items []*Line) {
	maxDim := decimal.NewFromInt(pricing.MaxDimensionMM)
	if d.unit == UnitCM {
		maxDim = maxDim.Shift(-1)
	}
	for i := range d.Input.Items {
		if i >= MaxLines {
			break
		}
		l := &Line{ItemInput: d.Input.Items[i], Errors: validate.Errors{}}
		d.Lines = append(d.Lines, l)
		e := l.Errors
		code := validate.Text(e, ItemProduct, l.ProductCode, false, 60)
		if code == "" && !e.Has(ItemProduct) {
			e.Add(ItemProduct, "quote.product_required", nil)
		}
		w := validate.Decimal(e, ItemWidth, l.Width, true, zero, maxDim)
		h := validate.Decimal(e, ItemHeight, l.Height, true, zero, maxDim)
		if d.unit == UnitCM {
			w, h = w.Shift(1), h.Shift(1)
		}
		qty := validate.Int(e, ItemQuantity, l.Quantity, true, 1, pricing.MaxItemQuantity)
		colour := validate.Text(e, ItemColour, l.ColorCode, false, 60)
		glass := validate.Text(e, ItemGlass, l.GlassCode, false, 60)
		validate.Text(e, ItemLocation, l.Location, false, 120)
		validate.Multiline(e, ItemNotes, l.Notes, false, 1000)
		if len(e) > 0 {
			continue
		}
		pin.Items = append(pin.Items, pricing.ItemInput{ProductCode: code, ColourCode: colour, GlassCode: glass,
			WidthMM: w.Round(1), HeightMM: h.Round(1), Quantity: qty, Optional: l.Optional})
		items = append(items, l)
	}
	for i := range d.Input.Materials {
		if i >= MaxLines {
			break
		}
		m := &MatLine{MaterialInput: d.Input.Materials[i], Errors: validate.Errors{}}
		d.Mats = append(d.Mats, m)
		e := m.Errors
		code := validate.Text(e, MatMaterial, m.MaterialCode, false, 60)
		if code == "" && !e.Has(MatMaterial) {
			e.Add(MatMaterial, "quote.material_required", nil)
		}
		qty := validate.Decimal(e, MatQuantity, m.Quantity, true, minMaterialQty, maxMaterialQty)
		colour := validate.Text(e, MatColour, m.ColorCode, false, 60)
		if len(e) > 0 {
			continue
		}
		pin.Materials = append(pin.Materials, pricing.MaterialLineInput{MaterialCode: code, ColourCode: colour, Quantity: qty, Optional: m.Optional})
	}
	return items
}

// pricingField maps the pricer's quote-level field paths to ours.
var pricingField = map[string]string{
	"mode": FieldMode, "rates.profit": FieldProfitRate, "rates.indirect": FieldIndirectRate, "rates.iva": FieldIVARate,
	"rates.deposit": FieldDepositRate, "labour_rate_m2": FieldLabourRate, "discount": FieldDiscountRate,
	"discount.rate": FieldDiscountRate, "discount.amount": FieldDiscountAmount, "items": FieldItems,
}

// pricingLineField maps the pricer's line field names to ours ("" is a
// problem of the line's product, such as a BOM formula that fails).
var pricingLineField = map[string]string{
	"width_mm": ItemWidth, "height_mm": ItemHeight, "quantity": ItemQuantity, "product_code": ItemProduct,
	"colour_code": ItemColour, "glass_code": ItemGlass, "material_code": MatMaterial, "": ItemProduct,
}

// placePricingErrors puts each pricer problem on its line or quote field.
func (d *Draft) placePricingErrors(perrs pricing.FieldErrors, items []*Line) {
	var mats []*MatLine
	for _, m := range d.Mats {
		if !m.HasErrors() {
			mats = append(mats, m)
		}
	}
	for _, fe := range perrs {
		fe2 := app.FieldError{Message: fe.Key, Args: fe.Args}
		kind, idx, field := splitPath(fe.Field)
		name, known := pricingLineField[field]
		if !known {
			name = field
		}
		switch {
		case kind == "items" && idx < len(items):
			msg, args := d.inUnit(fe2.Message, fe2.Args)
			items[idx].Errors.Add(name, msg, args)
		case kind == "materials" && idx < len(mats):
			mats[idx].Errors.Add(name, fe2.Message, fe2.Args)
		default:
			f, ok := pricingField[fe.Field]
			if fe.Field == "discount.amount" && d.Input.Get(FieldDiscountAmount) == "" {
				f = FieldDiscountRate // the rate gave the amount that is too big
			}
			if !ok {
				f = FieldMode // company settings (profile waste, cut) the user cannot fix here
			}
			d.Errors.Add(f, fe2.Message, fe2.Args)
		}
	}
}

// sizeMessages are the pricer's size problems, given in mm, and the same
// messages in the unit the user types.
var sizeMessages = map[string]string{
	"quote.width_range": "quote.width_range_unit", "quote.height_range": "quote.height_range_unit",
	"quote.width_too_big": "quote.width_too_big_unit", "quote.height_too_big": "quote.height_too_big_unit",
}

// inUnit restates a size problem in the draft's unit: a user typing cm
// reads "entre 80 y 300 cm", not 800 and 3000 mm.
func (d *Draft) inUnit(msg string, args map[string]any) (string, map[string]any) {
	key, ok := sizeMessages[msg]
	if !ok {
		return msg, args
	}
	out := map[string]any{"Unit": d.unit}
	for _, k := range []string{"Min", "Max"} {
		v, ok := args[k]
		if !ok {
			continue
		}
		mm, err := decimal.NewFromString(fmt.Sprint(v))
		if err != nil { // "∞" for a product without a maximum
			out[k] = v
			continue
		}
		if d.unit == UnitCM {
			mm = mm.Shift(-1)
		}
		out[k] = mm.String()
	}
	return key, out
}

// splitPath splits "items[2].width_mm" into "items", 2, "width_mm".
func splitPath(path string) (string, int, string) {
	kind, rest, ok := strings.Cut(path, "[")
	if !ok {
		return "", 0, ""
	}
	idx, field, _ := strings.Cut(rest, "]")
	i, err := strconv.Atoi(idx)
	if err != nil {
		return "", 0, ""
	}
	return kind, i, strings.TrimPrefix(field, ".")
}

// fillResults gives each priced line its result and display prices.
func (d *Draft) fillResults(res *pricing.QuoteResult, items []*Line, pin pricing.QuoteInput) {
	for i := range res.Items {
		r := &res.Items[i]
		l := items[r.Index]
		l.Result = r
		l.Shown, l.ShownUnit = d.Shown(r.Amount), d.Shown(r.UnitPrice)
	}
	var mats []*MatLine
	for _, m := range d.Mats {
		if !m.HasErrors() {
			mats = append(mats, m)
		}
	}
	for i := range res.Materials {
		r := &res.Materials[i]
		m := mats[r.Index]
		m.Result = r
		m.Shown = d.Shown(r.Amount)
	}
}

// Shown is an amount as the quote displays it: with IVA when it says "IVA
// incluido".
func (d *Draft) Shown(amount decimal.Decimal) decimal.Decimal {
	if d.Result == nil {
		return amount
	}
	return ShownPrice(amount, d.display, d.Result.Rates)
}

// ShownPrice is a selling price as the quote shows it: before IVA ("+ IVA"),
// or with IVA added when the quote says "IVA incluido" (rounded HALF_UP to
// the centavo; exempt quotes add none).
func ShownPrice(amount decimal.Decimal, display string, r pricing.Rates) decimal.Decimal {
	if display != DisplayIVAIncluded {
		return amount
	}
	return pricing.WithIVA(amount, r)
}

// checkDiscountCap applies a salesperson's maximum discount, given as a
// rate or as an amount, to the discount the quote really gives: one rule
// for both doors and both ways of typing it.
func (d *Draft) checkDiscountCap(u *db.User, disc pricing.Discount) {
	if u == nil || u.Role != auth.RoleSales || (disc.Rate.IsZero() && disc.Amount.IsZero()) {
		return
	}
	limit, err := decimal.NewFromString(u.MaxDiscountPct)
	if err != nil {
		limit = zero
	}
	field, pct := FieldDiscountRate, disc.Rate.Shift(2)
	if disc.Amount.IsPositive() {
		field = FieldDiscountAmount
		if d.Result == nil || !d.Result.Totals.Subtotal.IsPositive() {
			// Nothing to compare with yet: only a cap of 100 % allows it.
			pct = hundred
		} else {
			pct = d.Result.Totals.Discount.Shift(2).Div(d.Result.Totals.Subtotal)
		}
	}
	if pct.GreaterThan(limit) {
		d.Errors.Add(field, "quote.discount_cap", map[string]any{"Max": limit.String()})
	}
}

func addDays(day string, n int) string {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format("2006-01-02")
}

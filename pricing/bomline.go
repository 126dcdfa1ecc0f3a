package pricing

import "github.com/shopspring/decimal"

// BOMLineSample is the window one BOM line is evaluated for, with the
// quote settings the line's figures depend on.
type BOMLineSample struct {
	WidthMM, HeightMM decimal.Decimal
	ColourCode        string // optional: profiles at their price in that colour, as in a quote
	// Mode "" means ModeByMetre. ModeOptimised prices the line by the
	// metre: its share of packed bars depends on the rest of a quote.
	Mode         Mode
	ProfileWaste decimal.Decimal // the company's default for profiles; zero means 1.10
}

// EvalBOMLine prices one BOM line of product p for one window of the
// sample's size exactly as PriceQuote prices that line of an item without a
// chosen glass (the same formula evaluation, rounding of cuts, waste,
// bars and price; it runs the same code), so that the product editor's live
// check shows what quotes will charge. p need not be saved nor contain
// line; its Hojas and glass deductions count, its size range is not checked
// (a sample outside it is still worth evaluating while the range is being
// typed).
//
// Errors are FieldErrors on "mode", "width_mm", "height_mm", "colour_code"
// and "material_code" for the sample and the line, or the quote.bom_formula
// error a quote would get, on "formula", whose cause (errors.As) is the
// *FormulaError.
func EvalBOMLine(cat Catalog, p Product, line BOMLine, s BOMLineSample) (LineDetail, error) {
	var errs FieldErrors
	mode := s.Mode
	switch mode {
	case "", ModeOptimised:
		mode = ModeByMetre
	case ModeByMetre, ModeCompatible:
	default:
		errs = append(errs, fieldErr("mode", "quote.mode_unknown", map[string]any{"Value": string(mode)}))
	}
	width, height := numOf(s.WidthMM), numOf(s.HeightMM)
	for _, d := range []struct {
		field            string
		v                num
		positive, tooBig string
	}{
		{"width_mm", width, "quote.width_positive", "quote.width_too_big"},
		{"height_mm", height, "quote.height_positive", "quote.height_too_big"},
	} {
		if !d.v.IsPositive() {
			errs = append(errs, fieldErr(d.field, d.positive, nil))
		} else if d.v.Cmp(numMaxDimension) > 0 {
			errs = append(errs, fieldErr(d.field, d.tooBig, map[string]any{"Max": MaxDimensionMM}))
		}
	}
	var colour *Colour
	if s.ColourCode != "" {
		if c, ok := cat.Colour(s.ColourCode); ok {
			colour = &c
		} else {
			errs = append(errs, fieldErr("colour_code", "quote.colour_unknown", map[string]any{"Code": s.ColourCode}))
		}
	}
	if _, ok := cat.Material(line.MaterialCode); !ok {
		errs = append(errs, fieldErr("material_code", "quote.material_unknown", map[string]any{"Code": line.MaterialCode}))
	}
	if len(errs) > 0 {
		return LineDetail{}, errs
	}

	// The product as a quote would see it, with this line as its whole BOM:
	// priceItem then prices the line (and the item's labour, ignored here).
	p.BOM = []BOMLine{line}
	plan := planProduct(cat, p)
	waste := s.ProfileWaste
	if waste.IsZero() {
		waste = defaultProfileWaste
	}
	q := &quotePricer{cat: cat, plans: newCatalogPlans(), rates: Rates{ProfileWaste: waste},
		profileWaste: pairOf(waste), cut: DefaultCutSettings()}
	ic := itemContext{in: &ItemInput{ProductCode: p.Code, ColourCode: s.ColourCode, WidthMM: s.WidthMM,
		HeightMM: s.HeightMM, Quantity: 1}, plan: plan, colour: colour, width: width, height: height, qty: numOne, mode: mode}
	ic.dims = newDims(width, height, p.Hojas, 1)
	ic.glassDim = ic.dims
	if plan.hasDeduct {
		ic.glassDim = newDims(positive(width.Sub(plan.deductW)), positive(height.Sub(plan.deductH)), p.Hojas, 1)
	}
	ic.areaM2 = width.Mul(height).Shift(-6)
	var sums numBuckets
	lines, _, err := q.priceItem(&ic, make([]LineDetail, 0, len(plan.lines)+2), &sums)
	if err != nil {
		fe, ok := err.(*FieldError)
		if !ok {
			return LineDetail{}, err
		}
		// The item is only the sample: the error is the line's formula's.
		moved := *fe
		moved.Field = "formula"
		return LineDetail{}, FieldErrors{&moved}
	}
	return lines[0], nil
}

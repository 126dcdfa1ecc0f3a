// Package pricing is Cotizador's domain core: user formulas, BOM evaluation,
// exact money, quote totals in the three pricing modes, cut optimisation and
// amounts in words. It knows nothing of SQL, HTTP, files or the clock: db/
// fills a Catalog, handlers/ build a QuoteInput, and PriceQuote returns
// everything a page or a PDF shows.
//
// Rules (see DOMAIN.md) and the readings this package takes:
//
//   - Money is shopspring/decimal, rounded HALF_UP (ties away from zero, as
//     Python's ROUND_HALF_UP) to centavos; measurements to 0.001. Formula
//     results are float64 and become decimals rounded to 6 decimals at once.
//   - A formula's negative result counts as 0 (LineDetail.Clamped); NaN or
//     ±Inf is an error, never a price.
//   - Item buckets (profiles, glass, hardware, consumables, labour) are
//     rounded per item. Utilidad, indirectos and the subtotal are computed
//     from the exact cost and rounded once each, so the subtotal can differ by
//     a centavo from cost + utilidad + indirectos as printed; that is how the
//     worked example reaches 3385.06.
//   - The discount (rate or amount) applies after the subtotal and before
//     IVA. The unit selling prices spread the subtotal before discount.
//   - ModeCompatible reproduces the prototype exactly, including IVA and total
//     taken from the unrounded subtotal. The other modes charge IVA on the
//     rounded tax base and make total = base + IVA, so the printed figures
//     add up.
//   - ModeByMetre (default): profiles by metres × waste (line, else material,
//     else company default); glass from the BOM's glass lines with the chosen
//     glass substituted and the frame deductions applied (or, with no glass
//     line, the chosen glass over the deducted area); hardware and
//     consumables as counted (waste 1 unless the line or material says so);
//     labour by area plus the BOM's labour lines.
//   - ModeOptimised: profile pieces of the same material and colour across
//     the quote are packed into bars (PackBars) and each line pays its share
//     by length. Lines given as metres count as one piece per window.
//     Optional items are priced by the metre, since the bars they would
//     share depend on whether the customer takes them.
//   - Formulas follow the prototype's Python where they differ from Go:
//     round() ties to even and takes optional digits, and % is a floored
//     modulo.
//
// Speed: a quote is re-priced on every keystroke of the editor, so the
// arithmetic runs on num (num.go), an int64 decimal that gives exactly the
// values and exponents shopspring/decimal gives and falls back to it when a
// number outgrows an int64; formulas run on a float64 tree built from expr's
// program (formula_fast.go); and what depends on the catalogue alone is
// derived once per catalogue (plan.go). reference_test.go keeps the plain
// decimal pricer these must agree with, field for field.
//
// Errors meant for users carry a stable key (FormulaError.Key,
// FieldError.Key) and arguments, never text: the texts live in locales/,
// and MessageKeys lists every key so a test there proves each has one.
package pricing

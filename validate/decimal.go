package validate

import (
	"strings"

	"github.com/shopspring/decimal"

	"cotizador/pricing"
)

// Decimal validates an exact decimal typed by a person, the same at every
// door (forms, JSON, CSV): a leading "$" and spaces are dropped, a comma is
// the decimal point only when there is no point (so "1,234.50" and "52,5"
// both work), and the value must lie in [min, max]. Empty is zero unless
// required. It returns zero when the value has a problem.
func Decimal(e Errors, field, value string, required bool, min, max decimal.Decimal) decimal.Decimal {
	raw := strings.TrimSpace(value)
	if raw == "" {
		if required {
			e.Add(field, msgRequired, nil)
		}
		return decimal.Zero
	}
	s := strings.ReplaceAll(strings.TrimPrefix(raw, "$"), " ", "")
	if strings.Contains(s, ".") {
		s = strings.ReplaceAll(s, ",", "")
	} else {
		s = strings.ReplaceAll(s, ",", ".")
	}
	d, err := pricing.ParseDecimal(s)
	if err != nil {
		e.Add(field, "number.invalid", map[string]any{"Value": raw})
		return decimal.Zero
	}
	if d.LessThan(min) || d.GreaterThan(max) {
		e.Add(field, msgRange, map[string]any{"Min": min.String(), "Max": max.String()})
		return decimal.Zero
	}
	return d
}

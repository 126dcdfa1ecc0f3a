package pricing

import (
	"math"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Money and measurements are exact decimals; float64 exists only as the
// result type of user formulas and is converted (and rounded) right away.

var (
	zero    = decimal.Zero
	one     = decimal.NewFromInt(1)
	hundred = decimal.NewFromInt(100)
	mmPerM  = decimal.NewFromInt(1000)
)

// RoundMoney rounds to centavos with HALF_UP as the prototype's Python
// ROUND_HALF_UP does: ties go away from zero (2.345 → 2.35, −2.345 → −2.35).
// The magnitude is rounded and the sign restored, so the rule for negative
// amounts (discounts, credits) is ours and not the library's.
func RoundMoney(d decimal.Decimal) decimal.Decimal { return roundHalfUp(d, 2) }

// WithIVA is a selling amount with IVA added, as a quote priced "IVA
// incluido" shows it: amount × (1 + IVA) rounded HALF_UP to the centavo; an
// exempt quote adds none. quoting shows line prices with it and db's
// dashboard counters sum them the same way.
func WithIVA(amount decimal.Decimal, r Rates) decimal.Decimal {
	if r.IVAExempt {
		return amount
	}
	return RoundMoney(amount.Mul(one.Add(r.IVA)))
}

// RoundQty rounds a measurement or quantity to 0.001 (HALF_UP as RoundMoney).
func RoundQty(d decimal.Decimal) decimal.Decimal { return roundHalfUp(d, 3) }

func roundHalfUp(d decimal.Decimal, places int32) decimal.Decimal {
	if d.Exponent() >= -places {
		return d // already short enough; saves the library's rescaling
	}
	if d.Sign() < 0 {
		return d.Neg().Round(places).Neg()
	}
	return d.Round(places)
}

// maxNumberLen bounds user-typed numbers so a pasted novel cannot become a
// million-digit big.Int.
const maxNumberLen = 40

// ParseDecimal parses a plain decimal as typed in a form: optional sign,
// digits, optional decimal point ("1500", "-2.5", ".75"). Exponents, NaN,
// Inf, thousands separators and anything else are rejected with a
// *FieldError (key "number.invalid") whose Field the caller fills in.
func ParseDecimal(s string) (decimal.Decimal, error) {
	t := strings.TrimSpace(s)
	if !isPlainDecimal(t) {
		return zero, fieldErr("", "number.invalid", map[string]any{"Value": s})
	}
	d, err := decimal.NewFromString(t)
	if err != nil {
		return zero, fieldErr("", "number.invalid", map[string]any{"Value": s})
	}
	return d, nil
}

// ParseMoney is ParseDecimal that also accepts how amounts are written in
// Mexico: a leading "$", a trailing "MXN" and comma thousands separators in
// proper groups of three ("$12,345.67 MXN").
func ParseMoney(s string) (decimal.Decimal, error) {
	bad := func() (decimal.Decimal, error) {
		return zero, fieldErr("", "number.invalid", map[string]any{"Value": s})
	}
	t := strings.TrimSpace(s)
	t = strings.TrimSpace(strings.TrimSuffix(t, "MXN"))
	neg := false
	if strings.HasPrefix(t, "-") {
		neg, t = true, t[1:]
	}
	t = strings.TrimPrefix(t, "$")
	if strings.HasPrefix(t, "-") && !neg {
		neg, t = true, t[1:]
	}
	if strings.Contains(t, ",") {
		intPart, frac, hasFrac := strings.Cut(t, ".")
		groups := strings.Split(intPart, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return bad()
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return bad()
			}
		}
		t = strings.Join(groups, "")
		if hasFrac {
			t += "." + frac
		}
	}
	if strings.HasPrefix(t, "+") || strings.HasPrefix(t, "-") {
		return bad()
	}
	d, err := ParseDecimal(t)
	if err != nil {
		return bad()
	}
	if neg {
		d = d.Neg()
	}
	return d, nil
}

func isPlainDecimal(s string) bool {
	if len(s) == 0 || len(s) > maxNumberLen {
		return false
	}
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	digits, dots := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// FormatMXN renders an amount the way Mexican quotes print it:
// "$12,345.67 MXN" (comma thousands, point decimals), "-$5.00 MXN".
func FormatMXN(d decimal.Decimal) string {
	var buf [40]byte
	return string(AppendMXN(buf[:0], d))
}

// AppendMXN appends FormatMXN(d) to dst. An amount whose centavos fit an
// int64 is written without allocating: the quote editor prints a dozen on
// every keystroke.
func AppendMXN(dst []byte, d decimal.Decimal) []byte {
	n := numOf(d).Round(2)
	cents, ok := int64(0), n.big == nil && n.e >= -2 && n.e <= 14
	if ok {
		cents = n.c
		for e := n.e; e > -2; e-- {
			if cents > math.MaxInt64/10 || cents < math.MinInt64/10 {
				ok = false
				break
			}
			cents *= 10
		}
	}
	if !ok || cents == math.MinInt64 {
		r := RoundMoney(d)
		sign := ""
		if r.Sign() < 0 {
			sign, r = "-", r.Neg()
		}
		return append(dst, sign+"$"+groupThousands(r.StringFixed(2))+" MXN"...)
	}
	if cents < 0 {
		dst = append(dst, '-')
		cents = -cents
	}
	dst = append(dst, '$')
	var digits [20]byte
	intPart := strconv.AppendInt(digits[:0], cents/100, 10)
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, c)
	}
	frac := cents % 100
	return append(dst, '.', byte('0'+frac/10), byte('0'+frac%10), ' ', 'M', 'X', 'N')
}

// FormatNumber renders d with the given decimals and es-MX grouping
// ("1,234.500"), rounding HALF_UP.
func FormatNumber(d decimal.Decimal, places int32) string {
	d = roundHalfUp(d, places)
	sign := ""
	if d.Sign() < 0 {
		sign, d = "-", d.Neg()
	}
	return sign + groupThousands(d.StringFixed(places))
}

func groupThousands(s string) string {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// maxFormulaMagnitude keeps formula results inside what a scaled int64 holds
// at 6 decimals; no real window needs a quantity anywhere near it.
const maxFormulaMagnitude = 1e12

// decimalFromFormula converts a formula result to an exact decimal rounded to
// 6 decimals, so float noise (7.800000000000001) never reaches the centavos.
// The scaled-int conversion is exact except at a tie in the 7th decimal,
// which no quantity depends on, and is far cheaper than going through text.
func decimalFromFormula(v float64) (decimal.Decimal, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return zero, formulaErr("formula.not_finite", 0, "")
	}
	if math.Abs(v) > maxFormulaMagnitude {
		return zero, formulaErr("formula.too_large", 0, "")
	}
	// Trailing zeros are dropped (1.5 is 15e-1, not 1500000e-6) so the
	// products that follow stay short and RoundQty often has nothing to do.
	c, exp := int64(math.Round(v*1e6)), int32(-6)
	for exp < 0 && c%10 == 0 {
		c /= 10
		exp++
	}
	return decimal.New(c, exp), nil
}

// dec parses a literal known to be valid; for fixtures and constants only.
func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

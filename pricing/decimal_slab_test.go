package pricing

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

func TestDecimalSlabLayout(t *testing.T) {
	if !slabLayoutOK {
		t.Fatal("decimal.Decimal is no longer laid out as decimalLayout: decimals are made with decimal.New " +
			"(correct, but pricing is slower); update decimalLayout to the library's fields")
	}
}

// TestDecimalSlab: slab decimals are decimal.New's, and decimal operations
// on them leave them as they were (they share nothing a library call could
// change).
func TestDecimalSlab(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	var s decimalSlab
	type made struct {
		d    decimal.Decimal
		text string
	}
	var all []made
	for i := range 5000 {
		c := r.Int64N(math.MaxInt64)
		if i%3 == 0 {
			c = r.Int64N(100000)
		}
		if r.IntN(2) == 0 {
			c = -c
		}
		e := int32(r.IntN(30)) - 20
		got, want := s.make(c, e), decimal.New(c, e)
		if !sameDecimal(got, want) || got.String() != want.String() || got.CoefficientInt64() != c ||
			got.Coefficient().Cmp(want.Coefficient()) != 0 || got.NumDigits() != want.NumDigits() {
			t.Fatalf("slab %d e%d = %s (exp %d), want %s", c, e, got, got.Exponent(), want)
		}
		all = append(all, made{got, got.String()})
	}
	one := decimal.New(1, -2)
	for i := 1; i < len(all); i++ {
		a, b := all[i-1].d, all[i].d
		_ = a.Add(b).Sub(one).Mul(b).Round(3).Neg().Abs().Shift(2).Truncate(1).Floor().Ceil()
		_ = decimal.Sum(a, b, one)
		_, _ = a.QuoRem(b, 4)
		if !b.IsZero() {
			_ = a.Div(b).RoundBank(2)
		}
		_ = a.StringFixed(2) + a.String()
		_ = a.Round(a.Exponent() * -1) // returns a itself
		_ = roundHalfUp(a, 2)
	}
	for _, m := range all {
		if m.d.String() != m.text {
			t.Fatalf("a decimal operation changed a slab decimal: %s, was %s", m.d, m.text)
		}
	}
}

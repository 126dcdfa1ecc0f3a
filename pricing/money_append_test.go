package pricing

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// slowMXN is FormatMXN as it was written before AppendMXN: decimal
// arithmetic all the way.
func slowMXN(d decimal.Decimal) string {
	r := RoundMoney(d)
	sign := ""
	if r.Sign() < 0 {
		sign, r = "-", r.Neg()
	}
	return sign + "$" + groupThousands(r.StringFixed(2)) + " MXN"
}

func TestAppendMXNMatchesDecimal(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	cases := []decimal.Decimal{decimal.Zero, dec("0.005"), dec("-0.005"), dec("0.004999"), dec("1234567.895"), dec("-1000"),
		dec("92233720368547758.07"), dec("92233720368547758.08"), dec("-92233720368547758.09"), dec("1e20"), dec("123e14"), dec("0.125")}
	for i := 0; i < 20000; i++ {
		cases = append(cases, decimal.New(r.Int64N(1e15)-5e14, -int32(r.IntN(6))+int32(r.IntN(3))))
	}
	for _, d := range cases {
		if got, want := FormatMXN(d), slowMXN(d); got != want {
			t.Fatalf("FormatMXN(%s) = %q, want %q", d, got, want)
		}
	}
}

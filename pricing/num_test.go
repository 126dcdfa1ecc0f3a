package pricing

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// sameDecimal is equality of value and exponent: what the pricer returns
// must not even be written differently.
func sameDecimal(a, b decimal.Decimal) bool { return a.Cmp(b) == 0 && a.Exponent() == b.Exponent() }

// randOperand draws decimals of every size: tiny, money-like, near the int64
// limit and beyond it, with exponents from −20 to +3, and zeros.
func randOperand(r *rand.Rand) decimal.Decimal {
	e := int32(r.IntN(12)) - 8
	if r.IntN(6) == 0 {
		e = int32(r.IntN(24)) - 20
	}
	var c int64
	switch r.IntN(7) {
	case 0:
		c = 0
	case 1:
		c = r.Int64N(1000)
	case 2:
		c = r.Int64N(1e9)
	case 3:
		c = r.Int64N(1e18)
	case 4:
		c = math.MaxInt64 - r.Int64N(1000)
	case 5: // beyond int64
		v := new(big.Int).Mul(big.NewInt(r.Int64N(1e12)+1), big.NewInt(r.Int64N(1e12)+1))
		v.Mul(v, big.NewInt(r.Int64N(1e6)+1))
		if r.IntN(2) == 0 {
			v.Neg(v)
		}
		return decimal.NewFromBigInt(v, e)
	default:
		c = r.Int64N(1e6) * int64(pow10u[r.IntN(6)]) // trailing zeros
	}
	if r.IntN(2) == 0 {
		c = -c
	}
	return decimal.New(c, e)
}

func TestNumMatchesDecimal(t *testing.T) {
	seed := rand.Uint64()
	r := rand.New(rand.NewPCG(seed, 2))
	t.Logf("seed %d", seed)
	n := 200000
	if raceEnabled || testing.Short() {
		n = 20000
	}
	for range n {
		a, b := randOperand(r), randOperand(r)
		switch r.IntN(8) {
		case 0:
			// A quotient with a 5 in the 17th decimal: a tie for Div's rounding.
			a = b.Mul(decimal.New(r.Int64N(1e9)*10+5, -17))
		case 1:
			// m.xx4999…95 (17 decimals): Div rounds it to m.xx5, which then
			// rounds up to places decimals; rounding once would round down.
			p := []int64{0, 2, 3}[r.IntN(3)]
			// In units of 10^-17: m × 10^(17−p) + 5 × 10^(16−p) − 5; small
			// m and b keep a within an int64.
			b = decimal.New(1+r.Int64N(49), int32(r.IntN(8))-4)
			q := new(big.Int).Mul(big.NewInt(r.Int64N(90)), bigPow10(17-p))
			q.Add(q, new(big.Int).Mul(big.NewInt(5), bigPow10(16-p)))
			q.Sub(q, big.NewInt(5))
			a = b.Mul(decimal.NewFromBigInt(q, -17))
		}
		if msg := checkNumOps(a, b, int32(r.IntN(9)), int32(r.IntN(7))-3); msg != "" {
			t.Fatal(msg)
		}
	}
}

func bigPow10(n int64) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil) }

// checkNumOps compares every num operation on a and b with decimal's.
func checkNumOps(a, b decimal.Decimal, places, shift int32) string {
	na, nb := numOf(a), numOf(b)
	check := func(op string, got num, want decimal.Decimal) string {
		if g := got.dec(); !sameDecimal(g, want) {
			return fmt.Sprintf("%s(%s [exp %d], %s [exp %d]) = %s [exp %d], want %s [exp %d]",
				op, a, a.Exponent(), b, b.Exponent(), g, g.Exponent(), want, want.Exponent())
		}
		return ""
	}
	msgs := []string{
		check("numOf", na, a),
		check("Add", na.Add(nb), a.Add(b)),
		check("Sub", na.Sub(nb), a.Sub(b)),
		check("Mul", na.Mul(nb), a.Mul(b)),
		check("Neg", na.Neg(), a.Neg()),
		check("Shift", na.Shift(shift), a.Shift(shift)),
		check(fmt.Sprintf("Round(%d)", places), na.Round(places), roundHalfUp(a, places)),
	}
	if !b.IsZero() {
		for _, p := range []int32{0, 2, 3, places} {
			msgs = append(msgs, check(fmt.Sprintf("QuoRound(%d)", p), na.QuoRound(nb, p), roundHalfUp(a.Div(b), p)))
		}
		msgs = append(msgs, check("CeilQuo", na.CeilQuo(nb), a.Div(b).Ceil()))
	}
	for _, m := range msgs {
		if m != "" {
			return m
		}
	}
	if got, want := na.Cmp(nb), a.Cmp(b); got != want {
		return fmt.Sprintf("Cmp(%s, %s) = %d, want %d", a, b, got, want)
	}
	if got, want := na.Sign(), a.Sign(); got != want {
		return fmt.Sprintf("Sign(%s) = %d, want %d", a, got, want)
	}
	if got, want := na.toFloat(), toFloat(a); math.Float64bits(got) != math.Float64bits(want) {
		return fmt.Sprintf("toFloat(%s) = %v, want %v", a, got, want)
	}
	if a.Abs().LessThan(dec("9e18")) {
		if got, want := na.IntPart(), a.IntPart(); got != want {
			return fmt.Sprintf("IntPart(%s) = %d, want %d", a, got, want)
		}
	}
	return ""
}

// TestNumEdges: the boundaries of the int64 fast path.
func TestNumEdges(t *testing.T) {
	edges := []decimal.Decimal{
		decimal.Zero, decimal.New(0, -5), decimal.New(0, 3), decimal.New(1, 0), decimal.New(-1, 0),
		decimal.New(math.MaxInt64, 0), decimal.New(-math.MaxInt64, 0), decimal.New(math.MinInt64, 0),
		decimal.New(math.MaxInt64, -18), decimal.New(math.MaxInt64/10, -1), decimal.New(999999999999999999, -2),
		decimal.New(1e18, 0), decimal.New(5, -1), decimal.New(-5, -1), decimal.New(15, -1), decimal.New(-25, -1),
		decimal.New(4999999, -7), decimal.New(5000000, -7), decimal.New(-5000000, -7), decimal.New(3, 2),
		decimal.New(1, -19), decimal.New(9, -20), decimal.New(5, -19), decimal.New(1, 18), decimal.New(7, -16),
		decimal.New(1, -16), decimal.New(2, 0), decimal.New(49999999999999995, -19), decimal.New(-15, -17),
		dec("3385.06"), dec("2417.90"), dec("0.3333"), dec("6.10"), dec("1.05"), dec("12345678901234567890.5"),
	}
	for _, a := range edges {
		for _, b := range edges {
			for places := range int32(20) {
				if msg := checkNumOps(a, b, places, places%7-3); msg != "" {
					t.Error(msg)
				}
			}
		}
	}
}

func TestNumFromFormula(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	vals := []float64{0, -0.0, 1.5, 7.800000000000001, 1e12, -1e12, 1e12 + 1, 0.0000005, 0.0000015, 123456.7890125,
		math.NaN(), math.Inf(1), 2.675, 1.98, -3.5e-7}
	for range 100000 {
		vals = append(vals, (r.Float64()-0.5)*math.Pow(10, float64(r.IntN(16)-3)))
	}
	for _, v := range vals {
		got, err1 := numFromFormula(v)
		want, err2 := decimalFromFormula(v)
		if (err1 == nil) != (err2 == nil) || err1 == nil && !sameDecimal(got.dec(), want) {
			t.Fatalf("numFromFormula(%v) = %s, %v; want %s, %v", v, got.dec(), err1, want, err2)
		}
	}
}

// TestNumStaysSmall: a quote's everyday numbers never leave the int64 path,
// or the pricer would be as slow as before.
func TestNumStaysSmall(t *testing.T) {
	q, price, qty := numOf(dec("2.178")), numOf(dec("115.00")), numInt(3)
	cost := q.Mul(price).Mul(qty)
	sub := cost.Mul(numOf(dec("1.40"))).Round(2)
	share := sub.Mul(cost).QuoRound(cost.Add(numOf(dec("1000.5"))), 2)
	for _, n := range []num{cost, sub, share, share.QuoRound(qty, 2), numOf(dec("12.5")).CeilQuo(numOf(dec("6.10")))} {
		if n.big != nil {
			t.Errorf("%s went through decimal.Decimal", n.dec())
		}
	}
}

func FuzzNum(f *testing.F) {
	f.Add(int64(338506), int8(-2), int64(241790), int8(-2), uint8(2), int8(0))
	f.Add(int64(math.MaxInt64), int8(0), int64(-1), int8(-3), uint8(3), int8(-3))
	f.Add(int64(5), int8(-1), int64(3), int8(0), uint8(0), int8(2))
	f.Fuzz(func(t *testing.T, c1 int64, e1 int8, c2 int64, e2 int8, places uint8, shift int8) {
		if msg := checkNumOps(decimal.New(c1, int32(e1)), decimal.New(c2, int32(e2)), int32(places%20), int32(shift)); msg != "" {
			t.Fatal(msg)
		}
	})
}

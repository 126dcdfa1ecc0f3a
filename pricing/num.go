package pricing

import (
	"math"
	"math/bits"

	"github.com/shopspring/decimal"
)

// num is the pricer's working number: an exact decimal c × 10^e that gives
// exactly what decimal.Decimal gives, down to the exponent (Mul adds
// exponents, Add keeps the smaller one, rounding to n places gives −n, Div
// works to 16 decimals), but keeps the coefficient in an int64 while it
// fits. shopspring/decimal allocates a big.Int for every result, which was
// three quarters of the time of pricing a quote; here an operation whose
// result would not fit an int64 is done by decimal.Decimal instead, so
// nothing is ever rounded or lost. The tests in num_test.go check every
// operation against decimal.Decimal on random and extreme operands.
type num struct {
	c   int64            // coefficient, when big is nil; never math.MinInt64
	e   int32            // exponent, when big is nil
	big *decimal.Decimal // the value, when it does not fit
}

// maxSmallDigits: a coefficient of at most 18 digits fits an int64.
const maxSmallDigits = 18

var pow10u = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19}

var (
	numZero     = num{}
	numOne      = num{c: 1}
	numTwo      = num{c: 2}
	numThousand = num{c: 1000}
)

// numOf takes a decimal as is.
func numOf(d decimal.Decimal) num {
	if d.NumDigits() <= maxSmallDigits {
		return num{c: d.CoefficientInt64(), e: d.Exponent()}
	}
	big := new(decimal.Decimal) // not &d, which would put every d on the heap
	*big = d
	return num{big: big}
}

func numInt(i int64) num {
	if i == math.MinInt64 {
		d := decimal.NewFromInt(i)
		return num{big: &d}
	}
	return num{c: i}
}

// dec returns n as a decimal.Decimal (allocating, unless it is already one).
func (n num) dec() decimal.Decimal {
	if n.big != nil {
		return *n.big
	}
	return decimal.New(n.c, n.e)
}

// decimals hands out the decimals of one quote's results. Each costs two
// allocations (a big.Int and its word), and a quote repeats many values (the
// same quantities on several lines and windows, a unit price equal to the
// amount, zero buckets), so the last decimal made for each of a few
// hundred coefficient-exponent pairs is handed out again: decimals are
// immutable, and the old pricer shared them too (waste, unit prices). It
// lives for one PriceQuote call.
type decimals struct {
	slots [256]struct {
		c  int64
		e  int32
		ok bool
		d  decimal.Decimal
	}
}

func (ds *decimals) of(n num) decimal.Decimal {
	if n.big != nil {
		return *n.big
	}
	// Fibonacci hashing of the pair picks the slot.
	s := &ds.slots[(uint64(n.c)^uint64(n.e)<<40)*0x9E3779B97F4A7C15>>56]
	if s.ok && s.c == n.c && s.e == n.e {
		return s.d
	}
	s.c, s.e, s.ok, s.d = n.c, n.e, true, n.dec()
	return s.d
}

// abs64 is |c| for any int64 but math.MinInt64, which num never holds.
func abs64(c int64) uint64 {
	if c < 0 {
		return uint64(-c)
	}
	return uint64(c)
}

// signed makes a coefficient of magnitude u and the sign of neg, if it fits.
func signed(u uint64, neg bool) (int64, bool) {
	if u > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(u), true
	}
	return int64(u), true
}

// scaleUp multiplies c by 10^k, reporting overflow.
func scaleUp(c int64, k int64) (int64, bool) {
	if c == 0 {
		return 0, true
	}
	if k < 0 || k >= int64(len(pow10u)) {
		return 0, false
	}
	hi, lo := bits.Mul64(abs64(c), pow10u[k])
	if hi != 0 {
		return 0, false
	}
	return signed(lo, c < 0)
}

func (n num) Sign() int {
	switch {
	case n.big != nil:
		return n.big.Sign()
	case n.c > 0:
		return 1
	case n.c < 0:
		return -1
	}
	return 0
}

func (n num) IsZero() bool     { return n.Sign() == 0 }
func (n num) IsPositive() bool { return n.Sign() > 0 }
func (n num) IsNegative() bool { return n.Sign() < 0 }

// Cmp compares values, as decimal.Decimal.Cmp.
func (n num) Cmp(o num) int {
	if n.big == nil && o.big == nil {
		if n.e == o.e {
			return cmpInt(n.c, o.c)
		}
		// Rescale the one with the larger exponent; if it overflows, its
		// magnitude is larger than anything the other can hold.
		if s, so := n.Sign(), o.Sign(); s != so || s == 0 {
			return cmpInt(int64(s), int64(so))
		}
		if n.e > o.e {
			if c, ok := scaleUp(n.c, int64(n.e)-int64(o.e)); ok {
				return cmpInt(c, o.c)
			}
			return n.Sign()
		}
		if c, ok := scaleUp(o.c, int64(o.e)-int64(n.e)); ok {
			return cmpInt(n.c, c)
		}
		return -o.Sign()
	}
	return n.dec().Cmp(o.dec())
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Neg is −n.
func (n num) Neg() num {
	if n.big != nil {
		return numOf(n.big.Neg())
	}
	return num{c: -n.c, e: n.e}
}

// Add is n + o, with the smaller exponent of the two.
func (n num) Add(o num) num {
	if n.big == nil && o.big == nil {
		a, b, e, ok := n.c, o.c, n.e, true
		switch {
		case n.e > o.e:
			a, ok = scaleUp(n.c, int64(n.e)-int64(o.e))
			e = o.e
		case n.e < o.e:
			b, ok = scaleUp(o.c, int64(o.e)-int64(n.e))
		}
		if s, fits := add64(a, b); ok && fits {
			return num{c: s, e: e}
		}
	}
	return numOf(n.dec().Add(o.dec()))
}

// add64 is a + b, reporting overflow (math.MinInt64 counts as one).
func add64(a, b int64) (int64, bool) {
	s := a + b
	if (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0) || s == math.MinInt64 {
		return 0, false
	}
	return s, true
}

// Sub is n − o.
func (n num) Sub(o num) num { return n.Add(o.Neg()) }

// Mul is n × o, with the exponents added.
func (n num) Mul(o num) num {
	if n.big == nil && o.big == nil {
		e := int64(n.e) + int64(o.e)
		hi, lo := bits.Mul64(abs64(n.c), abs64(o.c))
		if c, ok := signed(lo, (n.c < 0) != (o.c < 0)); ok && hi == 0 && e == int64(int32(e)) {
			return num{c: c, e: int32(e)}
		}
	}
	return numOf(n.dec().Mul(o.dec()))
}

// Shift moves the decimal point: n × 10^k, as decimal.Decimal.Shift.
func (n num) Shift(k int32) num {
	if n.big != nil {
		return numOf(n.big.Shift(k))
	}
	if e := int64(n.e) + int64(k); e == int64(int32(e)) {
		return num{c: n.c, e: int32(e)}
	}
	return numOf(n.dec().Shift(k))
}

// Round rounds to places decimals with ties away from zero, exactly as
// roundHalfUp: a number already that short is returned as is.
func (n num) Round(places int32) num {
	if n.big != nil {
		return numOf(roundHalfUp(*n.big, places))
	}
	if n.e >= -places {
		return n
	}
	k := int64(-places) - int64(n.e) // digits to drop, ≥ 1
	if k >= int64(len(pow10u)) {
		// |c| < 10^19 ≤ 10^k: drops to 0 (or 1 unit), left to decimal.
		return numOf(roundHalfUp(n.dec(), places))
	}
	p := pow10u[k]
	u := abs64(n.c)
	q, r := u/p, u%p
	if r >= p-r { // r ≥ p/2: the dropped digits start with 5 or more
		q++
	}
	c, _ := signed(q, n.c < 0) // q ≤ |c|/10 + 1 always fits
	return num{c: c, e: -places}
}

// IntPart is the integer part (truncated toward zero), as decimal's.
func (n num) IntPart() int64 {
	switch {
	case n.big != nil:
		return n.big.IntPart()
	case n.e >= 0:
		if c, ok := scaleUp(n.c, int64(n.e)); ok {
			return c
		}
		return n.dec().IntPart()
	case n.e < -maxSmallDigits:
		return 0 // |c| < 10^19
	}
	return n.c / int64(pow10u[-n.e])
}

// toFloat is the float64 nearest to n, as toFloat of its decimal.
func (n num) toFloat() float64 {
	if n.big == nil && n.e <= 0 && n.e >= -22 && abs64(n.c) < 1e15 { // at most 15 digits
		return float64(n.c) / pow10[-n.e]
	}
	return toFloat(n.dec())
}

// divPrecision is decimal.DivisionPrecision, the decimals Div works to.
const divPrecision = 16

// quo16 is |n| / |o| as decimal.Decimal.Div computes it, as a 128-bit
// coefficient of exponent −16: the quotient truncated to 16 decimals, then
// rounded half up on the remainder. ok is false when the operands or the
// quotient do not fit the 128-bit arithmetic.
func quo16(n, o num) (hi, lo uint64, ok bool) {
	if n.big != nil || o.big != nil || o.c == 0 {
		return 0, 0, false
	}
	// n / o = (a × 10^k) / b × 10^-16, with k = e_n − e_o + 16.
	a, b := abs64(n.c), abs64(o.c)
	k := int64(n.e) - int64(o.e) + divPrecision
	if k < 0 {
		if -k >= int64(len(pow10u)) {
			return 0, 0, false
		}
		h, l := bits.Mul64(b, pow10u[-k])
		if h != 0 {
			return 0, 0, false
		}
		b, k = l, 0
	}
	if k >= int64(len(pow10u)) {
		return 0, 0, false
	}
	ah, al := bits.Mul64(a, pow10u[k])
	// 128-by-64 long division, high word first.
	qh, rh := ah/b, ah%b
	ql, r := bits.Div64(rh, al, b)
	if r >= b-r { // 2r ≥ b: round half up
		var carry uint64
		ql, carry = bits.Add64(ql, 1, 0)
		qh += carry
	}
	return qh, ql, true
}

// QuoRound is n.Div(o) rounded with roundHalfUp to places (< 16) decimals,
// the two roundings exactly as the decimal code does them, without the
// 16-decimal quotient having to fit an int64.
func (n num) QuoRound(o num, places int32) num {
	if hi, lo, ok := quo16(n, o); ok && places >= 0 && places < divPrecision {
		// Drop 16 − places digits, rounding half up on them.
		p := pow10u[divPrecision-places]
		if hi < p {
			q, r := bits.Div64(hi, lo, p)
			if r >= p-r {
				q++
			}
			if c, ok := signed(q, (n.c < 0) != (o.c < 0)); ok {
				return num{c: c, e: -places}
			}
		}
	}
	return numOf(roundHalfUp(n.dec().Div(o.dec()), places))
}

// CeilQuo is n.Div(o).Ceil(), as the compatible mode counts whole bars.
func (n num) CeilQuo(o num) num {
	if hi, lo, ok := quo16(n, o); ok && (n.c < 0) == (o.c < 0) {
		p := pow10u[divPrecision]
		if hi < p {
			q, r := bits.Div64(hi, lo, p)
			if r != 0 {
				q++
			}
			if c, ok := signed(q, false); ok {
				return num{c: c}
			}
		}
	}
	return numOf(n.dec().Div(o.dec()).Ceil())
}

// numFromFormula is decimalFromFormula as a num.
func numFromFormula(v float64) (num, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return numZero, formulaErr("formula.not_finite", 0, "")
	}
	if math.Abs(v) > maxFormulaMagnitude {
		return numZero, formulaErr("formula.too_large", 0, "")
	}
	// Trailing zeros are dropped (1.5 is 15e-1, not 1500000e-6) so the
	// products that follow stay short and RoundQty often has nothing to do.
	c := int64(math.Round(v * 1e6))
	var z int32 // trailing zeros to drop, at most 6; found in few divisions
	switch {
	case c%1000 != 0:
		switch {
		case c%100 == 0:
			z = 2
		case c%10 == 0:
			z = 1
		}
	case c%1_000_000 == 0:
		z = 6
	case c%100_000 == 0:
		z = 5
	case c%10_000 == 0:
		z = 4
	default:
		z = 3
	}
	return num{c: c / int64(pow10u[z]), e: z - 6}, nil
}

package pricing

import (
	"math/big"
	"math/bits"
	"reflect"
	"unsafe"

	"github.com/shopspring/decimal"
)

// Making the ~400 decimals of a quote's result was, even after everything
// else, close to half the time of pricing it: decimal.New allocates a
// big.Int and its one-word coefficient separately, and shopspring/decimal
// has no constructor that adopts a big.Int. So decimalSlab carves them out
// of arrays of 64 big.Ints and words, and builds each decimal.Decimal around
// its big.Int by writing the library's two fields (value *big.Int, exp
// int32) through a struct of the same layout.
//
// That layout is the library's private business, so slabLayoutOK checks it
// once (field names, types, offsets, size, and a few decimals built both
// ways) and, if anything differs, as after an upgrade that changes it,
// decimals are made with decimal.New as before. The big.Ints are safe to
// share out like this because decimal.Decimal never changes a value's
// big.Int in place: every operation writes a fresh one (TestDecimalSlab
// checks that operations leave slab decimals intact). Each word slice has
// capacity 1, so no big.Int can grow into its neighbour.
type decimalSlab struct {
	ints  []big.Int
	words []big.Word
}

// decimalLayout is decimal.Decimal's layout.
type decimalLayout struct {
	value *big.Int
	exp   int32
}

const slabSize = 64

var slabLayoutOK = checkSlabLayout()

// make returns c × 10^e; the same decimal as decimal.New(c, e).
func (s *decimalSlab) make(c int64, e int32) decimal.Decimal {
	if !slabLayoutOK {
		return decimal.New(c, e)
	}
	return s.build(c, e)
}

func (s *decimalSlab) build(c int64, e int32) decimal.Decimal {
	if len(s.ints) == 0 {
		s.ints, s.words = make([]big.Int, slabSize), make([]big.Word, slabSize)
	}
	x, w := &s.ints[0], s.words[:1:1]
	s.ints, s.words = s.ints[1:], s.words[1:]
	w[0] = big.Word(abs64(c)) // Words are 64 bits: checked with the layout
	x.SetBits(w)               // x uses w itself (no copy); 0 leaves it empty
	if c < 0 {
		x.Neg(x)
	}
	return *(*decimal.Decimal)(unsafe.Pointer(&decimalLayout{value: x, exp: e}))
}

// checkSlabLayout reports whether decimal.Decimal is laid out as
// decimalLayout and decimals made by decimalSlab equal decimal.New's.
func checkSlabLayout() bool {
	t, l := reflect.TypeFor[decimal.Decimal](), reflect.TypeFor[decimalLayout]()
	if bits.UintSize != 64 || t.Size() != l.Size() || t.NumField() != l.NumField() {
		return false
	}
	for i := range t.NumField() {
		f, g := t.Field(i), l.Field(i)
		if f.Name != g.Name || f.Type != g.Type || f.Offset != g.Offset {
			return false
		}
	}
	var s decimalSlab
	for _, v := range []struct {
		c int64
		e int32
	}{{105, -2}, {-7, 0}, {0, -3}, {1 << 62, 5}, {-(1 << 62), -20}} {
		got, want := s.build(v.c, v.e), decimal.New(v.c, v.e)
		if got.String() != want.String() || got.Exponent() != want.Exponent() || got.Cmp(want) != 0 ||
			got.CoefficientInt64() != v.c || got.Sign() != want.Sign() {
			return false
		}
	}
	return true
}

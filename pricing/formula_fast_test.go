package pricing

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// sameEval reports whether two evaluations agree: the same float bits, or
// the same error.
func sameEval(v1 float64, err1 error, v2 float64, err2 error) bool {
	if err1 != nil || err2 != nil {
		var f1, f2 *FormulaError
		return errors.As(err1, &f1) && errors.As(err2, &f2) && *f1 == *f2
	}
	return math.Float64bits(v1) == math.Float64bits(v2)
}

// evalDims are windows formulas are compared on: real ones, degenerate ones
// (zeros make divisions by zero) and huge ones.
func evalDims(r *rand.Rand, n int) []Dims {
	ds := append([]Dims(nil), fuzzDims...)
	ds = append(ds, NewDims(dec("100000"), dec("0.001"), 12, 10000))
	for range n {
		w := decimal.New(r.Int64N(3_000_000), -int32(r.IntN(4)))
		h := decimal.New(r.Int64N(3_000_000), -int32(r.IntN(4)))
		ds = append(ds, NewDims(w, h, r.IntN(5), 1+r.IntN(20)))
	}
	return ds
}

// randFormula writes a random formula of the allowed language: numbers,
// every variable, unary and binary operators, comparisons, logic,
// conditionals and every function, with and without parentheses.
func randFormula(r *rand.Rand, depth int) string {
	consts := []string{"0", "1", "2", "3", "0.5", "1e3", "3.14159", "0.1", "1e-7", "1e300", "10", "7", "2.675", ".25", "100"}
	if depth <= 0 || r.IntN(4) == 0 {
		if r.IntN(2) == 0 {
			return consts[r.IntN(len(consts))]
		}
		return formulaVariables[r.IntN(len(formulaVariables))]
	}
	sub := func() string { return randFormula(r, depth-1) }
	switch r.IntN(12) {
	case 0:
		return "(" + sub() + ")"
	case 1:
		return []string{"-", "+", "-(", "+("}[r.IntN(2)] + sub()
	case 2, 3, 4:
		ops := []string{"+", "-", "*", "/", "%", "^", "**"}
		return sub() + " " + ops[r.IntN(len(ops))] + " " + sub()
	case 5:
		return "(" + randCondition(r, depth-1) + ") ? " + sub() + " : " + sub()
	case 6:
		fns := []string{"abs", "ceil", "floor", "sqrt", "round", "math.ceil", "math.floor", "math.sqrt"}
		return fns[r.IntN(len(fns))] + "(" + sub() + ")"
	case 7:
		digits := []string{"0", "1", "2", "3", "-1", "-2", "15", "-15", "2.5", "16", "width_m", "1 + 1"}
		return "round(" + sub() + ", " + digits[r.IntN(len(digits))] + ")"
	case 8:
		args := []string{sub(), sub()}
		for r.IntN(2) == 0 {
			args = append(args, sub())
		}
		return []string{"min", "max"}[r.IntN(2)] + "(" + strings.Join(args, ", ") + ")"
	case 9:
		return "pow(" + sub() + ", " + sub() + ")"
	}
	return consts[r.IntN(len(consts))]
}

func randCondition(r *rand.Rand, depth int) string {
	switch r.IntN(5) {
	case 0:
		return randCondition(r, depth-1) + []string{" && ", " || ", " and ", " or "}[r.IntN(4)] + randCondition(r, depth-1)
	case 1:
		return []string{"!", "not "}[r.IntN(2)] + "(" + randCondition(r, depth-1) + ")"
	}
	cmp := []string{"==", "!=", "<", ">", "<=", ">="}
	return randFormula(r, depth-1) + " " + cmp[r.IntN(len(cmp))] + " " + randFormula(r, depth-1)
}

// checkFastMatchesExpr compiles src and, when it has a fast form, compares it
// with expr's program on every window.
func checkFastMatchesExpr(t *testing.T, src string, ds []Dims) (fast bool) {
	t.Helper()
	f, err := CompileFormula(src)
	if err != nil || f.fast == nil {
		return false
	}
	for _, d := range ds {
		v1, err1 := f.Eval(d)
		v2, err2 := refEval(f, d)
		if !sameEval(v1, err1, v2, err2) {
			t.Errorf("%q on %+v: fast %v (%v), expr %v (%v)", src, d, v1, err1, v2, err2)
			return true
		}
	}
	return true
}

func TestFastEvalMatchesExpr(t *testing.T) {
	seed := rand.Uint64()
	r := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)
	ds := evalDims(r, 20)
	for _, tt := range validFormulas {
		if !checkFastMatchesExpr(t, tt.src, ds) {
			t.Errorf("%q has no fast form", tt.src)
		}
	}
	for _, src := range append(genQtyFormulas, genBadFormulas...) {
		checkFastMatchesExpr(t, src, ds)
	}
	n := 20000
	if raceEnabled || testing.Short() {
		n = 2000
	}
	compiled, fast := 0, 0
	for range n {
		src := randFormula(r, 1+r.IntN(5))
		if _, err := CompileFormula(src); err == nil {
			compiled++
		}
		if checkFastMatchesExpr(t, src, ds) {
			fast++
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	// Nearly every formula that compiles has a fast form (not those with
	// round digits that are not a constant); if not, the test compares little.
	if fast < compiled*9/10 || compiled < n/2 {
		t.Errorf("%d of %d random formulas compiled, %d with a fast form", compiled, n, fast)
	}
	t.Logf("%d formulas, %d compiled, %d with a fast form", n, compiled, fast)
}

// TestFastEvalRoundDigits: round with digits expr would reject, or that are
// not known before the window, stays with expr and its error.
func TestFastEvalRoundDigits(t *testing.T) {
	for _, tt := range []struct {
		src  string
		fast bool
	}{
		{"round(width_m, 2)", true}, {"round(width_m, -1)", true}, {"round(width_m, 1 + 1)", true},
		{"round(width_m, 16)", false}, {"round(width_m, 2.5)", false}, {"round(width_m, hojas)", false},
	} {
		f, err := CompileFormula(tt.src)
		if err != nil {
			t.Fatal(err)
		}
		if (f.fast != nil) != tt.fast {
			t.Errorf("%q: fast form %v, want %v", tt.src, f.fast != nil, tt.fast)
		}
	}
	f, _ := CompileFormula("round(width_m, 16)")
	var fe *FormulaError
	if _, err := f.Eval(window1500x1200); !errors.As(err, &fe) || fe.Key != "formula.round_digits" {
		t.Errorf("round(width_m, 16): %v, want formula.round_digits", err)
	}
}

// TestFastEvalModuloInCall: expr does not apply the "%" overload inside a
// function's arguments, so such a formula compiles but fails when evaluated.
// The fast form must not quietly fix that (prices would change): it leaves
// those formulas to expr.
// "%" inside a function's arguments is Python's modulo like anywhere else
// (expr's operator override did not reach there; modToCall rewrites it).
func TestModuloInCall(t *testing.T) {
	for src, want := range map[string]float64{
		"max(7 % 3, 1)":                    1,
		"math.ceil(7.5 % 3)":               2,
		"abs(width_m > 1 ? -7 % 3 : 1)":    2,
		"round(width_mm % 400)":            300,
		"(7 % 3) + width_m % 2":            2.5,
		"min(height_mm % 500, 10) + 0 % 5": 10,
	} {
		f, err := CompileFormula(src)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		got, err := f.Eval(window1500x1200)
		if err != nil || got != want {
			t.Errorf("%q = %v, %v; want %v", src, got, err, want)
		}
		if f.fast == nil {
			t.Errorf("%q has no fast form", src)
		}
	}
}

func FuzzFastEval(f *testing.F) {
	for _, tt := range validFormulas {
		f.Add(tt.src, 1500.0, 1200.0, 2)
	}
	for _, s := range genQtyFormulas {
		f.Add(s, 0.0, 0.0, 0)
	}
	f.Add("0 * -1", 1.0, 1.0, 1)
	f.Add("width_mm % -0", 3.0, 1.0, 1)
	f.Fuzz(func(t *testing.T, src string, w, h float64, hojas int) {
		if math.IsNaN(w) || math.IsNaN(h) || math.IsInf(w, 0) || math.IsInf(h, 0) || math.Abs(w) > 1e9 || math.Abs(h) > 1e9 {
			return
		}
		d := NewDims(decimal.NewFromFloat(w), decimal.NewFromFloat(h), hojas%100, 1)
		checkFastMatchesExpr(t, src, []Dims{d, {}, window1500x1200})
	})
}

func BenchmarkEvalBOM12Expr(b *testing.B) {
	srcs := []string{
		"width_m", "width_m", "2 * height_m", "2 * (width_m / 2)", "2 * (width_m / 2)", "height_m",
		"area_m2 * 0.5", "4", "4 * (width_m / 2 + height_m)", "0.5", "hojas > 1 ? 20 : 10", "math.ceil(perimeter_m / 0.5)",
	}
	var forms []*Formula
	for _, s := range srcs {
		f, err := CompileFormula(s)
		if err != nil {
			b.Fatal(err)
		}
		forms = append(forms, f)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range forms {
			if _, err := refEval(f, window1500x1200); err != nil {
				b.Fatal(fmt.Sprint(err))
			}
		}
	}
}

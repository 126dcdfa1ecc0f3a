package pricing

import (
	"math"
	"strconv"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// A formula runs for every BOM line of every window on each keystroke of
// the quote editor, and expr's VM spends most of its time boxing float64s
// into interfaces. So an accepted formula is also compiled into a small tree
// of float64 operations (fastNode) that performs the very operations expr
// performs, in the same order, and Eval uses it. Formulas whose evaluation
// could fail (round with digits that are not a constant whole number
// between -15 and 15) keep to expr, which reports the error as before.
// TestFastEvalMatchesExpr and FuzzFastEval hold the two to the same bits.

type fastOp uint8

const (
	fastConst fastOp = iota
	fastVar          // a Dims field, by index
	fastNeg
	fastNot
	fastAdd
	fastSub
	fastMul
	fastDiv
	fastMod // Python's floored modulo: the "%" overload, pymod
	fastPow // "^", "**" and pow()
	fastEq
	fastNe
	fastLt
	fastGt
	fastLe
	fastGe
	fastAnd // short-circuit, as expr's jumps
	fastOr
	fastCond // cond ? a : b, only the chosen branch runs
	fastAbs
	fastCeil
	fastFloor
	fastSqrt
	fastRound       // round(x): ties to even
	fastRoundDigits // round(x, digits) with constant digits in val
	fastMin
	fastMax
)

type fastNode struct {
	op   fastOp
	val  float64 // fastConst: the value; fastRoundDigits: the digits
	v    int     // fastVar: index of the variable in formulaVariables
	args []*fastNode
}

// dimsField returns variable i of d, in formulaVariables order.
func dimsField(d *Dims, i int) float64 {
	switch i {
	case 0:
		return d.WidthMM
	case 1:
		return d.HeightMM
	case 2:
		return d.WidthCM
	case 3:
		return d.HeightCM
	case 4:
		return d.WidthM
	case 5:
		return d.HeightM
	case 6:
		return d.AreaM2
	case 7:
		return d.PerimeterM
	case 8:
		return d.Hojas
	}
	return d.Quantity
}

// num evaluates a number-valued node. Each operation's operands are the
// results of calls, so the compiler cannot fuse a multiply and an add into
// one FMA instruction, which expr would not do either.
func (n *fastNode) num(d *Dims) float64 {
	a := n.args
	switch n.op {
	case fastConst:
		return n.val
	case fastVar:
		return dimsField(d, n.v)
	case fastNeg:
		return -a[0].num(d)
	case fastAdd:
		return a[0].num(d) + a[1].num(d)
	case fastSub:
		return a[0].num(d) - a[1].num(d)
	case fastMul:
		return a[0].num(d) * a[1].num(d)
	case fastDiv:
		return a[0].num(d) / a[1].num(d)
	case fastMod:
		return floorMod(a[0].num(d), a[1].num(d))
	case fastPow:
		return math.Pow(a[0].num(d), a[1].num(d))
	case fastCond:
		if a[0].cond(d) {
			return a[1].num(d)
		}
		return a[2].num(d)
	case fastAbs:
		return math.Abs(a[0].num(d))
	case fastCeil:
		return math.Ceil(a[0].num(d))
	case fastFloor:
		return math.Floor(a[0].num(d))
	case fastSqrt:
		return math.Sqrt(a[0].num(d))
	case fastRound:
		return math.RoundToEven(a[0].num(d))
	case fastRoundDigits:
		return roundDigits(a[0].num(d), n.val)
	case fastMin, fastMax:
		pick := math.Min
		if n.op == fastMax {
			pick = math.Max
		}
		acc := a[0].num(d)
		for _, x := range a[1:] {
			acc = pick(acc, x.num(d))
		}
		return acc
	}
	panic("pricing: fastNode.num on a condition")
}

// cond evaluates a condition-valued node.
func (n *fastNode) cond(d *Dims) bool {
	a := n.args
	switch n.op {
	case fastNot:
		return !a[0].cond(d)
	case fastAnd:
		return a[0].cond(d) && a[1].cond(d)
	case fastOr:
		return a[0].cond(d) || a[1].cond(d)
	case fastEq:
		return a[0].num(d) == a[1].num(d)
	case fastNe:
		return a[0].num(d) != a[1].num(d)
	case fastLt:
		return a[0].num(d) < a[1].num(d)
	case fastGt:
		return a[0].num(d) > a[1].num(d)
	case fastLe:
		return a[0].num(d) <= a[1].num(d)
	case fastGe:
		return a[0].num(d) >= a[1].num(d)
	}
	panic("pricing: fastNode.cond on a number")
}

var (
	fastBinary = map[string]fastOp{
		"+": fastAdd, "-": fastSub, "*": fastMul, "/": fastDiv, "^": fastPow, "**": fastPow,
		"==": fastEq, "!=": fastNe, "<": fastLt, ">": fastGt, "<=": fastLe, ">=": fastGe,
		"&&": fastAnd, "and": fastAnd, "||": fastOr, "or": fastOr,
	}
	fastCalls = map[string]fastOp{
		"abs": fastAbs, "ceil": fastCeil, "floor": fastFloor, "sqrt": fastSqrt, "pow": fastPow,
		"min": fastMin, "max": fastMax, "round": fastRound, "pymod": fastMod,
	}
)

// compileFast translates the tree expr compiled prog from (patched and
// constant-folded); nil means "leave this formula to expr". A "%" that expr
// did not turn into a pymod call (it does not inside function arguments)
// fails at run time with "invalid operation: float64 % float64", so such
// formulas keep to expr and keep failing the same way.
func compileFast(prog *vm.Program) *fastNode {
	// expr's constant pool holds one entry per value, and -0 == +0, so every
	// zero literal of a program reads as whichever zero was added first.
	zero := math.NaN()
	for _, c := range prog.Constants {
		if f, ok := c.(float64); ok && f == 0 {
			zero = f
		}
	}
	return fastTree(prog.Node(), zero)
}

func fastTree(n ast.Node, zero float64) *fastNode {
	sub := func(nodes ...ast.Node) []*fastNode {
		out := make([]*fastNode, len(nodes))
		for i, a := range nodes {
			if out[i] = fastTree(a, zero); out[i] == nil {
				return nil
			}
		}
		return out
	}
	switch n := n.(type) {
	case *ast.FloatNode:
		if n.Value == 0 && !math.IsNaN(zero) {
			return &fastNode{op: fastConst, val: zero}
		}
		return &fastNode{op: fastConst, val: n.Value}
	case *ast.IdentifierNode:
		for i, name := range formulaVariables {
			if name == n.Value {
				return &fastNode{op: fastVar, v: i}
			}
		}
	case *ast.UnaryNode:
		args := sub(n.Node)
		switch {
		case args == nil:
		case n.Operator == "+":
			return args[0]
		case n.Operator == "-":
			return &fastNode{op: fastNeg, args: args}
		case n.Operator == "!" || n.Operator == "not":
			return &fastNode{op: fastNot, args: args}
		}
	case *ast.BinaryNode:
		if op, ok := fastBinary[n.Operator]; ok {
			if args := sub(n.Left, n.Right); args != nil {
				return &fastNode{op: op, args: args}
			}
		}
	case *ast.ConditionalNode:
		if args := sub(n.Cond, n.Exp1, n.Exp2); n.Ternary && args != nil {
			return &fastNode{op: fastCond, args: args}
		}
	case *ast.CallNode:
		name := ""
		switch callee := n.Callee.(type) {
		case *ast.IdentifierNode:
			name = callee.Value
		case *ast.MemberNode:
			if prop, ok := callee.Property.(*ast.StringNode); ok && mathFunctions[prop.Value] {
				name = prop.Value
			}
		}
		op, ok := fastCalls[name]
		args := sub(n.Arguments...)
		if !ok || args == nil {
			return nil
		}
		if op == fastRound && len(args) == 2 {
			// Only digits known now, and valid, make round(x, d) unable to fail.
			digits := args[1]
			if !digits.constant() {
				return nil
			}
			d := digits.num(&Dims{})
			if !validRoundDigits(d) {
				return nil
			}
			return &fastNode{op: fastRoundDigits, val: d, args: args[:1]}
		}
		return &fastNode{op: op, args: args}
	}
	return nil
}

// constant reports whether the node reads no variable.
func (n *fastNode) constant() bool {
	if n.op == fastVar {
		return false
	}
	for _, a := range n.args {
		if !a.constant() {
			return false
		}
	}
	return true
}

func validRoundDigits(d float64) bool { return d == math.Trunc(d) && d <= 15 && d >= -15 }

// roundDigits is Python's round(x, digits) for valid digits: x printed with
// that many decimals (correctly rounded, ties to even on the exact binary
// value) and read back; negative digits round to tens, hundreds...
func roundDigits(x, d float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	if d >= 0 {
		v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', int(d), 64), 64)
		return v
	}
	scale := math.Pow(10, -d)
	return math.RoundToEven(x/scale) * scale
}

// floorMod is Python's floored modulo (-1 % 3 == 2).
func floorMod(a, b float64) float64 {
	r := math.Mod(a, b)
	if r != 0 && (r < 0) != (b < 0) {
		r += b
	}
	return r
}
